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
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kgbuild.errors import KGBuildError

STORE_DIR = "store"


class NotBuilt(KGBuildError):
    """There is no built dataset to query yet (exit 2)."""


GRAPHS_FILE = "store-graphs.json"  # beside the store: the SHA-256 of each named graph in it
INCREMENTAL_SHARE = 0.2  # update the previous store in place when at most this share changed
NQ = pyoxigraph.RdfFormat.N_QUADS
_GRAPH_TERM = re.compile(rb" <[^<>\s]*> \.$", re.MULTILINE)


@dataclass
class StoreChanges:
    """What an update changed: the quads added to and removed from the named graphs, and the
    triples that entered or left the merged default graph."""

    named_added: list[pyoxigraph.Quad] = field(default_factory=list)
    named_removed: list[pyoxigraph.Quad] = field(default_factory=list)
    merged_added: list[pyoxigraph.Triple] = field(default_factory=list)
    merged_removed: list[pyoxigraph.Triple] = field(default_factory=list)

    def named_nodes(self) -> set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
        """Every subject and node object of a quad added or removed."""
        return _nodes(self.named_added + self.named_removed)

    def merged_nodes(self) -> set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
        """Every subject and node object of a triple that entered or left the merged graph."""
        return _nodes(self.merged_added + self.merged_removed)

    def merged_subjects(self) -> set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
        return {t.subject for t in self.merged_added + self.merged_removed}


def _nodes(
    items: list[pyoxigraph.Quad] | list[pyoxigraph.Triple],
) -> set[pyoxigraph.NamedNode | pyoxigraph.BlankNode]:
    out: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = set()
    for t in items:
        out.add(t.subject)
        if isinstance(t.object, pyoxigraph.NamedNode | pyoxigraph.BlankNode):
            out.add(t.object)
    return out


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


def copy_previous(previous: Path | None, target: Path) -> pyoxigraph.Store | None:
    """A writable copy (RocksDB checkpoint: hard links) of the store in the generation
    ``previous``; None when there is none to copy."""
    if previous is None:
        return None
    try:
        old = pyoxigraph.Store.read_only(str(previous / STORE_DIR))
        old.backup(str(target))
        del old
        return pyoxigraph.Store(str(target))
    except OSError:
        shutil.rmtree(target, ignore_errors=True)
        return None


def apply_changes(
    store: pyoxigraph.Store,
    changes: dict[str, tuple[bytes, bytes]],
    skip: set[str],
) -> StoreChanges:
    """Update the named graphs whose chunk changed (graph -> (old chunk, new chunk)) by the
    lines that differ, and the merged default graph with them: a removed triple leaves it only
    when no named graph (``skip`` aside: the inferred one) still holds it."""
    done = StoreChanges()
    default = pyoxigraph.DefaultGraph()
    for name in sorted(changes):
        old, new = changes[name]
        old_lines, new_lines = set(old.splitlines(True)), set(new.splitlines(True))
        done.named_removed += _parse(sorted(old_lines - new_lines))
        done.named_added += _parse(sorted(new_lines - old_lines))
    for q in done.named_removed:
        store.remove(q)
    store.extend(done.named_added)
    for q in done.named_added:
        merged = pyoxigraph.Quad(q.subject, q.predicate, q.object, default)
        if merged not in store:
            store.add(merged)
            done.merged_added.append(q.triple)
    for q in done.named_removed:
        if not any(
            isinstance(h.graph_name, pyoxigraph.NamedNode) and h.graph_name.value not in skip
            for h in store.quads_for_pattern(q.subject, q.predicate, q.object, None)
        ):
            merged = pyoxigraph.Quad(q.subject, q.predicate, q.object, default)
            if merged in store:
                store.remove(merged)
                done.merged_removed.append(q.triple)
    return done


def _parse(lines: list[bytes]) -> list[pyoxigraph.Quad]:
    return list(pyoxigraph.parse(b"".join(lines), NQ)) if lines else []


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
