"""Dates as precise as the source gives them, turned into OWL-Time descriptions.

The curated files write a date as an XML Schema lexical form of the precision the text has:
``2023-10-27`` (a day), ``2023-10`` (a month), ``2023`` (a year), ``--10-27`` or ``--10``
(a day or month whose year the text does not give); or as a mapping that adds the part of
the month (``{in: "2023-10", part: late}``) or a date relative to the publication
(``{relative: publication, dayOfWeek: thursday}``). Nothing is padded: "October 2023" never
becomes 2023-10-01. Where the year is known, ``kg:earliest`` and ``kg:latest`` bound the days the
description can denote, so timelines sort without inventing precision.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date

import pyoxigraph

from kgbuild.namespaces import KG, RDF, RDFS, TIME, VOCAB, XSD
from kgbuild.rdf import iri, lit

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
PARTS = ("early", "late")
MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip

_FORMS = [
    (re.compile(r"^(\d{4})-(\d{2})-(\d{2})$"), ("year", "month", "day")),
    (re.compile(r"^(\d{4})-(\d{2})$"), ("year", "month")),
    (re.compile(r"^(\d{4})$"), ("year",)),
    (re.compile(r"^--(\d{2})-(\d{2})$"), ("month", "day")),
    (re.compile(r"^--(\d{2})$"), ("month",)),
]


class DateSpecError(ValueError):
    """A date that is malformed or impossible; the message says how to write it."""


@dataclass(frozen=True)
class TimeSpec:
    """One date description: the components the source gives, and nothing more."""

    year: int | None = None
    month: int | None = None
    day: int | None = None
    part: str | None = None
    day_of_week: str | None = None
    relative_to: str | None = None  # a document id, for dates counted from its publication
    relative_slug: str | None = None

    @property
    def unit(self) -> str | None:
        """The OWL-Time unit of precision (local name), or None for a vague relative date."""
        if self.day is not None or self.day_of_week is not None:
            return "unitDay"
        if self.month is not None:
            return "unitMonth"
        if self.year is not None:
            return "unitYear"
        return None

    @property
    def key(self) -> str:
        """The IRI path under ``time/``: readable, and the same for the same description."""
        if self.relative_to:
            return f"{self.relative_to}/{self.day_of_week or self.relative_slug}"
        if self.year is not None:
            text = f"{self.year:04d}"
            if self.month is not None:
                text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        else:
            text = f"--{self.month:02d}" + (f"-{self.day:02d}" if self.day is not None else "")
        return text + (f"-{self.part}" if self.part else "")

    @property
    def label(self) -> str:
        if self.relative_to:
            what = (
                self.day_of_week.capitalize()
                if self.day_of_week
                else ((self.relative_slug or "").replace("-", " "))
            )
            return f"{what} (counted from the publication of {self.relative_to})"
        words = []
        if self.part:
            words.append(self.part)
        if self.day is not None:
            words.append(str(self.day))
        if self.month is not None:
            words.append(MONTHS[self.month - 1])
        words.append(str(self.year) if self.year is not None else "(year not stated)")
        return " ".join(words)

    def bounds(self) -> tuple[date, date] | None:
        """First and last day the description can denote, where the year is known."""
        if self.year is None:
            return None
        if self.month is None:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        if self.day is None:
            last = calendar.monthrange(self.year, self.month)[1]
            return date(self.year, self.month, 1), date(self.year, self.month, last)
        day = date(self.year, self.month, self.day)
        return day, day

    def schema_literal(self) -> tuple[str, str] | None:
        """(lexical form, XSD datatype local name) for schema:startDate/endDate, if any."""
        if self.year is None or self.relative_to:
            return None
        if self.day is not None:
            return f"{self.year:04d}-{self.month:02d}-{self.day:02d}", "date"
        if self.month is not None:
            return f"{self.year:04d}-{self.month:02d}", "gYearMonth"
        return f"{self.year:04d}", "gYear"


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "relative"


def parse_plain(text: str) -> TimeSpec:
    """Parse ``2023-10-27``, ``2023-10``, ``2023``, ``--10-27`` or ``--10``."""
    for pattern, fields in _FORMS:
        match = pattern.match(text)
        if match:
            values = dict(zip(fields, (int(g) for g in match.groups()), strict=True))
            spec = TimeSpec(**values)
            _check(spec, text)
            return spec
    raise DateSpecError(f"date {text!r} is not one of YYYY-MM-DD, YYYY-MM, YYYY, --MM-DD, --MM")


def _check(spec: TimeSpec, text: str) -> None:
    if spec.month is not None and not 1 <= spec.month <= 12:
        raise DateSpecError(f"date {text!r} has month {spec.month}: months are 01 to 12")
    if spec.day is not None:
        # Without a year, 29 February is possible; check against a leap year.
        year = spec.year if spec.year is not None else 2000
        last = calendar.monthrange(year, spec.month or 1)[1]
        if not 1 <= spec.day <= last:
            raise DateSpecError(
                f"date {text!r} does not exist: {MONTHS[(spec.month or 1) - 1]} has {last} days"
            )


def parse_spec(value: object, doc_id: str | None) -> tuple[TimeSpec, str | None]:
    """Parse a curated date value; returns the spec and the words the source used, if given."""
    if isinstance(value, str):
        return parse_plain(value), None
    if not isinstance(value, dict):
        raise DateSpecError(f"a date is a string like '2023-10-27' or a mapping, not {value!r}")
    allowed = {"in", "part", "statedAs", "relative", "dayOfWeek"}
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise DateSpecError(
            f"unknown key(s) {', '.join(unknown)} in a date; allowed: " + ", ".join(sorted(allowed))
        )
    stated = value.get("statedAs")
    if stated is not None and not isinstance(stated, str):
        raise DateSpecError("statedAs of a date is the source's words, a string")
    if "relative" in value:
        if value["relative"] != "publication":
            raise DateSpecError(
                "relative dates are counted from the publication: write 'relative: publication'"
            )
        if doc_id is None:
            raise DateSpecError("a relative date needs a document; entities cannot have one")
        dow = value.get("dayOfWeek")
        if dow is not None and str(dow).lower() not in WEEKDAYS:
            raise DateSpecError(f"dayOfWeek {dow!r} is not a weekday name in English")
        if dow is None and not stated:
            raise DateSpecError("a relative date without dayOfWeek needs statedAs (the words)")
        spec = TimeSpec(
            day_of_week=str(dow).lower() if dow else None,
            relative_to=doc_id,
            relative_slug=None if dow else _slug(stated or ""),
        )
        return spec, stated
    if "in" not in value:
        raise DateSpecError("a date mapping needs 'in' (e.g. in: '2023-10') or 'relative'")
    base = parse_plain(str(value["in"]))
    part = value.get("part")
    if part is not None:
        if part not in PARTS:
            raise DateSpecError(f"part {part!r} is not one of {', '.join(PARTS)}")
        if base.month is None or base.day is not None:
            raise DateSpecError("part (early/late) applies to a month: write in: 'YYYY-MM'")
    spec = TimeSpec(year=base.year, month=base.month, day=base.day, part=part)
    return spec, stated


def check_range(start: TimeSpec, end: TimeSpec) -> None:
    """An end date must not lie before its start (where both bounds are known)."""
    start_bounds, end_bounds = start.bounds(), end.bounds()
    if start_bounds and end_bounds and end_bounds[1] < start_bounds[0]:
        raise DateSpecError(f"endDate {end.key} lies before startDate {start.key}")


def time_triples(
    node: str, spec: TimeSpec, stated: set[str], language: str, source: str | None
) -> list[tuple[str, str, pyoxigraph.NamedNode | pyoxigraph.Literal]]:
    """A date as a kg:TimeDescription (OWL-Time): the components the source gives, the part of
    the month, the weekday counted from ``source``'s publication, the bounds where the year is
    known, and the words each source states it in (``stated``, in ``language``)."""
    out: list[tuple[str, str, pyoxigraph.NamedNode | pyoxigraph.Literal]] = [
        (node, RDF + "type", iri(KG + "TimeDescription")),
        (node, RDFS + "label", lit(spec.label, lang="en")),
    ]
    if spec.unit:
        out.append((node, TIME + "unitType", iri(TIME + spec.unit)))
    if spec.year is not None:
        out.append((node, TIME + "year", lit(f"{spec.year:04d}", datatype=XSD + "gYear")))
    if spec.month is not None:
        out.append((node, TIME + "month", lit(f"--{spec.month:02d}", datatype=XSD + "gMonth")))
    if spec.day is not None:
        out.append((node, TIME + "day", lit(f"---{spec.day:02d}", datatype=XSD + "gDay")))
    if spec.part:
        out.append((node, KG + "partOfMonth", iri(f"{VOCAB}part/{spec.part}")))
    if spec.day_of_week:
        out.append((node, TIME + "dayOfWeek", iri(TIME + spec.day_of_week.capitalize())))
    if spec.relative_to and source:
        out.append((node, KG + "relativeTo", iri(source)))
    bounds = spec.bounds()
    if bounds:
        out.append((node, KG + "earliest", lit(bounds[0].isoformat(), datatype=XSD + "date")))
        out.append((node, KG + "latest", lit(bounds[1].isoformat(), datatype=XSD + "date")))
    for words in sorted(stated):
        out.append((node, KG + "statedAs", lit(words, lang=language)))
    return out
