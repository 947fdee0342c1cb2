"""The persistent pyoxigraph store that `kgbuild build` leaves for queries.

`dist/store/` holds every named graph of the dataset, their merge (each triple once) as the
default graph, and `<base>graph/inferred` (see reasoning.py).
Queries open it read-only: no dump is re-parsed, so a query process starts in milliseconds.
It is written into the build's new generation folder, which one rename commits (see
atomic.py), so readers never see half a store.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pyoxigraph

from kgbuild.errors import NotBuilt

STORE_DIR = "store"


GRAPHS_FILE = "store-graphs.json"  # beside the store: the SHA-256 of each named graph in it
NQ = pyoxigraph.RdfFormat.N_QUADS
_GRAPH_TERM = re.compile(rb" <[^<>\s]*> \.$", re.MULTILINE)


def merged_ntriples(nquads: bytes) -> bytes:
    """N-Quads of named graphs as N-Triples (each line's graph term cut): what the merged
    default graph is loaded from (the store keeps each triple once)."""
    return _GRAPH_TERM.sub(b" .", nquads)


def load_fresh(target: Path, nquads: bytes, merged_nt: bytes) -> pyoxigraph.Store:
    """A new store at ``target`` with every named graph of ``nquads`` and their merge
    (``merged_nt``: merged_ntriples(nquads)) as the default graph (bulk loads: the bytes are
    never turned into Python objects)."""
    shutil.rmtree(target, ignore_errors=True)
    store = pyoxigraph.Store(str(target))
    store.bulk_load(nquads, NQ)
    store.bulk_load(merged_nt, pyoxigraph.RdfFormat.N_TRIPLES, to_graph=pyoxigraph.DefaultGraph())
    return store


def merged_size(store: pyoxigraph.Store) -> int:
    """How many triples the merged default graph holds."""
    rows = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(next(iter(rows))[0].value)


def write_digests(out_dir: Path, digests: dict[str, str]) -> None:
    """The SHA-256 of each named graph's chunk, beside the store."""
    (out_dir / GRAPHS_FILE).write_text(json.dumps(digests, indent=1, sort_keys=True))


def replace_graphs(
    store: pyoxigraph.Store, names: set[str], quads: list[pyoxigraph.Quad], inferred_iri: str
) -> bool:
    """Drop the named graphs ``names`` and add ``quads`` (to their named graphs and to the
    merged default graph); a dropped triple leaves the merged graph only if no other named
    graph (the inferred one aside) still asserts it. True if any of ``names`` was there."""
    default = pyoxigraph.DefaultGraph()
    gone: dict[str, pyoxigraph.Triple] = {}
    for name in sorted(names):
        graph = pyoxigraph.NamedNode(name)
        for q in store.quads_for_pattern(None, None, None, graph):
            gone[str(q.triple)] = q.triple
        store.remove_graph(graph)
    store.extend(quads)
    store.extend(pyoxigraph.Quad(q.subject, q.predicate, q.object, default) for q in quads)
    for t in gone.values():
        holders = store.quads_for_pattern(t.subject, t.predicate, t.object, None)
        if not any(
            isinstance(h.graph_name, pyoxigraph.NamedNode) and h.graph_name.value != inferred_iri
            for h in holders
        ):
            store.remove(pyoxigraph.Quad(t.subject, t.predicate, t.object, default))
    return bool(gone)


def open_store(dist: Path) -> pyoxigraph.Store:
    """The last built store, read-only; NotBuilt if there is none."""
    path = dist / STORE_DIR
    if not path.is_dir():
        raise NotBuilt(
            f"nothing is built in {dist} yet (no {STORE_DIR}/ folder)",
            hint="run 'kgbuild build' first (or pass --dist to the folder you built into)",
        )
    try:
        return pyoxigraph.Store.read_only(str(path))
    except OSError as exc:
        raise NotBuilt(
            f"{path}: cannot open the store: {exc}", hint="run 'kgbuild build' again"
        ) from None
