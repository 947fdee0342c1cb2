"""`kgbuild serve`: Oxigraph's SPARQL server behind a thin front that adds what it lacks.

Oxigraph's `serve-read-only` answers the SPARQL 1.1 Protocol (GET and POST, every result
format) and ships the YASGUI query page. The front, on the public host and port, adds:

- a hard time limit and a result size limit: Oxigraph's own --timeout-s is not a hard limit
  and may answer HTTP 200 with a truncated body (measured here: a timed-out query came back as
  200, its JSON cut short), so the front cuts a query that runs too long or answers too
  much and returns a clean 503 or 413;
- a bound on the queries that run at once (others wait, then get 503 with Retry-After), and
  a listen queue long enough that many clients at once get that 503, never a reset;
- refusal of a query over ``Limits.max_query_bytes`` or nested deeper than
  ``Limits.max_depth`` (400, one line): Oxigraph's parser recurses, and 5,000 nested
  parentheses killed the process;
- supervision of the Oxigraph process: if it dies, the front logs the queries it was
  answering, answers 503 with Retry-After meanwhile, and starts it again;
- refusal of SPARQL Update and Graph Store requests (403);
- dereferenceable resource IRIs: /id/<path> answers 303 See Other to the page (text/html), the
  Turtle (text/turtle) or the JSON-LD (application/ld+json) of the published release;
- the release website under /site/;
- the saved questions by the page at /questions/NAME (?limit, ?offset, ?page, ?all): read from
  the answers the build stored (graph/stored.py), in milliseconds, with the total number of
  rows in the ``X-Total-Count`` header; other parameters (?resource=...) are answered live by
  Oxigraph under the same limits (questions.py).

One module of about 620 lines: the front and the Oxigraph process it supervises and starts
again share the limits, the slots, the engine's readiness and the shutdown; the paged
questions are questions.py.
"""

from __future__ import annotations

import http.client
import http.server
import json
import mimetypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kgbuild.errors import ServeError
from kgbuild.graph.store import STORE_DIR, NotBuilt
from kgbuild.locks import Reading
from kgbuild.release.questions import Refusal as _Refusal
from kgbuild.release.questions import accepted

CANCELLED = b"The SPARQL operation has been cancelled"
_ASSETS = {"/yasgui.min.js", "/yasgui.min.css", "/logo.svg"}
_FORMATS = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/turtle": ".ttl",
    "application/x-turtle": ".ttl",
    "application/ld+json": ".jsonld",
    "application/json": ".jsonld",
}


@dataclass(frozen=True)
class Limits:
    """What one query may cost."""

    timeout_s: float = 10.0
    max_bytes: int = 10_000_000
    concurrent: int = 4
    max_query_bytes: int = 100_000  # the text of one query
    max_depth: int = 100  # nesting of ( { [ in one query, strings and comments aside


RETRY_AFTER = 2  # seconds a client is asked to wait when busy or restarting


def query_problem(text: str, limits: Limits) -> str | None:
    """Why a query is refused before it reaches the engine (too long, nested too deep)."""
    from kgbuild.graph.query import masked

    size = len(text.encode("utf-8"))
    if size > limits.max_query_bytes:
        return (
            f"the query is {size} bytes, over the limit of {limits.max_query_bytes}: "
            "ask a shorter query"
        )
    depth = deepest = 0
    for c in masked(text):
        if c in "({[":
            depth += 1
            deepest = max(deepest, depth)
        elif c in ")}]":
            depth -= 1
    if deepest > limits.max_depth:
        return (
            f"the query nests brackets {deepest} deep, over the limit of {limits.max_depth}: "
            "write it flatter"
        )
    return None


def oxigraph_binary() -> str:
    """The `oxigraph` server binary installed with the oxigraph package."""
    candidates = [Path(sys.executable).parent / "oxigraph", shutil.which("oxigraph")]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise ServeError(
        "the oxigraph server binary is not installed",
        hint="pip install oxigraph (it comes with kgbuild's dependencies)",
    )


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def preferred(accept: str) -> str | None:
    """The file suffix of the format the Accept header wants most (q-values honoured)."""
    if not accept.strip():
        return None
    for media in accepted(accept):
        if media in _FORMATS:
            return _FORMATS[media]
        if media in ("*/*", "text/*"):
            return ".html"
    return None


