"""Answers by the page: the rows a request asks for, a SELECT cut to a page, the total.

One rule for `kgbuild query` and `kgbuild serve`'s /questions (page_window), and the way a
page of a live answer is read (run_page).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pyoxigraph

from kgbuild.errors import QueryError
from kgbuild.graph.query import FROM_CLAUSE, Outcome, bound_text, masked, run_query
from kgbuild.graph.saved import is_saved_name

DEFAULT_PAGE = 100  # rows in the default answer of a saved question (kgbuild query NAME)


def page_window(
    limit: int | None = None,
    offset: int | None = None,
    page: int | None = None,
    every: bool = False,
) -> tuple[int | None, int]:
    """The rows a request asks for, as (limit, offset); limit None: every row. ``every`` (the
    ``--all``, ``?all``) wins; else ``limit`` rows a page (DEFAULT_PAGE unless given), from
    ``offset`` when given, else from the start of page ``page`` (from 1), else from the
    first row. The one rule of `kgbuild query` and of `kgbuild serve`'s /questions."""
    if every:
        return None, 0
    size = DEFAULT_PAGE if limit is None else limit
    if offset is not None:
        return size, offset
    return size, (page - 1) * size if page else 0


def by_the_page(
    text: str | None,
    limit: int | None = None,
    offset: int | None = None,
    page: int | None = None,
    every: bool = False,
) -> bool:
    """Whether a query is answered by the page: a saved question always (its default answer
    is the first page, or ``every`` row of the build's stored answer), other SPARQL only when
    a page is asked for."""
    return is_saved_name(text) or (
        not every and (limit is not None or bool(offset) or page is not None)
    )


_PROLOGUE = re.compile(
    r"\A(?:\s+|#[^\n]*\n?|(?i:PREFIX)\s*[\w.-]*:\s*<[^>]*>|(?i:BASE)\s*<[^>]*>)*"
)


@dataclass
class Page:
    """One page of a SELECT answer: ``outcome`` holds rows offset+1 … offset+limit of
    ``total`` (``limit`` None: every row from ``offset`` on)."""

    outcome: Outcome
    total: int
    offset: int
    limit: int | None

    @property
    def shown(self) -> int:
        """Rows on the page (from the counts: the rows themselves may still stream)."""
        rest = max(self.total - self.offset, 0)
        return rest if self.limit is None else min(rest, self.limit)

    def note(self) -> str | None:
        """What the page holds, when it is not the whole answer (None if it is)."""
        if self.offset == 0 and self.shown >= self.total:
            return None
        if not self.shown:
            return f"no rows at offset {self.offset} (the answer has {self.total:,})"
        last = self.offset + self.shown
        text = f"rows {self.offset + 1:,}-{last:,} of {self.total:,}"
        if last < self.total:
            text += f"; --offset {last} for the next page, --all for every row"
        return text


def split_select(text: str) -> tuple[str, str, str] | None:
    """A SELECT query as (prologue, query up to the end of its WHERE clause, solution
    modifiers after it), found outside strings, IRIs and comments; None if the query is no
    SELECT, or has a FROM, LIMIT, OFFSET or trailing VALUES that paging cannot extend."""
    blind = masked(text)
    start = _PROLOGUE.match(blind).end()
    if not re.match(r"SELECT\b", blind[start:], re.IGNORECASE) or FROM_CLAUSE.search(blind):
        return None
    depth, end = 0, None
    for i in range(start, len(blind)):
        if blind[i] == "{":
            depth += 1
        elif blind[i] == "}":
            depth -= 1
            if depth == 0:
                end = i + 1
                break
    if end is None:
        return None
    tail = blind[end:]
    if re.search(r"\b(LIMIT|OFFSET|VALUES)\b", tail, re.IGNORECASE):
        return None
    return text[:start], text[start:end], text[end:]


def page_text(text: str, limit: int | None, offset: int) -> str | None:
    """The query restricted to one page: its own ORDER BY kept, then LIMIT and OFFSET (the
    same answer as a sub-select with them, with the columns in the query's own order)."""
    parts = split_select(text)
    if parts is None:
        return None
    limit_text = f" LIMIT {limit}" if limit is not None else ""
    return f"{text.rstrip()}\n{limit_text} OFFSET {offset}\n"


def count_text(text: str) -> str | None:
    """A query counting the rows of ``text``: the question as a sub-select without its ORDER
    BY (which does not change the count)."""
    parts = split_select(text)
    if parts is None:
        return None
    prologue, query, tail = parts
    blind = masked(tail)
    order = re.search(r"\bORDER\s+BY\b", blind, re.IGNORECASE)
    if order:
        tail = tail[: order.start()]
    return f"{prologue}SELECT (COUNT(*) AS ?total) WHERE {{\n{{\n{query}\n{tail}\n}}\n}}\n"


def run_page(
    store: pyoxigraph.Store,
    text: str,
    *,
    base: str,
    reason: bool = False,
    params: dict[str, str] | None = None,
    limit: int | None = DEFAULT_PAGE,
    offset: int = 0,
    read: bool = True,
) -> Page | Outcome:
    """One page of a SELECT answer (rows offset+1 … offset+limit) and the total count.

    ``read=True`` (rows for a table): the query runs once; its solutions are read in order,
    the page's rows kept and the others only counted. ``read=False`` (the page streamed in a
    standard format): the page is the query with LIMIT and OFFSET after its own ORDER BY, and
    the total a second query, the question as a sub-select without its ORDER BY, counted. At
    10,000 documents the saved questions' cost is their joins and grouping, not their rows,
    so the second query costs nearly a whole answer again: reading once is the faster way.
    A query that is no SELECT, or a SELECT that paging cannot extend (it has its own LIMIT,
    OFFSET, FROM or trailing VALUES), gives its whole Outcome, as run_query does; so does
    every row (``limit`` None, ``offset`` 0) to stream (``read=False``), in one query.
    """
    if offset < 0 or (limit is not None and limit < 0):
        raise QueryError("--limit and --offset take 0 or more")
    bound = bound_text(text, params, base)
    if read and split_select(bound) is not None:
        outcome = run_query(store, bound, base=base, reason=reason)
        return Page(outcome, outcome.keep_window(offset, limit), offset, limit)
    paged, counted = page_text(bound, limit, offset), count_text(bound)
    if paged is None or counted is None or (limit is None and offset == 0):
        return run_query(store, bound, base=base, reason=reason)  # nothing to page: whole
    outcome = run_query(store, paged, base=base, reason=reason)
    total = run_query(store, counted, base=base, reason=reason).rows[0][0]
    return Page(outcome, int(total.value), offset, limit)
