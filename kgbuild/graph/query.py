"""`kgbuild query`: SPARQL 1.1 over the last build, locally, with the project's prefixes.

The default graph is the union of the asserted graphs (every source, the entities, the
vocabularies, the ontology); ``GRAPH ?g`` reaches each of them; ``reason=True`` adds the
inferred graph (RDFS closure of the ontology over the data) to the default graph.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import pyoxigraph

from kgbuild.errors import QueryError
from kgbuild.namespaces import prefixes, shorten

SELECT_FORMATS = {
    "csv": pyoxigraph.QueryResultsFormat.CSV,
    "tsv": pyoxigraph.QueryResultsFormat.TSV,
    "json": pyoxigraph.QueryResultsFormat.JSON,
    "xml": pyoxigraph.QueryResultsFormat.XML,
}
GRAPH_FORMATS = {
    "turtle": pyoxigraph.RdfFormat.TURTLE,
    "ntriples": pyoxigraph.RdfFormat.N_TRIPLES,
    "jsonld": pyoxigraph.RdfFormat.JSON_LD,
    "rdfxml": pyoxigraph.RdfFormat.RDF_XML,
}
_ERROR_AT = re.compile(r"error at (\d+):(\d+): (.*)", re.DOTALL)


class Outcome:
    """What a query gave: solutions (SELECT), a boolean (ASK) or triples (CONSTRUCT/DESCRIBE).

    SELECT solutions stream from the store: either serialize them in a standard format, or
    read ``rows`` (which reads them all), not both.
    """

    def __init__(self, result: object) -> None:
        self._result = result
        self._rows: list[list[object]] | None = None
        self.held: object | None = None  # what keeps the build it reads alive (locks.Reading)
        if isinstance(result, pyoxigraph.QueryBoolean):
            self.form = "ASK"
        elif isinstance(result, pyoxigraph.QuerySolutions):
            self.form = "SELECT"
        else:
            self.form = "CONSTRUCT"

    @property
    def boolean(self) -> bool:
        return bool(self._result)

    @property
    def variables(self) -> list[str]:
        if self.form != "SELECT":
            return []
        return [v.value for v in self._result.variables]

    @property
    def rows(self) -> list[list[object]]:
        if self._rows is None:
            names = self.variables
            self._rows = [[sol[v] for v in names] for sol in self._result]
        return self._rows

    @property
    def triples(self) -> list[pyoxigraph.Triple]:
        if self._rows is None:
            self._rows = [[t] for t in self._result]
        return [row[0] for row in self._rows]

    def select_bytes(self, fmt: pyoxigraph.QueryResultsFormat) -> bytes:
        """SELECT solutions serialized in a W3C results format (streamed, not read)."""
        return self._result.serialize(format=fmt)  # type: ignore[attr-defined]

    def keep_window(self, offset: int, limit: int | None) -> int:
        """Read every solution, keep rows ``offset``+1 … ``offset``+``limit`` (None: to the
        end) as ``rows``, and return how many there were: a page and its total in one run."""
        names = self.variables
        end = None if limit is None else offset + limit
        rows, total = [], 0
        for total, solution in enumerate(self._result, start=1):  # type: ignore[arg-type]
            if total > offset and (end is None or total <= end):
                rows.append([solution[v] for v in names])
        self._rows = rows
        return total

    def records(self) -> list[dict[str, str]]:
        """SELECT rows as {variable: value as text} (IRIs in full), for programs and tests."""
        return [
            {v: x.value for v, x in zip(self.variables, row, strict=True) if x is not None}
            for row in self.rows
        ]


def term(text: str, base: str) -> pyoxigraph.NamedNode | pyoxigraph.Literal:
    """A parameter value: <iri>, prefix:local, or a plain literal."""
    text = text.strip()
    if text.startswith("<") and text.endswith(">"):
        return pyoxigraph.NamedNode(text[1:-1])
    known = prefixes(base)
    prefix, sep, local = text.partition(":")
    if sep and prefix in known and not local.startswith("//"):
        return pyoxigraph.NamedNode(known[prefix] + local)
    return pyoxigraph.Literal(text)


def run_query(
    store: pyoxigraph.Store,
    text: str,
    *,
    base: str,
    reason: bool = False,
    params: dict[str, str] | None = None,
) -> Outcome:
    """Run ``text`` with the project prefixes over the union of the graphs."""
    inferred = pyoxigraph.NamedNode(base + "graph/inferred")
    default: list[pyoxigraph.NamedNode | pyoxigraph.DefaultGraph] = [pyoxigraph.DefaultGraph()]
    if reason and store.contains_named_graph(inferred):
        default.append(inferred)
    refuse_remote(text)
    dataset = query_dataset(
        text, base, lambda graph: store.contains_named_graph(pyoxigraph.NamedNode(graph))
    )
    runs = standalone_text(text, base, params)  # what --show prints: prefixes declared
    try:
        if dataset or not reason:
            # The store's own dataset: its default graph is the merged data, and GRAPH ?g
            # ranges over every named graph (or the query's FROM / FROM NAMED apply). Passing
            # the named graphs as an explicit list made queries 10-20 times slower at 10,000
            # graphs (pyoxigraph evaluates GRAPH ?g per listed graph).
            result = store.query(runs)
        else:
            result = store.query(runs, default_graph=default)
    except SyntaxError as exc:
        refuse_update(text)
        raise syntax_error(str(exc), lines_added=runs.count("\n") - text.count("\n")) from None
    return Outcome(result)


_PREFIXED_NAME = re.compile(r"(?<![\w.:?$-])([A-Za-z][\w.-]*)?:")
_DECLARED = re.compile(r"(?<![\w?$])PREFIX\s+([A-Za-z][\w.-]*)?\s*:", re.IGNORECASE)


def standalone_text(text: str, base: str, params: dict[str, str] | None = None) -> str:
    """The exact SPARQL that kgbuild runs for ``text``: parameters bound (see
    bind_parameters) and a PREFIX line for each project prefix the query uses and does not
    declare itself, placed after its leading comments. Any SPARQL 1.1 store takes it as it is
    (`kgbuild query NAME --show` prints it; the conformance test sends it to every engine)."""
    if params:
        values = {k: term(v, base) for k, v in params.items()}
        plain = bind_parameters(text, values, substitute=False)
        if _SUBSTITUTE.search(text):  # the query asks for it (see bind_parameters)
            substituted = bind_parameters(text, values, substitute=True)
            try:
                pyoxigraph.Store().query(substituted, prefixes=prefixes(base))
                plain = substituted
            except SyntaxError:
                pass  # e.g. a sub-query projects the variable: VALUES it is
        text = plain
    known = prefixes(base)
    lexical = masked(text)
    declared = {m.group(1) or "" for m in _DECLARED.finditer(lexical)}
    used = {m.group(1) or "" for m in _PREFIXED_NAME.finditer(_DECLARED.sub(" ", lexical))}
    block = "".join(
        f"PREFIX {name}: <{known[name]}>\n" for name in sorted(used - declared) if name in known
    )
    lines = text.splitlines(keepends=True)
    at = 0
    while at < len(lines) and (not lines[at].strip() or lines[at].lstrip().startswith("#")):
        at += 1
    if lines and not lines[-1].endswith("\n") and at == len(lines):
        lines[-1] += "\n"
    return "".join([*lines[:at], block, *lines[at:]])


FROM_CLAUSE = re.compile(
    r"(?<![?$:\w])FROM\s+(?:NAMED\s+)?(<[^>\s]*>|[\w-]*:[\w./-]*)", re.IGNORECASE
)
_UPDATE = re.compile(
    r"(?<![?$:\w])(LOAD|CLEAR|DROP|CREATE|ADD|MOVE|COPY|INSERT|DELETE|WITH)\b", re.IGNORECASE
)


def query_dataset(text: str, base: str, exists: Callable[[str], bool]) -> list[str]:
    """The graphs the query's FROM / FROM NAMED clauses name; refused unless the dataset has
    them (nothing is ever fetched: a URL there would otherwise be silently ignored)."""
    named = []
    for match in FROM_CLAUSE.finditer(masked(text, iris=False)):
        written = match.group(1)
        value = term(written, base)
        graph = value.value if isinstance(value, pyoxigraph.NamedNode) else written
        if not exists(graph):
            raise QueryError(
                f"FROM {written} is refused: it is not a graph of the dataset, and kgbuild "
                "never fetches anything",
                hint="leave FROM out (the default graph is every source merged), or name one "
                "of the graphs: kgbuild query 'SELECT DISTINCT ?g { GRAPH ?g { } }'",
            )
        named.append(graph)
    return named


def refuse_update(text: str) -> None:
    """Explain a query that failed to parse because it is an update (LOAD, INSERT, ...)."""
    match = _UPDATE.search(masked(text))
    if match:
        raise QueryError(
            f"{match.group(1).upper()} is an update and is refused: kgbuild query is read-only "
            "(and LOAD would fetch)",
            hint="change the data in data/ and run kgbuild build",
        )


_LEXICAL = re.compile(
    r'"""[\s\S]*?"""|\'\'\'[\s\S]*?\'\'\'|"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\''
    r"|<[^<>\"{}|^`\\\s]*>|#[^\n]*"
)
_SERVICE = re.compile(r"(?<![?$:\w])SERVICE\b", re.IGNORECASE)


def masked(text: str, *, iris: bool = True) -> str:
    """``text`` with its strings, comments and (unless ``iris`` is False) IRIs blanked out
    (same length, same offsets), so that keywords and braces can be looked for in what is
    left. The one lexer of kgbuild's SPARQL handling."""

    def blank(match: re.Match[str]) -> str:
        found = match.group(0)
        return found if not iris and found.startswith("<") else " " * len(found)

    return _LEXICAL.sub(blank, text)


