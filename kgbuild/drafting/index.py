"""The events the dataset holds, as the same-event links compare them: read from the
assembled dataset's N-Quads (what the graph holds, drafts included), with the class hierarchy
of the ontology, the place network of graph:places, and how many events share each place,
agent and related event."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import date, timedelta
from pathlib import Path

import pyoxigraph

from kgbuild.namespaces import KG, VOCAB
from kgbuild.sources.timespec import WEEKDAYS

from .profiles import Dated, Day, PlaceNet, Profile, Quote

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
RDFS_SUBCLASS = "http://www.w3.org/2000/01/rdf-schema#subClassOf"
TIME = "http://www.w3.org/2006/time#"
SCHEMA_PUBLISHED = "http://schema.org/datePublished"
AGENT_KEYS = ("participant", "organizer", "target", "speaker", "outlet", "attributedTo")
PLACE_KEYS = ("place", "nearPlace")
CONTEXT_KEYS = ("partOf", "triggeredBy")
DATE_KEYS = ("date", "startDate", "endDate")
ROUNDS = 3  # passes that carry bounds along chains of partOf and triggeredBy


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
        names = WEEKDAYS
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
