"""Event candidates: trigger words per event class (lexicon ``events:``), one event per class
and modality in a document (a cluster of triggers) unless their dates or places differ,
statements one per speaker; each gets the dates, places, participants and figures of its
sentences, and a modality from the cues (``modality:``) around its trigger in its clause.

What is no event: a trigger inside a name, a fixed phrase (``not_triggers``), an agent noun
("smugglers"), the object of a fight ("crackdown on smuggling", ``objects_of``), a sentence that
tells of what happens often (``habitual``), and the weaker of two classes one happening gives a
sentence (``suppresses``: "agreed to work together" is an agreement).

One module of about 540 lines: finding a trigger, its modality, its participants, places,
dates and figures, and merging or splitting events are steps over the same clause structure;
split, each would recompute the clauses."""

from __future__ import annotations

import bisect

from .lexicon import Form, Lexicon
from .model import DateHit, Entity, Event, Figure, Trigger
from .text import FirstLetters, Sentence, Token, View, fold, word_matches

# The event class a figure's measure belongs to, when its sentence has no trigger of its own.
MEASURE_CLASS = {
    "killed": "ArmedClash",
    "injured": "ArmedClash",
    "detained": "Detention",
    "arrested": "Arrest",
    "prosecuted": "Prosecution",
    "searched": "Search",
    "seized": "Seizure",
    "victims-identified": "Identification",
    "people-deployed": "Deployment",
    "border-crossing-detections": "MigrationFlow",
    "people-entered": "MigrationFlow",
    "increase-percent": "MigrationFlow",
    "share-percent": "MigrationFlow",
    "activities": "TrainingProgramme",
    "participants": "TrainingProgramme",
}
NOT_SIMULATED = {
    "JointExercise",
    "ExercisePhase",
    "ExerciseDesignMeeting",
    "Debriefing",
    "Meeting",
    "TrainingProgramme",
    "Statement",
    "Speech",
}
LINE_REACH = 5  # sentences of a paragraph around a date in which to look for its event
MODALITY_REACH = 10  # tokens between a modality cue and its trigger, within its clause


