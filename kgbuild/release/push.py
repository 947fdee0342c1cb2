"""`kgbuild push`: load the dataset into a triple store over the SPARQL 1.1 Graph Store
HTTP Protocol, one PUT per named graph (replacing that graph), then check what the store holds.

HTTP goes through requests (its Digest authentication, connection pooling). A request that
fails for a transient reason (no connection, no answer in time, 408, 429, 5xx) is tried again
after a back-off or the server's Retry-After (urllib3 parses it), each retry announced in one
line, and the whole push has one time budget: urllib3's own retries can do neither (they are
silent, and each try has the full timeout again, so a store that never answers kept a push
silent for minutes). Credentials come from the environment, never from the command line (see
credentials()).
"""

from __future__ import annotations

import contextlib
import os
import re
import time
import urllib.parse
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph
import requests
from requests.auth import AuthBase, HTTPBasicAuth, HTTPDigestAuth
from urllib3.util.retry import Retry

from kgbuild.errors import InputError, KGBuildError, PushError

RETRY_STATUS = {408, 429, 500, 502, 503, 504}
REQUEST_TIMEOUT = 30.0  # the longest one request may wait for an answer (within the budget)
MAX_WAIT = 60.0  # the longest wait between tries, whatever Retry-After asks
N_TRIPLES = "application/n-triples"
AUTH_SCHEMES = ("basic", "digest")


@dataclass
class PushResult:
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples sent
    held: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples the store holds
    retries: int = 0

    @property
    def ok(self) -> bool:
        return self.graphs == self.held


class BearerAuth(AuthBase):
    """``Authorization: Bearer <token>`` on every request (RFC 6750)."""

    def __init__(self, token: str) -> None:
        self.token = token

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        request.headers["Authorization"] = f"Bearer {self.token}"
        return request


@dataclass(frozen=True)
class Login:
    """A user and password, and the scheme to send them in (None: the one the store asks for
    in its first 401, ``WWW-Authenticate: Digest …`` or ``Basic …``; Digest when both are
    offered, since it never sends the password itself)."""

    user: str
    password: str
    scheme: str | None = None

    def auth(self, scheme: str) -> AuthBase:
        if scheme == "digest":
            return HTTPDigestAuth(self.user, self.password)
        return HTTPBasicAuth(self.user, self.password)


def credentials(environ: Mapping[str, str] | None = None) -> BearerAuth | Login | None:
    """The authentication the environment asks for.

    ``KGBUILD_PUSH_TOKEN``: a bearer token. ``KGBUILD_PUSH_USER`` and ``KGBUILD_PUSH_PASSWORD``:
    with ``KGBUILD_PUSH_AUTH=digest`` Digest, with ``basic`` Basic sent with every request
    (for stores that never answer 401), unset: the scheme the store asks for in its 401.
    """
    env = os.environ if environ is None else environ
    if env.get("KGBUILD_PUSH_TOKEN"):
        return BearerAuth(env["KGBUILD_PUSH_TOKEN"])
    scheme = env.get("KGBUILD_PUSH_AUTH", "").strip().lower() or None
    if scheme is not None and scheme not in AUTH_SCHEMES:
        raise KGBuildError(
            f"KGBUILD_PUSH_AUTH={scheme!r} is not an authentication scheme kgbuild knows",
            hint="set it to basic or digest, or leave it unset to answer the store's challenge",
        )
    if not env.get("KGBUILD_PUSH_USER"):
        return None
    return Login(env["KGBUILD_PUSH_USER"], env.get("KGBUILD_PUSH_PASSWORD", ""), scheme)


def challenged_scheme(response: requests.Response) -> str | None:
    """The scheme a 401 asks for that kgbuild speaks (Digest before Basic), or None."""
    offered = response.headers.get("WWW-Authenticate", "").lower()
    for scheme in ("digest", "basic"):
        if re.search(rf"(^|,)\s*{scheme}\b", offered):
            return scheme
    return None


