"""The package reads as the data flows, with no import cycle and a front door.

sources → graph → validation → incremental → release, drafting beside them: a package may
import the ones before it (and the
shared modules at the top: errors, project, namespaces, rdf, atomic, cache), never the ones
after it, and no module but the CLI imports the orchestrator (kgbuild.pipeline).
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import kgbuild
from tests.conftest import ROOT, committed_copy

PACKAGE = ROOT / "kgbuild"
# drafting sits beside the flow: it may read what the stages before it make, none imports it
ORDER = ["sources", "graph", "validation", "incremental", "release", "drafting"]
MODULES = sorted(
    ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
    for path in PACKAGE.rglob("*.py")
)


def imported(path: Path) -> set[str]:
    """Every kgbuild module ``path`` imports, at the top or inside a function."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            if node.module == "kgbuild":  # from kgbuild import pipeline
                out.update(f"kgbuild.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            out.update(alias.name for alias in node.names)
    return {name for name in out if name == "kgbuild" or name.startswith("kgbuild.")}


def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    """An import cycle shows when a module of the cycle is the first one imported."""
    script = (
        "import importlib, sys\n"
        f"for name in {MODULES!r}:\n"
        "    for loaded in [m for m in sys.modules if m.split('.')[0] == 'kgbuild']:\n"
        "        del sys.modules[loaded]\n"
        "    importlib.import_module(name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.parametrize("module", MODULES)
def test_no_module_imports_downstream_or_the_orchestrator(module: str) -> None:
    parts = module.split(".")
    path = ROOT.joinpath(*parts)
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    stage = ORDER.index(parts[1]) if len(parts) > 2 and parts[1] in ORDER else None
    for name in imported(path):
        top = module.split(".")[:2]
        if module != "kgbuild" and top[-1] not in ("cli", "pipeline"):
            assert name.split(".")[:2] not in (
                ["kgbuild", "pipeline"],
                ["kgbuild", "cli"],
            ), f"{module} imports {name}"
        target = name.split(".")
        if stage is not None and len(target) > 1 and target[1] in ORDER:
            assert ORDER.index(target[1]) <= stage, f"{module} imports downstream {name}"
        if len(parts) == 2 and module not in (
            "kgbuild.pipeline",
            "kgbuild.cli",
            "kgbuild.__version__",
        ):
            # the shared modules at the top import no stage at all
            assert len(target) < 2 or target[1] not in ORDER, f"{module} imports {name}"


def test_the_front_door_has_the_five_functions_taking_the_project_first() -> None:
    import inspect

    for name in ("build", "query", "validate", "publish", "push"):
        function = getattr(kgbuild, name)
        first = next(iter(inspect.signature(function).parameters))
        assert first == "project", f"kgbuild.{name} takes {first} first"


def test_import_kgbuild_then_build_works_from_a_clone(tmp_path: Path) -> None:
    """`python -c "import kgbuild; kgbuild.build('.')"` in a copy of the repository."""
    committed_copy(tmp_path)
    done = subprocess.run(
        [sys.executable, "-c", "import kgbuild; kgbuild.build('.')"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "dist" / "dataset.trig").is_file()


def test_corpus_generator_is_benchmark_support_not_installed() -> None:
    assert not (PACKAGE / "corpus.py").exists()
    assert (ROOT / "benchmarks" / "corpus.py").is_file()


def test_every_user_facing_error_lives_in_errors_and_pickles_whole() -> None:
    """One error module; a worker process's error reaches the parent as the same object."""
    import pickle

    from kgbuild import errors

    for path in PACKAGE.rglob("*.py"):
        if path.name == "errors.py" and path.parent == PACKAGE:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ClassDef):
                bases = {getattr(b, "id", getattr(b, "attr", "")) for b in node.bases}
                assert not bases & {"KGBuildError", "InputError", "OutputError"}, (
                    f"{path.name} defines the error {node.name}"
                )
    where = errors.Location(Path("data/documents/x.yaml"), 3, "event/x")
    for error in [
        errors.InputError(where, "bad key", hint="fix it"),
        errors.EvidenceError(where, "quote missing"),
        errors.ValidationFailed("violations", result={"violations": 2}),
        errors.PushError("refused", result={"graphs": 1}),
        errors.QueryError("syntax error", hint="see the column"),
    ]:
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error)
        assert (str(again), again.exit_code, again.hint) == (
            str(error),
            error.exit_code,
            error.hint,
        )
        assert getattr(again, "where", None) == getattr(error, "where", None)
        assert getattr(again, "result", None) == getattr(error, "result", None)