class Front(http.server.ThreadingHTTPServer):
    """The public server: SPARQL proxy with limits, pages and content negotiation."""

    daemon_threads = True
    request_queue_size = 1024  # a burst of clients waits for a slot, not a reset connection

    def __init__(
        self,
        address: tuple[str, int],
        upstream: tuple[str, int],
        release: Path,
        limits: Limits,
        base: str,
        dist: Path | None = None,
    ) -> None:
        super().__init__(address, Handler)
        self.upstream = upstream
        self.release = release
        self.limits = limits
        self.base = base
        self.dist = dist  # the build whose stored answers /questions/ reads
        self.slots = threading.BoundedSemaphore(limits.concurrent)
        self.engine: subprocess.Popen[bytes] | None = None  # the Oxigraph process, set by Server
        self.ready = threading.Event()  # the engine answers (cleared while it restarts)
        self.ready.set()
        self.inflight: dict[int, str] = {}  # thread -> the query it sent the engine
        self.lost: list[str] = []  # queries the engine died answering, not yet logged
        self.lock = threading.Lock()


class Handler(http.server.BaseHTTPRequestHandler):
    server: Front
    protocol_version = "HTTP/1.1"
    server_version = "kgbuild-serve"

    def log_message(self, format: str, *args: object) -> None:  # quiet by default
        if os.environ.get("KGBUILD_SERVE_LOG"):
            super().log_message(format, *args)

    # -- routing ----------------------------------------------------------------------------

    def do_GET(self) -> None:
        self._route("GET")

    def do_HEAD(self) -> None:
        self._route("HEAD")

    def do_POST(self) -> None:
        self._route("POST")

    def do_PUT(self) -> None:
        self._refuse()

    def do_DELETE(self) -> None:
        self._refuse()

    def do_PATCH(self) -> None:
        self._refuse()

    def _route(self, method: str) -> None:
        url = urllib.parse.urlsplit(self.path)
        path = url.path
        if path in ("/update",) or path.startswith("/store"):
            return self._refuse()
        if path in ("/sparql", "/query"):
            params = urllib.parse.parse_qs(url.query)
            if method == "POST":
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                kind = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if kind == "application/sparql-update" or (
                    kind == "application/x-www-form-urlencoded"
                    and "update" in urllib.parse.parse_qs(body.decode("utf-8", "replace"))
                ):
                    return self._refuse(body_read=True)
                return self._proxy_query("POST", url.query, body, kind)
            if "update" in params:
                return self._refuse()
            if "query" not in params:
                return self._query_page()
            # Forwarded as a POST of the same form: Oxigraph refuses a request line over 8 KB,
            # which a saved question with its prefixes can exceed as a GET.
            return self._proxy_query(
                "POST", "", url.query.encode("ascii"), "application/x-www-form-urlencoded"
            )
        if path == "/questions" or path.startswith("/questions/"):
            if method == "POST":
                return self._error(405, "GET a saved question's page: /questions/NAME?limit=100")
            return self._question(path[len("/questions") :].strip("/"), url.query, method)
        if path in _ASSETS:
            return self._proxy_plain(path)
        if path == "/" or path == "/site" or path == "/site/":
            return self._redirect("/site/index.html")
        if path.startswith("/site/"):
            return self._static(path[len("/site/") :], method)
        if path.startswith(("/id/", "/vocab/")):
            return self._negotiate(path)
        self._error(404, "not found: try /sparql, /site/index.html or /id/<resource>")

    # -- SPARQL -----------------------------------------------------------------------------

    def _proxy_query(self, method: str, query: str, body: bytes, kind: str | None) -> None:
        from kgbuild.graph.query import QueryError, refuse_remote

        texts = urllib.parse.parse_qs(query).get("query", [])
        if kind == "application/sparql-query":
            texts.append(body.decode("utf-8", "replace"))
        elif kind == "application/x-www-form-urlencoded":
            texts += urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("query", [])
        limits = self.server.limits
        try:
            for text in texts:
                refuse_remote(text)
        except QueryError as exc:
            return self._error(403, exc.message)
        for text in texts:
            problem = query_problem(text, limits)
            if problem:
                return self._error(400, problem)
        started = time.monotonic()
        if not self.server.slots.acquire(timeout=limits.timeout_s):
            return self._error(
                503, "the server is busy: too many queries at once; retry later", RETRY_AFTER
            )
        try:
            accept = self.headers.get("Accept") or "application/sparql-results+json"
            status, headers, data = self._upstream(method, query, body, kind, accept, started)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)
        except _Refusal as refusal:
            self._error(refusal.status, refusal.message, refusal.retry_after)
        finally:
            self.server.slots.release()

    def _upstream(
        self, method: str, query: str, body: bytes, kind: str | None, accept: str, started: float
    ) -> tuple[int, dict[str, str], bytes]:
        """Oxigraph's answer (status, headers to pass on, body) within the limits; raises
        _Refusal when it runs too long or answers too much. The caller holds a slot."""
        limits = self.server.limits
        restarting = _Refusal(
            503, "the SPARQL engine is restarting; retry in a few seconds", RETRY_AFTER
        )
        if not self.server.ready.wait(timeout=min(limits.timeout_s, 5)):
            raise restarting
        conn = http.client.HTTPConnection(*self.server.upstream, timeout=limits.timeout_s)
        me = threading.get_ident()
        with self.server.lock:
            self.server.inflight[me] = _shown_query(body, query)
        headers = {"Accept": accept}
        if kind:
            headers["Content-Type"] = kind
        target = "/query" + (f"?{query}" if query else "")
        too_long = _Refusal(
            503, f"the query ran longer than the limit of {limits.timeout_s:g} s and was stopped"
        )
        try:
            conn.request(method, target, body=body or None, headers=headers)
            response = conn.getresponse()
            chunks, size = [], 0
            while True:
                left = limits.timeout_s - (time.monotonic() - started)
                if left <= 0:
                    raise TimeoutError
                conn.sock.settimeout(left)
                chunk = response.read1(65536)
                if not chunk:
                    break
                size += len(chunk)
                if size > limits.max_bytes:
                    raise _Refusal(
                        413,
                        f"the result is larger than the limit of {limits.max_bytes} "
                        "bytes: add a LIMIT or ask for less",
                    )
                chunks.append(chunk)
        except TimeoutError:
            raise too_long from None
        except OSError as exc:
            engine = self.server.engine
            if engine is not None:
                try:
                    engine.wait(timeout=1)  # a dead engine shows within a moment
                except subprocess.TimeoutExpired:
                    pass
                else:
                    with self.server.lock:  # for the supervisor's line: what it was asked
                        self.server.lost.append(self.server.inflight.get(me, ""))
                    raise restarting from None
            if not self.server.ready.is_set():
                raise restarting from None
            raise _Refusal(502, f"the SPARQL engine did not answer: {exc}") from None
        finally:
            conn.close()
            with self.server.lock:
                self.server.inflight.pop(me, None)
        data = b"".join(chunks)
        if response.status == 200 and CANCELLED in data[-200:]:
            raise too_long
        passed = {n: response.getheader(n) for n in ("Content-Type", "Vary")}
        return response.status, {n: v for n, v in passed.items() if v}, data

    # -- saved questions by the page ----------------------------------------------------------

    def _question(self, name: str, query: str, method: str) -> None:
        """/questions/NAME: a page of a saved question (see questions.py)."""
        from kgbuild.release.questions import answer

        reply = answer(
            self.server.dist,
            name,
            query,
            self.headers.get("Accept") or "",
            self.server.base,
            self.server.limits.max_bytes,
            self._live_page,
        )
        self.send_response(reply.status)
        for header, value in reply.headers.items():
            self.send_header(header, value)
        self.send_header("Content-Length", str(len(reply.body)))
        self.end_headers()
        if method != "HEAD":
            self.wfile.write(reply.body)

    def _live_page(self, paged: str, counted: str, accept: str) -> tuple[bytes, int]:
        """The page (in ``accept``) and the count, from Oxigraph within the limits."""
        limits = self.server.limits
        started = time.monotonic()
        if not self.server.slots.acquire(timeout=limits.timeout_s):
            raise _Refusal(
                503, "the server is busy: too many queries at once; retry later", RETRY_AFTER
            )
        try:
            form = "application/x-www-form-urlencoded"
            replies = []
            for text, kind in ((paged, accept), (counted, "application/sparql-results+json")):
                body = urllib.parse.urlencode({"query": text}).encode("utf-8")
                status, _, data = self._upstream("POST", "", body, form, kind, started)
                if status != 200:
                    raise _Refusal(status, data.decode("utf-8", "replace").strip())
                replies.append(data)
        finally:
            self.server.slots.release()
        count = json.loads(replies[1])["results"]["bindings"][0]["total"]["value"]
        return replies[0], int(count)

    def _query_page(self) -> None:
        """YASGUI, as Oxigraph ships it, pointed at this endpoint."""
        status, kind, data = self._fetch("/")
        data = data.replace(b'url + "/sparql"', b"url")
        self._send(status, kind, data)

    def _proxy_plain(self, path: str) -> None:
        self._send(*self._fetch(path))

    def _fetch(self, path: str) -> tuple[int, str, bytes]:
        conn = http.client.HTTPConnection(*self.server.upstream, timeout=10)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            return response.status, response.getheader("Content-Type") or "", response.read()
        finally:
            conn.close()

    # -- pages -------------------------------------------------------------------------------

    def _negotiate(self, path: str) -> None:
        suffix = preferred(self.headers.get("Accept") or "text/html")
        if suffix is None:
            return self._error(406, "available as text/html, text/turtle, application/ld+json")
        local = path.lstrip("/")
        target = self.server.release / f"{local}{suffix}"
        if not target.is_file():
            return self._error(404, f"no resource {path} in the published release")
        self.send_response(303)
        self.send_header("Location", f"/site/{local}{suffix}")
        self.send_header("Vary", "Accept")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _static(self, relative: str, method: str) -> None:
        root = self.server.release.resolve()
        target = (root / urllib.parse.unquote(relative)).resolve()
        if (root not in target.parents and target != root) or not target.is_file():
            return self._error(404, "no such page in the published release")
        kind = {
            ".ttl": "text/turtle; charset=utf-8",
            ".jsonld": "application/ld+json",
            ".trig": "application/trig",
            ".nq": "application/n-quads",
            ".nt": "application/n-triples",
        }.get(target.suffix) or (mimetypes.guess_type(target.name)[0] or "application/octet-stream")
        if kind == "text/html":
            kind = "text/html; charset=utf-8"
        data = target.read_bytes()
        self._send(200, kind, b"" if method == "HEAD" else data, length=len(data))

    # -- replies -----------------------------------------------------------------------------

    def _refuse(self, body_read: bool = False) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length and not body_read:
            self.rfile.read(length)
        self._error(
            403, "this endpoint is read-only: SPARQL Update and Graph Store writes are refused"
        )

    def _redirect(self, location: str) -> None:
        self.send_response(302)
        self.send_header("Location", location)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def _error(self, status: int, message: str, retry_after: int | None = None) -> None:
        data = (message + "\n").encode("utf-8")
        self._send(status, "text/plain; charset=utf-8", data, retry_after=retry_after)

    def _send(
        self,
        status: int,
        kind: str,
        data: bytes,
        length: int | None = None,
        retry_after: int | None = None,
    ) -> None:
        self.send_response(status)
        if retry_after is not None:
            self.send_header("Retry-After", str(retry_after))
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(data) if length is None else length))
        self.end_headers()
        self.wfile.write(data)


