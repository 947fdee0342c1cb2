"""The saved questions on four SPARQL 1.1 engines, each loaded with the release.

- ``kgbuild``: `kgbuild query NAME`, the library over the build's store;
- ``rdflib``: ``rdflib.Dataset(default_union=True)`` over the release's TriG (the Python
  user's path);
- ``oxigraph``: a real Oxigraph server, ``oxigraph load`` of the release's N-Quads, then
  ``oxigraph serve-read-only`` on a free loopback port (its default graph is empty);
- ``virtuoso``: a real Virtuoso (Debian's ``virtuoso-opensource``) in a folder of its own, on
  free loopback ports, loaded by ``kgbuild push`` through its Graph Store endpoint with Digest
  authentication (its default graph is every graph, system graphs included).

Every engine gets the same text, ``kgbuild.query_text(project, NAME)`` (what
``kgbuild query NAME --show`` prints). Answers are canonicalised before they are compared:
IRIs as they are, literals by lexical form with their datatype or language, numbers by value,
the parts of a GROUP_CONCAT list as a set (SPARQL leaves their order open), and the rows in
order only when the question has ORDER BY. tests/test_conformance.py uses this module;
as a script it prints each question's time on each engine:

    python benchmarks/engines.py [--repeat 5] [--json results.json]

(after ``kgbuild build``; without ``virtuoso-t`` on the PATH, Virtuoso is left out).
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pyoxigraph
import requests

import kgbuild
from kgbuild.graph.saved import saved_queries
from kgbuild.release.serve import free_port, oxigraph_binary

XSD = "http://www.w3.org/2001/XMLSchema#"
NUMERIC = {
    XSD + name
    for name in [
        "integer",
        "decimal",
        "float",
        "double",
        "int",
        "long",
        "short",
        "byte",
        "nonNegativeInteger",
        "nonPositiveInteger",
        "positiveInteger",
        "negativeInteger",
        "unsignedInt",
        "unsignedLong",
        "unsignedShort",
        "unsignedByte",
    ]
}
RESULTS_JSON = "application/sparql-results+json"
N_TRIPLES = "application/n-triples"
_LISTS = re.compile(
    r"GROUP_CONCAT\s*\((?:[^()]|\([^()]*\))*?;\s*separator\s*=\s*(\"[^\"]*\"|'[^']*')\s*\)"
    r"\s*AS\s+[?$](\w+)",
    re.IGNORECASE,
)
_COMMENTS_AND_STRINGS = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\\\n]|\\.)*\'|#[^\n]*')


# --- answers and how they are compared -------------------------------------------------------


@dataclass(frozen=True)
class Term:
    """An RDF term as every engine can give it: kind is "iri", "literal" or "bnode"."""

    kind: str
    value: str
    datatype: str | None = None
    language: str | None = None


@dataclass
class Answer:
    """What one engine answered: SELECT rows (None for unbound) or CONSTRUCT triples."""

    variables: list[str]
    rows: list[list[Term | None]]
    triples: set[tuple[Term, Term, Term]] | None = None
    seconds: float = 0.0


def ordered(text: str) -> bool:
    """Whether the question fixes the order of its rows (a top-level ORDER BY)."""
    tail = _COMMENTS_AND_STRINGS.sub(" ", text).rsplit("}", 1)[-1]
    return re.search(r"\bORDER\s+BY\b", tail, re.IGNORECASE) is not None


def list_columns(text: str) -> dict[str, str]:
    """The variables a GROUP_CONCAT makes, with their separators."""
    return {match.group(2): match.group(1)[1:-1] for match in _LISTS.finditer(text)}


def canonical_term(term: Term | None, separator: str | None = None) -> str:
    """One cell as text that is equal across engines exactly when the values are."""
    if term is None:
        return "UNBOUND"
    if term.kind == "iri":
        return f"<{term.value}>"
    if term.kind == "bnode":
        return "_:b"  # the saved questions never return blank nodes; all compare equal
    if separator is not None:  # a list: its parts, as a set (their order is not defined)
        return "LIST" + repr(sorted(set(term.value.split(separator))))
    datatype = term.datatype or XSD + "string"
    if term.language:
        return f'"{term.value}"@{term.language.lower()}'
    if datatype in NUMERIC:
        try:
            number = Decimal(term.value.strip())
        except InvalidOperation:
            return f'"{term.value}"^^<{datatype}>'
        return f"NUMBER {number.normalize():f}"
    if datatype == XSD + "boolean":
        return "true" if term.value.strip() in ("true", "1") else "false"
    if datatype in (XSD + "string", "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"):
        return f'"{term.value}"'
    return f'"{term.value}"^^<{datatype}>'


def canonical(answer: Answer, text: str) -> dict[str, object]:
    """The answer in the form two engines' answers are compared in."""
    if answer.triples is not None:
        return {
            "triples": sorted(
                " ".join(canonical_term(t) for t in triple) for triple in answer.triples
            )
        }
    lists = list_columns(text)
    rows = [
        tuple(
            canonical_term(cell, lists.get(name))
            for name, cell in zip(answer.variables, row, strict=True)
        )
        for row in answer.rows
    ]
    return {"variables": answer.variables, "rows": rows if ordered(text) else sorted(rows)}


