"""Where a kgbuild project keeps its inputs, and the base IRI its data is minted from."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kgbuild.errors import InputError
from kgbuild.namespaces import DEFAULT_BASE

BASE_ENV = "KGBUILD_BASE"


@dataclass(frozen=True)
class Project:
    """The project's folders. Every path is derived from ``root``; nothing is global."""

    root: Path
    base: str = DEFAULT_BASE

    @classmethod
    def at(cls, root: Path | str = ".", base: str | None = None) -> Project:
        """The project rooted at ``root``; ``base`` defaults to $KGBUILD_BASE, then the default."""
        root = Path(root).resolve()
        base = base or os.environ.get(BASE_ENV) or DEFAULT_BASE
        if not base.endswith(("/", "#")):
            raise InputError(
                Path(BASE_ENV), f"base IRI {base!r} must end with '/'", hint="add a trailing '/'"
            )
        project = cls(root=root, base=base)
        for folder in (project.ontology_dir, project.shapes_dir, project.documents_dir):
            if not folder.is_dir():
                raise InputError(
                    folder,
                    "folder not found: this does not look like a kgbuild project",
                    hint="run kgbuild from the project folder or pass --project DIR",
                )
        return project

    @property
    def ontology_dir(self) -> Path:
        return self.root / "ontology"

    @property
    def ontology_file(self) -> Path:
        return self.ontology_dir / "kgbuild.ttl"

    @property
    def vocabularies_file(self) -> Path:
        return self.ontology_dir / "vocabularies.ttl"

    @property
    def shapes_dir(self) -> Path:
        return self.root / "shapes"

    @property
    def shapes_file(self) -> Path:
        return self.shapes_dir / "kgbuild-shapes.ttl"

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def documents_dir(self) -> Path:
        return self.data_dir / "documents"

    @property
    def context_file(self) -> Path:
        return self.data_dir / "context.jsonld"

    @property
    def entities_file(self) -> Path:
        return self.data_dir / "entities.yaml"

    @property
    def release_file(self) -> Path:
        return self.data_dir / "release.yaml"

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def dist_dir(self) -> Path:
        return self.root / "dist"

    def graph_iri(self, name: str) -> str:
        return f"{self.base}graph/{name}"

    def source_iri(self, doc_id: str) -> str:
        return f"{self.base}source/{doc_id}"
