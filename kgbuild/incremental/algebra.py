"""What the rows of a saved question's key read, derived from the question's SPARQL algebra.

A question is answered per key: a variable bound in every row (for ``timeline`` ``?event``),
whose rows are the rows the question gives with that variable bound to the key alone. After a
change, the build recomputes only the keys whose rows the change can reach. :func:`derive`
finds what the rows of a key read, from the SPARQL algebra of the question (rdflib's parser),
so that nothing has to be declared and nothing declared can be incomplete:

- every triple pattern of the question (property paths included, in sub-queries, OPTIONAL,
  MINUS and (NOT) EXISTS groups) gives a **path** from the key: the shortest chain of patterns
  from the key's variable to it through the patterns matched together with it (those of its own
  group and of the groups that enclose it; never a sibling OPTIONAL or another UNION branch),
  as property path steps;
- a pattern no such chain reaches (it shares no variable with the key's patterns, or only one
  that a BIND computes), or one inside a sub-query with LIMIT or OFFSET (its rows depend on
  every other row), reads the data **everywhere**: a change of one of its predicates reaches
  every key. Patterns confined to ``GRAPH graph:ontology`` or ``graph:vocabularies`` are no
  such case: a change there makes the build answer every question again anyway;
- the key's **steps** are the patterns of the key's variable that every row matches (required
  in the question's WHERE clause): a key that has none of them has no rows.

A question with a variable predicate or a negated property set, or with no projected variable
that every row binds through such a step, is not keyed: it is answered whole at each build.

locality.py says why that keeps the rows of the other keys exact.
"""

from __future__ import annotations

import itertools
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from rdflib import BNode, Literal, URIRef, Variable
from rdflib.paths import AlternativePath, InvPath, MulPath, NegatedPath, SequencePath
from rdflib.plugins.sparql import algebra
from rdflib.plugins.sparql.parser import parseQuery
from rdflib.plugins.sparql.parserutils import CompValue

from kgbuild.errors import LocalityError
from kgbuild.incremental.locality import Locality, Step

_MAX_PATHS = 256  # alternatives of one chain before its steps are merged into one


class _NotKeyed(Exception):
    """The question reads the data in a way no path describes (answered whole)."""


_Node = tuple[str, str]  # ("v", scoped variable name) or ("c", the constant in N-Triples)


@dataclass(frozen=True, eq=False)  # each pattern of the question is its own, however alike
class _Pattern:
    subject: _Node
    path: object  # URIRef, Path, or a Variable (a variable predicate)
    object: _Node
    graph: str | None  # the constant graph IRI it is confined to, if any
    sliced: bool  # inside a sub-query with LIMIT or OFFSET


@dataclass
class _Group:
    """The algebra as groups: ``and`` (all matched together), ``opt`` (left; right matched
    with the left), ``union`` (one branch), ``minus`` / ``exists`` (the right side is matched
    against the left's bindings), or one pattern."""

    kind: str
    children: list[_Group] = field(default_factory=list)
    pattern: _Pattern | None = None


