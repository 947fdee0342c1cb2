"""Dates at the precision the text gives, in the project's date model: "2023-10-27", "2023-10",
"--10-27" (no year: never padded), {in: ..., part: early|late}, {relative: publication,
dayOfWeek: ...} (or the day itself when the publication date is known), and ranges
("from ... to ...", "od ... do ...", "11. bis 21.", "between 23 and 26 September")."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

from kgbuild.sources.timespec import DateSpecError, parse_spec

from .lexicon import Lexicon
from .model import DateHit
from .text import View, fold

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def _alt(words: list[str]) -> str:
    words = sorted({fold(w) for w in words if w}, key=len, reverse=True)
    return "|".join(re.escape(w) for w in words) or r"(?!x)x"


class DateFinder:
    def __init__(self, lexicon: Lexicon) -> None:
        data = lexicon.data
        self.months: dict[str, int] = {}
        for number, forms in (data.get("months") or {}).items():
            for form in forms:
                self.months[fold(form)] = int(number)
        self.capitalised = data.get("month_case") == "capitalised"
        self.weekdays = {
            fold(f): day for day, forms in (data.get("weekdays") or {}).items() for f in forms
        }
        parts = data.get("parts") or {}
        self.parts = {fold(f): part for part, forms in parts.items() for f in forms}
        words = data.get("dates") or {}
        month = _alt(list(self.months))
        day = r"(?:[12]?\d|3[01])"
        suffix = "(?:" + _alt(words.get("day_suffix") or []) + ")?"
        year = r"(?:(?:19|20)\d\d)"
        year_words = _alt(words.get("year_words") or [])
        y = rf"(?:,?\s*(?P<{{n}}>{year})\.?(?:\s*(?:{year_words}))?)"
        m = rf"(?P<{{n}}>{month})(?!\w)"
        d = rf"(?P<{{n}}>{day}){suffix}"
        of = r"(?:\s+of)?"

        def g(pattern: str, **names: str) -> str:
            for key, value in names.items():
                pattern = pattern.replace("{" + key + "}", value)
            return pattern

        fr, to = _alt(words.get("range_from") or []), _alt(words.get("range_to") or [])
        between, and_ = _alt(words.get("between") or []), _alt(words.get("between_and") or [])
        part = _alt(list(self.parts))
        prefix = _alt(words.get("month_prefix") or [])
        dm = lambda n: g(d, n=f"d{n}") + of + r"\s*" + g(m, n=f"m{n}")  # noqa: E731
        md = lambda n: g(m, n=f"m{n}x") + r"\s+" + g(d, n=f"d{n}x")  # noqa: E731
        b = r"(?<![\w.])"
        self.patterns = [
            # ranges: from 27 October to 8 November 2023; from October 27 to November 8;
            # 11. bis 21. März 2024; between 23 and 26 September 2014; 23-26 September
            (
                "range",
                re.compile(
                    rf"{b}(?:(?:{fr}|{between})\s+)?(?:{dm(1)}|{md(1)}){g(y, n='y1')}?\s*(?:{to}|{and_}|[-–])\s*(?:{dm(2)}|{md(2)}){g(y, n='y2')}?(?!\w)"  # noqa: E501
                ),
            ),
            (
                "range",
                re.compile(
                    rf"{b}(?:(?:{fr}|{between})\s+)?{g(d, n='d1')}\s*(?:{to}|{and_}|[-–])\s*{dm(2)}{g(y, n='y2')}?(?!\w)"  # noqa: E501
                ),
            ),
            (
                "numeric",
                re.compile(
                    r"(?<![\w.])(?P<d1>[0-3]?\d)\.\s?(?P<m1>[01]?\d)\.\s?(?P<y1>(?:19|20)\d\d)\.?(?![\w])"
                ),
            ),
            (
                "iso",
                re.compile(
                    r"(?<![\w-])(?P<y1>(?:19|20)\d\d)-(?P<m1>[01]\d)-(?P<d1>[0-3]\d)(?![\w-])"
                ),
            ),
            ("day", re.compile(rf"{b}(?:{dm(1)}|{md(1)}){g(y, n='y1')}?(?!\w)")),
            ("part", re.compile(rf"(?<!\w)(?P<p>{part})\s+{g(m, n='m1')}{g(y, n='y1')}?(?!\w)")),
            ("month", re.compile(rf"(?<!\w){g(m, n='m1')}\s*,?\s*(?P<y1>{year})\.?(?!\w)")),
            ("month", re.compile(rf"(?<!\w)(?:{prefix})\s+{g(m, n='m1')}(?!\w)")),
        ]
        self.weekday_re = re.compile(rf"(?<!\w)(?P<w>{_alt(list(self.weekdays))})(?!\w)")
        # "since 27 October", "sedan den 27 oktober", "seit dem 27. Oktober": a start, no end
        self.since_re = re.compile(rf"(?<!\w)(?:{_alt(words.get('since') or [])})\s+$")

    def find(self, view: View, published: str | None) -> list[DateHit]:
        """Every date in the text (non-overlapping, earliest and longest first)."""
        hits: list[tuple[int, int, list[tuple[str, Any]]]] = []
        taken: list[tuple[int, int]] = []
        for kind, pattern in self.patterns:
            for match in pattern.finditer(view.folded):
                s, e = match.span()
                if any(s < te and ts < e for ts, te in taken):
                    continue
                if not self._cased(view, match):
                    continue
                values = self._values(kind, match, view)
                if values:
                    taken.append((s, e))
                    hits.append((s, e, values))
        for match in self.weekday_re.finditer(view.folded):
            s, e = match.span()
            if any(s < te and ts < e for ts, te in taken) or not self._cased(view, match, "w"):
                continue
            if any(0 <= ts - e <= 6 or 0 <= s - te <= 3 for ts, te in taken):
                continue  # "on Monday, 3 March": the stated day and month is the date
            day = self.weekdays[match.group("w")]
            stated = view.original[slice(*view.span(*self._stated(view, s, e)))]
            value: Any = {"relative": "publication", "dayOfWeek": day, "statedAs": stated}
            if published:
                value = _resolve(published, day)
            hits.append((s, e, [("date", value)]))
        out = []
        for s, e, values in sorted(hits, key=lambda h: h[0]):
            start, end = view.span(s, e)
            if (
                len(values) == 1
                and values[0][0] == "date"
                and self.since_re.search(view.folded[max(0, s - 20) : s])
            ):
                values = [("startDate", values[0][1])]
            if published:
                values = _with_years(values, date.fromisoformat(published))
            for role, value in values:
                out.append(DateHit(start, end, role, value))
        return out

    def _stated(self, view: View, s: int, e: int) -> tuple[int, int]:
        # include the preposition before a weekday ("på torsdagen", "on Wednesday")
        before = view.folded[max(0, s - 4) : s]
        m = re.search(r"(\w+)\s$", before)
        return (s - len(m.group(0)), e) if m else (s, e)

    def _cased(self, view: View, match: re.Match[str], group: str = "") -> bool:
        if not self.capitalised:
            return True
        for name in (group,) if group else ("m1", "m2", "m1x", "m2x"):
            if name and (match.groupdict().get(name) or "").isalpha():
                s = match.start(name)
                if not view.cased[s].isupper():
                    return False
        return True

    def _values(self, kind: str, match: re.Match[str], view: View) -> list[tuple[str, Any]]:
        gd = {k.rstrip("x"): v for k, v in match.groupdict().items() if v is not None}
        month = lambda key: (  # noqa: E731
            self.months.get(gd.get(key) or "")
            if not (gd.get(key) or "").isdigit()
            else int(gd[key])
        )
        if kind == "range":
            m2 = month("m2")
            m1 = month("m1") or m2
            y2 = gd.get("y2")
            y1 = gd.get("y1") or y2
            start = _plain(y1, m1, gd.get("d1"))
            end = _plain(y2, m2, gd.get("d2"))
            if start and end:
                return [("startDate", start), ("endDate", end)]
            return []
        if kind == "part":
            stated = view.original[slice(*view.span(*match.span()))]
            base = _plain(gd.get("y1"), month("m1"), None)
            if not base:
                return []
            return [("date", {"in": base, "part": self.parts[gd["p"]], "statedAs": stated})]
        if kind == "month":
            base = _plain(gd.get("y1"), month("m1"), None)
            return [("date", base)] if base else []
        value = _plain(gd.get("y1"), month("m1"), gd.get("d1"))
        return [("date", value)] if value else []


def _plain(year: str | None, month: int | None, day: str | None) -> str | None:
    """The plain date form, checked by the project's own date model (no 31 November)."""
    if not month:
        return None
    if year:
        text = f"{int(year):04d}-{month:02d}" + (f"-{int(day):02d}" if day else "")
    else:
        text = f"--{month:02d}" + (f"-{int(day):02d}" if day else "")
    try:
        parse_spec(text, None)
    except DateSpecError:
        return None
    return text


