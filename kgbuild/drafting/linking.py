"""Same-event links: which drafted events are events the dataset already holds.

Each event is described by a :class:`Profile`: its classes, modality, the dates each source
gives it (with bounds derived from its sources' publication, the events it is part of and the
events that triggered it), its places, agents, context (the events it is part of, triggered by,
or the whole of) and the measures of its figures. :func:`match` scores a drafted event's profile
against a candidate's by the rules of ``ontology/linking.yaml`` (:class:`Rules`), and
:func:`link_draft` gives each drafted event its best candidate above the threshold, one event of
the draft per candidate, in rounds so that an event linked in one round is context for the
next. The existing events come from the assembled dataset (:meth:`EventIndex.from_nquads`):
what the graph holds, drafts included, never the text of another draft.
"""

from __future__ import annotations

import calendar
import math
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pyoxigraph
import yaml

from kgbuild.errors import InputError
from kgbuild.namespaces import KG, VOCAB
from kgbuild.sources.timespec import DateSpecError, parse_spec

from .model import Draft, Event, Link
from .text import fold

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
TIME = "http://www.w3.org/2006/time#"
SCHEMA_PUBLISHED = "http://schema.org/datePublished"
AGENT_KEYS = ("participant", "organizer", "target", "speaker", "outlet", "attributedTo")
PLACE_KEYS = ("place", "nearPlace")
CONTEXT_KEYS = ("partOf", "triggeredBy")
DATE_KEYS = ("date", "startDate", "endDate")
WEIGHTS = (
    "class_same",
    "class_broader",
    "day",
    "close",
    "place_same",
    "place_more",
    "place_max",
    "place_linked",
    "place_country",
    "place_apart",
    "agent",
    "agent_max",
    "context",
    "context_unique",
    "context_whole",
    "context_max",
    "frame",
    "context_other",
    "figure_measure",
    "figure_item",
    "figure_max",
    "stale",
    "fresh",
)
SLACK = timedelta(days=1)
# reports of one event may differ by a day (overnight, time zones)
FRESH = timedelta(days=14)  # a report this soon after an event's end is news of it
ROUNDS = 3