class _Reader:
    def __init__(self) -> None:
        self.scopes = itertools.count(1)

    def read(self, node: object, rename: dict[str, str], graph: str | None, sliced: bool) -> _Group:
        if not isinstance(node, CompValue):
            return _Group("and")
        name = node.name
        if name == "BGP":
            return _Group(
                "and",
                [self._triple(t, rename, graph, sliced) for t in node.triples],
            )
        if name in ("Join", "Union", "LeftJoin", "Minus"):
            left = self.read(node.p1, rename, graph, sliced)
            right = self.read(node.p2, rename, graph, sliced)
            if name == "LeftJoin":
                right = self._with_exists(right, node.get("expr"), rename, graph, sliced)
            kind = {"Join": "and", "Union": "union", "LeftJoin": "opt", "Minus": "minus"}[name]
            return _Group(kind, [left, right])
        if name == "Graph":
            term = node.term
            inner = term.n3() if isinstance(term, URIRef) else graph
            return self.read(node.p, rename, inner, sliced)
        if name in ("Filter", "Extend"):
            inner = self.read(node.p, rename, graph, sliced)
            return self._with_exists(inner, node.expr, rename, graph, sliced)
        if name == "Project":  # a sub-query: its other variables are its own
            scope = next(self.scopes)
            projected = {str(v) for v in node.PV}
            inner = {
                v: (rename.get(v, v) if v in projected else f"{v}#{scope}")
                for v in _variables(node.p)
            }
            return self.read(node.p, inner, graph, sliced)
        if name == "Slice":
            return self.read(node.p, rename, graph, True)
        if name in ("Distinct", "Reduced", "OrderBy", "ToMultiSet", "Group", "AggregateJoin"):
            inner = self.read(node.p, rename, graph, sliced)
            return self._with_exists(inner, node.get("expr"), rename, graph, sliced)
        if name == "values":
            return _Group("and")
        raise _NotKeyed(f"it uses {name}")

    def _triple(
        self, triple: tuple[object, object, object], rename: dict[str, str], graph, sliced
    ) -> _Group:
        s, p, o = triple
        if isinstance(p, Variable):
            raise _NotKeyed("a pattern has a variable predicate")
        return _Group(
            "leaf",
            pattern=_Pattern(_node(s, rename), p, _node(o, rename), graph, sliced),
        )

    def _with_exists(self, group: _Group, expr: object, rename, graph, sliced) -> _Group:
        exists = [
            self.read(algebra.translateGroupGraphPattern(e.graph), rename, graph, sliced)
            if e.graph.name == "GroupGraphPatternSub"
            else self.read(e.graph, rename, graph, sliced)
            for e in _exists(expr)
        ]
        return _Group("exists", [group, *exists]) if exists else group


def _exists(expr: object) -> Iterator[CompValue]:
    """The EXISTS and NOT EXISTS of an expression (or a list of them)."""
    if isinstance(expr, list | tuple):
        for item in expr:
            yield from _exists(item)
    elif isinstance(expr, CompValue):
        if expr.name in ("Builtin_EXISTS", "Builtin_NOTEXISTS"):
            yield expr
            return
        for key, value in expr.items():
            if key not in ("p", "p1", "p2", "_vars"):
                yield from _exists(value)


def _variables(node: object) -> set[str]:
    found: set[str] = set()

    def walk(value: object) -> None:
        if isinstance(value, Variable | BNode):
            found.add(_name(value))
        elif isinstance(value, CompValue):
            for key, item in value.items():
                if key != "_vars":
                    walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(node)
    return found


def _name(term: Variable | BNode) -> str:
    return str(term) if isinstance(term, Variable) else f"_:{term}"


def _node(term: object, rename: dict[str, str]) -> _Node:
    if isinstance(term, Variable | BNode):
        name = _name(term)
        return ("v", rename.get(name, name))
    if isinstance(term, URIRef | Literal):
        return ("c", term.n3())
    raise _NotKeyed(f"cannot read the term {term!r}")


_Choice = list[_Pattern]  # the patterns a solution matches, for one choice of UNION branches
_MAX_CHOICES = 64


def _required(group: _Group) -> list[_Choice]:
    """The patterns a solution of the group matches: one list for each choice of the UNION
    branches in it."""
    if group.kind == "leaf":
        return [[group.pattern]]  # type: ignore[list-item]
    if group.kind == "and":
        return _product([_required(child) for child in group.children])
    if group.kind in ("opt", "minus", "exists"):
        return _required(group.children[0])
    return [choice for child in group.children for choice in _required(child)]  # UNION


def _product(parts: list[list[_Choice]]) -> list[_Choice]:
    out: list[_Choice] = [[]]
    for choices in parts:
        out = [a + b for a in out for b in choices]
        if len(out) > _MAX_CHOICES:
            raise _NotKeyed("it has too many UNION branches to follow")
    return out