# --- the engines ---------------------------------------------------------------------------


def query_form(text: str) -> str:
    """SELECT, ASK or CONSTRUCT (DESCRIBE counts as CONSTRUCT), as pyoxigraph parses it."""
    result = pyoxigraph.Store().query(text)
    if isinstance(result, pyoxigraph.QueryBoolean):
        return "ASK"
    return "SELECT" if isinstance(result, pyoxigraph.QuerySolutions) else "CONSTRUCT"


def _from_oxigraph(term: object) -> Term | None:
    if term is None:
        return None
    if isinstance(term, pyoxigraph.NamedNode):
        return Term("iri", term.value)
    if isinstance(term, pyoxigraph.BlankNode):
        return Term("bnode", term.value)
    assert isinstance(term, pyoxigraph.Literal)
    return Term("literal", term.value, term.datatype.value, term.language)


class KgbuildEngine:
    """`kgbuild query NAME`, through the library, over the build in ``dist``: the saved
    question by its name, as a user asks it (kgbuild runs exactly kgbuild.query_text)."""

    name = "kgbuild"

    def __init__(self, project: Path, dist: Path) -> None:
        self.project, self.dist = project, dist

    def answer(self, name: str, text: str) -> Answer:
        started = time.perf_counter()
        outcome = kgbuild.query(self.project, name, dist=self.dist)
        if outcome.form == "CONSTRUCT":
            triples = {
                (_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object))
                for t in outcome.triples
            }
            return Answer([], [], triples, time.perf_counter() - started)
        rows = [[_from_oxigraph(cell) for cell in row] for row in outcome.rows]
        return Answer(outcome.variables, rows, None, time.perf_counter() - started)


def _from_rdflib(term: object) -> Term | None:
    import rdflib

    if term is None:
        return None
    if isinstance(term, rdflib.URIRef):
        return Term("iri", str(term))
    if isinstance(term, rdflib.BNode):
        return Term("bnode", str(term))
    assert isinstance(term, rdflib.Literal)
    datatype = str(term.datatype) if term.datatype else None
    return Term("literal", str(term), datatype, term.language)


class RdflibEngine:
    """rdflib's SPARQL engine over the release's TriG, as ``Dataset(default_union=True)``."""

    name = "rdflib"

    def __init__(self, trig: Path) -> None:
        import rdflib

        started = time.perf_counter()
        self.dataset = rdflib.Dataset(default_union=True)
        self.dataset.parse(str(trig), format="trig")
        self.load_seconds = time.perf_counter() - started

    def answer(self, name: str, text: str) -> Answer:
        started = time.perf_counter()
        result = self.dataset.query(text)
        if result.type == "CONSTRUCT":
            triples = {
                (_from_rdflib(s), _from_rdflib(p), _from_rdflib(o)) for s, p, o in result.graph
            }
            return Answer([], [], triples, time.perf_counter() - started)
        variables = [str(v) for v in result.vars]
        rows = [[_from_rdflib(row[v]) for v in variables] for row in result]
        return Answer(variables, rows, None, time.perf_counter() - started)


def _from_json(binding: dict[str, str] | None) -> Term | None:
    if binding is None:
        return None
    kind = {"uri": "iri", "bnode": "bnode"}.get(binding["type"], "literal")
    return Term(kind, binding["value"], binding.get("datatype"), binding.get("xml:lang"))