# -- rules -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rules:
    """The scoring rule of ontology/linking.yaml."""

    threshold: float
    margin: float
    list_from: float
    listed: int
    close_days: int
    stale_days: int
    weights: dict[str, float]
    unsupporting: frozenset[str] = frozenset()  # measures that are no evidence of one event

    def w(self, name: str) -> float:
        return self.weights[name]

    @classmethod
    def load(cls, path: Path) -> Rules:
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            raise InputError(path, f"cannot read the linking rules: {exc}") from None
        if not isinstance(data, dict) or not isinstance(data.get("weights"), dict):
            raise InputError(path, "the linking rules are a mapping with weights:")
        weights = data["weights"]
        missing = [k for k in WEIGHTS if k not in weights]
        unknown = sorted(set(weights) - set(WEIGHTS))
        if missing or unknown:
            raise InputError(
                path,
                "weights: "
                + ", ".join(f"missing {k}" for k in missing)
                + ", ".join(f"unknown {k}" for k in unknown),
                hint="the weights are " + ", ".join(WEIGHTS),
            )
        try:
            return cls(
                threshold=float(data["threshold"]),
                margin=float(data["margin"]),
                list_from=float(data["list_from"]),
                listed=int(data["listed"]),
                close_days=int(data["close_days"]),
                stale_days=int(data["stale_days"]),
                weights={k: float(weights[k]) for k in WEIGHTS},
                unsupporting=frozenset(str(m) for m in data.get("unsupporting_measures") or []),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InputError(
                path,
                f"a linking rule is missing or not a number: {exc}",
                hint="threshold, margin, list_from, listed, close_days and stale_days are numbers",
            ) from None


# -- time --------------------------------------------------------------------------------------


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
            names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
            back = (published.weekday() - names.index(spec.day_of_week)) % 7
            d = published - timedelta(days=back)
            return Day(d.year, d.month, d.day)
        return None
    return Day(spec.year, spec.month, spec.day, spec.part)


# -- profiles ----------------------------------------------------------------------------------


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


# -- the index of existing events --------------------------------------------------------------


class EventIndex:
    """The events of the dataset (and of the drafts made so far in a batch), by class."""

    def __init__(self, hierarchy: dict[str, set[str]], net: PlaceNet) -> None:
        self.hierarchy = hierarchy  # class -> its superclasses (itself included)
        self.net = net
        self.profiles: dict[str, Profile] = {}
        self.parts: dict[str, set[str]] = {}  # event -> the events part of it
        self.uses: dict[str, int] = {}  # place, agent or related event -> events naming it

    def related(self, a: str, b: str) -> str | None:
        if a == b:
            return "same"
        if a in self.hierarchy.get(b, ()) or b in self.hierarchy.get(a, ()):
            return "broader"
        return None

    def add(self, profile: Profile) -> None:
        self.profiles[profile.id] = profile
        for parent in profile.parents:
            self.parts.setdefault(parent, set()).add(profile.id)
        for x in profile.places | profile.agents | profile.context:
            self.uses[x] = self.uses.get(x, 0) + 1

    def jointly(self, xs: Iterable[str], kind: str) -> float:
        """How telling it is that two events share all of ``xs`` at once (``kind``: places
        or agents): the events that name every one of them (Bratislav Gasic and Sandor
        Pinter together: the two events of their meeting; the Serbian police: most)."""
        wanted = set(xs)
        n = sum(1 for p in self.profiles.values() if wanted <= getattr(p, kind))
        return 1.0 / (1.0 + math.log(max(n, 1)))

    def specific(self, x: str) -> float:
        """How telling it is that two events share ``x`` (a place, an agent, a related
        event): 1 for what one event of the dataset names, less the more events name it
        (the Serbian police take part in most; a village's name in one)."""
        return 1.0 / (1.0 + math.log(max(self.uses.get(x, 0), 1)))

    def only_of_its_kind(self, profile: Profile, parent: str) -> bool:
        """Whether ``profile`` is the only part of ``parent`` of its class."""
        return not any(
            other != profile.id
            and other in self.profiles
            and self.profiles[other].classes & profile.classes
            for other in self.parts.get(parent, ())
        )

    @classmethod
    def from_nquads(
        cls, nquads: bytes, base: str, ontology: Path, exclude: Iterable[str] = ()
    ) -> EventIndex:
        """The events of an assembled dataset (its N-Quads), leaving out the graphs of the
        documents ``exclude`` (one being drafted again)."""
        hierarchy = class_hierarchy(ontology)
        events = {c for c, supers in hierarchy.items() if "Event" in supers}
        net = PlaceNet()
        skip = {f"{base}graph/{doc}" for doc in exclude}
        graph_prefix = base + "graph/"
        docs: dict[str, str] = {}  # graph -> doc id
        types: dict[tuple[str, str], set[str]] = {}  # (subject, graph) -> event classes
        props: dict[tuple[str, str], dict[str, set[str]]] = {}
        nodes: dict[str, dict[str, str]] = {}  # date and quantity nodes -> property -> value
        published: dict[str, date] = {}
        drafts: set[str] = set()
        labels: dict[str, str] = {}
        place_types: set[str] = set()
        wanted = {KG + k: k for k in (*AGENT_KEYS, *PLACE_KEYS, *CONTEXT_KEYS, *DATE_KEYS)}
        wanted[KG + "quantity"] = "quantity"
        wanted[KG + "modality"] = "modality"
        node_props = {
            TIME + "year": "year",
            TIME + "month": "month",
            TIME + "day": "day",
            KG + "partOfMonth": "part",
            TIME + "dayOfWeek": "dow",
            KG + "relativeTo": "relative",
            KG + "measure": "measure",
            KG + "itemKind": "item",
            KG + "statedAs": "stated",
        }
        places_graph = graph_prefix + "places"
        for q in pyoxigraph.parse(nquads, pyoxigraph.RdfFormat.N_QUADS):
            g = q.graph_name.value if isinstance(q.graph_name, pyoxigraph.NamedNode) else ""
            if g in skip:
                continue
            s, p, o = q.subject.value, q.predicate.value, q.object
            if g == places_graph:
                if p in (KG + "containedIn", KG + "borderOf", KG + "near"):
                    net.add(_local(s, base), p[len(KG) :], _local(o.value, base))
                continue
            if p == RDF_TYPE:
                name = o.value[len(KG) :] if o.value.startswith(KG) else ""
                if name in events and g.startswith(graph_prefix):
                    types.setdefault((s, g), set()).add(name)
                elif name in ("Country", "Territory"):
                    place_types.add(_local(s, base))
                continue
            if p in wanted and g.startswith(graph_prefix):
                props.setdefault((s, g), {}).setdefault(wanted[p], set()).add(o.value)
                if p == KG + "modality":
                    continue
            if p in node_props:
                nodes.setdefault(s, {})[node_props[p]] = o.value
            elif p == "http://www.w3.org/ns/prov#wasDerivedFrom" and s == g:
                docs[g] = g[len(graph_prefix) :]
            elif p == SCHEMA_PUBLISHED:
                published[s] = date.fromisoformat(o.value[:10])
            elif p == KG + "publishedNotAfter":
                published.setdefault(s, date.fromisoformat(o.value[:10]))
            elif p == KG + "curationStatus" and o.value == VOCAB + "status/draft":
                drafts.add(s)
            elif p == "http://www.w3.org/2000/01/rdf-schema#label" and g == graph_prefix + (
                "entities"
            ):
                labels[s] = o.value
        net.countries = place_types
        index = cls(hierarchy, net)
        by_event: dict[str, list[str]] = {}
        for s, g in sorted(types):
            if g in docs:
                by_event.setdefault(s, []).append(g)
        inverse: dict[str, set[str]] = {}
        for (s, g), values in props.items():
            if (s, g) in types:
                for key in CONTEXT_KEYS:
                    for target in values.get(key, ()):
                        inverse.setdefault(_local(target, base), set()).add(_local(s, base))
        shared = graph_prefix + "entities"  # links between documents that no document states
        for (s, g), values in props.items():
            if g == shared:
                for key in CONTEXT_KEYS:
                    for target in values.get(key, ()):
                        inverse.setdefault(_local(target, base), set()).add(_local(s, base))
        for event, graphs in sorted(by_event.items()):
            local = _local(event, base)
            agg: dict[str, set[str]] = {
                k: set(v) for k, v in props.get((event, shared), {}).items() if k in CONTEXT_KEYS
            }
            dated: list[Dated] = []
            doc_ids, draft_docs = set(), set()
            pubs: list[date] = []
            quotes: list[Quote] = []
            for g in graphs:
                doc = docs[g]
                doc_ids.add(doc)
                source = f"{base}source/{doc}"
                if source in drafts:
                    draft_docs.add(doc)
                pub = published.get(source)
                if pub:
                    pubs.append(pub)
                values = props.get((event, g), {})
                for key, vals in values.items():
                    agg.setdefault(key, set()).update(vals)
                start = [_day(nodes.get(d, {}), pub) for d in sorted(values.get("date", ()))]
                start += [_day(nodes.get(d, {}), pub) for d in sorted(values.get("startDate", ()))]
                end = [_day(nodes.get(d, {}), pub) for d in sorted(values.get("date", ()))]
                end += [_day(nodes.get(d, {}), pub) for d in sorted(values.get("endDate", ()))]
                first = next((d for d in start if d), None)
                last = next((d for d in reversed(end) if d), None)
                if first or last:
                    dated.append(Dated(first, last))
                for qn in sorted(values.get("quantity", ())):
                    qv = nodes.get(qn, {})
                    if "measure" in qv:
                        quotes.append(
                            Quote(
                                doc,
                                qv["measure"].rsplit("/", 1)[-1],
                                qv["item"].rsplit("/", 1)[-1] if "item" in qv else None,
                                qv.get("stated", ""),
                            )
                        )
            modality = sorted(agg.get("modality", ()))
            classes = set().union(*(types[(event, g)] for g in graphs))
            index.add(
                Profile(
                    id=local,
                    classes=frozenset(classes),
                    modality=modality[0].rsplit("/", 1)[-1] if modality else "actual",
                    docs=frozenset(doc_ids),
                    drafts=frozenset(draft_docs),
                    dated=tuple(dict.fromkeys(dated)),
                    hi=min(pubs) if pubs else None,
                    places=frozenset(_local(x, base) for k in PLACE_KEYS for x in agg.get(k, ())),
                    agents=frozenset(_local(x, base) for k in AGENT_KEYS for x in agg.get(k, ())),
                    parents=frozenset(_local(x, base) for x in agg.get("partOf", ())),
                    context=frozenset(
                        {_local(x, base) for k in CONTEXT_KEYS for x in agg.get(k, ())}
                        | inverse.get(local, set())
                    ),
                    figures=frozenset((q.measure, q.item) for q in quotes),
                    quotes=sorted(quotes, key=lambda q: (q.doc, q.measure, q.item or "", q.stated)),
                    label=labels.get(event, ""),
                )
            )
        index.derive_bounds(base, props)
        return index

    def derive_bounds(self, base: str, props: dict[tuple[str, str], dict[str, set[str]]]) -> None:
        """Bounds an event's context implies: not after its first source's publication (for
        what happened), not before the events that triggered it, within the event it is part
        of. Three passes reach every chain the curated data has."""
        triggers: dict[str, set[str]] = {}
        for (s, _g), values in props.items():
            for target in values.get("triggeredBy", ()):
                triggers.setdefault(_local(s, base), set()).add(_local(target, base))
        for p in self.profiles.values():
            if p.modality != "actual":
                p.hi = None  # planned, proposed, threatened: after the report, if ever
        for _ in range(ROUNDS):
            for p in self.profiles.values():
                los = [
                    _earliest(self.profiles[t])
                    for t in triggers.get(p.id, ())
                    if t in self.profiles
                ]
                los += [self.profiles[x].lo for x in p.parents if x in self.profiles]
                his = [self.profiles[x].hi for x in p.parents if x in self.profiles]
                lo = max((d for d in los if d), default=None)
                hi = min((d for d in his if d), default=None)
                if lo and (p.lo is None or lo > p.lo):
                    p.lo = lo
                if hi and (p.hi is None or hi < p.hi):
                    p.hi = hi

    def candidates(self, profile: Profile) -> list[Profile]:
        out = []
        for other in self.profiles.values():
            if other.id == profile.id or other.modality != profile.modality:
                continue
            if profile.docs and other.docs and other.docs <= profile.docs:
                continue  # the same document
            if "Event" in other.classes and len(other.classes) == 1:
                continue
            if any(self.related(a, b) for a in profile.classes for b in other.classes):
                out.append(other)
        return sorted(out, key=lambda p: p.id)


def _earliest(p: Profile) -> date | None:
    los = [lo for lo, _, _ in p.alternatives(p.years()) if lo]
    return min(los) if los else p.lo


def _local(value: str, base: str) -> str:
    return value[len(base) :] if value.startswith(base) else value


def _day(values: dict[str, str], published: date | None) -> Day | None:
    if not values:
        return None
    if "dow" in values:
        if published is None:
            return None
        name = values["dow"].rsplit("#", 1)[-1].lower()
        names = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
        if name not in names:
            return None
        d = published - timedelta(days=(published.weekday() - names.index(name)) % 7)
        return Day(d.year, d.month, d.day)
    if "relative" in values:
        return None

    def number(key: str) -> int | None:
        text = values.get(key, "").lstrip("-")
        return int(text) if text.isdigit() else None

    if number("year") is None and number("month") is None:
        return None
    part = values.get("part", "").rsplit("/", 1)[-1] or None
    return Day(number("year"), number("month"), number("day"), part)


def class_hierarchy(ontology: Path) -> dict[str, set[str]]:
    """Each kg class (local name) with every class above it, itself included."""
    direct: dict[str, set[str]] = {}
    for t in pyoxigraph.parse(path=str(ontology), format=pyoxigraph.RdfFormat.TURTLE):
        if (
            t.predicate.value == RDFS_SUBCLASS
            and t.subject.value.startswith(KG)
            and t.object.value.startswith(KG)
        ):
            direct.setdefault(t.subject.value[len(KG) :], set()).add(t.object.value[len(KG) :])
    out: dict[str, set[str]] = {}
    for cls in direct:
        seen, todo = {cls}, [cls]
        while todo:
            for parent in direct.get(todo.pop(), ()):
                if parent not in seen:
                    seen.add(parent)
                    todo.append(parent)
        out[cls] = seen
    out.setdefault("Event", {"Event"})
    return out


# -- scoring -----------------------------------------------------------------------------------


def time_relation(a: Profile, b: Profile, rules: Rules) -> tuple[str, str] | None:
    """("day" | "close" | "conflict", the dates) or None when the dates say nothing."""
    years = a.years() | b.years()
    best: tuple[str, str] | None = None
    conflicts = 0
    pairs = 0
    close = timedelta(days=rules.close_days)
    for alo, ahi, aday in a.alternatives(years):
        for blo, bhi, bday in b.alternatives(years):
            pairs += 1
            slack = SLACK if aday and bday else timedelta(0)  # a day either way, for days
            if (ahi and blo and ahi + slack < blo) or (bhi and alo and bhi + slack < alo):
                conflicts += 1
                continue
            if not (alo and ahi and blo and bhi):
                continue
            if aday and bday and alo == blo:
                return "day", alo.isoformat()
            if ahi - alo <= close and bhi - blo <= close and best is None:
                lo, hi = max(alo, blo), min(ahi, bhi)
                best = ("close", lo.isoformat() if lo >= hi else f"{lo} to {hi}")
    if pairs and conflicts == pairs:
        return "conflict", ""
    return best


@dataclass
class Match:
    target: str
    score: float  # at most 1, what the draft shows
    reasons: list[str]
    raw: float = 0.0  # uncapped: ranks candidates that both reach 1


def match(
    draft: Profile,
    other: Profile,
    index: EventIndex,
    rules: Rules,
    doc_links: set[str],
    operations: set[str],
    own_whole: str | None = None,
) -> Match | None:
    """The score of ``other`` as the event ``draft`` reports, or None when it cannot be
    (see ontology/linking.yaml). ``doc_links``: what the drafted report's other events link
    to, and the events those are part of; ``operations``: those that are a whole of parts;
    ``own_whole``: when the report says the event is part of one of its operations, the
    event that operation is linked to ("" when it is linked to none)."""
    kinds = [index.related(a, b) for a in sorted(draft.classes) for b in sorted(other.classes)]
    if "same" in kinds:
        score, reasons = (
            rules.w("class_same"),
            [f"class {sorted(draft.classes & other.classes)[0]}"],
        )
    elif "broader" in kinds:
        score, reasons = (
            rules.w("class_broader"),
            [f"class {sorted(draft.classes)[0]} ~ {sorted(other.classes)[0]}"],
        )
    else:
        return None
    when = time_relation(draft, other, rules)
    if when and when[0] == "conflict":
        return None
    if when:
        score += rules.w(when[0])
        reasons.append(f"date {when[1]}")
    elif not draft.dated:
        # no date of its own: when the report was published says how recent it was
        spans = other.alternatives(other.years())
        ends = max((hi for _, hi, _ in spans if hi), default=other.hi)
        starts = min((lo for lo, _, _ in spans if lo), default=other.lo)
        reported = draft.published
        if reported is None and draft.hi_day is not None and ends is not None:
            bound = draft.hi_day.bounds(ends.year)
            reported = bound[1] if bound else None
        if reported and ends and (reported - ends).days > rules.stale_days:
            score += rules.w("stale")
            reasons.append(f"stale: ended {ends}, reported {reported}")
        elif reported and starts and ends and starts <= reported <= ends + FRESH:
            score += rules.w("fresh")  # reported while it went on, or right after
            reasons.append(f"reported {reported}, while it went on")
    where = index.net.relation(draft.places, other.places)
    if where and where[0] == "conflict":
        return None
    if where and where[0] == "same":
        same = sorted(draft.places & other.places)
        weight = (rules.w("place_same") + rules.w("place_more") * (len(same) - 1)) * index.jointly(
            same, "places"
        )
        score += min(weight, rules.w("place_max"))
        reasons.append("place " + ", ".join(same))
    elif where and where[0] == "linked":
        score += (
            rules.w("place_linked")
            * min(index.specific(p) for p in other.places & index.net.zone_of(draft.places))
            if other.places & index.net.zone_of(draft.places)
            else rules.w("place_linked")
        )
        reasons.append(f"place {where[1]}")
    elif where and where[0] == "country":
        score += rules.w("place_country")
        reasons.append(f"country {where[1]}")
    elif where:
        score += rules.w("place_apart")  # both name places, and no link between them is known
        reasons.append("places apart")
    shared = sorted(draft.agents & other.agents)
    if shared:
        weight = rules.w("agent") * len(shared) * index.jointly(shared, "agents")
        score += min(weight, rules.w("agent_max"))
        reasons.append("agent " + ", ".join(shared))
    frame = draft.frame
    if frame is not None and not (when or where or shared):
        # what the event's paragraph says of when, where and who: weaker than its own words
        fwhen = time_relation(frame, other, rules) if frame.dated else None
        fwhere = index.net.relation(frame.places, other.places)
        if (
            (fwhen and fwhen[0] in ("day", "close"))
            or (fwhere and fwhere[0] == "same")
            or (frame.agents & other.agents)
        ):
            score += rules.w("frame")
            reasons.append("its paragraph's dates, places or agents")
    context = sorted((other.context | {other.id}) & doc_links)
    if context:
        # the only part of its kind of an operation the report tells of: its arrests
        unique = any(index.only_of_its_kind(other, p) for p in other.parents & doc_links)
        parts = index.parts.get(other.id, set()) & doc_links  # it is the whole of these
        weights = sorted(
            (
                rules.w("context_whole") if c in parts else rules.w("context") * index.specific(c)
                for c in context
            ),
            reverse=True,
        )
        if unique:
            weights[0] = max(weights[0], rules.w("context_unique"))
        score += min(sum(weights), rules.w("context_max"))
        reasons.append(
            ("the only one of its kind in " if unique else "context ") + ", ".join(context)
        )
    elif other.parents and (
        (own_whole and own_whole not in other.parents)
        or (operations and not other.parents & operations)
    ):
        score += rules.w("context_other")
        reasons.append("part of another operation")
    counted = {f for f in draft.figures & other.figures if f[0] not in rules.unsupporting}
    measures = {m for m, _ in draft.figures} & {m for m, _ in other.figures} - rules.unsupporting
    items = {f for f in counted if f[1]}
    if measures:
        score += min(
            rules.w("figure_measure") * len(measures) + rules.w("figure_item") * len(items),
            rules.w("figure_max"),
        )
        reasons.append("figures " + ", ".join(sorted(measures)))
    return Match(other.id, round(min(score, 1.0), 2), reasons, round(score, 4))


# -- drafted events ----------------------------------------------------------------------------


def entity_keys(draft: Draft) -> dict[str, str]:
    """The key each entity of a draft is compared by: its id when the dataset knows it or
    every draft gives it the same (a country, an institution), else its kind and folded
    label (the ids of other new names differ from draft to draft)."""
    return {e.id: (f"~{e.kind}:{fold(e.label)}" if e.new else e.id) for e in draft.entities}


def draft_profile(draft: Draft, event: Event, own_id: str) -> Profile:
    published = date.fromisoformat(draft.published) if draft.published else None
    keys = entity_keys(draft)
    start = end = None
    for hit in event.dates:
        day = day_of(hit.value, draft.doc_id, published)
        if day is None:
            continue
        if hit.role in ("date", "startDate"):
            start = start or day
        if hit.role in ("date", "endDate"):
            end = day
    actual = (event.modality or "actual") == "actual"
    dated = (Dated(start, end),) if start or end else ()
    hi_day = None
    if published is None and draft.dateline_day and actual:
        hi_day = day_of(draft.dateline_day, draft.doc_id, None)
    if dated and start and not end and published and actual:
        dated = (Dated(start, None),)
    agents = [*event.participants, *([event.speaker] if event.speaker else [])]
    agents += [event.outlet] if event.outlet else []
    return Profile(
        id=own_id,
        classes=frozenset({event.cls}),
        modality=event.modality or "actual",
        docs=frozenset({draft.doc_id}),
        drafts=frozenset({draft.doc_id}),
        dated=dated,
        hi=published if actual else None,
        hi_day=hi_day,
        published=published,
        places=frozenset(keys.get(p, p) for p in event.places),
        agents=frozenset(keys.get(a, a) for a in agents),
        figures=frozenset((f.measure, f.item) for f in event.figures),
        label=event.label,
    )


def link_draft(draft: Draft, index: EventIndex, rules: Rules) -> None:
    """Give each event of ``draft`` the id of the event the dataset holds that it reports,
    when one scores at least the threshold and clearly leads (Event.link); list the others'
    candidates (Event.candidates). Events keep their own ids (Event.own_id) otherwise."""
    keys = entity_keys(draft)
    for entity in draft.entities:  # what CLDR says of the draft's new places
        if entity.kind == "place" and entity.type in ("Country", "Territory"):
            index.net.countries.add(keys[entity.id])
        if entity.country:
            index.net.add(keys[entity.id], "containedIn", entity.country)
            index.net.countries.add(entity.country)
    profiles = [draft_profile(draft, ev, ev.id) for ev in draft.events]
    paragraph = [
        draft.text.count("\n", 0, ev.sentences[0][0]) if ev.sentences else -1 for ev in draft.events
    ]
    for i, profile in enumerate(profiles):
        near = [
            p
            for j, p in enumerate(profiles)
            if j != i and paragraph[j] == paragraph[i] and draft.events[j].cls != "Statement"
        ]
        if near:
            profile.frame = Profile(
                id="",
                classes=frozenset(),
                dated=tuple(d for p in near for d in p.dated),
                hi=profile.hi,
                places=frozenset().union(*(p.places for p in near)),
                agents=frozenset().union(*(p.agents for p in near)),
            )
    linkable = [i for i, ev in enumerate(draft.events) if ev.cls != "Event"]
    # an event in a sentence of one of the report's operations is part of it
    whole_of: dict[int, int] = {}
    for i, ev in enumerate(draft.events):
        if ev.cls in ("PoliceOperation", "Statement"):
            continue
        for j, op in enumerate(draft.events):
            if op.cls == "PoliceOperation" and set(op.sentences) & set(ev.sentences):
                whole_of[i] = j
                break
    chosen: dict[int, Match] = {}
    scored: dict[int, list[Match]] = {}
    for _ in range(ROUNDS):
        scored = {}
        for i in linkable:
            # what the report's other events link to, and the events those are part of
            others = {m.target for j, m in chosen.items() if j != i}
            context = others | _parents(others, index)
            operations = {
                t for t in context if t in index.profiles and _is_whole(index.profiles[t], index)
            }
            own_whole = None
            if i in whole_of:  # "the operation … involved the deployment of helicopters"
                parent = chosen.get(whole_of[i])
                own_whole = parent.target if parent is not None else ""
            found = []
            for other in index.candidates(profiles[i]):
                m = match(profiles[i], other, index, rules, context, operations, own_whole)
                if m is not None and m.target not in others | {profiles[i].id}:
                    found.append(m)
            scored[i] = sorted(found, key=lambda m: (-m.raw, m.target))
        new = _assign(scored, rules)
        if new.keys() == chosen.keys() and all(new[k].target == chosen[k].target for k in new):
            chosen = new
            break
        chosen = new
    for i, event in enumerate(draft.events):
        event.own_id = event.id
        best = chosen.get(i)
        listed = [m for m in scored.get(i, []) if m.score >= rules.list_from]
        if best is not None:
            target = index.profiles.get(best.target)
            event.link = Link(best.target, best.score, best.reasons)
            event.link.sources = sorted(target.docs) if target else []
            event.link.figures = list(target.quotes) if target else []
            event.id = best.target
            listed = [m for m in listed if m.target != best.target]
        event.candidates = [Link(m.target, m.score, m.reasons) for m in listed[: rules.listed]]


def _parents(ids: set[str], index: EventIndex) -> set[str]:
    return {p for t in ids if t in index.profiles for p in index.profiles[t].parents}


def _is_whole(profile: Profile, index: EventIndex) -> bool:
    return any(profile.id in p.parents for p in index.profiles.values())


def _assign(scored: dict[int, list[Match]], rules: Rules) -> dict[int, Match]:
    """The best candidate of each event that reaches the threshold and leads the next by the
    margin, one event per candidate (the higher score wins, then the earlier event)."""
    proposals = []
    for i, found in scored.items():
        if not found or found[0].score < rules.threshold:
            continue
        if len(found) > 1 and found[0].raw - found[1].raw < rules.margin:
            continue  # two events fit about as well: leave it to the curator
        proposals.append((-found[0].raw, i, found[0]))
    taken: set[str] = set()
    out: dict[int, Match] = {}
    for _, i, m in sorted(proposals, key=lambda p: (p[0], p[1])):
        if m.target in taken:
            continue
        taken.add(m.target)
        out[i] = m
    return out


def batch_profiles(draft: Draft) -> list[Profile]:
    """The profiles of the events a draft adds (not those it links), for the next drafts of
    the same batch."""
    out = []
    for event in draft.events:
        if event.link is None and event.cls != "Event":
            profile = draft_profile(draft, event, event.id)
            out.append(replace(profile, published=None))
    return out
