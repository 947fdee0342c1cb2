"""Which rows of a saved question a change can reach: the question's key and what it reads.

A saved question (queries/NAME.rq) may say in its header how its answer is made of rows per
key, for example (timeline)::

    # key: ?event kg:modality
    # reads: a/rdfs:subClassOf*, a/rdfs:label, kg:modality/skos:prefLabel,
    # reads: prov:wasDerivedFrom/kg:fileName, (kg:place|kg:nearPlace)/rdfs:label

``key``: the variable that groups the rows (bound in every row: the rows of one key are the
rows the question gives with that variable bound to the key alone), and a step that every key
with rows has (each event in the answer has a ``kg:modality``), so that the keys can be listed.

``reads``: property paths from the key, in SPARQL 1.1 syntax (IRIs, ``a``, ``^`` for an inverse
step, ``|`` between alternatives inside parentheses, ``/`` between steps, ``*`` after a step):
every triple that the rows of a key depend on is an edge of one of these paths from the key,
in any graph. The step of ``key`` must be a first step of a path.

Why the rows of the other keys stay exact. Take a triple added or removed (in any graph) and a
key k whose rows read it, before or after the change: it is the i-th edge of a path from k,
in the old or the new data. Walk that path from k to its first changed edge (maybe that
triple itself). The edges before it did not change, so they are in the new data too; the
changed edge starts (forward step: its subject; inverse step: its object) at a node that the
first i-1 steps reach from k in the new data. ``affected_keys`` asks exactly that, for every
changed triple and every position its predicate can take in a path: the keys that reach its
near end in the new data. So every key whose rows can differ is recomputed; the others are
kept as they were. The declaration itself is checked by tests (tests/test_answers.py: after
adding, changing and removing documents the kept-and-recomputed answer is byte for byte the
answer computed from scratch).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

import pyoxigraph

from kgbuild.errors import KGBuildError
from kgbuild.namespaces import prefixes

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
_TOKEN = re.compile(
    r"\s*(?:(?P<iri><[^<>\s]*>)|(?P<name>[A-Za-z][\w.-]*:[\w-]*(?:\.[\w-]+)*)"
    r"|(?P<a>a)(?![\w:])|(?P<op>[()|/^*]))"
)
_CHUNK = 500  # nodes per VALUES block


class LocalityError(KGBuildError):
    """A saved question's ``# key:`` or ``# reads:`` header cannot be read (exit 2)."""


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


@dataclass(frozen=True)
class Locality:
    """A question's key variable, the step every key with rows has, and the paths it reads."""

    variable: str
    key_step: Step
    paths: tuple[tuple[Step, ...], ...]

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
        return out


def parse_locality(key: str, reads: str, base: str) -> Locality | None:
    """The locality a question's header declares; None if it declares none."""
    if not key.strip() and not reads.strip():
        return None
    match = re.fullmatch(r"\s*[?$](\w+)\s+(.+?)\s*", key)
    if match is None or not reads.strip():
        raise LocalityError(
            f"'# key: {key}' needs a variable and a step (e.g. '# key: ?event kg:modality'), "
            "and the question needs '# reads:' paths",
            hint="see kgbuild/graph/locality.py for the two header lines",
        )
    known = prefixes(base)
    key_path = _parse_path(match.group(2), known)
    if len(key_path) != 1 or key_path[0].starred:
        raise LocalityError(f"'# key: {key}': the key's step is one predicate, not a path")
    paths = tuple(_parse_path(text, known) for text in _split_paths(reads))
    step = key_path[0]
    firsts = [path[0] for path in paths]
    if not any(step.forward <= first.forward and step.inverse <= first.inverse for first in firsts):
        raise LocalityError(
            f"'# key: {key}': its step must be the first step of one of the '# reads:' paths",
            hint="add it to # reads:, so that a key that gains or loses it is recomputed",
        )
    return Locality(match.group(1), step, paths)


def _split_paths(text: str) -> list[str]:
    out, depth, start = [], 0, 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            out.append(text[start:i])
            start = i + 1
    out.append(text[start:])
    return [part.strip() for part in out if part.strip()]


