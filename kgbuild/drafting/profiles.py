"""What the same-event links compare of one event (:class:`Profile`): its dates as each
source gives them (:class:`Day`, :class:`Dated`), with bounds derived from its context, and the
place network they are compared in (:class:`PlaceNet`)."""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from kgbuild.sources.timespec import WEEKDAYS, DateSpecError, parse_spec


@dataclass(frozen=True)
class Day:
    """A date description as a source gives it (any part may be unknown)."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None

    def bounds(self, year: int | None) -> tuple[date, date] | None:
        y = self.year if self.year is not None else year
        if y is None:
            return None
        if self.month is None:
            return date(y, 1, 1), date(y, 12, 31)
        last = calendar.monthrange(y, self.month)[1]
        if self.day is not None:
            day = min(self.day, last)
            return date(y, self.month, day), date(y, self.month, day)
        if self.part == "early":
            return date(y, self.month, 1), date(y, self.month, 15)
        if self.part == "late":
            return date(y, self.month, 16), date(y, self.month, last)
        return date(y, self.month, 1), date(y, self.month, last)

    def text(self) -> str:
        parts = [f"{self.year:04d}" if self.year is not None else "-"]
        if self.month is not None:
            parts.append(f"{self.month:02d}")
        if self.day is not None:
            parts.append(f"{self.day:02d}")
        return "-".join(parts) + (f" ({self.part})" if self.part else "")


@dataclass(frozen=True)
class Dated:
    """The dates one source gives an event: its start (date or startDate) and end (date or
    endDate); either may be missing ("since 27 October" has no end)."""

    start: Day | None
    end: Day | None

    def interval(self, year: int | None) -> tuple[date | None, date | None]:
        lo = self.start.bounds(year) if self.start else None
        hi = self.end.bounds(year) if self.end else None
        return (lo[0] if lo else None), (hi[1] if hi else None)

    @property
    def one_day(self) -> bool:
        return self.start == self.end and self.start is not None and self.start.day is not None

    def years(self) -> set[int]:
        return {d.year for d in (self.start, self.end) if d is not None and d.year is not None}

    def text(self) -> str:
        if self.start == self.end and self.start is not None:
            return self.start.text()
        return (
            f"{self.start.text() if self.start else '…'} to {self.end.text() if self.end else '…'}"
        )


def day_of(value: Any, doc_id: str, published: date | None) -> Day | None:
    """A curated date value (docs/curation.md) as a Day; a weekday counted from the
    publication is resolved when the publication date is known."""
    try:
        spec, _ = parse_spec(value, doc_id)
    except DateSpecError:
        return None
    if spec.relative_to:
        if spec.day_of_week and published is not None:
            names = WEEKDAYS
            back = (published.weekday() - names.index(spec.day_of_week)) % 7
            d = published - timedelta(days=back)
            return Day(d.year, d.month, d.day)
        return None
    return Day(spec.year, spec.month, spec.day, spec.part)


@dataclass
class Quote:
    """One figure of an existing event, for the review page."""

    doc: str
    measure: str
    item: str | None
    stated: str


@dataclass
class Profile:
    """What the linking compares of one event."""

    id: str
    classes: frozenset[str]
    modality: str = "actual"
    docs: frozenset[str] = frozenset()
    drafts: frozenset[str] = frozenset()
    dated: tuple[Dated, ...] = ()
    lo: date | None = None  # derived bounds: not before / not after
    hi: date | None = None
    published: date | None = None  # the drafted report's publication (drafted events only)
    hi_day: Day | None = None  # a not-after bound without its year (a dateline's "Nov. 10")
    places: frozenset[str] = frozenset()
    agents: frozenset[str] = frozenset()
    parents: frozenset[str] = frozenset()  # kg:partOf
    context: frozenset[str] = frozenset()  # partOf, triggeredBy and their inverses
    figures: frozenset[tuple[str, str | None]] = frozenset()
    quotes: list[Quote] = field(default_factory=list)
    label: str = ""
    # a drafted event's paragraph: the dates, places and agents its other events give
    frame: Profile | None = None

    def alternatives(self, years: set[int]) -> list[tuple[date | None, date | None, bool]]:
        """(not before, not after, one day) of each source's dates, bounded by what the
        context implies; a date without a year is tried in each of ``years``."""
        out = []
        for dated in self.dated or (Dated(None, None),):
            tries: Iterable[int | None] = (
                sorted(years) if years and not dated.years() else [None]
            ) or [None]
            for year in tries:
                lo, hi = dated.interval(year)
                if (dated.start or dated.end) and lo is None and hi is None:
                    continue  # no year for it anywhere: nothing to compare
                bound = self.hi
                if bound is None and self.hi_day is not None:  # "Nov. 10" in the dateline
                    for y in [year] if year else sorted(years):
                        day = self.hi_day.bounds(y)
                        if day and (lo is None or day[1] >= lo):
                            bound = day[1]
                            break
                lo = max(d for d in (lo, self.lo) if d) if (lo or self.lo) else None
                hi = min(d for d in (hi, bound) if d) if (hi or bound) else None
                out.append((lo, hi, dated.one_day))
        return out

    def years(self) -> set[int]:
        out = set().union(*(d.years() for d in self.dated)) if self.dated else set()
        for bound in (self.lo, self.hi):
            if bound is not None:
                out.add(bound.year)
        return out


class PlaceNet:
    """The place network of graph:places: what contains what, what is near what, and which
    places are countries (or territories)."""

    def __init__(self) -> None:
        self.parents: dict[str, set[str]] = {}
        self.near: dict[str, set[str]] = {}
        self.countries: set[str] = set()

    def add(self, child: str, relation: str, other: str) -> None:
        if relation == "near":
            self.near.setdefault(child, set()).add(other)
            self.near.setdefault(other, set()).add(child)
        else:  # containedIn, borderOf: a border lies in both countries
            self.parents.setdefault(child, set()).add(other)

    def ancestors(self, place: str) -> set[str]:
        seen, todo = {place}, [place]
        while todo:
            for parent in self.parents.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        return seen

    def country_of(self, place: str) -> set[str]:
        return self.ancestors(place) & self.countries

    def known(self, place: str) -> bool:
        return place in self.parents or place in self.near or place in self.countries

    def zone_of(self, places: frozenset[str]) -> set[str]:
        return set().union(*(self.zone(p) for p in places)) if places else set()

    def zone(self, place: str) -> set[str]:
        """The place, what contains it short of a country, and what is near any of them."""
        inside = self.ancestors(place) - self.countries | {place}
        return inside | {n for p in inside for n in self.near.get(p, ())}

    def relation(self, a: frozenset[str], b: frozenset[str]) -> tuple[str, str] | None:
        """How two sets of places relate: ("same", place), ("linked", …), ("country", …),
        ("apart", ""), ("conflict", "") or None when either side names none."""
        if not a or not b:
            return None
        same = sorted(a & b)
        if same:
            return "same", same[0]
        for x in sorted(a):
            for y in sorted(b):
                if y in self.zone(x) or x in self.zone(y):
                    return "linked", f"{x} ~ {y}"
        ca = set().union(*(self.country_of(x) for x in a))
        cb = set().union(*(self.country_of(y) for y in b))
        if ca & cb:
            return "country", sorted(ca & cb)[0]
        if ca and cb and all(self.country_of(x) for x in a) and all(self.country_of(y) for y in b):
            return "conflict", ""
        return "apart", ""
