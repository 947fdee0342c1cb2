"""Deterministic serializations of the dataset, written beside the old ones then renamed."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import pyoxigraph

from .errors import OutputError
from .namespaces import prefixes
from .project import Project
from .validate import ValidationReport

BUILD_FILES = ("dataset.trig", "dataset.nq", "graph.ttl", "graph.nt", "graph.jsonld")
REPORT_FILE = "validation.json"


def merged_triples(quads: list[pyoxigraph.Quad]) -> list[pyoxigraph.Triple]:
    """The union of all graphs: each triple once, in a fixed order."""
    unique = {
        str(t): t for t in (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
    }
    # Sorting the N-Triples lines sorts by (subject, predicate, object): a subject or
    # predicate term never continues with a character below the separating space.
    return [unique[k] for k in sorted(unique)]


def serialize_dataset(quads: list[pyoxigraph.Quad], fmt: str, base: str) -> bytes:
    """TriG or N-Quads of every named graph; the input order is kept, so sort it first."""
    formats = {"trig": pyoxigraph.RdfFormat.TRIG, "nq": pyoxigraph.RdfFormat.N_QUADS}
    return pyoxigraph.serialize(quads, format=formats[fmt], prefixes=prefixes(base))


def serialize_graph(triples: list[pyoxigraph.Triple], fmt: str, base: str) -> bytes:
    """Turtle, N-Triples or JSON-LD of the merged graph."""
    formats = {
        "ttl": pyoxigraph.RdfFormat.TURTLE,
        "nt": pyoxigraph.RdfFormat.N_TRIPLES,
        "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    }
    return pyoxigraph.serialize(triples, format=formats[fmt], prefixes=prefixes(base))


def _canonical_json(value):  # type: ignore[no-untyped-def]
    """Sort arrays of nodes and values so that the same graph gives the same bytes."""
    if isinstance(value, dict):
        return {k: _canonical_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_canonical_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def write_build_outputs(
    quads: list[pyoxigraph.Quad],
    project: Project,
    out_dir: Path,
    report: ValidationReport,
    triples: list[pyoxigraph.Triple] | None = None,
) -> list[Path]:
    """Write the five dumps and the validation report into ``out_dir``; each file appears
    whole or not at all. ``quads`` in sorted_quads order; ``triples`` their merge, if the
    caller has it already."""
    triples = merged_triples(quads) if triples is None else triples
    writers: dict[str, Callable[[], bytes]] = {
        "dataset.trig": lambda: serialize_dataset(quads, "trig", project.base),
        "dataset.nq": lambda: serialize_dataset(quads, "nq", project.base),
        "graph.ttl": lambda: serialize_graph(triples, "ttl", project.base),
        "graph.nt": lambda: serialize_graph(triples, "nt", project.base),
        "graph.jsonld": lambda: serialize_graph(triples, "jsonld", project.base),
        REPORT_FILE: lambda: report.to_json().encode("utf-8"),
    }
    return write_files_atomically(out_dir, writers)


def write_files_atomically(out_dir: Path, writers: dict[str, Callable[[], bytes]]) -> list[Path]:
    """Make every file in a staging folder beside ``out_dir``, then rename each into place.

    If making any file fails, nothing in ``out_dir`` changes. Other files in ``out_dir``
    (such as a release folder) are left alone.
    """
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".staging-", dir=out_dir))
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot create the output folder: {exc.strerror}",
            hint="choose a writable folder with --out",
        ) from None
    try:
        for name, make in writers.items():
            data = make()
            with open(staging / name, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
        written = []
        for name in writers:
            os.replace(staging / name, out_dir / name)
            written.append(out_dir / name)
        return written
    except OSError as exc:
        raise OutputError(
            f"{out_dir}: cannot write the outputs: {exc.strerror}",
            hint="check free space and permissions; nothing was replaced",
        ) from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