def _contexts(group: _Group, around: list[_Choice], out: dict[_Pattern, list[_Choice]]) -> None:
    """For each pattern, the patterns matched together with it, for each choice of UNION
    branches (see the module docstring)."""
    if group.kind == "leaf":
        out.setdefault(group.pattern, []).extend(around)  # type: ignore[arg-type]
    elif group.kind == "and":
        required = [_required(child) for child in group.children]
        for i, child in enumerate(group.children):
            others = [r for j, r in enumerate(required) if j != i]
            _contexts(child, _product([around, *others]), out)
    elif group.kind == "union":
        for child in group.children:
            _contexts(child, around, out)
    else:  # opt, minus, exists: the others are matched against the first one's bindings
        first, *rest = group.children
        _contexts(first, around, out)
        for child in rest:
            _contexts(child, _product([around, _required(first)]), out)


# -- paths ------------------------------------------------------------------------------------


def _expand(path: object, inverse: bool = False) -> list[tuple[Step, ...]]:
    """A property path as the step sequences it may take (alternatives of sequences)."""
    if isinstance(path, URIRef):
        step = Step(frozenset({str(path)}), frozenset())
        return [(step.reversed() if inverse else step,)]
    if isinstance(path, InvPath):
        return _expand(path.arg, not inverse)
    if isinstance(path, SequencePath):
        parts = [_expand(arg, inverse) for arg in path.args]
        if inverse:
            parts.reverse()
        out = [tuple(s for seq in combo for s in seq) for combo in itertools.product(*parts)]
        return out if len(out) <= _MAX_PATHS else [(_merged(out),)]
    if isinstance(path, AlternativePath):
        return [seq for arg in path.args for seq in _expand(arg, inverse)]
    if isinstance(path, MulPath):  # *, + and ?: zero or more of its edges (a superset)
        return [(_merged(_expand(path.path, inverse)),)]
    if isinstance(path, NegatedPath):
        raise _NotKeyed("a pattern has a negated property set")
    raise _NotKeyed(f"cannot read the path {path!r}")


def _merged(sequences: list[tuple[Step, ...]]) -> Step:
    """One starred step over every edge of the sequences: a superset of what they match."""
    forward = frozenset(p for seq in sequences for s in seq for p in s.forward)
    inverse = frozenset(p for seq in sequences for s in seq for p in s.inverse)
    return Step(forward, inverse, True)


def _predicates(path: object) -> set[str]:
    return {p for seq in _expand(path) for step in seq for p in step.forward | step.inverse}


def _chain(
    key: _Node, target: _Pattern, around: list[_Pattern], through_constants: bool
) -> list[tuple[_Pattern, bool]] | None:
    """The shortest chain of ``around`` patterns from the key to an end of ``target``, each
    with whether it is walked forward; then ``target`` itself. None if there is none."""
    ends = {target.subject: True, target.object: False}
    if key in ends:
        return [(target, ends[key])]
    edges: dict[_Node, list[tuple[_Pattern, bool, _Node]]] = {}
    for p in around:
        if p is target:
            continue
        edges.setdefault(p.subject, []).append((p, True, p.object))
        edges.setdefault(p.object, []).append((p, False, p.subject))
    seen = {key}
    queue: deque[tuple[_Node, list[tuple[_Pattern, bool]]]] = deque([(key, [])])
    while queue:
        node, chain = queue.popleft()
        for pattern, forward, other in edges.get(node, []):
            if other in seen:
                continue
            if other in ends:
                return [*chain, (pattern, forward), (target, ends[other])]
            if other[0] == "c" and not through_constants:
                continue
            seen.add(other)
            queue.append((other, [*chain, (pattern, forward)]))
    return None


def _chain_paths(chain: list[tuple[_Pattern, bool]]) -> list[tuple[Step, ...]]:
    parts = [_expand(p.path, inverse=not forward) for p, forward in chain]
    out = [tuple(s for seq in combo for s in seq) for combo in itertools.product(*parts)]
    return out if len(out) <= _MAX_PATHS else [(_merged(out),)]


