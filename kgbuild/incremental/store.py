"""Updating the previous build's store instead of loading a new one.

A writable copy of the last store (a RocksDB checkpoint: hard links, in milliseconds) is
brought up to date by the N-Quads lines that differ in each changed graph, and the merged
default graph with them (graph/store.py keeps the invariant: every triple of a named graph, once,
in the default graph). The result is the store a fresh load gives; tests/test_build.py compares
them quad for quad.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kgbuild.graph.store import NQ, STORE_DIR

INCREMENTAL_SHARE = 0.2  # update the previous store in place when at most this share changed


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
