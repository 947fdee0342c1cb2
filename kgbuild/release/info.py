"""What a release says about the dataset (title, description, licence, creator): data in the
project (``data/release.yaml``), not constants in code."""

from __future__ import annotations

from dataclasses import dataclass

from kgbuild.errors import InputError
from kgbuild.project import Project
from kgbuild.sources.yamlio import read_yaml

FIELDS = ("title", "description", "license", "creator")


@dataclass(frozen=True)
class ReleaseInfo:
    title: str
    description: str
    license: str  # an IRI
    creator: str


def read_release_info(project: Project) -> ReleaseInfo:
    """``data/release.yaml``, checked: every field present, a text, the licence an IRI."""
    path = project.release_file
    if not path.is_file():
        raise InputError(
            path,
            "no release description",
            hint=f"add {path.name} with {', '.join(FIELDS)} (see docs/publishing.md)",
        )
    data = read_yaml(path)
    if not isinstance(data, dict):
        raise InputError(path, "expected a mapping of " + ", ".join(FIELDS))
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise InputError(
            data.where(), f"unknown key {unknown[0]!r}", hint="use " + ", ".join(FIELDS)
        )
    for key in FIELDS:
        value = data.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(data.where(), f"{key!r} is missing or not a text")
    if not data["license"].startswith(("http://", "https://")):
        raise InputError(data.where(), "'license' must be the licence's IRI (https://...)")
    return ReleaseInfo(*(data[key].strip() for key in FIELDS))
