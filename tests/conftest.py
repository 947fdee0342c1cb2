"""Shared fixtures: the project, and one build of it for the whole session."""

from __future__ import annotations

import atexit
import functools
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from kgbuild.namespaces import prefixes
from kgbuild.pipeline import BuildResult, build
from kgbuild.project import Project

ROOT = Path(__file__).resolve().parent.parent
PROJECT_FOLDERS = ("data", "ontology", "shapes", "queries")


def committed_copy(target: Path) -> Path:
    """A copy of the project's folders as git tracks them (a maintainer's drafts and other
    untracked files in data/ stay out), or whole when this is no git checkout."""
    import subprocess

    listed = subprocess.run(
        ["git", "ls-files", "-z", *PROJECT_FOLDERS], cwd=ROOT, capture_output=True
    )
    names = [n for n in listed.stdout.decode("utf-8").split("\0") if n]
    if listed.returncode != 0 or not names:
        for folder in PROJECT_FOLDERS:
            shutil.copytree(ROOT / folder, target / folder)
        return target
    for name in names:
        if (ROOT / name).is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, target / name)
    return target


@functools.cache
def committed() -> Path:
    """One copy of the project as git has it, for the whole run (made on first use): the tests
    that check the shipped dataset's facts and outputs build it, never the working data/."""
    target = Path(tempfile.mkdtemp(prefix="kgbuild-committed-"))
    atexit.register(shutil.rmtree, target, True)
    return committed_copy(target)


@pytest.fixture(scope="session")
def project() -> Project:
    return Project.at(committed(), "https://w3id.org/kgbuild/id/")


@pytest.fixture(scope="session")
def built(project: Project, tmp_path_factory: pytest.TempPathFactory) -> tuple[BuildResult, Path]:
    out = tmp_path_factory.mktemp("dist")
    return build(project, out_dir=out), out


@pytest.fixture(scope="session")
def store(built: tuple[BuildResult, Path]) -> pyoxigraph.Store:
    """The built dataset in an in-memory store; the default graph is the union of all graphs."""
    result, _ = built
    store = pyoxigraph.Store()
    store.extend(result.assembly.quads)
    return store


class Sparql:
    """Runs SELECT queries over the union of graphs with the project prefixes declared."""

    def __init__(self, store: pyoxigraph.Store, base: str) -> None:
        self.store = store
        self.header = "".join(f"PREFIX {k}: <{v}>\n" for k, v in prefixes(base).items())

    def rows(self, query: str) -> list[dict[str, str]]:
        results = self.store.query(self.header + query, use_default_graph_as_union=True)
        return [
            {str(v)[1:]: sol[v].value for v in results.variables if sol[v] is not None}
            for sol in results
        ]

    def ask(self, query: str) -> bool:
        return bool(self.store.query(self.header + query, use_default_graph_as_union=True))


@pytest.fixture(scope="session")
def sparql(store: pyoxigraph.Store, project: Project) -> Sparql:
    return Sparql(store, project.base)


@pytest.fixture(scope="session")
def release(project: Project, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One published release for the session."""
    from kgbuild.pipeline import publish

    out = tmp_path_factory.mktemp("release") / "release"
    publish(project, out, issued="2026-11-23")
    return out


@pytest.fixture(scope="session")
def virtuoso(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    """A real Virtuoso (Debian's virtuoso-opensource) of the session's own, in a temporary
    folder on free loopback ports (see benchmarks/engines.py), stopped at the end."""
    from engines import virtuoso_available, virtuoso_server

    if not virtuoso_available():
        # On a newcomer's machine these tests skip; under CI they must run.
        if os.environ.get("CI") or os.environ.get("KGBUILD_REQUIRE_VIRTUOSO") == "1":
            pytest.fail(
                "the Virtuoso tests need Debian's virtuoso-opensource "
                "(apt-get install virtuoso-opensource; .ci/run installs it)"
            )
        pytest.skip(
            "Virtuoso tests skipped: no virtuoso-t; to run them: "
            "apt-get install virtuoso-opensource (CI requires it)"
        )
    with virtuoso_server(tmp_path_factory.mktemp("virtuoso")) as server:
        yield server
