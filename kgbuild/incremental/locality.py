"""Which rows of a saved question a change can reach: its key, the paths its rows read.

A question is answered per key: a variable bound in every row (for ``timeline`` ``?event``),
whose rows are the rows the question gives with that variable bound to the key alone. A
:class:`Locality` says which: the key's variable, the steps every key with rows has, the
property paths from the key along which its rows read the data, and the predicates the
question reads everywhere. algebra.py derives it from the question's SPARQL; this module asks
the store which keys a change reaches.

Why the rows of the other keys stay exact. Take a triple added or removed (in any graph) and a
key k whose rows read it, before or after the change: a solution for k (in the old or the new
data) matches it with one of the question's patterns, and the chain of that pattern maps to a
walk from k to it in that data, each edge an edge of the path's steps. Walk it from k to its
first changed edge (maybe the triple itself). The edges before it did not change, so they are
in the new data too; the changed edge starts (forward step: its subject; inverse step: its
object) at a node that the steps before it reach from k in the new data. ``affected_keys`` asks
exactly that, for every changed quad and every position its predicate can take in a path: the
keys that reach its near end in the new data. So every key whose rows can differ is
recomputed, and the others are kept as they were. tests/test_answers_property.py checks it with
random adds, changes and removals, for every saved question and for two written in the test.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph

_CHUNK = 500  # nodes per VALUES block


@dataclass(frozen=True)
class Step:
    """One step of a path: edges with a ``forward`` predicate from the node, or with an
    ``inverse`` predicate into it; ``starred``: zero or more such edges."""

    forward: frozenset[str]
    inverse: frozenset[str]
    starred: bool = False

    def sparql(self) -> str:
        parts = [f"<{p}>" for p in sorted(self.forward)]
        parts += [f"^<{p}>" for p in sorted(self.inverse)]
        text = parts[0] if len(parts) == 1 else f"({'|'.join(parts)})"
        return text + ("*" if self.starred else "")

    def reversed(self) -> Step:
        return Step(self.inverse, self.forward, self.starred)


@dataclass(frozen=True)
class Locality:
    """A question's key variable, the steps every key with rows has (each with the term at its
    other end, or None), the paths its rows read, and the predicates it reads everywhere."""

    variable: str
    key_steps: tuple[tuple[Step, str | None], ...]
    paths: tuple[tuple[Step, ...], ...]
    everywhere: frozenset[str] = field(default_factory=frozenset)

    def to_json(self) -> dict[str, object]:
        return {
            "format": FORMAT,
            "variable": self.variable,
            "key_steps": [[_step_json(step), other] for step, other in self.key_steps],
            "paths": [[_step_json(step) for step in path] for path in self.paths],
            "everywhere": sorted(self.everywhere),
        }

    @classmethod
    def from_json(cls, data: object) -> Locality | None:
        """A locality written by ``to_json``; None if it is of another format."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            return None
        return cls(
            data["variable"],
            tuple((_step_of_json(step), other) for step, other in data["key_steps"]),
            tuple(tuple(_step_of_json(step) for step in path) for path in data["paths"]),
            frozenset(data["everywhere"]),
        )

    def positions(self) -> list[tuple[str, Step]]:
        """Each place an edge can take in a path: (the path up to it, as SPARQL; its step).
        For a starred step the path up to it includes the step (the edge may be any of the
        repeated ones)."""
        out = []
        for path in self.paths:
            for i, step in enumerate(path):
                before = [s.sparql() for s in path[:i]]
                if step.starred:
                    before.append(step.sparql())
                out.append(("/".join(before), step))
        return sorted(set(out), key=lambda item: (item[0], item[1].sparql()))


FORMAT = 1  # of Locality.to_json: a build reuses the last build's locality of the same question


def _step_json(step: Step) -> list[object]:
    return [sorted(step.forward), sorted(step.inverse), step.starred]


def _step_of_json(data: list) -> Step:
    return Step(frozenset(data[0]), frozenset(data[1]), bool(data[2]))


# -- keys -----------------------------------------------------------------------------------


def key_pattern(locality: Locality) -> str:
    """The SPARQL pattern that the keys with rows match (every step of the key)."""
    parts = []
    for i, (step, other) in enumerate(locality.key_steps):
        parts.append(f"?key {step.sparql()} {other or f'?__other{i}'} .")
    return " ".join(parts) + " FILTER (isIRI(?key))"


def all_keys(store: pyoxigraph.Store, locality: Locality, graphs: list[object]) -> list[str]:
    """Every key that may have rows, as N-Triples IRIs (``<...>``), sorted."""
    query = f"SELECT DISTINCT ?key WHERE {{ {key_pattern(locality)} }}"
    return sorted(str(s["key"]) for s in store.query(query, default_graph=graphs))


def keys_with_step(
    store: pyoxigraph.Store, locality: Locality, keys: Iterable[str], graphs: list[object]
) -> set[str]:
    """Those of ``keys`` (N-Triples IRIs) that may have rows."""
    return _keys(store, graphs, "key", keys, key_pattern(locality))


def affected_keys(
    store: pyoxigraph.Store,
    locality: Locality,
    changes: Iterable[pyoxigraph.Quad],
    graphs: list[object],
) -> set[str] | None:
    """The keys (N-Triples) whose rows the ``changes`` (quads added or removed, in any graph)
    can reach, found in the new data ``store`` (see the module's docstring); None when a change
    reaches every key (a predicate the question reads everywhere)."""
    changes = list(changes)
    if any(quad.predicate.value in locality.everywhere for quad in changes):
        return None
    starts: dict[str, set[str]] = {}
    for before, step in locality.positions():
        nodes = starts.setdefault(before, set())
        for quad in changes:
            predicate = quad.predicate.value
            if predicate in step.forward and isinstance(quad.subject, pyoxigraph.NamedNode):
                nodes.add(str(quad.subject))
            if predicate in step.inverse and isinstance(quad.object, pyoxigraph.NamedNode):
                nodes.add(str(quad.object))
    keys: set[str] = set()
    for before, nodes in sorted(starts.items()):
        if not before:
            keys |= nodes
            continue
        keys |= _keys(store, graphs, "x", nodes, f"?key {before} ?x . FILTER (isIRI(?key))")
    return keys


def _keys(
    store: pyoxigraph.Store, graphs: list[object], bound: str, nodes: Iterable[str], pattern: str
) -> set[str]:
    """The ``?key`` of ``pattern`` with ``?bound`` one of ``nodes`` (N-Triples IRIs), asked
    _CHUNK nodes at a time."""
    items, found = sorted(nodes), set()
    for i in range(0, len(items), _CHUNK):
        values = " ".join(items[i : i + _CHUNK])
        query = f"SELECT DISTINCT ?key WHERE {{ VALUES ?{bound} {{ {values} }} {pattern} }}"
        found |= {str(s["key"]) for s in store.query(query, default_graph=graphs)}
    return found
