"""`kgbuild serve` over real HTTP: Oxigraph's endpoint behind the front, started by the test."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph
import pytest

from kgbuild.pipeline import BuildResult
from kgbuild.release.serve import Limits, Server, preferred
from tests.conftest import committed

XML = pyoxigraph.QueryResultsFormat.XML
SELECT = (
    "SELECT ?name WHERE { ?p a <https://w3id.org/kgbuild/ontology#Person> ; "
    "<http://www.w3.org/2000/01/rdf-schema#label> ?name } ORDER BY ?name"
)


@pytest.fixture(scope="module")
def server(built: tuple[BuildResult, Path], release: Path) -> Iterator[Server]:
    srv = Server(
        built[1], release, "127.0.0.1", 0, Limits(timeout_s=2, max_bytes=200_000, concurrent=4), ""
    )
    srv.start()
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield srv
    srv.stop()


def get(
    url: str,
    accept: str | None = None,
    data: bytes | None = None,
    content_type: str | None = None,
    method: str | None = None,
) -> tuple[int, dict[str, str], bytes]:
    headers = {}
    if accept:
        headers["Accept"] = accept
    if content_type:
        headers["Content-Type"] = content_type
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), exc.read()


def test_sparql_get_json(server: Server) -> None:
    url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": SELECT})
    status, headers, body = get(url, "application/sparql-results+json")
    assert status == 200 and headers["Content-Type"].startswith("application/sparql-results+json")
    names = [b["name"]["value"] for b in json.loads(body)["results"]["bindings"]]
    assert names[0] == "Aleksandar Vucic" and len(names) == 7


def test_a_get_query_longer_than_8_kb_is_answered(server: Server) -> None:
    """Oxigraph refuses request lines over 8 KB; the front forwards a GET as a POST."""
    long_query = SELECT + "\n" + "# padding so that the request line passes 8 KB\n" * 200
    url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": long_query})
    assert len(url) > 8192
    status, _, body = get(url, "application/sparql-results+json")
    assert status == 200, body
    assert len(json.loads(body)["results"]["bindings"]) == 7


@pytest.mark.parametrize(
    ("accept", "fmt"),
    [
        ("application/sparql-results+xml", pyoxigraph.QueryResultsFormat.XML),
        ("text/csv", None),
        ("text/tab-separated-values", pyoxigraph.QueryResultsFormat.TSV),
    ],
)
def test_sparql_post_in_every_result_format(
    server: Server, accept: str, fmt: pyoxigraph.QueryResultsFormat | None
) -> None:
    def rows(body: bytes) -> int:
        if fmt is None:  # CSV is lossy: pyoxigraph does not parse it back; count the lines
            return len(body.decode().strip().splitlines()) - 1
        return len(list(pyoxigraph.parse_query_results(body, format=fmt)))

    status, _, body = get(
        f"{server.url}/sparql", accept, SELECT.encode(), "application/sparql-query"
    )
    assert status == 200 and rows(body) == 7
    form = urllib.parse.urlencode({"query": SELECT}).encode()
    status, _, body = get(f"{server.url}/sparql", accept, form, "application/x-www-form-urlencoded")
    assert status == 200 and rows(body) == 7


def test_construct_as_turtle(server: Server) -> None:
    query = "CONSTRUCT { ?p a ?t } WHERE { ?p a ?t } LIMIT 5"
    status, _, body = get(
        f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}), "text/turtle"
    )
    assert status == 200 and len(list(pyoxigraph.parse(body, pyoxigraph.RdfFormat.TURTLE))) == 5


@pytest.mark.parametrize(
    ("path", "body", "kind", "method"),
    [
        ("/sparql", b"CLEAR ALL", "application/sparql-update", "POST"),
        ("/sparql", b"update=CLEAR%20ALL", "application/x-www-form-urlencoded", "POST"),
        ("/update", b"CLEAR ALL", "application/sparql-update", "POST"),
        ("/store?default", b"<http://a> <http://b> <http://c> .", "application/n-triples", "PUT"),
        ("/store?default", None, None, "DELETE"),
    ],
    ids=["update-post", "update-form", "update-endpoint", "graph-store-put", "graph-store-delete"],
)
def test_writes_are_refused(
    server: Server, path: str, body: bytes | None, kind: str | None, method: str
) -> None:
    status, _, text = get(f"{server.url}{path}", None, body, kind, method)
    assert status == 403 and b"read-only" in text
    count = get(
        f"{server.url}/sparql?"
        + urllib.parse.urlencode({"query": "SELECT (COUNT(*) AS ?n) { ?s ?p ?o }"}),
        "text/csv",
    )[2]
    assert int(count.split()[1]) > 7000  # nothing was cleared


@pytest.mark.parametrize(
    ("accept", "suffix", "kind"),
    [
        ("text/html", ".html", "text/html"),
        ("text/turtle", ".ttl", "text/turtle"),
        ("application/ld+json", ".jsonld", "application/ld+json"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", ".jsonld", "application/ld+json"),
    ],
)
def test_resource_iris_dereference_by_content_negotiation(
    server: Server, accept: str, suffix: str, kind: str
) -> None:
    status, headers, body = get(f"{server.url}/id/person/bratislav-gasic", accept)
    assert status == 200 and headers["Content-Type"].startswith(kind)
    if suffix == ".html":
        assert b"Bratislav Gasic" in body and b"Serbian Interior Minister" in body
    else:
        fmt = pyoxigraph.RdfFormat.TURTLE if suffix == ".ttl" else pyoxigraph.RdfFormat.JSON_LD
        labels = {
            q.object.value
            for q in pyoxigraph.parse(body, fmt)
            if q.predicate.value.endswith("#label")
        }
        assert "Bratislav Gasic" in labels


def test_unknown_resource_and_unacceptable_format(server: Server) -> None:
    assert get(f"{server.url}/id/person/nobody", "text/html")[0] == 404
    assert get(f"{server.url}/id/person/bratislav-gasic", "image/png")[0] == 406


def test_query_page_is_yasgui(server: Server) -> None:
    status, _, body = get(f"{server.url}/sparql", "text/html")
    assert status == 200 and b"Yasgui" in body
    assert get(f"{server.url}/yasgui.min.js")[0] == 200


def test_time_limit_stops_a_runaway_query_cleanly(server: Server) -> None:
    query = "SELECT (COUNT(*) AS ?n) { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    started = time.monotonic()
    status, _, body = get(
        f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}),
        "application/sparql-results+json",
    )
    assert status == 503 and b"longer than the limit of 2 s" in body
    assert time.monotonic() - started < 10


def test_result_size_limit_refuses_cleanly(server: Server) -> None:
    query = "SELECT * { ?s ?p ?o }"
    status, _, body = get(
        f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}),
        "application/sparql-results+json",
    )
    assert status == 413 and b"larger than the limit of 200000 bytes" in body


def test_preferred_format_honours_q_values() -> None:
    assert preferred("text/turtle") == ".ttl"
    assert preferred("application/ld+json, text/html;q=0.1") == ".jsonld"
    assert preferred("text/html;q=0, text/turtle") == ".ttl"
    assert preferred("*/*") == ".html"
    assert preferred("image/png") is None


def test_command_starts_and_stops_cleanly(built: tuple[BuildResult, Path], release: Path) -> None:
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "kgbuild.cli",
            "serve",
            "--project",
            str(committed()),
            "--dist",
            str(built[1]),
            "--release",
            str(release),
            "--port",
            "0",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = process.stdout.readline() if process.stdout else ""
    assert line.startswith("kgbuild serve: SPARQL endpoint http://127.0.0.1:"), line
    url = line.split("SPARQL endpoint ")[1].split(",")[0]
    assert get(url + "?query=ASK%7B%7D", "application/sparql-results+json")[0] == 200
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=20)
    assert process.returncode == 0, err
    assert out.strip() == "kgbuild serve: stopped"
    assert "Traceback" not in err


def test_service_queries_are_refused_by_the_endpoint(server: Server) -> None:
    query = "SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }"
    status, _, body = get(
        f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query}),
        "application/sparql-results+json",
    )
    assert status == 403 and b"SERVICE is refused" in body
    status, _, body = get(
        f"{server.url}/sparql",
        "application/sparql-results+json",
        query.encode(),
        "application/sparql-query",
    )
    assert status == 403


def test_questions_are_listed_with_their_rows(server: Server) -> None:
    status, headers, body = get(f"{server.url}/questions")
    assert status == 200 and headers["Content-Type"] == "application/json"
    listed = {q["name"]: q for q in json.loads(body)["questions"]}
    assert listed["timeline"]["rows"] == 78 and listed["timeline"]["url"] == "/questions/timeline"
    assert "source-view" not in listed  # a CONSTRUCT: ask /sparql


def test_a_saved_question_pages_from_the_stored_answer_with_the_total(server: Server) -> None:
    status, headers, body = get(f"{server.url}/questions/timeline?limit=5&offset=10")
    assert status == 200 and headers["X-Total-Count"] == "78"
    assert headers["Content-Type"] == "application/sparql-results+json"
    assert len(json.loads(body)["results"]["bindings"]) == 5
    assert headers["Link"] == '</questions/timeline?offset=15&limit=5>; rel="next"'
    _, _, whole = get(f"{server.url}/questions/timeline?all", "text/csv")
    assert len(whole.decode().strip().splitlines()) == 1 + 78
    status, headers, body = get(f"{server.url}/questions/timeline?page=8&format=tsv")
    assert status == 200 and "Link" not in headers  # rows 701-800 of 78: none, no next page
    assert body.decode().strip().count("\n") == 0


def test_a_saved_question_with_other_parameters_is_answered_live_by_the_page(
    server: Server,
) -> None:
    url = f"{server.url}/questions/evidence?resource=person:dejan-lukovic&limit=1"
    status, headers, body = get(url, "application/sparql-results+xml")
    assert status == 200, body
    assert headers["X-Total-Count"] == "4" and "offset=1" in headers["Link"]
    assert len(list(pyoxigraph.parse_query_results(body, format=XML))) == 1


@pytest.mark.parametrize(
    ("path", "status"),
    [
        ("/questions/timelin", 404),
        ("/questions/timeline?limit=x", 400),
        ("/questions/timeline?format=html", 400),
    ],
)
def test_a_bad_question_request_says_what_is_wrong(server: Server, path: str, status: int) -> None:
    assert get(f"{server.url}{path}")[0] == status


def sparql(srv: Server, query: str) -> tuple[int, dict[str, str], bytes]:
    return get(
        f"{srv.url}/sparql",
        "application/sparql-results+json",
        data=query.encode("utf-8"),
        content_type="application/sparql-query",
    )


def test_a_query_nested_too_deep_is_refused_and_the_endpoint_lives_on(server: Server) -> None:
    nested = "SELECT * WHERE { FILTER(" + "(" * 5000 + "1" + ")" * 5000 + ") }"
    status, _, body = sparql(server, nested)
    assert status == 400 and b"nests brackets 5002 deep, over the limit of 100" in body
    assert body.count(b"\n") == 1
    status, _, body = sparql(server, "x" * 100_001)
    assert status == 400 and b"over the limit of 100000" in body
    status, _, body = sparql(server, SELECT)
    assert status == 200 and json.loads(body)["results"]["bindings"]
    assert server.restarts == 0


def test_a_dead_engine_is_started_again_with_503_meanwhile(
    built: tuple[BuildResult, Path], release: Path
) -> None:
    srv = Server(built[1], release, "127.0.0.1", 0, Limits(timeout_s=5), "")
    lines: list[str] = []
    srv.log = lines.append
    srv.start()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        slow = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
        answers: list[tuple[int, dict[str, str], bytes]] = []
        asking = threading.Thread(target=lambda: answers.append(sparql(srv, slow)))
        asking.start()
        time.sleep(1.0)  # the slow query is with the engine
        assert srv.process is not None
        srv.process.kill()  # as a query that crashes it would
        asking.join(timeout=30)
        status, headers, body = answers[0]
        assert status == 503 and headers.get("Retry-After") == "2", (status, body)
        deadline = time.monotonic() + 20
        while True:
            status, headers, body = sparql(srv, SELECT)
            if status == 200 or time.monotonic() > deadline:
                break
            assert status == 503 and headers.get("Retry-After"), (status, body)
            time.sleep(0.2)
        assert status == 200 and json.loads(body)["results"]["bindings"]
        assert srv.restarts == 1
        assert any("stopped" in line and "?g ?h ?i" in line for line in lines), lines
    finally:
        srv.stop()


@pytest.mark.slow
def test_thirty_clients_for_twenty_seconds_get_answers_or_503_never_a_reset(
    built: tuple[BuildResult, Path], release: Path
) -> None:
    srv = Server(built[1], release, "127.0.0.1", 0, Limits(timeout_s=1, concurrent=2), "")
    srv.start()
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    statuses: dict[int, int] = {}
    failures: list[str] = []
    stop = time.monotonic() + 20
    lock = threading.Lock()

    def client() -> None:
        while time.monotonic() < stop:
            try:
                status, headers, _ = sparql(srv, SELECT)
            except OSError as exc:  # a reset, a refused or dropped connection
                with lock:
                    failures.append(repr(exc))
                continue
            with lock:
                statuses[status] = statuses.get(status, 0) + 1
                if status == 503 and not headers.get("Retry-After"):
                    failures.append("503 without Retry-After")

    clients = [threading.Thread(target=client) for _ in range(30)]
    try:
        for c in clients:
            c.start()
        for c in clients:
            c.join()
    finally:
        srv.stop()
    assert not failures, f"{len(failures)} failures, e.g. {failures[:3]}"
    assert set(statuses) <= {200, 503} and statuses.get(200, 0) > 100, statuses
