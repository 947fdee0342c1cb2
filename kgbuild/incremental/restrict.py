"""A saved question restricted to some of its keys: ``VALUES`` blocks where they save work.

``restrict(text, "event", ["<…/e1>", "<…/e2>"])`` gives the question's rows for those events
only. The block goes at the start of the question's WHERE clause, which alone makes the answer
right; the other blocks only save work, where Oxigraph would otherwise compute a part of the
question for every key and join afterwards:

- at the start of every sub-query that projects the key as it is and has no LIMIT or OFFSET:
  its rows for other keys would not join;
- at the start of every OPTIONAL group directly in such a WHERE clause (the question's, or a
  sub-query's) that binds the key in a pattern it requires: the rows it adds are joined to
  rows whose key is one of the keys (the block at the start of that WHERE clause sees to it),
  so its rows for other keys never match.
"""

from __future__ import annotations

import re

from kgbuild.graph.query import masked

_SELECT = re.compile(r"(?<![\w?$])SELECT\b", re.IGNORECASE)
_INTRODUCER = re.compile(
    r"(?:(OPTIONAL|MINUS|EXISTS|UNION|WHERE)|(GRAPH)\s*(?:[?$]\w+|[\w-]*:[\w./-]*)?"
    r"|(VALUES)\s*(?:[?$]\w+|\([^()]*\)))\s*$",
    re.IGNORECASE,
)


def restrict(text: str, variable: str, keys: list[str]) -> str:
    """``text`` answering for ``keys`` (SPARQL terms) only (see the module's docstring)."""
    blank = masked(text)
    block = f" VALUES ?{variable} {{ {' '.join(keys)} }} "
    inserts = []
    first = _SELECT.search(blank)
    for match in _SELECT.finditer(blank):
        open_at = blank.find("{", match.end())
        if open_at < 0:
            continue
        projection = re.sub(r"\bWHERE\b\s*$", "", blank[match.end() : open_at], flags=re.I)
        close_at = _matching(blank, open_at)
        if first is None or match.start() != first.start():
            if variable not in _plain_variables(projection):
                continue
            rest = blank[close_at + 1 : _enclosing_end(blank, close_at + 1)]
            if re.search(r"\b(LIMIT|OFFSET)\b", rest, re.IGNORECASE):
                continue
        inserts.append(open_at + 1)
        for start, end in _children(blank, open_at, close_at):
            if _introducer(blank, start) == "optional" and _requires(blank, start, end, variable):
                inserts.append(start + 1)
    for at in sorted(inserts, reverse=True):
        text = text[:at] + block + text[at:]
    return text


def _plain_variables(projection: str) -> set[str]:
    """Variables projected as they are (outside any ``( ... AS ?x)``)."""
    out, depth = set(), 0
    for match in re.finditer(r"[()]|[?$](\w+)", projection):
        if match.group(0) == "(":
            depth += 1
        elif match.group(0) == ")":
            depth -= 1
        elif depth == 0:
            out.add(match.group(1))
    return out


def _requires(blank: str, open_at: int, close_at: int, variable: str) -> bool:
    """Whether every row of the group binds ``variable``: it occurs in the group's own
    patterns, or in a GRAPH or plain group within them (not in an OPTIONAL, MINUS, EXISTS or
    UNION group, nor in an expression in parentheses). A group that is a sub-query is its own
    scope: no."""
    if _SELECT.match(blank[open_at + 1 : close_at].lstrip()):
        return False
    at = open_at + 1
    for start, end in [*_children(blank, open_at, close_at), (close_at, close_at)]:
        if _occurs(blank[at:start], variable):
            return True
        if start < close_at:
            kind = _introducer(blank, start)
            branch = re.match(r"\s*UNION\b", blank[end + 1 :], re.IGNORECASE)
            if kind in ("graph", "plain") and not branch and _requires(blank, start, end, variable):
                return True
        at = end + 1
    return False


def _occurs(text: str, variable: str) -> bool:
    """Whether ``?variable`` occurs in ``text`` outside parentheses."""
    depth, plain = 0, []
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        plain.append(char if depth == 0 and char != ")" else " ")
    return re.search(rf"[?$]{re.escape(variable)}(?!\w)", "".join(plain)) is not None


def _introducer(blank: str, open_at: int) -> str:
    """What kind of group opens at ``open_at``: optional, minus, exists, union, where, graph,
    values or plain."""
    match = _INTRODUCER.search(blank[:open_at].rstrip())
    if match is None:
        return "plain"
    word = next(group for group in match.groups() if group)
    return word.lower()


def _children(blank: str, open_at: int, close_at: int) -> list[tuple[int, int]]:
    """The groups directly inside the group ``open_at`` … ``close_at``."""
    out, at = [], open_at + 1
    while at < close_at:
        if blank[at] == "{":
            end = _matching(blank, at)
            out.append((at, end))
            at = end + 1
        else:
            at += 1
    return out


def _matching(blank: str, open_at: int) -> int:
    """Where the group opened at ``open_at`` closes."""
    end = _enclosing_end(blank, open_at + 1)
    return end if end < len(blank) else len(blank) - 1


def _enclosing_end(blank: str, start: int) -> int:
    """Where the group around ``start`` closes (a sub-query's solution modifiers come
    before it); the end of the text if it never does."""
    depth = 0
    for i in range(start, len(blank)):
        if blank[i] == "{":
            depth += 1
        elif blank[i] == "}":
            if depth == 0:
                return i
            depth -= 1
    return len(blank)