def _parse_path(text: str, known: dict[str, str]) -> tuple[Step, ...]:
    tokens = _tokens(text, known)
    steps: list[Step] = []
    at = 0

    def iri(at: int) -> tuple[str, bool, int]:
        inverse = at < len(tokens) and tokens[at] == "^"
        at += inverse
        if at >= len(tokens) or not tokens[at].startswith("<"):
            raise LocalityError(f"'{text}': expected a predicate at step {len(steps) + 1}")
        return tokens[at][1:-1], inverse, at + 1

    while True:
        forward: set[str] = set()
        inverse: set[str] = set()
        if at < len(tokens) and tokens[at] == "(":
            at += 1
            while True:
                predicate, back, at = iri(at)
                (inverse if back else forward).add(predicate)
                if at < len(tokens) and tokens[at] == "|":
                    at += 1
                    continue
                if at >= len(tokens) or tokens[at] != ")":
                    raise LocalityError(f"'{text}': expected ')' or '|'")
                at += 1
                break
        else:
            predicate, back, at = iri(at)
            (inverse if back else forward).add(predicate)
        starred = at < len(tokens) and tokens[at] == "*"
        at += starred
        steps.append(Step(frozenset(forward), frozenset(inverse), starred))
        if at == len(tokens):
            return tuple(steps)
        if tokens[at] != "/":
            raise LocalityError(f"'{text}': expected '/' between steps, found {tokens[at]!r}")
        at += 1


def _tokens(text: str, known: dict[str, str]) -> list[str]:
    out, at = [], 0
    while at < len(text.rstrip()):
        match = _TOKEN.match(text, at)
        if match is None:
            raise LocalityError(f"'{text}': cannot read the path at {text[at:]!r}")
        at = match.end()
        if match.group("iri"):
            out.append(match.group("iri"))
        elif match.group("name"):
            prefix, _, local = match.group("name").partition(":")
            if prefix not in known:
                raise LocalityError(f"'{text}': unknown prefix {prefix!r}")
            out.append(f"<{known[prefix]}{local}>")
        elif match.group("a"):
            out.append(f"<{RDF_TYPE}>")
        else:
            out.append(match.group("op"))
    return out


# -- keys -----------------------------------------------------------------------------------


def key_pattern(locality: Locality) -> str:
    """The SPARQL pattern that the keys with rows match (the ``# key:`` step)."""
    return f"?key {locality.key_step.sparql()} ?__other . FILTER (isIRI(?key))"


def all_keys(store: pyoxigraph.Store, locality: Locality, graphs: list[object]) -> list[str]:
    """Every key that may have rows, as N-Triples IRIs (``<...>``), sorted."""
    query = f"SELECT DISTINCT ?key WHERE {{ {key_pattern(locality)} }}"
    return sorted(str(s["key"]) for s in store.query(query, default_graph=graphs))


def keys_with_step(
    store: pyoxigraph.Store, locality: Locality, keys: Iterable[str], graphs: list[object]
) -> set[str]:
    """Those of ``keys`` (N-Triples IRIs) that may have rows."""
    found: set[str] = set()
    for chunk in _chunks(sorted(keys)):
        query = (
            f"SELECT DISTINCT ?key WHERE {{ VALUES ?key {{ {' '.join(chunk)} }} "
            f"{key_pattern(locality)} }}"
        )
        found |= {str(s["key"]) for s in store.query(query, default_graph=graphs)}
    return found


def affected_keys(
    store: pyoxigraph.Store,
    locality: Locality,
    changes: Iterable[pyoxigraph.Quad],
    graphs: list[object],
) -> set[str]:
    """The keys (N-Triples) whose rows the ``changes`` (quads added or removed, in any graph)
    can reach, found in the new data ``store`` (see the module's docstring)."""
    changes = list(changes)
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
        for chunk in _chunks(sorted(nodes)):
            query = (
                f"SELECT DISTINCT ?key WHERE {{ VALUES ?x {{ {' '.join(chunk)} }} "
                f"?key {before} ?x . FILTER (isIRI(?key)) }}"
            )
            keys |= {str(s["key"]) for s in store.query(query, default_graph=graphs)}
    return keys


def _chunks(items: list[str]) -> list[list[str]]:
    return [items[i : i + _CHUNK] for i in range(0, len(items), _CHUNK)]
