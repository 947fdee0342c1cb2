"""Event candidates: trigger words per event class (lexicon ``events:``), one event per class
and modality in a document (a cluster of triggers), statements one per speaker; each gets the
dates, places, participants and figures of its sentences, and a modality from the cues
(``modality:``) before its trigger."""

from __future__ import annotations

from .lexicon import Form, Lexicon
from .model import DateHit, Entity, Event, Figure, Trigger
from .text import Sentence, Token, View, word_matches

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
MODALITY_REACH = 6  # tokens between a modality cue and its trigger


class EventFinder:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self.infl = lexicon.inflections
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

    def _match(self, toks: list[Token], i: int, form: Form) -> int:
        n = len(form.words)
        window = toks[i : i + n]
        if len(window) < n or any(t.sentence != toks[i].sentence for t in window):
            return 0
        for x, (t, w) in enumerate(zip(window, form.words, strict=True)):
            if not word_matches(t.text, w, form.prefix and x == n - 1, self.infl):
                return 0
        return n

    def trigger_hits(self, toks: list[Token], view: View) -> list[tuple[int, int, str]]:
        """(first token, end token, class) of each trigger, longest first, no overlap."""
        out, taken = [], set()
        for i, t in enumerate(toks):
            if i in taken or t.sentence < 0 or not t.text[:1].isalpha():
                continue
            for form, cls in self.triggers:
                n = self._match(toks, i, form)
                if n and not taken.intersection(range(i, i + n)):
                    taken.update(range(i, i + n))
                    out.append((i, i + n, cls))
                    break
        return sorted(out)

    def speech_hits(self, toks: list[Token]) -> list[int]:
        return [
            i
            for i, t in enumerate(toks)
            if t.sentence >= 0 and any(self._match(toks, i, f) for f in self.speech)
        ]

    def modality_of(self, toks: list[Token], i: int, cls: str) -> str | None:
        sentence = toks[i].sentence
        found = None
        for k in range(max(0, i - MODALITY_REACH), i):
            if toks[k].sentence != sentence:
                continue
            for form, modality in self.modality:
                if modality != "simulated" and self._match(toks, k, form):
                    found = modality
        if found:
            return found
        if cls not in NOT_SIMULATED:
            for k, t in enumerate(toks):
                if t.sentence == sentence and any(
                    self._match(toks, k, f) for f, m in self.modality if m == "simulated"
                ):
                    return "simulated"
        return None

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
        sentence_of = lambda start: next(  # noqa: E731
            (k for k, s in enumerate(spans) if s.start <= start < s.end), -1
        )
        candidates: list[Event] = []
        by_sentence: dict[int, list[Event]] = {}
        for i, end, cls in self.trigger_hits(toks, view):
            k = toks[i].sentence
            if k in headings or cls in ("Statement", "Speech"):
                continue
            s, e = view.span(toks[i].start, toks[end - 1].end)
            event = Event(
                cls,
                self.modality_of(toks, i, cls),
                [(spans[k].start, spans[k].end)],
                [Trigger(s, e, cls)],
            )
            candidates.append(event)
            by_sentence.setdefault(k, []).append(event)
        # figures go to an event of their measure's class in their sentence, else one is made
        for figure in figures:
            k = sentence_of(figure.start)
            wanted = MEASURE_CLASS.get(figure.measure)
            here = by_sentence.get(k, [])
            target = next((ev for ev in here if ev.cls == wanted), None)
            if target is None and wanted is None and here:
                target = min(here, key=lambda ev: abs(ev.triggers[0].start - figure.start))
            if target is None:
                span = spans[k]
                trigger_tok = next(
                    (x for x, t in enumerate(toks) if view.span(t.start, t.end)[0] >= figure.start),
                    0,
                )
                target = Event(
                    wanted or "Event",
                    self.modality_of(toks, trigger_tok, wanted or "Event"),
                    [(span.start, span.end)],
                    [Trigger(figure.start, figure.end, wanted or "Event")],
                )
                candidates.append(target)
                by_sentence.setdefault(k, []).append(target)
            target.figures.append(figure)
        # statements: one per speaker (a person or organisation next to a speech verb)
        statements: dict[str, Event] = {}
        for i in self.speech_hits(toks) + [
            i for i, _, c in self.trigger_hits(toks, view) if c in ("Statement", "Speech")
        ]:
            k = toks[i].sentence
            if k in headings:
                continue
            s, e = view.span(toks[i].start, toks[i].end)
            speaker = _nearest_agent(entities, spans[k], s)
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
        # dates go to the nearest event of their sentence, else of their paragraph
        for hit in dates:
            k = sentence_of(hit.start)
            here = [
                ev for ev in by_sentence.get(k, []) if ev.cls != "Statement" or hit.role == "date"
            ]
            if not here:
                line = spans[k].line if k >= 0 else -1
                here = [
                    ev
                    for j, evs in by_sentence.items()
                    if j >= 0 and spans[j].line == line
                    for ev in evs
                ]
            if here:
                target = min(
                    here, key=lambda ev: min(abs(t.start - hit.start) for t in ev.triggers)
                )
                target.dates.append(hit)
        merged = _merge(candidates)
        for event in merged:
            _participants(event, entities, outside or [])
        return merged


def _nearest_agent(entities: list[Entity], sentence: Sentence, at: int) -> Entity | None:
    best = None
    for entity in entities:
        if entity.kind not in ("person", "org"):
            continue
        for s, e in entity.mentions:  # noqa: B007
            if sentence.start <= s < sentence.end:
                distance = abs(s - at) - (1000 if entity.kind == "person" else 0)
                if best is None or distance < best[0]:
                    best = (distance, entity)
    return best[1] if best else None


def _date_keys(event: Event) -> set[str]:
    return {f"{d.role}:{d.key}" for d in event.dates}


def _merge(candidates: list[Event]) -> list[Event]:
    """One event per class and modality, unless their dates differ (statements: per speaker)."""
    out: list[Event] = []
    for event in candidates:
        if event.cls == "Statement":
            out.append(event)
            continue
        same = next(
            (
                o
                for o in out
                if o.cls == event.cls
                and o.modality == event.modality
                and (not o.dates or not event.dates or _date_keys(o) == _date_keys(event))
            ),
            None,
        )
        if same is None:
            out.append(event)
            continue
        for sentence in event.sentences:
            if sentence not in same.sentences:
                same.sentences.append(sentence)
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