class ProtocolEngine:
    """A SPARQL 1.1 Protocol endpoint: the query sent as an HTML form (POST), SELECT results
    read as SPARQL JSON, CONSTRUCT results as N-Triples."""

    def __init__(self, name: str, url: str, timeout: float = 120.0) -> None:
        self.name, self.url, self.timeout = name, url, timeout
        self.session = requests.Session()

    def answer(self, name: str, text: str) -> Answer:
        form = query_form(text)
        accept = N_TRIPLES if form == "CONSTRUCT" else RESULTS_JSON
        started = time.perf_counter()
        response = self.session.post(
            self.url, data={"query": text}, headers={"Accept": accept}, timeout=self.timeout
        )
        seconds = time.perf_counter() - started
        if response.status_code != 200:
            raise EngineError(f"{self.name}: HTTP {response.status_code}: {response.text[:2000]}")
        if response.headers.get("X-SQL-State"):  # Virtuoso's partial ("anytime") answers
            raise EngineError(f"{self.name}: a partial answer: {response.headers}")
        if form == "CONSTRUCT":
            parsed = pyoxigraph.parse(response.content, pyoxigraph.RdfFormat.N_TRIPLES)
            triples = {
                (_from_oxigraph(t.subject), _from_oxigraph(t.predicate), _from_oxigraph(t.object))
                for t in parsed
            }
            return Answer([], [], triples, seconds)
        data = response.json()
        variables = data["head"]["vars"]
        rows = [[_from_json(b.get(v)) for v in variables] for b in data["results"]["bindings"]]
        return Answer(variables, rows, None, seconds)


class EngineError(Exception):
    """An engine refused a question or could not be started."""


# --- the servers -----------------------------------------------------------------------------


def wait_until_answering(url: str, process: subprocess.Popen, log: Path, limit: float) -> None:
    """Poll ``url`` with ``ASK {}`` until it answers 200; EngineError with the log's tail if
    the process ends or ``limit`` seconds pass first."""
    deadline = time.monotonic() + limit
    while True:
        try:
            if requests.get(url, params={"query": "ASK {}"}, timeout=2).status_code == 200:
                return
        except requests.RequestException:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            tail = log.read_text(errors="replace")[-2000:] if log.exists() else ""
            raise EngineError(f"{url} did not start answering within {limit:.0f} s:\n{tail}")
        time.sleep(0.1)


def stop(process: subprocess.Popen) -> None:
    """SIGTERM, then SIGKILL after 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=10)


@contextmanager
def oxigraph_server(dump: Path, folder: Path) -> Iterator[str]:
    """A real Oxigraph server holding ``dump`` (``oxigraph load``), read-only, on a free
    loopback port; yields its SPARQL endpoint. Its default graph is empty."""
    binary = oxigraph_binary()
    location, log = folder / "oxigraph", folder / "oxigraph.log"
    subprocess.run(
        [binary, "load", "--location", str(location), "--file", str(dump)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    port = free_port()
    with log.open("wb") as out:
        process = subprocess.Popen(
            [binary, "serve-read-only", "--location", str(location), "--bind", f"127.0.0.1:{port}"],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        url = f"http://127.0.0.1:{port}/query"
        wait_until_answering(url, process, log, 30)
        yield url
    finally:
        stop(process)


VIRTUOSO = "virtuoso-t"


def virtuoso_available() -> bool:
    return shutil.which(VIRTUOSO) is not None


VIRTUOSO_INI = """\
; A Virtuoso of its own for kgbuild's tests: database files in this folder, loopback only.
[Database]
DatabaseFile       = {folder}/virtuoso.db
ErrorLogFile       = {folder}/virtuoso.log
LockFile           = {folder}/virtuoso.lck
TransactionFile    = {folder}/virtuoso.trx
xa_persistent_file = {folder}/virtuoso.pxa
TempStorage        = TempDatabase

[TempDatabase]
DatabaseFile    = {folder}/virtuoso-temp.db
TransactionFile = {folder}/virtuoso-temp.trx

[Parameters]
ServerPort        = 127.0.0.1:{sql_port}
DisableUnixSocket = 1
DirsAllowed       = {folder}
NumberOfBuffers   = 10000
MaxDirtyBuffers   = 6000
CheckpointInterval = 0

