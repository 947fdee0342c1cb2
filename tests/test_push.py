"""`kgbuild push` into a real Oxigraph server, started by the test on a free loopback port."""

from __future__ import annotations

import base64
import contextlib
import http.server
import socket
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import ClassVar

import pyoxigraph
import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.pipeline import BuildResult
from kgbuild.release.push import BearerAuth, credentials, graphs_of, push
from kgbuild.release.serve import free_port, oxigraph_binary
from tests.conftest import committed


@pytest.fixture
def oxigraph(tmp_path: Path) -> Iterator[str]:
    """A writable Oxigraph server; yields its base URL."""
    port = free_port()
    process = subprocess.Popen(
        [
            oxigraph_binary(),
            "serve",
            "--location",
            str(tmp_path / "store"),
            "--bind",
            f"127.0.0.1:{port}",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 15
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, "oxigraph did not start"
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    process.terminate()
    process.wait(timeout=10)


def store_quads(url: str) -> set[str]:
    request = urllib.request.Request(f"{url}/store", headers={"Accept": "application/n-quads"})
    with urllib.request.urlopen(request, timeout=30) as response:
        data = response.read()
    return {str(q) for q in pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_QUADS)}


def test_push_leaves_exactly_the_datasets_quads(
    built: tuple[BuildResult, Path], oxigraph: str
) -> None:
    dump = built[1] / "dataset.nq"
    expected = {str(q) for q in pyoxigraph.parse(path=str(dump))}
    result = push(dump, f"{oxigraph}/store")
    assert result.ok and result.retries == 0
    assert sum(result.graphs.values()) == len(expected)
    assert store_quads(oxigraph) == expected


def test_push_replaces_each_graph(built: tuple[BuildResult, Path], oxigraph: str) -> None:
    dump = built[1] / "dataset.nq"
    stale = (
        "<https://w3id.org/kgbuild/id/person/x> <http://www.w3.org/2000/01/rdf-schema#label>"
        ' "stale" .'
    )
    graph = "https://w3id.org/kgbuild/id/graph/entities"
    request = urllib.request.Request(
        f"{oxigraph}/store?graph={graph}",
        data=stale.encode(),
        headers={"Content-Type": "application/n-triples"},
        method="POST",
    )
    urllib.request.urlopen(request, timeout=10).close()
    push(dump, f"{oxigraph}/store")
    assert not any('"stale"' in q for q in store_quads(oxigraph))


def test_push_command_reports_each_graph(built: tuple[BuildResult, Path], oxigraph: str) -> None:
    result = CliRunner().invoke(
        main,
        [
            "push",
            "--project",
            str(committed()),
            "--dist",
            str(built[1]),
            "--endpoint",
            f"{oxigraph}/store",
        ],
    )
    assert result.exit_code == 0, result.output
    graphs = graphs_of(built[1] / "dataset.nq")
    assert result.output.count("ok ") == len(graphs)
    triples = sum(len(t) for t in graphs.values())
    assert f"pushed {triples} triples in {len(graphs)} graphs (0 retries)" in result.output


def send_graph(handler: http.server.BaseHTTPRequestHandler, body: bytes) -> None:
    """Answer a Graph Store GET with the N-Triples a test store holds for that graph."""
    handler.send_response(200)
    handler.send_header("Content-Type", "application/n-triples")
    handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)


class Flaky(http.server.BaseHTTPRequestHandler):
    """A Graph Store that fails the first request of each graph with 503 and checks auth."""

    seen: ClassVar[dict[str, bytes]] = {}
    failures: ClassVar[set[str]] = set()
    auth: ClassVar[list[str]] = []

    def log_message(self, *args: object) -> None:
        pass

    def do_PUT(self) -> None:
        Flaky.auth.append(self.headers.get("Authorization", ""))
        body = self.rfile.read(int(self.headers["Content-Length"]))
        if self.path not in Flaky.failures:
            Flaky.failures.add(self.path)
            self.send_response(503)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        Flaky.seen[self.path] = body
        self.send_response(204)
        self.end_headers()

    def do_GET(self) -> None:
        send_graph(self, Flaky.seen.get(self.path, b""))


def test_push_retries_transient_failures_and_sends_credentials(
    built: tuple[BuildResult, Path],
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flaky)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/store"
        lines: list[str] = []
        result = push(
            built[1] / "dataset.nq",
            url,
            wait=0.01,
            notify=lines.append,
            environ={
                "KGBUILD_PUSH_USER": "kg",
                "KGBUILD_PUSH_PASSWORD": "s3cret",
                "KGBUILD_PUSH_AUTH": "basic",  # sent with every request: this store never asks
            },
        )
    finally:
        server.shutdown()
    assert result.ok and result.retries == len(result.graphs)  # one 503 per graph, retried once
    assert len(lines) == result.retries  # one line for each retry, saying what it waits for
    assert all(
        line.startswith("retrying PUT ") and "(retry 1 of 4): HTTP 503" in line for line in lines
    )
    expected = "Basic " + base64.b64encode(b"kg:s3cret").decode()
    assert set(Flaky.auth) == {expected}