class EventFinder:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.infl = lexicon.inflections
        self.agents = tuple(fold(w) for w in lexicon.words("agent_suffixes"))
        self.triggers = sorted(
            (
                (f, cls)
                for cls, forms in lexicon.grouped("events").items()
                for f in forms
                if f.words
            ),
            key=lambda fc: (-len(fc[0].words), fc[1]),
        )
        self.modality = sorted(
            ((f, m) for m, forms in lexicon.grouped("modality").items() for f in forms if f.words),
            key=lambda fm: (-len(fm[0].words), fm[1]),
        )
        self.speech = [Form.of(w) for w in lexicon.words("speech_verbs")]
        self.addressee = [Form.of(w) for w in lexicon.words("addressee_verbs")]
        forms = lambda key: [Form.of(w) for w in lexicon.words(key)]  # noqa: E731
        self.objects_of = forms("objects_of")
        self.habitual = forms("habitual")
        self.conditional = forms("conditional")
        self.would = forms("would")
        self.not_triggers = forms("not_triggers")
        self.suppresses = {
            str(k): {str(c) for c in v or []}
            for k, v in (lexicon.data.get("suppresses") or {}).items()
        }
        self.clause_marks = {",", ";", ":", "–", "—"}
        # how much farther a trigger after a date may be than one before it, for the date to
        # be its: English puts the verb first ("detained … since 27 October"), German last
        self.right = float(lexicon.data.get("date_after_verb_weight", 2.5))
        self.complementizers = {fold(w) for w in lexicon.words("complementizers")}
        self.simulated = [f for f, m in self.modality if m == "simulated"]
        self._triggers_at = FirstLetters(self.triggers, lambda pair: pair[0])
        self._not_triggers_at = FirstLetters(self.not_triggers, lambda form: form)
        self._speech_at = FirstLetters(self.speech, lambda form: form)
        # whether a sentence holds one of a list of forms, asked once per sentence and list
        # (not once per trigger: a text of one long sentence made that quadratic)
        self._seen: dict[tuple[int, int, int], bool] = {}
        self._seen_in: list[Token] | None = None
        self.pronouns = {fold(w) for w in lexicon.words("speaker_pronouns")}

    def _match(self, toks: list[Token], i: int, form: Form) -> int:
        n = len(form.words)
        window = toks[i : i + n]
        if len(window) < n or any(t.sentence != toks[i].sentence for t in window):
            return 0
        for x, (t, w) in enumerate(zip(window, form.words, strict=True)):
            if not word_matches(t.text, w, form.prefix and x == n - 1, self.infl, self.agents):
                return 0
        return n

    def _any(self, toks: list[Token], lo: int, hi: int, forms: list[Form]) -> bool:
        return any(self._match(toks, k, f) for k in range(max(lo, 0), hi) for f in forms)

    def _in_sentence(self, toks: list[Token], bounds: tuple[int, int], forms: list[Form]) -> bool:
        """``_any`` over a whole sentence, remembered for the text ``toks``."""
        if self._seen_in is not toks:
            self._seen, self._seen_in = {}, toks
        key = (bounds[0], bounds[1], id(forms))
        if key not in self._seen:
            self._seen[key] = self._any(toks, bounds[0], bounds[1], forms)
        return self._seen[key]

    def trigger_hits(
        self, toks: list[Token], view: View, names: list[tuple[int, int]] | None = None
    ) -> list[tuple[int, int, str]]:
        """(first token, end token, class) of each trigger, longest first, no overlap, none
        inside a name (``names``: original offsets) or a fixed phrase."""
        out, taken = [], set()
        for i, t in enumerate(toks):
            if i in taken or t.sentence < 0 or not t.text[:1].isalpha():
                continue
            fixed = next(
                (n for f in self._not_triggers_at.at(t.text) if (n := self._match(toks, i, f))),
                0,
            )
            if fixed:
                taken.update(range(i, i + fixed))
                continue
            for form, cls in self._triggers_at.at(t.text):
                n = self._match(toks, i, form)
                if n and not taken.intersection(range(i, i + n)):
                    taken.update(range(i, i + n))
                    s, _ = view.span(toks[i].start, toks[i + n - 1].end)
                    if names and any(a <= s < b for a, b in names):
                        break  # "Kelebija border crossing", "the Prosecution": a name
                    out.append((i, i + n, cls))
                    break
        # two triggers in a row are one noun phrase: its head names it ("an investigative
        # operation" is an operation)
        out.sort()
        return [
            hit
            for x, hit in enumerate(out)
            if not (x + 1 < len(out) and out[x + 1][0] == hit[1] and out[x + 1][2] != hit[2])
        ]

    def speech_hits(self, toks: list[Token]) -> list[int]:
        return [
            i
            for i, t in enumerate(toks)
            if t.sentence >= 0 and any(self._match(toks, i, f) for f in self._speech_at.at(t.text))
        ]

    def _clause(
        self, toks: list[Token], i: int, bounds: tuple[int, int], back: int, ahead: int
    ) -> tuple[int, int]:
        """The token range of the clause around token ``i`` within its sentence ``bounds``,
        looked for at most ``back`` tokens before ``i`` and up to token ``ahead``."""
        lo, hi = i, i
        first, last = max(bounds[0], i - back), min(bounds[1], ahead)
        while lo > first and toks[lo - 1].text not in self.clause_marks:
            lo -= 1
        while hi < last and toks[hi].text not in self.clause_marks:
            hi += 1
        return lo, hi

    def modality_of(
        self, toks: list[Token], i: int, cls: str, bounds: tuple[int, int], end: int | None = None
    ) -> str | None:
        """The modality the cues of the trigger's clause give it: the nearest cue before the
        trigger, else one right after it; "would" is what a source said would happen
        (planned), or a threat when the sentence is a condition ("if …")."""
        after_trigger = end if end is not None else i + 1  # "action plan": no cue of itself
        lo, hi = self._clause(toks, i, bounds, MODALITY_REACH, after_trigger + 2)
        before = None
        for k in range(max(lo, i - MODALITY_REACH), i):
            before = self._cue(toks, k, bounds) or before
        if before:
            return before
        for k in range(after_trigger, min(hi, after_trigger + 2)):
            after = self._cue(toks, k, bounds)
            if after:
                return after
        if cls not in NOT_SIMULATED and self._in_sentence(toks, bounds, self.simulated):
            return "simulated"
        return None

    def _cue(self, toks: list[Token], k: int, bounds: tuple[int, int]) -> str | None:
        for form, modality in self.modality:
            if modality != "simulated" and self._match(toks, k, form):
                if any(self._match(toks, k, w) for w in self.would) and self._in_sentence(
                    toks, bounds, self.conditional
                ):
                    return "threatened"
                return modality
        return None

    def _no_event(self, toks: list[Token], i: int, bounds: tuple[int, int]) -> bool:
        """A trigger that tells of no specific event: the object of a fight ("crackdown on
        people smuggling"), or in a sentence about what happens often."""
        if self._any(toks, max(bounds[0], i - 3), i, self.objects_of):
            return True
        return self._in_sentence(toks, bounds, self.habitual)

    def find(
        self,
        toks: list[Token],
        view: View,
        spans: list[Sentence],
        entities: list[Entity],
        figures: list[Figure],
        dates: list[DateHit],
        outside: list[tuple[int, int]] | None = None,
    ) -> list[Event]:
        """The events of the text; names inside ``outside`` (the dateline) take part in none."""
        headings = {k for k, s in enumerate(spans) if s.heading}
        starts = [s.start for s in spans]
        sentence_of = lambda start: (  # noqa: E731
            bisect.bisect_right(starts, start) - 1
            if spans
            and start >= spans[0].start
            and start < spans[bisect.bisect_right(starts, start) - 1].end
            else -1
        )
        bounds: dict[int, tuple[int, int]] = {}
        for x, t in enumerate(toks):
            if t.sentence >= 0:
                lo, _ = bounds.get(t.sentence, (x, x))
                bounds[t.sentence] = (lo, x + 1)
        intro = _introductions(spans, view.original)
        token_starts = [view.span(t.start, t.end)[0] for t in toks]  # original offsets
        names = [m for e in entities for m in e.mentions]
        candidates: list[Event] = []
        by_sentence: dict[int, list[Event]] = {}
        hits = self.trigger_hits(toks, view, names)
        for i, end, cls in hits:
            k = toks[i].sentence
            if k in headings or cls in ("Statement", "Speech"):
                continue
            if self._no_event(toks, i, bounds[k]):
                continue
            s, e = view.span(toks[i].start, toks[end - 1].end)
            event = Event(
                cls,
                self.modality_of(toks, i, cls, bounds[k], end),
                [(spans[k].start, spans[k].end)],
                [Trigger(s, e, cls)],
            )
            candidates.append(event)
            by_sentence.setdefault(k, []).append(event)
        # one happening, two classes in a sentence: "agreed to work together" is an agreement
        for k, evs in by_sentence.items():
            classes = {ev.cls for ev in evs}
            weaker = set().union(*(self.suppresses.get(c, set()) for c in classes))
            kept = [ev for ev in evs if ev.cls not in weaker]
            if len(kept) < len(evs):
                candidates = [ev for ev in candidates if ev in kept or ev not in evs]
                by_sentence[k] = kept
        # figures go to an event of their measure's class in their sentence (a list's items:
        # in the line that introduces the list; a headline's: where the body states it), else
        # one is made
        placed: dict[int, Event] = {}
        for figure in sorted(figures, key=lambda f: f.agrees is not None):
            if figure.agrees is not None and id(figure.agrees) in placed:
                placed[id(figure.agrees)].figures.append(figure)
                continue
            k = sentence_of(figure.start)
            wanted = MEASURE_CLASS.get(figure.measure)
            here = by_sentence.get(k, []) or by_sentence.get(intro.get(k, -2), [])
            target = next((ev for ev in here if ev.cls == wanted), None)
            if target is None and wanted is None and here:
                target = min(here, key=lambda ev: abs(ev.triggers[0].start - figure.start))
            if target is None:
                span = spans[k]
                trigger_tok = bisect.bisect_left(token_starts, figure.start)
                trigger_tok = trigger_tok if trigger_tok < len(toks) else 0
                target = Event(
                    wanted or "Event",
                    self.modality_of(
                        toks, trigger_tok, wanted or "Event", bounds.get(k, (0, len(toks)))
                    ),
                    [(span.start, span.end)],
                    [Trigger(figure.start, figure.end, wanted or "Event")],
                )
                candidates.append(target)
                by_sentence.setdefault(k, []).append(target)
            target.figures.append(figure)
            placed[id(figure)] = target
        # statements: one per speaker (a person or organisation next to a speech verb)
        statements: dict[str, Event] = {}
        for i in self.speech_hits(toks) + [i for i, _, c in hits if c in ("Statement", "Speech")]:
            k = toks[i].sentence
            if k in headings:
                continue
            s, e = view.span(toks[i].start, toks[i].end)
            addressed = any(self._match(toks, i, f) for f in self.addressee)
            # "… said that …": nothing after the verb speaks; "He said": the person named last
            clause = any(
                toks[x].text in self.complementizers for x in range(i + 1, min(i + 3, len(toks)))
            )
            pronoun = any(toks[x].text in self.pronouns for x in range(max(0, i - 2), i))
            speaker = _speaker(entities, spans[k], s, e, addressed or clause)
            if pronoun and (speaker is None or speaker.kind != "person"):
                speaker = _last_person(entities, s) or speaker
            if speaker is None:
                continue
            event = statements.get(speaker.id)
            if event is None:
                event = statements[speaker.id] = Event("Statement", None)
                event.speaker = speaker.id
                candidates.append(event)
            if (spans[k].start, spans[k].end) not in event.sentences:
                event.sentences.append((spans[k].start, spans[k].end))
            event.triggers.append(Trigger(s, e, "Statement"))
            by_sentence.setdefault(k, []).append(event)
        # dates go to the event they modify in their sentence (a range to the operation; the
        # nearest trigger, the one on the left first), else to the events of the list they
        # introduce, else of their paragraph
        listed: dict[int, list[int]] = {}
        for item, head in intro.items():
            listed.setdefault(head, []).append(item)
        # "the 27 October incident": a date between an article and its noun is that noun's
        articles = tuple(f"{fold(a)} " for a in self.lexicon.words("attributive_articles"))
        for hit in dates:
            k = sentence_of(hit.start)
            if articles and fold(view.original[max(0, hit.start - 6) : hit.start]).endswith(
                articles
            ):
                # "the 27 October incident": the date of the noun after it, if an event's
                nxt = view.original[hit.end : hit.end + 30]
                word = nxt.split()[0] if nxt[:1] == " " and nxt.split() else ""
                if word.isalpha() and word.islower():
                    owner = next(
                        (
                            ev
                            for ev in by_sentence.get(k, [])
                            for t in ev.triggers
                            if hit.end < t.start <= hit.end + 2
                        ),
                        None,
                    )
                    if owner is not None:
                        owner.dates.append(hit)
                    continue
            here = [
                ev for ev in by_sentence.get(k, []) if ev.cls != "Statement" or hit.role == "date"
            ]
            operations = [ev for ev in here if ev.cls == "PoliceOperation"]
            if hit.role in ("startDate", "endDate") and operations:
                here = operations
            if not here and k in listed:
                for item in listed[k]:
                    for ev in by_sentence.get(item, []):
                        if ev.cls != "Statement" and hit not in ev.dates:
                            ev.dates.append(hit)
                continue
            if not here:  # an event of a nearby sentence of its paragraph
                line = spans[k].line if k >= 0 else -1
                here = [
                    ev
                    for j in range(k - LINE_REACH, k + LINE_REACH + 1)
                    if j >= 0 and j < len(spans) and spans[j].line == line
                    for ev in by_sentence.get(j, [])
                ]
            if here:
                target = min(
                    here,
                    key=lambda ev: min(
                        (t.start - hit.start) * self.right
                        if t.start > hit.start
                        else hit.start - t.end
                        for t in ev.triggers
                    ),
                )
                target.dates.append(hit)
        merged = _merge(candidates, entities, outside or [])
        for event in merged:
            _participants(event, entities, outside or [])
            _restated(event)
        return merged