def graphs_of(dump: Path) -> dict[str, list[pyoxigraph.Triple]]:
    """The named graphs of an N-Quads or TriG dump, each a sorted list of triples."""
    if not dump.is_file():
        raise InputError(dump, "no dataset dump to push", hint="run 'kgbuild build' first")
    formats = {".nq": pyoxigraph.RdfFormat.N_QUADS, ".trig": pyoxigraph.RdfFormat.TRIG}
    if dump.suffix not in formats:
        raise InputError(
            dump, "push reads N-Quads (.nq) or TriG (.trig)", hint="pass a .nq or .trig dump"
        )
    out: dict[str, list[pyoxigraph.Triple]] = {}
    try:
        for q in pyoxigraph.parse(path=str(dump), format=formats[dump.suffix]):
            name = q.graph_name.value if isinstance(q.graph_name, pyoxigraph.NamedNode) else ""
            out.setdefault(name, []).append(pyoxigraph.Triple(q.subject, q.predicate, q.object))
    except SyntaxError as exc:
        raise InputError(dump, f"cannot parse the dump: {exc}") from None
    return {g: sorted(t, key=str) for g, t in sorted(out.items())}


def graph_url(endpoint: str, graph: str) -> str:
    sep = "&" if "?" in endpoint else "?"
    if not graph:
        return f"{endpoint}{sep}default"
    return f"{endpoint}{sep}graph={urllib.parse.quote(graph, safe='')}"


class Client:
    """The HTTP side of a push: a requests session that retries network errors, timeouts,
    408, 429 and 5xx ``retries`` times, waiting ``wait`` × 2^n seconds (or the server's
    Retry-After) between tries, telling ``notify`` of each retry, all within ``timeout``
    seconds from its start; and authenticates as ``auth`` says."""

    def __init__(
        self,
        auth: BearerAuth | Login | None,
        *,
        retries: int,
        wait: float,
        timeout: float,
        notify: Callable[[str], None] | None = None,
    ) -> None:
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy or .netrc from the environment
        self.budget, self.deadline = timeout, time.monotonic() + timeout
        self.max_retries, self.wait, self.notify = retries, wait, notify
        self.login = auth if isinstance(auth, Login) else None
        self.pending = self.login if self.login and self.login.scheme is None else None
        if isinstance(auth, BearerAuth):
            self.http.auth = auth
        elif self.login and self.login.scheme:
            self.http.auth = self.login.auth(self.login.scheme)
        self.retries = 0

    def close(self) -> None:
        self.http.close()

    def request(
        self, method: str, url: str, *, data: bytes | None, headers: dict[str, str]
    ) -> bytes:
        """The response body of a successful request; PushError otherwise."""
        response = self._send(method, url, data, headers)
        if response.status_code == 401 and self.pending:
            scheme = challenged_scheme(response)
            if scheme:  # answer the challenge, and send every later request that way
                self.http.auth = self.pending.auth(scheme)
                self.pending = None
                response = self._send(method, url, data, headers)
        if response.ok:
            return response.content
        raise self._refused(method, url, response)

    def _send(
        self, method: str, url: str, data: bytes | None, headers: dict[str, str]
    ) -> requests.Response:
        """The response of the first try that is not a transient failure (or of the last)."""
        tried = 0
        while True:
            left = self.deadline - time.monotonic()
            if left <= 0:
                raise self._out_of_time(method, url, "")
            limit = min(REQUEST_TIMEOUT, left)
            response: requests.Response | None = None
            try:
                response = self.http.request(method, url, data=data, headers=headers, timeout=limit)
            except requests.Timeout:
                reason = f"no answer within {limit:.3g} s"
            except requests.ConnectionError as exc:
                reason = _reason(exc)
            except requests.RequestException as exc:
                raise PushError(
                    f"{method} {url}: {_reason(exc)}", hint="is the store running and reachable?"
                ) from None
            else:
                if response.status_code not in RETRY_STATUS:
                    return response
                reason = f"HTTP {response.status_code} {response.reason}"
            if tried >= self.max_retries:
                if response is not None:
                    return response
                raise PushError(
                    f"{method} {url}: {reason}", hint="is the store running and reachable?"
                )
            pause = self._pause(response, tried)
            if time.monotonic() + pause >= self.deadline:
                raise self._out_of_time(method, url, reason)
            tried += 1
            self.retries += 1
            if self.notify is not None:
                self.notify(
                    f"retrying {method} {url} in {pause:.3g} s (retry {tried} of "
                    f"{self.max_retries}): {reason}"
                )
            time.sleep(pause)

    def _pause(self, response: requests.Response | None, tried: int) -> float:
        asked = response.headers.get("Retry-After") if response is not None else None
        if asked:
            with contextlib.suppress(Exception):  # urllib3 raises its own error for junk
                return min(MAX_WAIT, max(0.0, Retry(0).parse_retry_after(asked)))
        return min(MAX_WAIT, self.wait * 2**tried)

    def _out_of_time(self, method: str, url: str, reason: str) -> PushError:
        return PushError(
            f"{method} {url}: stopped at the time limit of {self.budget:g} s for the whole push"
            + (f" (last try: {reason})" if reason else ""),
            hint="raise --timeout if the store is slow but working, or check that it answers",
        )

    def _refused(self, method: str, url: str, response: requests.Response) -> PushError:
        status = f"HTTP {response.status_code} {response.reason}"
        if response.status_code in (401, 403):
            offered = response.headers.get("WWW-Authenticate", "").split()
            asks = f"it asks for {offered[0]}" if offered else ""
            sent = {HTTPDigestAuth: "Digest", HTTPBasicAuth: "Basic", BearerAuth: "Bearer"}.get(
                type(self.http.auth), ""
            )
            if not sent:
                what = "the store asks for credentials" + (f" ({asks})" if asks else "")
            elif response.status_code == 401:
                who = f" of user {self.login.user!r}" if self.login else ""
                same = offered and offered[0].lower() == sent.lower()
                how = "; ".join(x for x in (f"sent as {sent}", "" if same else asks) if x)
                what = f"the store did not accept the credentials{who} ({how})"
            else:
                what = "the store does not allow these credentials to do this"
            return PushError(
                f"{method} {url}: {status}: {what}",
                hint="check KGBUILD_PUSH_USER and KGBUILD_PUSH_PASSWORD (or KGBUILD_PUSH_TOKEN); "
                "KGBUILD_PUSH_AUTH=digest or basic chooses the scheme, unset: the store's choice",
            )
        body = _one_line(response.content[:300].decode("utf-8", "replace"))
        return PushError(
            f"{method} {url}: {status}" + (f": {body}" if body else ""),
            hint="check the endpoint URL (the Graph Store endpoint, not the SPARQL query endpoint)",
        )


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _reason(exc: requests.RequestException) -> str:
    """What went wrong in a failed request, in one line (urllib3's reason where it has one)."""
    reason = exc.args[0] if exc.args else exc
    reason = getattr(reason, "reason", reason)
    return _one_line(str(reason))


