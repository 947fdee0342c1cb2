"""What a draft holds: entities, figures, dates and events, each with the span of text it comes
from (offsets into the original text, end exclusive)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PERSON, ORG, PLACE = "person", "org", "place"


@dataclass
class Entity:
    id: str
    kind: str  # person, org or place
    type: str  # an ontology class name
    label: str
    new: bool
    mentions: list[tuple[int, int]] = field(default_factory=list)
    country: str | None = None  # for a city CLDR knows: its country (used to compare places)
    stable: bool = False  # a new entity whose id every draft gives it (from CLDR, an institution)
    check: list[str] = field(default_factory=list)  # what a reviewer must check (mixed scripts)
    spoofed: set[str] = field(default_factory=set)  # its forms that mix scripts: no labels

    @property
    def agent(self) -> bool:
        return self.kind in (PERSON, ORG) or self.type in ("Country", "Territory")


@dataclass
class Figure:
    start: int  # the words stating it (statedAs)
    end: int
    number: float | None  # None for a vague amount ("hundreds of")
    qualifier: str
    measure: str
    item: str | None = None
    unit: str | None = None
    agrees: Figure | None = None  # a headline's figure: the body figure that states it too
    also: list[tuple[int, int]] = field(default_factory=list)  # the same figure restated

    @property
    def bound(self) -> str | None:
        if self.number is None:
            return None
        return {
            "more-than": "lowerBound",
            "at-least": "lowerBound",
            "nearly": "upperBound",
            "at-most": "upperBound",
        }.get(self.qualifier, "value")


@dataclass
class DateHit:
    start: int
    end: int
    role: str  # date, startDate or endDate
    value: Any  # the curated form: "2023-10-27", {in: ..., part: ...}, {relative: ...}

    @property
    def key(self) -> str:
        v = self.value
        if isinstance(v, str):
            return v
        return "|".join(f"{k}={v[k]}" for k in sorted(v) if k != "statedAs")


@dataclass
class Trigger:
    start: int
    end: int
    cls: str


@dataclass
class Link:
    """A same-event link: the existing event a drafted event is (or may be), its score and
    the evidence behind it (see draft/linking.py); for an applied link, the sources that
    already report that event and their figures."""

    target: str
    score: float
    reasons: list[str]
    sources: list[str] = field(default_factory=list)
    figures: list[Any] = field(default_factory=list)


@dataclass
class Event:
    cls: str
    modality: str | None
    sentences: list[tuple[int, int]] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)
    dates: list[DateHit] = field(default_factory=list)
    figures: list[Figure] = field(default_factory=list)
    participants: list[str] = field(default_factory=list)
    places: list[str] = field(default_factory=list)
    speaker: str | None = None
    outlet: str | None = None
    id: str = ""
    label: str = ""
    own_id: str = ""  # the id it has when it is linked to no existing event
    link: Link | None = None
    candidates: list[Link] = field(default_factory=list)


@dataclass
class Draft:
    """The drafted records of one text, before they are written as a curated file."""

    doc_id: str
    text: str
    language: str
    language_detected: bool
    headline: str
    published: str | None
    published_span: tuple[int, int] | None  # the dateline
    entities: list[Entity]
    figures: list[Figure]
    dates: list[DateHit]
    events: list[Event]
    messages: list[str] = field(default_factory=list)
    source_place: str | None = None  # the dateline's city (schema:locationCreated)
    primary_source: str | None = None  # the agency it cites (prov:hadPrimarySource)
    dateline_day: str | None = None  # the dateline's date when it gives no year ("--11-10")
    dateline_date: str | None = None  # the dateline's date as it gives it, with or without year

    @property
    def linked(self) -> list[Entity]:
        return [e for e in self.entities if not e.new]

    @property
    def new(self) -> list[Entity]:
        return [e for e in self.entities if e.new]