[HTTPServer]
ServerPort    = 127.0.0.1:{http_port}
ServerRoot    = {folder}
ServerThreads = 4
Charset       = UTF-8
"""


@dataclass
class Virtuoso:
    """A running Virtuoso: its SPARQL endpoint, its Graph Store endpoint (Digest
    authentication, user ``dba``, password ``dba`` as a new database has it) and its folder."""

    sparql: str
    graph_store: str
    folder: Path
    user: str = "dba"
    password: str = "dba"

    def credentials(self) -> dict[str, str]:
        """The environment `kgbuild push` reads its credentials from."""
        return {"KGBUILD_PUSH_USER": self.user, "KGBUILD_PUSH_PASSWORD": self.password}


@contextmanager
def virtuoso_server(folder: Path, limit: float = 120) -> Iterator[Virtuoso]:
    """Start Debian's Virtuoso (``virtuoso-t +foreground +configfile``) with a minimal
    virtuoso.ini in ``folder``: its own database files, free loopback ports for SQL and HTTP.
    Waits until its SPARQL endpoint answers; stops it (SIGTERM, then SIGKILL) at the end."""
    folder.mkdir(parents=True, exist_ok=True)
    http_port = free_port()
    sql_port = free_port()
    while sql_port == http_port:
        sql_port = free_port()
    ini = folder / "virtuoso.ini"
    ini.write_text(VIRTUOSO_INI.format(folder=folder, sql_port=sql_port, http_port=http_port))
    log = folder / "virtuoso.out"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [VIRTUOSO, "+foreground", "+configfile", str(ini)],
            cwd=folder,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        base = f"http://127.0.0.1:{http_port}"
        wait_until_answering(f"{base}/sparql", process, log, limit)
        yield Virtuoso(f"{base}/sparql", f"{base}/sparql-graph-crud-auth", folder)
    finally:
        stop(process)


# --- the benchmark ---------------------------------------------------------------------------


@contextmanager
def engines_for(
    project: Path, dist: Path, release: Path, folder: Path, with_virtuoso: bool
) -> Iterator[list[object]]:
    """Start every engine, loaded with the release (see the module's doc), and yield them."""
    engines: list[object] = [KgbuildEngine(project, dist), RdflibEngine(release / "kgbuild.trig")]
    with oxigraph_server(release / "kgbuild.nq", folder) as url:
        engines.append(ProtocolEngine("oxigraph", url))
        if not with_virtuoso:
            yield engines
            return
        with virtuoso_server(folder / "virtuoso") as virtuoso:
            from kgbuild.release.push import push

            push(release / "kgbuild.nq", virtuoso.graph_store, environ=virtuoso.credentials())
            engines.append(ProtocolEngine("virtuoso", virtuoso.sparql))
            yield engines


def markdown_table(results: dict[str, dict[str, dict[str, float | int]]], names: list[str]) -> str:
    """One row per question: each engine's median seconds and its rows."""
    lines = [
        "| question | " + " | ".join(f"{name} s (rows)" for name in names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for question, by_engine in results.items():
        cells = [f"{by_engine[n]['median_s']:.3f} ({by_engine[n]['rows']})" for n in names]
        lines.append(f"| `{question}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--project", type=Path, default=Path(__file__).resolve().parent.parent)
    parser.add_argument("--repeat", type=int, default=3, help="runs per question and engine")
    parser.add_argument("--json", type=Path, default=None, help="write the figures here")
    args = parser.parse_args(argv)
    project = args.project.resolve()
    dist = project / "dist"
    results: dict[str, dict[str, dict[str, float | int]]] = {}
    with tempfile.TemporaryDirectory(prefix="kgbuild-engines-") as tmp:
        folder = Path(tmp)
        kgbuild.publish(project, folder / "release", issued="2026-12-01")
        with engines_for(
            project, dist, folder / "release", folder, virtuoso_available()
        ) as engines:
            loads = {
                e.name: round(e.load_seconds, 3) for e in engines if hasattr(e, "load_seconds")
            }
            for saved in saved_queries(project / "queries"):
                text = kgbuild.query_text(project, saved.name)
                results[saved.name] = {}
                for engine in engines:
                    times, answer = [], None
                    for _ in range(args.repeat):
                        answer = engine.answer(saved.name, text)
                        times.append(answer.seconds)
                    size = len(answer.triples) if answer.triples is not None else len(answer.rows)
                    results[saved.name][engine.name] = {
                        "median_s": round(statistics.median(times), 4),
                        "max_s": round(max(times), 4),
                        "rows": size,
                    }
            names = [e.name for e in engines]
    print(markdown_table(results, names))
    print(
        f"rdflib parsed the release's TriG in {loads.get('rdflib', 0):.2f} s; medians of "
        f"{args.repeat} runs, each engine loaded and warm"
    )
    if args.json:
        args.json.write_text(
            json.dumps({"repeat": args.repeat, "load_s": loads, "results": results}, indent=1)
            + "\n"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
