"""The drafting pipeline: language, names, dates, figures, events -> a Draft."""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from .compat import Project
from .dates import DateFinder
from .events import EventFinder
from .gazetteer import Matcher
from .gazetteer import load as load_gazetteer
from .language import SUPPORTED, detect
from .lexicon import available, load_words
from .lexicon import load as load_lexicon
from .model import ORG, PERSON, PLACE, Draft, Entity
from .names import NameFinder
from .numbers import FigureFinder, measure_words
from .text import View, fold, sentences, slug, tokens

PREFIX = {PERSON: "person", ORG: "org", PLACE: "place"}
_DATELINE = re.compile(r"^\W*(?:date|datum|dated)?\s*:?\s*((?:19|20)\d\d-[01]\d-[0-3]\d)\b", re.I)


class Drafter:
    """Everything that depends on the project and the language, built once and reused for
    several texts (the benchmark drafts many)."""

    def __init__(self, project: Project, language: str | None, exclude: str | None = None) -> None:
        import spacy

        self.project = project
        self.language = language
        self.lexicon = load_lexicon(project, language)
        exonyms = self.lexicon.data.get("exonyms") or {}
        self.gazetteer = load_gazetteer(project, exclude=exclude, exonyms=exonyms)
        self.nlp = spacy.blank(language if language in SUPPORTED else "xx")
        self.matcher = Matcher(self.nlp, self.gazetteer, self.lexicon.inflections)
        self.names = NameFinder(self.lexicon)
        self.dates = DateFinder(self.lexicon)
        self.figures = FigureFinder(self.lexicon)
        self.events = EventFinder(self.lexicon)

    def draft(self, doc_id: str, text: str, published: str | None, detected: bool) -> Draft:
        view = View.of(text)
        spans = sentences(text)
        messages: list[str] = []
        published_span = None
        m = _DATELINE.match(text)
        if m:
            if published is None:
                published = m.group(1)
            published_span = (m.start(), m.end())
        entities = self._entities(text, spans)
        dates = self.dates.find(view, published)
        if published_span:
            dates = [
                d for d in dates if not (d.start < published_span[1] and published_span[0] < d.end)
            ]
        toks = tokens(view, spans)
        headings = {k for k, s in enumerate(spans) if s.heading}
        date_view = []
        for d in dates:
            date_view.append(_to_view(view, d.start, d.end))
        if published_span:
            date_view.append(_to_view(view, *published_span))
        measures = measure_words(toks, self.lexicon)
        figures = self.figures.find(toks, view, date_view, headings, measures)
        events = self.events.find(toks, view, spans, entities, figures, dates)
        if self.lexicon.language is None:
            messages.append(
                "no lexicon for this language: only digits, ISO dates and the names the dataset "
                "knows were looked for"
            )
        headline = spans[0] if spans else None
        title = text[headline.start : headline.end] if headline else ""
        return Draft(
            doc_id=doc_id,
            text=text,
            language=self.language or "und",
            language_detected=detected,
            headline=title,
            published=published,
            published_span=published_span,
            entities=entities,
            figures=[f for ev in events for f in ev.figures],
            dates=[d for ev in events for d in ev.dates],
            events=events,
            messages=messages,
        )

    def _entities(self, text: str, spans: list[Any]) -> list[Entity]:
        doc = self.matcher.doc(text)
        starts = {s.start for s in spans}
        sentence_starts = {
            t.i for t in doc if t.idx in starts or (t.i > 0 and "\n" in doc[t.i - 1].text)
        }
        for t in doc:
            if t.i == 0 or (
                t.i > 0 and (doc[t.i - 1].text.strip() == "" and "\n" in doc[t.i - 1].text)
            ):
                sentence_starts.add(t.i)
            if (
                t.i > 0
                and doc[t.i - 1].text in ("“", '"', "„", "–", "-")
                and (t.i - 1) in sentence_starts
            ):
                sentence_starts.add(t.i)
        by_id: dict[str, Entity] = {}
        taken: set[int] = set()
        places: set[int] = set()
        for start, end, entity_id in self.matcher.find(doc):
            known = self.gazetteer.entities[entity_id]
            entity = by_id.get(entity_id)
            if entity is None:
                entity = by_id[entity_id] = Entity(
                    entity_id, known.kind, known.type, known.label, False
                )
            span = doc[start:end]
            entity.mentions.append((span.start_char, span.end_char))
            taken.update(range(start, end))
            if known.kind == PLACE:
                places.update(range(start, end))
        candidates = self.names.find(doc, sentence_starts, taken, places)
        # mid-sentence capitalised words, to accept a sentence-initial one that recurs
        new: dict[str, tuple[Entity, Counter[str]]] = {}
        used_ids = set(self.gazetteer.ids) | set(by_id)
        persons: dict[str, str] = {}  # surname -> key of a new person
        for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
            span = doc[c.start : c.end]
            surface = span.text
            key = fold(surface)
            if c.kind == PERSON and key in persons and key not in new:
                key = persons[key]  # a surname alone ("Balidemaj", "Vujović-Ristovska")
            if key not in new:
                if c.kind == PERSON and len(span) == 1:
                    continue  # a lone capitalised word next to "said": only a known surname
                entity_id = _free_id(f"{PREFIX[c.kind]}/{slug(surface)}", used_ids)
                used_ids.add(entity_id)
                new[key] = (Entity(entity_id, c.kind, c.type, surface, True), Counter())
                if c.kind == PERSON and len(span) > 1:
                    persons[fold(span[-1].text)] = key
                    persons[fold(span[1:].text)] = key
            entity, forms = new[key]
            entity.mentions.append((span.start_char, span.end_char))
            forms[surface] += 1
        # surnames of new people that stand alone elsewhere
        for t in doc:
            if t.i in taken:
                continue
            key = persons.get(fold(t.text))
            if key and t.text[:1].isupper():
                entity = new[key][0]
                if (t.idx, t.idx + len(t.text)) not in entity.mentions and not any(
                    s <= t.idx < e for s, e in entity.mentions
                ):
                    entity.mentions.append((t.idx, t.idx + len(t.text)))
        for entity, forms in new.values():
            if entity.kind == PERSON:  # the full name, not the surname the text repeats
                entity.label = sorted(forms, key=lambda form: (-len(form.split()), form))[0]
            else:
                entity.label = sorted(forms.items(), key=lambda kv: (-kv[1], len(kv[0]), kv[0]))[0][
                    0
                ]
            by_id[entity.id] = entity
        out = sorted(by_id.values(), key=lambda e: (e.new, e.mentions[0][0], e.id))
        for e in out:
            e.mentions.sort()
        return out


def _free_id(candidate: str, used: set[str]) -> str:
    if candidate not in used:
        return candidate
    n = 2
    while f"{candidate}-{n}" in used:
        n += 1
    return f"{candidate}-{n}"


def _to_view(view: View, start: int, end: int) -> tuple[int, int]:
    import bisect

    s = bisect.bisect_left(view.offsets, start)
    e = bisect.bisect_left(view.offsets, end)
    return s, e


def detect_language(project: Project, text: str) -> str | None:
    """The language of ``text`` among those with a lexicon, or None."""
    function_words = {}
    for language in available(project):
        lex = load_words(project, language)
        function_words[language] = lex
    return detect(text, function_words)