class Guarded(http.server.BaseHTTPRequestHandler):
    """A Graph Store that answers 401 with a Basic challenge unless it gets kg:s3cret."""

    seen: ClassVar[dict[str, bytes]] = {}
    auth: ClassVar[list[str]] = []
    expected = "Basic " + base64.b64encode(b"kg:s3cret").decode()

    def log_message(self, *args: object) -> None:
        pass

    def _allowed(self) -> bool:
        Guarded.auth.append(self.headers.get("Authorization", ""))
        if Guarded.auth[-1] == Guarded.expected:
            return True
        length = int(self.headers.get("Content-Length", 0))
        self.rfile.read(length)
        self.send_response(401)
        self.send_header("WWW-Authenticate", 'Basic realm="kgbuild test"')
        self.send_header("Content-Length", "0")
        self.end_headers()
        return False

    def do_PUT(self) -> None:
        if self._allowed():
            Guarded.seen[self.path] = self.rfile.read(int(self.headers["Content-Length"]))
            self.send_response(204)
            self.end_headers()

    def do_GET(self) -> None:
        if self._allowed():
            send_graph(self, Guarded.seen.get(self.path, b""))


def test_push_sends_credentials_only_when_asked_in_the_scheme_asked_for(
    built: tuple[BuildResult, Path],
) -> None:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Guarded)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/store"
        result = push(
            built[1] / "dataset.nq",
            url,
            environ={"KGBUILD_PUSH_USER": "kg", "KGBUILD_PUSH_PASSWORD": "s3cret"},
        )
    finally:
        server.shutdown()
    assert result.ok and result.retries == 0
    assert Guarded.auth[0] == ""  # nothing before the store asks
    assert Guarded.auth[1:] == [Guarded.expected] * (2 * len(result.graphs))  # then always


def test_unknown_auth_scheme_is_exit_2(built: tuple[BuildResult, Path]) -> None:
    result = CliRunner().invoke(
        main,
        ["push", "--project", str(committed()), "--dist", str(built[1]), "--endpoint", "http://x/"],
        env={"KGBUILD_PUSH_AUTH": "kerberos", "KGBUILD_PUSH_USER": "kg"},
    )
    assert result.exit_code == 2
    assert "KGBUILD_PUSH_AUTH='kerberos'" in result.output and "Traceback" not in result.output


def test_bearer_token_from_the_environment() -> None:
    auth = credentials({"KGBUILD_PUSH_TOKEN": "abc"})
    assert isinstance(auth, BearerAuth) and auth.token == "abc"
    assert credentials({}) is None


def test_unreachable_store_is_exit_3(built: tuple[BuildResult, Path]) -> None:
    url = f"http://127.0.0.1:{free_port()}/store"
    result = CliRunner().invoke(
        main,
        [
            "push",
            "--project",
            str(committed()),
            "--dist",
            str(built[1]),
            "--endpoint",
            url,
            "--retries",
            "0",
        ],
    )
    assert result.exit_code == 3
    assert "is the store running" in result.output


def test_a_store_that_never_answers_ends_the_push_at_its_time_budget(
    built: tuple[BuildResult, Path],
) -> None:
    """The listener accepts connections and never answers: the push stops at --timeout with
    exit 3 and the reason, not minutes later."""
    listener = socket.create_server(("127.0.0.1", 0))
    held: list[socket.socket] = []

    def accept() -> None:
        with contextlib.suppress(OSError):
            while True:
                held.append(listener.accept()[0])

    threading.Thread(target=accept, daemon=True).start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/store"
    started = time.monotonic()
    try:
        result = CliRunner().invoke(
            main,
            [
                "push",
                "--project",
                str(committed()),
                "--dist",
                str(built[1]),
                "--endpoint",
                url,
                "--timeout",
                "4",
            ],
        )
    finally:
        listener.close()
        for connection in held:
            connection.close()
    took = time.monotonic() - started
    assert result.exit_code == 3, result.output
    assert "stopped at the time limit of 4 s" in result.output
    assert "no answer within 4 s" in result.output
    assert "Traceback" not in result.output
    assert took < 30, f"the push took {took:.0f} s with a budget of 4 s"