class Server:
    """Oxigraph (on a private loopback port) and the front (on the public host and port)."""

    def __init__(
        self, dist: Path, release: Path, host: str, port: int, limits: Limits, base: str
    ) -> None:
        # the build served, held so that no later build removes it meanwhile (locks.py); a
        # build made while serving is served from the next start
        self.held = Reading(dist)
        store = self.held.folder / STORE_DIR
        if not store.is_dir():
            self.held.release()
            raise NotBuilt(f"nothing is built in {dist} yet", hint="run 'kgbuild build' first")
        self.store, self.release, self.host, self.port = store, release, host, port
        self.dist = self.held.folder
        self.limits, self.base = limits, base
        self.process: subprocess.Popen[bytes] | None = None
        self.front: Front | None = None
        self._stopping = threading.Event()
        self._watcher: threading.Thread | None = None
        self.restarts = 0  # how often the engine was started again after dying
        self.log: Callable[[str], None] = lambda line: print(line, file=sys.stderr, flush=True)

    @property
    def url(self) -> str:
        assert self.front is not None
        host, port = self.front.server_address[:2]
        return f"http://{host}:{port}"

    def _launch(self) -> tuple[subprocess.Popen[bytes], tuple[str, int]]:
        """Start Oxigraph on a free loopback port and wait until it answers."""
        upstream = ("127.0.0.1", free_port())
        process = subprocess.Popen(
            [
                oxigraph_binary(),
                "serve-read-only",
                "--location",
                str(self.store),
                "--bind",
                f"{upstream[0]}:{upstream[1]}",
                "--timeout-s",
                str(max(1, int(self.limits.timeout_s))),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                with socket.create_connection(upstream, timeout=0.5):
                    return process, upstream
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    err = (process.stderr.read() if process.stderr else b"").decode()
                    if process.poll() is None:
                        process.kill()
                        process.wait()
                    raise ServeError(f"the SPARQL engine did not start: {err.strip()}") from None
                time.sleep(0.05)

    def start(self) -> None:
        try:
            self.process, upstream = self._launch()
        except ServeError:
            self.held.release()
            raise
        try:
            self.front = Front(
                (self.host, self.port), upstream, self.release, self.limits, self.base, self.dist
            )
        except OSError as exc:
            self.stop()
            raise ServeError(
                f"cannot listen on {self.host}:{self.port}: {exc.strerror}",
                hint="choose another --port or stop what uses it",
            ) from None
        self.front.engine = self.process
        self._stopping.clear()
        self._watcher = threading.Thread(target=self._supervise, daemon=True)
        self._watcher.start()

    def _supervise(self) -> None:
        """Start Oxigraph again whenever it dies, saying which queries it was answering; the
        front answers 503 with Retry-After meanwhile."""
        while not self._stopping.wait(0.2):
            process, front = self.process, self.front
            if process is None or front is None or process.poll() is None:
                continue
            front.ready.clear()
            time.sleep(0.2)  # the requests it was answering see it too
            with front.lock:
                queries = sorted(set(front.lost) | set(front.inflight.values()))
                front.lost.clear()
            err = (process.stderr.read() if process.stderr else b"").decode("utf-8", "replace")
            err = "\n".join(x for x in err.splitlines() if not x.startswith("Listening for"))
            shown = "; ".join(queries) or "none in flight"
            self.log(
                f"kgbuild serve: the SPARQL engine stopped (exit {process.returncode}) while "
                f"answering: {shown}"
                + (f" ({err.strip()[-200:]})" if err.strip() else "")
                + "; starting it again"
            )
            self.restarts += 1
            while not self._stopping.is_set():
                try:
                    self.process, front.upstream = self._launch()
                    front.engine = self.process
                    break
                except ServeError as exc:
                    self.log(f"kgbuild serve: {exc.message}; trying again")
                    self._stopping.wait(1)
            front.ready.set()

    def serve_forever(self) -> None:
        assert self.front is not None
        self.front.serve_forever(poll_interval=0.2)

    def stop(self) -> None:
        self._stopping.set()
        if self._watcher is not None:
            self._watcher.join(timeout=5)
            self._watcher = None
        if self.front is not None:
            self.front.shutdown()
            self.front.server_close()
            self.front = None
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
        self.held.release()


def _shown_query(body: bytes, query: str) -> str:
    """The query text of a request, on one line and cut short, for the log."""
    form = urllib.parse.parse_qs(query) or urllib.parse.parse_qs(body.decode("utf-8", "replace"))
    text = form["query"][0] if form.get("query") else body.decode("utf-8", "replace")
    text = " ".join(text.split())
    return text if len(text) <= 200 else text[:197] + "..."


def run(server: Server, announce: Callable[[str], None]) -> None:
    """Start, announce, serve until Ctrl-C or SIGTERM, stop cleanly."""
    server.start()
    stop = threading.Event()

    def handle(signum: int, frame: object) -> None:
        stop.set()

    previous = signal.signal(signal.SIGTERM, handle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    announce(server.url)
    try:
        while not stop.is_set():
            stop.wait(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        server.stop()
