"""Same-event links: which drafted events are events the dataset already holds.

Each event is described by a profile (profiles.py): its classes, modality, the dates each
source gives it (with bounds derived from its sources' publication, the events it is part of
and the events that triggered it), its places, agents, context (the events it is part of,
triggered by, or the whole of) and the measures of its figures. :func:`match` scores a drafted
event's profile against a candidate's by the rules of ``ontology/linking.yaml``
(:class:`Rules`), and :func:`link_draft` gives each drafted event its best candidate above the
threshold, one event of the draft per candidate, in rounds so that an event linked in one round
is context for the next. The existing events come from the assembled dataset (index.py): what
the graph holds, drafts included, never the text of another draft.

One module of about 440 lines: the scoring rule (match) and the rounds that apply it share
the rules and the reasons they write; the index and the profiles are modules of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, timedelta
from pathlib import Path

import yaml

from kgbuild.errors import InputError

from .index import EventIndex
from .model import Draft, Event, Link
from .profiles import Dated, Profile, day_of
from .text import fold

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