def refuse_remote(text: str) -> None:
    """Refuse a query with SERVICE: queries never reach out to other endpoints (pyoxigraph and
    the Oxigraph server would fetch them). Strings, IRIs and comments are not looked at."""
    if _SERVICE.search(masked(text)):
        raise QueryError(
            "SERVICE is refused: kgbuild answers from the local dataset only and never "
            "contacts another endpoint",
            hint="query the other endpoint yourself, or load its data and build",
        )


_SUBSTITUTE = re.compile(r"^#\s*bind:\s*substitute\b", re.MULTILINE | re.IGNORECASE)


def bind_parameters(
    text: str,
    values: dict[str, pyoxigraph.NamedNode | pyoxigraph.Literal],
    substitute: bool = False,
) -> str:
    """Bind variables at the start of the first WHERE clause: a VALUES block, by default.

    Oxigraph joins in the order written and does not push bindings into a UNION: a query
    whose parameter is used inside UNION branches says ``# bind: substitute`` in its header.
    With ``substitute``, each ?name in the WHERE clause (outside strings, IRIs and comments)
    becomes the value itself and a BIND keeps ?name for the projection: Oxigraph then starts
    every pattern from the constant (a VALUES block is joined after UNIONs and paths are
    evaluated over the whole dataset: 1 s instead of milliseconds at 10,000 documents).
    A VALUES block stays the choice for the others (a property path from a bound VALUES
    variable is fast; from a constant, Oxigraph walks it from every node), and the fallback
    when the substituted text does not parse. pyoxigraph's own substitutions would require
    the variables to be projected.
    """
    match = re.search(r"\bWHERE\s*\{", text, re.IGNORECASE)
    if match is None:
        raise QueryError("--param needs a query with a WHERE clause")
    head, body = text[: match.end()], text[match.end() :]
    if not substitute:
        block = " ".join(f"VALUES ?{name} {{ {value} }}" for name, value in sorted(values.items()))
        return f"{head} {block}{'' if body[:1].isspace() else ' '}{body}"
    for name, value in values.items():
        variable = re.compile(
            _LEXICAL.pattern + rf"|(?<![\w?$])[?$]{re.escape(name)}(?!\w)", re.IGNORECASE
        )
        body = variable.sub(
            lambda m, v=str(value): m.group(0) if m.group(0)[0] not in "?$" else v, body
        )
    binds = " ".join(f"BIND ({value} AS ?{name})" for name, value in sorted(values.items()))
    return f"{head} {binds}{'' if body[:1].isspace() else ' '}{body}"


