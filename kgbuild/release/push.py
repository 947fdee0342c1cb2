"""`kgbuild push`: load the dataset into a triple store over the SPARQL 1.1 Graph Store
HTTP Protocol, one PUT per named graph (replacing that graph), then check what the store holds.

Authentication comes from the environment, never from the command line:
KGBUILD_PUSH_TOKEN (bearer) or KGBUILD_PUSH_USER and KGBUILD_PUSH_PASSWORD (basic).
"""

from __future__ import annotations

import base64
import os
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kgbuild.errors import InputError, KGBuildError

RETRY_STATUS = {408, 429, 500, 502, 503, 504}
N_TRIPLES = "application/n-triples"


class PushError(KGBuildError):
    """The store refused or did not take the data (exit 3); ``result``: what was sent and
    what the store holds, when the counts were read back."""

    exit_code = 3

    def __init__(
        self, message: str, *, hint: str | None = None, result: PushResult | None = None
    ) -> None:
        super().__init__(message, hint=hint)
        self.result = result


@dataclass
class PushResult:
    graphs: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples sent
    held: dict[str, int] = field(default_factory=dict)  # graph IRI -> triples the store holds
    retries: int = 0

    @property
    def ok(self) -> bool:
        return self.graphs == self.held


def auth_header(environ: dict[str, str] | None = None) -> str | None:
    env = os.environ if environ is None else environ
    if env.get("KGBUILD_PUSH_TOKEN"):
        return f"Bearer {env['KGBUILD_PUSH_TOKEN']}"
    if env.get("KGBUILD_PUSH_USER"):
        pair = f"{env['KGBUILD_PUSH_USER']}:{env.get('KGBUILD_PUSH_PASSWORD', '')}"
        return "Basic " + base64.b64encode(pair.encode("utf-8")).decode("ascii")
    return None


def graphs_of(dump: Path) -> dict[str, list[pyoxigraph.Triple]]:
    """The named graphs of an N-Quads dump, each a sorted list of triples."""
    if not dump.is_file():
        raise InputError(dump, "no dataset dump to push", hint="run 'kgbuild build' first")
    out: dict[str, list[pyoxigraph.Triple]] = {}
    try:
        for q in pyoxigraph.parse(path=str(dump), format=pyoxigraph.RdfFormat.N_QUADS):
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


def _request(
    method: str,
    url: str,
    *,
    data: bytes | None,
    headers: dict[str, str],
    timeout: float,
    retries: int,
    wait: float,
    counter: list[int],
) -> bytes:
    for attempt in range(retries + 1):
        request = urllib.request.Request(url, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                return response.read()
        except urllib.error.HTTPError as exc:
            body = exc.read()[:300].decode("utf-8", "replace").strip()
            if exc.code in RETRY_STATUS and attempt < retries:
                counter[0] += 1
                time.sleep(wait * 2**attempt)
                continue
            hint = (
                "set KGBUILD_PUSH_TOKEN, or KGBUILD_PUSH_USER and KGBUILD_PUSH_PASSWORD"
                if exc.code in (401, 403)
                else "check the endpoint URL (the Graph Store "
                "endpoint, not the SPARQL query endpoint)"
            )
            raise PushError(
                f"{method} {url}: HTTP {exc.code} {exc.reason}: {body}", hint=hint
            ) from None
        except (urllib.error.URLError, OSError) as exc:
            if attempt < retries:
                counter[0] += 1
                time.sleep(wait * 2**attempt)
                continue
            reason = getattr(exc, "reason", exc)
            raise PushError(
                f"{method} {url}: {reason}", hint="is the store running and reachable?"
            ) from None
    raise AssertionError("unreachable")


def push(
    dump: Path,
    endpoint: str,
    *,
    timeout: float = 60.0,
    retries: int = 4,
    wait: float = 0.5,
    progress: Callable[[str, int], None] | None = None,
    environ: dict[str, str] | None = None,
) -> PushResult:
    """PUT every named graph of ``dump`` to ``endpoint``, then GET each back and count.

    ``progress(graph, total)`` is called after each graph is sent. Raises PushError when a
    request fails for good, or when the store holds other counts than were sent.
    """
    graphs = graphs_of(dump)
    headers = {"Content-Type": N_TRIPLES}
    auth = auth_header(environ)
    if auth:
        headers["Authorization"] = auth
    result, counter = PushResult(), [0]
    for graph, triples in graphs.items():
        body = pyoxigraph.serialize(triples, format=pyoxigraph.RdfFormat.N_TRIPLES)
        _request(
            "PUT",
            graph_url(endpoint, graph),
            data=body,
            headers=headers,
            timeout=timeout,
            retries=retries,
            wait=wait,
            counter=counter,
        )
        result.graphs[graph] = len(triples)
        if progress:
            progress(graph, len(graphs))
    read_headers = {"Accept": N_TRIPLES, **({"Authorization": auth} if auth else {})}
    for graph in graphs:
        data = _request(
            "GET",
            graph_url(endpoint, graph),
            data=None,
            headers=read_headers,
            timeout=timeout,
            retries=retries,
            wait=wait,
            counter=counter,
        )
        held = {str(t) for t in pyoxigraph.parse(data, pyoxigraph.RdfFormat.N_TRIPLES)}
        result.held[graph] = len(held)
    result.retries = counter[0]
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