def derive(
    text: str, global_graphs: Iterable[str] = (), variable: str | None = None
) -> tuple[Locality | None, str]:
    """The locality of a SELECT question ``text`` (standalone SPARQL), keyed on ``variable``
    or, by default, on the first projected variable that every row binds through a step of its
    own; ``global_graphs``: the IRIs of graphs whose change makes every answer again. Returns
    (None, why) when the question cannot be answered per key."""
    try:
        query = algebra.translateQuery(parseQuery(text))
    except Exception as exc:  # rdflib raises many kinds; the question is then answered whole
        return None, f"rdflib cannot read it ({type(exc).__name__})"
    root = query.algebra
    if root.name != "SelectQuery":
        return None, "it is no SELECT"
    glob = {f"<{g}>" for g in global_graphs}
    try:
        tree = _Reader().read(root.p, {}, None, False)
    except _NotKeyed as exc:
        return None, str(exc)
    projected = [str(v) for v in root.PV]
    try:
        required = _required(tree)
    except _NotKeyed as exc:
        return None, str(exc)
    if variable is not None:
        if variable not in projected:
            raise LocalityError(f"'# key: ?{variable}' is no variable the question projects")
        name, steps = variable, _key_steps(("v", variable), required)
        if not steps:
            raise LocalityError(
                f"'# key: ?{variable}': no pattern that every row matches binds it with an IRI "
                "predicate",
                hint="key the question on a variable of its required patterns, or remove # key:",
            )
    else:
        # the first projected variable that is the subject of a required pattern: an IRI or
        # a blank node, never a literal (``# key:`` may name one that is only an object)
        found = [(v, _key_steps(("v", v), required)) for v in projected]
        subjects = [(v, st) for v, st in found if any(s.forward for s, _ in st)]
        if not subjects:
            return None, "no projected variable is the subject of a pattern every row matches"
        name, steps = subjects[0]
    key = ("v", name)
    paths: set[tuple[Step, ...]] = set()
    everywhere: set[str] = set()
    try:
        contexts: dict[_Pattern, list[_Choice]] = {}
        _contexts(tree, [[]], contexts)
        for pattern, choices in contexts.items():
            chains = [
                _chain(key, pattern, around, False) or _chain(key, pattern, around, True)
                for around in choices
            ]
            confined = pattern.graph in glob
            if (None in chains or pattern.sliced) and not confined:
                everywhere |= _predicates(pattern.path)
            for chain in chains:
                if chain is not None:
                    paths.update(_chain_paths(chain))
    except _NotKeyed as exc:
        return None, str(exc)
    kept = tuple(sorted(_without_prefixes(paths), key=lambda p: [s.sparql() for s in p]))
    return Locality(name, steps, kept, frozenset(everywhere)), ""


def _key_steps(key: _Node, required: list[_Choice]) -> tuple[tuple[Step, str | None], ...]:
    """The steps of the key that every solution matches, whichever UNION branches it takes."""
    each = [_steps_of(key, choice) for choice in required]
    common = set.intersection(*each) if each else set()
    return tuple(sorted(common, key=lambda item: (item[0].sparql(), item[1] or "")))


def _steps_of(key: _Node, choice: _Choice) -> set[tuple[Step, str | None]]:
    out: set[tuple[Step, str | None]] = set()
    for p in choice:
        if not isinstance(p.path, URIRef):
            continue
        predicate = frozenset({str(p.path)})
        if p.subject == key and p.object != key:
            other = p.object[1] if p.object[0] == "c" else None
            out.add((Step(predicate, frozenset()), other))
        elif p.object == key and p.subject != key:
            other = p.subject[1] if p.subject[0] == "c" else None
            out.add((Step(frozenset(), predicate), other))
    return out


def _without_prefixes(paths: set[tuple[Step, ...]]) -> set[tuple[Step, ...]]:
    """The paths that are no strict prefix of another (its positions are the other's)."""
    prefixes = {path[:i] for path in paths for i in range(1, len(path))}
    return {path for path in paths if path not in prefixes}