def push(
    dump: Path,
    endpoint: str,
    *,
    timeout: float = 600.0,
    retries: int = 4,
    wait: float = 0.5,
    progress: Callable[[str, int], None] | None = None,
    environ: Mapping[str, str] | None = None,
    notify: Callable[[str], None] | None = None,
) -> PushResult:
    """PUT every named graph of ``dump`` to ``endpoint``, then GET each back and count, all
    within ``timeout`` seconds.

    ``progress(graph, total)`` is called after each graph is sent, ``notify`` with one line
    for each retry. Raises PushError when a request fails for good, when the time is up, or
    when the store holds other counts than were sent.
    """
    graphs = graphs_of(dump)
    client = Client(
        credentials(environ), retries=retries, wait=wait, timeout=timeout, notify=notify
    )
    result = PushResult()
    try:
        for graph, triples in graphs.items():
            body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
            client.request(
                "PUT", graph_url(endpoint, graph), data=body, headers={"Content-Type": N_TRIPLES}
            )
            result.graphs[graph] = len(triples)
            if progress:
                progress(graph, len(graphs))
        for graph in graphs:
            url = graph_url(endpoint, graph)
            data = client.request("GET", url, data=None, headers={"Accept": N_TRIPLES})
            try:
                held = {str(t) for t in pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_TRIPLES)}
            except SyntaxError as exc:
                raise PushError(
                    f"GET {url}: the store's answer is not N-Triples: {_one_line(str(exc))}",
                    hint="check the endpoint URL (the Graph Store endpoint)",
                ) from None
            result.held[graph] = len(held)
    finally:
        client.close()
    result.retries = client.retries
    if not result.ok:
        wrong = [
            f"{graph or '(default graph)'}: {sent} sent, {result.held.get(graph)} held"
            for graph, sent in result.graphs.items()
            if result.held.get(graph) != sent
        ]
        raise PushError(
            "the store does not hold what was sent:\n  " + "\n  ".join(wrong),
            hint="another writer may have changed it; push again",
            result=result,
        )
    return result