def _introductions(spans: list[Sentence], text: str) -> dict[int, int]:
    """The items of a list (lines opening with a dash or bullet) and the sentence that
    introduces them, the line before that ends with a colon: item sentence -> introduction."""
    out: dict[int, int] = {}
    head = None
    for k, span in enumerate(spans):
        words = text[span.start : span.end]
        if words.lstrip()[:1] in ("-", "–", "•", "*", "·") and head is not None:
            out[k] = head
            continue
        head = k if words.rstrip().endswith(":") else None
    return out


def _speaker(
    entities: list[Entity], sentence: Sentence, start: int, end: int, addressed: bool
) -> Entity | None:
    """Who speaks by the speech verb at ``start``-``end``: the subject on its left, a person
    before an organisation; "said the Interior Ministry" names it right after the verb. After
    a verb of telling ("told", "warned") the name on the right is the one spoken to."""
    best = None
    for entity in entities:
        if entity.kind not in ("person", "org"):
            continue
        for s, e in entity.mentions:
            if not sentence.start <= s < sentence.end:
                continue
            if e <= start:
                distance = start - e
            elif s >= end and not addressed:
                distance = (s - end) * 2 + 1 if s - end <= 30 else s - end + 200
            else:
                continue
            distance -= 1000 if entity.kind == "person" else 0
            if best is None or distance < best[0]:
                best = (distance, entity)
    return best[1] if best else None


