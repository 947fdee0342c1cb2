"""Issue 6: nothing is fetched. Every way a file or a query could make kgbuild reach out (a
remote JSON-LD @context, owl:imports, SERVICE, FROM, LOAD, an RDF/XML external entity, a file:
IRI) points at a local HTTP server that records any request; each is refused with a clear
message, and the server is never contacted. In the same process, a Python audit hook records
any socket connection (rdflib, pySHACL and owlrl run there)."""

from __future__ import annotations

import http.server
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from tests.conftest import committed_copy

CONNECTS: list[object] = []
_ARMED = False


def _audit(event: str, args: tuple[object, ...]) -> None:
    if _ARMED and event in ("socket.connect", "socket.getaddrinfo", "urllib.Request"):
        CONNECTS.append((event, args))


sys.addaudithook(_audit)


@pytest.fixture(scope="module")
def trap() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that answers 500 and records every request."""
    requests: list[str] = []

    class Trap(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            requests.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", requests
    server.shutdown()


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("nonet")
    committed_copy(root)
    assert CliRunner().invoke(main, ["build", "--project", str(root)]).exit_code == 0
    return root


def files(url: str) -> dict[str, str]:
    rdfxml = (
        '<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM "{}">]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        '<rdf:Description rdf:about="https://w3id.org/kgbuild/id/x"><rdfs:label>&e;'
        "</rdfs:label></rdf:Description>\n</rdf:RDF>\n"
    )
    return {
        "remote-context.jsonld": f'{{"@context": "{url}/context.jsonld", "@id": "{url}/x"}}',
        "file-context.jsonld": '{"@context": "file:///etc/passwd", "@id": "http://a/x"}',
        "scoped-context.jsonld": (
            f'{{"@context": {{"p": {{"@id": "http://a/p", "@context": "{url}/scoped"}}}},'
            ' "@id": "http://a/x", "p": {"@id": "http://a/y"}}'
        ),
        "imports.ttl": f"<http://a/o> <http://www.w3.org/2002/07/owl#imports> <{url}/o.ttl> .\n",
        "http-entity.rdf": rdfxml.format(f"{url}/entity"),
        "file-entity.rdf": rdfxml.format("file:///etc/passwd"),
    }


CASES = [
    ("remote-context.jsonld", "never fetches"),
    ("file-context.jsonld", "never fetches"),
    ("scoped-context.jsonld", "never fetches"),
    ("imports.ttl", "owl:imports"),
    ("http-entity.rdf", "external entity"),
    ("file-entity.rdf", "external entity"),
]


@pytest.mark.parametrize(("name", "words"), CASES, ids=[c[0] for c in CASES])
def test_validate_refuses_what_would_fetch(
    name: str, words: str, project: Path, trap: tuple[str, list[str]], tmp_path: Path
) -> None:
    global _ARMED
    url, requests = trap
    path = tmp_path / name
    path.write_text(files(url)[name])
    _ARMED, CONNECTS[:] = True, []
    try:
        result = CliRunner().invoke(main, ["validate", "--project", str(project), str(path)])
    finally:
        _ARMED = False
    assert result.exit_code == 2, result.output
    assert name in result.output and words in result.output.lower()
    assert requests == [] and CONNECTS == []


QUERIES = [
    ("SELECT * WHERE {{ SERVICE <{url}/sparql> {{ ?s ?p ?o }} }}", "service is refused"),
    ("SELECT * FROM <{url}/data.ttl> WHERE {{ ?s ?p ?o }}", "never fetches"),
    ("SELECT * FROM NAMED <{url}/data.ttl> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}", "never fetches"),
    ("LOAD <{url}/data.ttl>", "read-only"),
    ("INSERT DATA {{ <{url}/x> <{url}/p> 1 }}", "read-only"),
]


@pytest.mark.parametrize(("query", "words"), QUERIES)
def test_query_refuses_what_would_fetch(
    query: str, words: str, project: Path, trap: tuple[str, list[str]]
) -> None:
    global _ARMED
    url, requests = trap
    _ARMED, CONNECTS[:] = True, []
    try:
        result = CliRunner().invoke(
            main, ["query", "--project", str(project), query.format(url=url)]
        )
    finally:
        _ARMED = False
    assert result.exit_code == 2, result.output
    assert words in result.output.lower()
    assert requests == [] and CONNECTS == []


def test_build_refuses_remote_context_and_imports(
    project: Path, trap: tuple[str, list[str]]
) -> None:
    global _ARMED
    url, requests = trap
    context = project / "data" / "context.jsonld"
    ontology = project / "ontology" / "kgbuild.ttl"
    saved = context.read_bytes(), ontology.read_bytes()
    _ARMED, CONNECTS[:] = True, []
    try:
        context.write_text(f'{{"@context": ["{url}/context.jsonld", {{"a": "http://a/"}}]}}')
        result = CliRunner().invoke(main, ["build", "--project", str(project)])
        assert result.exit_code == 2 and "remote JSON-LD @context" in result.output
        context.write_bytes(saved[0])
        ontology.write_bytes(
            saved[1] + f"\n<https://w3id.org/kgbuild/ontology> owl:imports <{url}/o> .\n".encode()
        )
        result = CliRunner().invoke(main, ["build", "--project", str(project)])
        assert result.exit_code == 2 and "owl:imports" in result.output
    finally:
        _ARMED = False
        context.write_bytes(saved[0])
        ontology.write_bytes(saved[1])
    assert requests == [] and CONNECTS == []


def test_entity_bomb_is_refused_without_expanding_it(project: Path, tmp_path: Path) -> None:
    """A billion-laughs file (10^9 expansions): refused before parsing, in a process whose
    memory is capped at 1 GiB (pyoxigraph alone would expand it until memory runs out). The
    time taken is printed; benchmarks, not tests, judge speed."""
    bomb = tmp_path / "bomb.rdf"
    entities = "".join(f'<!ENTITY l{i + 1} "{("&l" + str(i) + ";") * 10}">\n' for i in range(9))
    bomb.write_text(
        '<?xml version="1.0"?>\n<!DOCTYPE r [\n<!ENTITY l0 "lol">\n' + entities + "]>\n"
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:rdfs="http://www.w3.org/2000/01/rdf-schema#">\n'
        '<rdf:Description rdf:about="https://w3id.org/kgbuild/id/x"><rdfs:label>&l9;'
        "</rdfs:label></rdf:Description>\n</rdf:RDF>\n"
    )
    cap = textwrap.dedent(
        """
        import resource, sys
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))
        from kgbuild.cli import main
        sys.argv = ["kgbuild", *sys.argv[1:]]
        main()
        """
    )
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", cap, "validate", "--project", str(project), str(bomb)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    print(f"entity bomb refused in {time.perf_counter() - started:.2f} s (whole process)")
    assert done.returncode == 2, done.stderr
    assert "refers to other entities" in done.stderr and "bomb.rdf:4" in done.stderr
