"""Datelines: where and when a report was filed, and by which agency.

A news report often opens its first paragraph with "BELGRADE, Nov. 10 (Reuters) –",
"Zagreb, 3 May 2022 –", "SARAJEVO –" or "date 2023-11-09". These words are the source's: its
place (schema:locationCreated), its publication date when the year is given, and the agency it
cites (prov:hadPrimarySource). They are never the place, date or participant of an event the
report tells of.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .model import DateHit

_ISO = re.compile(
    r"(?im)^[^\S\n]*(?:date|datum|dated)[^\S\n]*:?[^\S\n]*((?:19|20)\d\d-[01]\d-[0-3]\d)\b"
)
_UPPER = "A-ZÀ-ÖØ-ÞČĆŠŽĐА-Я"
_WORD = rf"[{_UPPER}][\w'’.\-]*"
_DATELINE = re.compile(
    rf"(?m)^[^\S\n]*(?P<city>{_WORD}(?:[^\S\n]+{_WORD}){{0,2}})"
    r"(?:[^\S\n]*,[^\S\n]*(?P<date>[^–—(\n]{3,30}?))?"
    r"(?:[^\S\n]*\((?P<agency>[^)\n]{2,40})\))?"
    r"[^\S\n]*[–—-][^\S\n]+"
)
LINES = 3  # a dateline opens one of the first lines of the text


@dataclass
class Dateline:
    start: int  # the whole dateline, up to the dash
    end: int
    city: tuple[int, int]
    agency: tuple[int, int] | None
    published: str | None  # YYYY-MM-DD when the dateline gives the year
    day: str | None = None  # --MM-DD when it gives a day and month only


def find(text: str, dates: list[DateHit]) -> Dateline | None:
    """The dateline of ``text``, if one of its first lines opens with one; ``dates`` are the
    dates found in the text (the dateline's own gives the publication when it has a year)."""
    head = _first_lines(text)
    m = _ISO.search(text, 0, head)
    if m:
        return Dateline(m.start(1), m.end(1), (m.start(1), m.start(1)), None, m.group(1))
    for m in _DATELINE.finditer(text, 0, head):
        city = m.group("city")
        has_date = bool(m.group("date")) and any(
            m.start("date") <= d.start < m.end("date") for d in dates
        )
        if m.group("date") and not has_date:
            continue  # "Serbia, Hungary and Austria – …": a list, not a dateline
        if not (has_date or m.group("agency") or (city.isupper() and len(city) > 2)):
            continue
        published = day = None
        for d in dates:
            if m.start() <= d.start < m.end() and isinstance(d.value, str):
                if len(d.value) == 10 and not d.value.startswith("--"):
                    published = d.value
                elif d.value.startswith("--") and len(d.value) == 7:
                    day = d.value
        agency = (m.start("agency"), m.end("agency")) if m.group("agency") else None
        end = m.start() + len(m.group(0).rstrip())
        return Dateline(m.start(), end, (m.start("city"), m.end("city")), agency, published, day)
    return None


def _first_lines(text: str) -> int:
    """The offset where the first LINES non-empty lines end."""
    seen, at = 0, 0
    for line in text.split("\n"):
        at += len(line) + 1
        if line.strip():
            seen += 1
            if seen > LINES:
                break
    return min(at, len(text))