def syntax_error(message: str, lines_added: int = 0) -> QueryError:
    """The parser's message, with the line counted in the text the user wrote (the
    ``lines_added`` PREFIX lines of standalone_text come before any line that can fail)."""
    match = _ERROR_AT.match(message)
    if match:
        line, column, expected = match.groups()
        line = str(max(int(line) - lines_added, 1))
        return QueryError(
            f"SPARQL syntax error at line {line}, column {column}: {expected}",
            hint="correct the query at that place",
        )
    return QueryError(f"SPARQL error: {message}")


def cell(value: object, base: str) -> str:
    if value is None:
        return ""
    if isinstance(value, pyoxigraph.NamedNode):
        return shorten(value.value, base)
    if isinstance(value, pyoxigraph.BlankNode):
        return f"_:{value.value}"
    return str(value.value)


def table(outcome: Outcome, base: str, width: int = 80) -> str:
    """An aligned text table with IRIs as prefixed names; cells cut at ``width`` (0: never)."""
    header = outcome.variables
    body = [[cell(v, base).replace("\n", " ") for v in row] for row in outcome.rows]
    if width:
        body = [[c if len(c) <= width else c[: width - 1] + "…" for c in row] for row in body]
    widths = [max([len(h)] + [len(r[i]) for r in body]) for i, h in enumerate(header)]
    lines = [
        "  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)).rstrip(),
        "  ".join("-" * w for w in widths),
    ]
    lines += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in body]
    lines.append(f"({len(body)} row{'s' if len(body) != 1 else ''})")
    return "\n".join(lines)


