"""Deterministic serializations of the dataset: the same quads give the same bytes.

A build writes the dataset dumps (N-Quads and TriG, every named graph) from per-graph chunks:
each graph's sorted N-Quads (its chunk, see graph/assemble.py) and TriG, in graph order. A
graph whose chunk did not change since the last build keeps its TriG bytes, copied from the
last build's dump (``dump-index.json`` beside it says where each graph's bytes are), so a
change serializes only the graphs it changed. The merged dumps (Turtle, N-Triples, JSON-LD:
every graph merged, sorted as a whole) are written by `kgbuild publish`, and by a build only
on demand (``merged=True``, `kgbuild build --merged`).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
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
    chunks: Mapping[str, bytes | memoryview],
    base: str,
    previous: Path | None = None,
    digests: dict[str, str] | None = None,
) -> tuple[bytes, dict[str, bytes]]:
    """The TriG prefix header and each graph's TriG body, in the order of ``chunks`` (each
    graph's sorted N-Quads).

    A graph whose chunk has the digest it had in the ``previous`` generation keeps its bytes
    from that generation's dataset.trig; the others are serialized. Serializing each graph
    alone (its prefix header cut) and concatenating gives the bytes of serializing all at
    once: a test checks it.
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
    digests = digests or chunk_digests(chunks)
    bodies: dict[str, bytes] = {}
    for name, chunk in chunks.items():
        entry = old.get(name)
        if entry is not None and entry[0] == digests[name] and header:
            bodies[name] = old_trig[entry[1] : entry[2]]
            continue
        data = pyoxigraph.serialize(
            pyoxigraph.parse(bytes(chunk), pyoxigraph.RdfFormat.N_QUADS),
            format=pyoxigraph.RdfFormat.TRIG,
            prefixes=prefixes(base),
        )
        own = _prefix_header(data)
        if header and own != header and previous is not None:
            return trig_chunks(chunks, base, None, digests)  # new prefixes: nothing is kept
        header = own
        bodies[name] = data[len(own) :]
    return header, bodies


def chunk_digests(chunks: Mapping[str, bytes | memoryview]) -> dict[str, str]:
    """The SHA-256 of each graph's chunk."""
    return {name: hashlib.sha256(chunk).hexdigest() for name, chunk in chunks.items()}


def _prefix_header(data: bytes) -> bytes:
    size = 0
    for line in data.splitlines(keepends=True):
        if not line.startswith(b"@prefix "):
            break
        size += len(line)
    return data[:size]


def write_build_outputs(
    chunks: Mapping[str, bytes | memoryview],
    base: str,
    out_dir: Path,
    extra: dict[str, bytes],
    previous: Path | None = None,
    merged: list[pyoxigraph.Quad] | None = None,
    nquads: bytes | None = None,
    digests: dict[str, str] | None = None,
) -> list[Path]:
    """Write the dataset dumps, the ``extra`` files (the validation report) and, given the
    quads to ``merged``, the merged dumps into ``out_dir``.

    ``out_dir`` is a build generation that nobody reads until the build commits it (see
    atomic.py), so the files are written straight into it. ``chunks``: each graph's sorted
    N-Quads, in graph order (dataset.nq is their concatenation); ``previous``: the last
    build's generation, whose TriG bytes unchanged graphs keep; ``nquads`` (the chunks joined)
    and ``digests`` (chunk_digests), if the caller has them. Raises OSError.
    """
    digests = digests or chunk_digests(chunks)
    header, bodies = trig_chunks(chunks, base, previous, digests)
    trig = bytearray(header)
    index: dict[str, list] = {}
    for name, body in bodies.items():
        index[name] = [digests[name], len(trig), len(trig) + len(body)]
        trig += body
    files = {
        "dataset.trig": bytes(trig),
        "dataset.nq": b"".join(chunks.values()) if nquads is None else nquads,
        **extra,
    }
    if merged is not None:
        triples = merged_triples(merged)
        files["graph.ttl"] = serialize_graph(triples, "ttl", base)
        files["graph.nt"] = serialize_graph(triples, "nt", base)
        files["graph.jsonld"] = serialize_graph(triples, "jsonld", base)
    written = []
    for name, data in files.items():
        write_file(out_dir / name, data)
        written.append(out_dir / name)
    write_file(out_dir / INDEX_FILE, json.dumps({"header": len(header), "graphs": index}).encode())
    return written