AHEAD = 60  # days: a date with no year is taken to lie at most this far after publication


def _with_years(values: list[tuple[str, Any]], published: date) -> list[tuple[str, Any]]:
    """Dates without a year in a text whose publication date is known get the year that puts
    them on or before the publication, or up to AHEAD days after it (what a report says will
    happen); the start of a range lies on or before its end."""
    out: list[tuple[str, Any]] = []
    end: tuple[int, int, int] | None = None  # the range's end: year, month, day
    for role, value in reversed(values):
        base = value["in"] if isinstance(value, dict) and "in" in value else value
        if not isinstance(base, str) or not base.startswith("--"):
            out.append((role, value))
            continue
        month = int(base[2:4])
        day = int(base[5:7]) if len(base) > 4 else 1
        year = published.year
        if date(year, month, min(day, 28)) > published + timedelta(days=AHEAD):
            year -= 1
        if end is not None:
            year = end[0] - 1 if (month, day) > end[1:] else end[0]
        if role == "endDate":
            end = (year, month, day)
        dated = f"{year:04d}{base[1:]}"
        try:
            parse_spec(dated, None)
        except DateSpecError:  # 29 February of a year that has none
            out.append((role, value))
            continue
        out.append((role, {**value, "in": dated} if isinstance(value, dict) else dated))
    return list(reversed(out))


def _resolve(published: str, weekday: str) -> str:
    """The last ``weekday`` on or before the publication date."""
    day = date.fromisoformat(published)
    back = (day.weekday() - WEEKDAYS.index(weekday)) % 7
    return (day - timedelta(days=back)).isoformat()
