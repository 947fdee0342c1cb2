"""Deterministic serializations of the dataset: the same quads give the same bytes.

A build writes the dataset dumps (N-Quads and TriG, every named graph) from per-graph chunks:
each graph's N-Quads (which the build has anyway, see rdf.graph_nquads) and TriG, in graph
order. A graph whose N-Quads did not change since the last build keeps its TriG bytes, copied
from the last build's dump (``dump-index.json`` beside it says where each graph's bytes are),
so a change serializes only the graphs it changed. The merged dumps (Turtle, N-Triples,
JSON-LD: every graph merged, sorted as a whole) are written by `kgbuild publish`, and by a
build only on demand (``merged=True``, `kgbuild build --merged`).
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyoxigraph

from kgbuild.atomic import write_file
from kgbuild.namespaces import prefixes

BUILD_FILES = ("dataset.trig", "dataset.nq")
MERGED_FILES = ("graph.ttl", "graph.nt", "graph.jsonld")
REPORT_FILE = "validation.json"
INDEX_FILE = "dump-index.json"  # in the build generation: each graph's digest and TriG bytes


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


def trig_chunks(
    quads: list[pyoxigraph.Quad],
    chunks: dict[str, bytes],
    base: str,
    previous: Path | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """The TriG prefix header and each graph's TriG body, in the order of ``chunks``.

    A graph whose N-Quads chunk has the digest it had in the ``previous`` generation keeps its
    bytes from that generation's dataset.trig; the others are serialized. Serializing each
    graph alone (its prefix header cut) and concatenating gives the bytes of serializing all
    at once: a test checks it.
    """
    old: dict[str, list] = {}
    old_trig = b""
    header = b""
    if previous is not None:
        try:
            index = json.loads((previous / INDEX_FILE).read_text())
            old_trig = (previous / "dataset.trig").read_bytes()
            old, header = index["graphs"], old_trig[: index["header"]]
        except (OSError, ValueError, KeyError):
            old, old_trig, header = {}, b"", b""
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in chunks.items()}
    graphs: dict[str, list[pyoxigraph.Quad]] | None = None
    bodies: dict[str, bytes] = {}
    for name in chunks:
        entry = old.get(name)
        if entry is not None and entry[0] == digests[name] and header:
            bodies[name] = old_trig[entry[1] : entry[2]]
            continue
        if graphs is None:
            graphs = {}
            for q in quads:
                graphs.setdefault(q.graph_name.value, []).append(q)
        data = pyoxigraph.serialize(
            graphs[name], format=pyoxigraph.RdfFormat.TRIG, prefixes=prefixes(base)
        )
        own = _prefix_header(data)
        if header and own != header:  # the prefixes changed: nothing can be kept
            return trig_chunks(quads, chunks, base, None)
        header = own
        bodies[name] = data[len(own) :]
    return header, bodies


def _prefix_header(data: bytes) -> bytes:
    size = 0
    for line in data.splitlines(keepends=True):
        if not line.startswith(b"@prefix "):
            break
        size += len(line)
    return data[:size]


def write_build_outputs(
    quads: list[pyoxigraph.Quad],
    base: str,
    out_dir: Path,
    extra: dict[str, bytes],
    chunks: dict[str, bytes],
    previous: Path | None = None,
    merged: bool = False,
) -> list[Path]:
    """Write the dataset dumps, the ``extra`` files (the validation report) and, if
    ``merged``, the merged dumps into ``out_dir``.

    ``out_dir`` is a build generation that nobody reads until the build commits it (see
    atomic.py), so the files are written straight into it. ``quads`` in sorted_quads order;
    ``chunks`` their graphs' N-Quads (rdf.graph_nquads); ``previous``: the last build's
    generation, whose TriG bytes unchanged graphs keep. Raises OSError.
    """
    header, bodies = trig_chunks(quads, chunks, base, previous)
    trig = bytearray(header)
    index: dict[str, list] = {}
    for name, body in bodies.items():
        index[name] = [hashlib.sha256(chunks[name]).hexdigest(), len(trig), len(trig) + len(body)]
        trig += body
    files = {
        "dataset.trig": bytes(trig),
        "dataset.nq": b"".join(chunks.values()),
        **extra,
    }
    if merged:
        triples = merged_triples(quads)
        files["graph.ttl"] = serialize_graph(triples, "ttl", base)
        files["graph.nt"] = serialize_graph(triples, "nt", base)
        files["graph.jsonld"] = serialize_graph(triples, "jsonld", base)
    written = []
    for name, data in files.items():
        write_file(out_dir / name, data)
        written.append(out_dir / name)
    write_file(out_dir / INDEX_FILE, json.dumps({"header": len(header), "graphs": index}).encode())
    return written
