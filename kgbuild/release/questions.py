"""`kgbuild serve` /questions/NAME: a saved question by the page.

``GET /questions`` lists the questions the build answered (name, title, rows); ``GET
/questions/NAME`` gives rows 1-100 of its default answer, read from the answers the build
stored (graph/stored.py), as W3C SPARQL results in the format the Accept header (or
``?format=json|xml|csv|tsv``) asks for, JSON by default. ``?limit=N``, ``?offset=N``,
``?page=N`` (from 1) and ``?all`` choose the rows; the total is the ``X-Total-Count``
header, and a ``Link: <...>; rel="next"`` header names the next page. Any other query
parameter binds the question's parameter of that name (``/questions/evidence?resource=
person:dejan-lukovic``): that answer is not stored, so Oxigraph computes the page and the
count, under the server's time and size limits.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kgbuild.graph.paging import count_text, page_text, page_window
from kgbuild.graph.query import SELECT_FORMATS, QueryError, bound_text, standalone_text
from kgbuild.graph.stored import Stored, stored_answers


class Refusal(Exception):
    """A request answered with an error status and message instead of a result."""

    def __init__(self, status: int, message: str, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status, self.message, self.retry_after = status, message, retry_after


@dataclass
class Reply:
    """An HTTP answer: status, headers (Content-Length aside), body."""

    status: int
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""

    @classmethod
    def error(cls, status: int, message: str, retry_after: int | None = None) -> Reply:
        headers = {"Content-Type": "text/plain; charset=utf-8"}
        if retry_after is not None:
            headers["Retry-After"] = str(retry_after)
        return cls(status, headers, (message + "\n").encode("utf-8"))


LivePage = Callable[[str, str, str], tuple[bytes, int]]  # page query, count query, Accept


def answer(
    dist: Path | None,
    name: str,
    query: str,
    accept: str,
    base: str,
    max_bytes: int,
    live: LivePage,
) -> Reply:
    """The reply to ``GET /questions/NAME?query`` (``name`` empty: the list)."""
    answers = stored_answers(dist) if dist is not None else {}
    if not name:
        listing = [
            {"name": n, "title": a.entry.get("title"), "rows": a.total, "url": f"/questions/{n}"}
            for n, a in sorted(answers.items())
        ]
        data = json.dumps({"questions": listing}, indent=1).encode("utf-8")
        return Reply(200, {"Content-Type": "application/json"}, data)
    if name not in answers:
        return Reply.error(404, f"no saved question named {name!r}: /questions lists them")
    try:
        asked = paging(urllib.parse.parse_qs(query, keep_blank_values=True))
    except ValueError as exc:
        return Reply.error(400, str(exc))
    fmt = asked.fmt or results_format(accept)
    if fmt is None:
        return Reply.error(406, "available as " + ", ".join(RESULTS.values()))
    stored = answers[name]
    try:
        if asked.bindings:
            texts = live_queries(stored, asked, base)
            if texts is None:
                raise Refusal(400, f"{name} is not answered by the page")
            data, total = live(*texts, RESULTS[fmt])
        else:
            data, total = stored_page(stored, asked, fmt), stored.total
    except QueryError as exc:
        return Reply.error(400, exc.message)
    except Refusal as refusal:
        return Reply.error(refusal.status, refusal.message, refusal.retry_after)
    if len(data) > max_bytes:
        return Reply.error(
            413, f"the page is larger than the limit of {max_bytes} bytes: ask for fewer rows"
        )
    headers = {"Content-Type": RESULTS[fmt], "X-Total-Count": str(total)}
    end = None if asked.limit is None else asked.offset + asked.limit
    if end is not None and end < total:
        following = urllib.parse.urlencode({**asked.bindings, "offset": end, "limit": asked.limit})
        headers["Link"] = f'</questions/{name}?{following}>; rel="next"'
    return Reply(200, headers, data)


PAGING = {"limit", "offset", "page", "all", "format"}  # the rest are the question's parameters

RESULTS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}


def accepted(accept: str) -> list[str]:
    """The media types of an Accept header, most wanted first (q-values honoured, ties in the
    header's order, q=0 left out); ``*/*`` for an empty header."""
    offers = []
    for index, part in enumerate(accept.split(",") if accept.strip() else ["*/*"]):
        fields = [f.strip() for f in part.split(";")]
        q = 1.0
        for param in fields[1:]:
            if param.startswith("q="):
                try:
                    q = float(param[2:])
                except ValueError:
                    q = 0.0
        if q > 0:
            offers.append((-q, index, fields[0].lower()))
    return [media for _, _, media in sorted(offers)]


def results_format(accept: str) -> str | None:
    """The results format (json, xml, csv, tsv) the Accept header wants most; json for any."""
    for media in accepted(accept):
        for name, kind in RESULTS.items():
            if media == kind.split(";")[0]:
                return name
        if media in ("*/*", "application/*", "application/json"):
            return "json"
    return None


@dataclass(frozen=True)
class Paging:
    """What a /questions/NAME request asks for: rows offset+1 … offset+limit (None: all), a
    format named by ?format=, and the question's parameters to bind."""

    limit: int | None
    offset: int
    fmt: str | None
    bindings: dict[str, str]


def paging(params: dict[str, list[str]]) -> Paging:
    """Read ?limit, ?offset, ?page (from 1), ?all and ?format; the rest are parameters."""

    def number(name: str, least: int) -> int | None:
        if name not in params:
            return None
        try:
            value = int(params[name][-1])
        except ValueError:
            raise ValueError(f"?{name} takes a whole number") from None
        if value < least:
            raise ValueError(f"?{name} takes {least} or more")
        return value

    limit, offset, page = number("limit", 0), number("offset", 0), number("page", 1)
    limit_, start = page_window(limit, offset, page, "all" in params)
    fmt = params["format"][-1] if "format" in params else None
    if fmt is not None and fmt not in RESULTS:
        raise ValueError(f"?format is one of {', '.join(RESULTS)}")
    bindings = {k: v[-1] for k, v in params.items() if k not in PAGING}
    return Paging(limit_, start, fmt, bindings)


def stored_page(answer: Stored, asked: Paging, fmt: str) -> bytes:
    """The page ``asked`` of a stored answer, in the results format ``fmt``."""
    rows = answer.rows(asked.offset, asked.limit)
    solutions = pyoxigraph.parse_query_results(rows, format=pyoxigraph.QueryResultsFormat.TSV)
    return solutions.serialize(format=SELECT_FORMATS[fmt])


def live_queries(answer: Stored, asked: Paging, base: str) -> tuple[str, str] | None:
    """The page and the count of the question with ``asked.bindings`` on top of its defaults,
    as two standalone queries for the SPARQL engine; None if it is not answered by the page.
    Raises QueryError for a parameter that cannot be bound."""
    entry = answer.entry
    base = str(entry.get("base") or base)
    params = {**dict(entry.get("params") or {}), **asked.bindings}  # type: ignore[call-overload]
    bound = bound_text(str(entry["text"]), params, base)
    paged, counted = page_text(bound, asked.limit, asked.offset), count_text(bound)
    if paged is None or counted is None:
        return None
    return standalone_text(paged, base), standalone_text(counted, base)