def _last_person(entities: list[Entity], before: int) -> Entity | None:
    """The person the text named last before offset ``before`` ("… Gasic. He said")."""
    best = None
    for entity in entities:
        if entity.kind == "person":
            for s, _ in entity.mentions:
                if s < before and (best is None or s > best[0]):
                    best = (s, entity)
    return best[1] if best else None


def _date_keys(event: Event) -> set[str]:
    return {f"{d.role}:{d.key}" for d in event.dates}


def _merge(
    candidates: list[Event], entities: list[Entity], outside: list[tuple[int, int]]
) -> list[Event]:
    """One event per class and modality, unless their dates differ, they count the same
    thing with other numbers, or each counts its own figures in places the dataset knows and
    none in common ("5 arrested in Subotica … 3 in Sombor"); statements: one per speaker. The
    dateline's place is no event's."""
    places_of: dict[int, set[str]] = {}
    for event in candidates:
        places_of[id(event)] = {  # places the dataset knows: a new name may be either
            e.id
            for e in entities
            if e.kind == "place"
            and not e.new
            and any(
                s <= m < t and not any(a <= m < b for a, b in outside)
                for m, _ in e.mentions
                for s, t in event.sentences
            )
        }
    out: list[Event] = []
    for event in candidates:
        if event.cls == "Statement":
            out.append(event)
            continue
        mine = places_of[id(event)]
        same = next(
            (
                o
                for o in out
                if o.cls == event.cls
                and o.modality == event.modality
                and (not o.dates or not event.dates or _date_keys(o) == _date_keys(event))
                and (
                    not (mine and places_of[id(o)] and o.figures and event.figures)
                    or mine & places_of[id(o)]
                )
                and not _counts_apart(o, event)
            ),
            None,
        )
        if same is None:
            out.append(event)
            continue
        for sentence in event.sentences:
            if sentence not in same.sentences:
                same.sentences.append(sentence)
        places_of[id(same)] |= mine
        same.triggers.extend(event.triggers)
        same.figures.extend(event.figures)
        if not same.dates:
            same.dates = event.dates
    for event in out:
        event.sentences.sort()
        seen, dates = set(), []
        for d in event.dates:
            if (d.role, d.key) not in seen and not any(x.role == d.role for x in dates):
                seen.add((d.role, d.key))
                dates.append(d)
        if any(d.role == "date" for d in dates) and any(d.role != "date" for d in dates):
            dates = [d for d in dates if d.role != "date"]
        event.dates = dates
    return out


