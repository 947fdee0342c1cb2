"""Deterministic serializations of the dataset: the same quads give the same bytes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pyoxigraph

from kgbuild.atomic import write_file
from kgbuild.namespaces import prefixes

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


def canonical_json(value: Any) -> Any:
    """Sort arrays of nodes and values so that the same graph gives the same bytes."""
    if isinstance(value, dict):
        return {k: canonical_json(v) for k, v in value.items()}
    if isinstance(value, list):
        items = [canonical_json(v) for v in value]
        return sorted(items, key=lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
    return value


def write_build_outputs(
    quads: list[pyoxigraph.Quad],
    base: str,
    out_dir: Path,
    extra: dict[str, bytes],
    triples: list[pyoxigraph.Triple] | None = None,
) -> list[Path]:
    """Write the five dumps and the ``extra`` files (the validation report) into ``out_dir``.

    ``out_dir`` is a build generation that nobody reads until the build commits it (see
    atomic.py), so the files are written straight into it. ``quads`` in sorted_quads order;
    ``triples`` their merge, if the caller has it already. Raises OSError.
    """
    triples = merged_triples(quads) if triples is None else triples
    files = {
        "dataset.trig": serialize_dataset(quads, "trig", base),
        "dataset.nq": serialize_dataset(quads, "nq", base),
        "graph.ttl": serialize_graph(triples, "ttl", base),
        "graph.nt": serialize_graph(triples, "nt", base),
        "graph.jsonld": serialize_graph(triples, "jsonld", base),
        **extra,
    }
    written = []
    for name, data in files.items():
        write_file(out_dir / name, data)
        written.append(out_dir / name)
    return written