def serialize(outcome: Outcome, fmt: str, base: str) -> bytes:
    """The outcome in a standard format: W3C SPARQL results for SELECT, RDF for CONSTRUCT."""
    if outcome.form == "SELECT":
        if fmt not in SELECT_FORMATS:
            raise QueryError(
                f"format {fmt!r} is not one for SELECT results",
                hint="use table, " + ", ".join(SELECT_FORMATS),
            )
        return outcome.select_bytes(SELECT_FORMATS[fmt])
    if outcome.form == "CONSTRUCT":
        if fmt not in GRAPH_FORMATS:
            raise QueryError(
                f"format {fmt!r} is not one for CONSTRUCT/DESCRIBE results",
                hint="use " + ", ".join(GRAPH_FORMATS),
            )
        triples = sorted(outcome.triples, key=str)
        return pyoxigraph.serialize(
            triples,
            format=GRAPH_FORMATS[fmt],
            prefixes=prefixes(base),
        )
    raise QueryError(f"format {fmt!r} does not apply to ASK", hint="ASK prints true or false")


def bound_text(text: str, params: dict[str, str] | None, base: str) -> str:
    """``text`` with ``params`` bound as run_query binds them (VALUES, or substitution where
    the query asks for it and the result parses)."""
    if not params:
        return text
    values = {k: term(v, base) for k, v in params.items()}
    plain = bind_parameters(text, values, substitute=False)
    if _SUBSTITUTE.search(text):
        substituted = bind_parameters(text, values, substitute=True)
        try:
            pyoxigraph.Store().query(substituted, prefixes=prefixes(base))
            return substituted
        except SyntaxError:
            pass
    return plain