def _counts_apart(a: Event, b: Event) -> bool:
    """Two events that count the same thing with other numbers ("4,700 migrants rounded up"
    and "125 other people detained") tell of two happenings, not one."""
    counts = {(f.measure, f.item): f.number for f in a.figures if f.number is not None}
    return any(
        (f.measure, f.item) in counts and counts[(f.measure, f.item)] != f.number
        for f in b.figures
        if f.number is not None and f.agrees is None
    )


def _restated(event: Event) -> None:
    """The same figure stated twice for one event ("three were killed … three died", or in
    the headline and the body) is one quantity with two mentions."""
    kept: list[Figure] = []
    for figure in event.figures:
        twin = next(
            (
                f
                for f in kept
                if (f.measure, f.item, f.number, f.qualifier, f.unit)
                == (figure.measure, figure.item, figure.number, figure.qualifier, figure.unit)
                and f.number is not None
            ),
            None,
        )
        if twin is not None:
            twin.also.append((figure.start, figure.end))
        else:
            kept.append(figure)
    event.figures = kept


def _participants(event: Event, entities: list[Entity], outside: list[tuple[int, int]]) -> None:
    for entity in entities:
        inside = any(
            s <= m < e and not any(a <= m < b for a, b in outside)
            for m, _ in entity.mentions
            for s, e in event.sentences
        )
        if not inside or entity.id == event.speaker:
            continue
        if entity.kind == "place":
            if entity.id not in event.places and len(event.places) < 4:
                event.places.append(entity.id)
        elif event.cls == "Statement":
            if entity.type == "NewsOutlet" and event.outlet is None:
                event.outlet = entity.id
        elif entity.agent and entity.id not in event.participants and len(event.participants) < 4:
            event.participants.append(entity.id)
