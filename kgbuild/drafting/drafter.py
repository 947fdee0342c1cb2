"""The drafting pipeline: language, names, dates, figures, events -> a Draft."""

from __future__ import annotations

from collections import Counter
from typing import Any

from kgbuild.project import Project

from .dateline import find as find_dateline
from .dates import DateFinder
from .events import EventFinder
from .gazetteer import Matcher, Records
from .gazetteer import load as load_gazetteer
from .institutions import InstitutionFinder
from .language import SUPPORTED, detect
from .lexicon import available, load_words
from .lexicon import load as load_lexicon
from .model import ORG, PERSON, PLACE, Draft, Entity
from .names import NameFinder
from .numbers import FigureFinder, measure_words
from .phrases import PhraseFinder
from .text import View, fold, sentences, slug, tokens
from .world import world_names

PREFIX = {PERSON: "person", ORG: "org", PLACE: "place"}


class Drafter:
    """Everything that depends on the project and the language, built once and reused for
    several texts (the benchmark drafts many)."""

    def __init__(
        self,
        project: Project,
        language: str | None,
        exclude: set[str] | None = None,
        records: Records | None = None,
    ) -> None:
        import spacy

        self.project = project
        self.language = language
        self.lexicon = load_lexicon(project, language)
        exonyms = self.lexicon.data.get("exonyms") or {}
        self.gazetteer = load_gazetteer(
            project,
            exclude=exclude,
            exonyms=exonyms,
            world=world_names(project.ontology_dir, language),
            records=records,
        )
        self.nlp = spacy.blank(language if language in SUPPORTED else "xx")
        self.matcher = Matcher(self.nlp, self.gazetteer, self.lexicon.inflections)
        first_names = {
            fold(known.label.split()[0])
            for known in self.gazetteer.entities.values()
            if known.kind == PERSON and len(known.label.split()) > 1
        }
        self.names = NameFinder(self.lexicon, first_names)
        english = load_lexicon(project, "en")
        self.institutions = InstitutionFinder(self.lexicon, english, self.gazetteer)
        self.phrases = PhraseFinder(self.nlp, self.lexicon, english, self.gazetteer)
        self.dates = DateFinder(self.lexicon)
        self.figures = FigureFinder(self.lexicon)
        self.events = EventFinder(self.lexicon)

    def draft(self, doc_id: str, text: str, published: str | None, detected: bool) -> Draft:
        view = View.of(text)
        spans = sentences(text, self.lexicon.abbreviations)
        messages: list[str] = []
        dates = self.dates.find(view, published)
        line = find_dateline(text, dates)
        if line is not None and line.published and published is None:
            published = line.published
            dates = self.dates.find(view, published)
        published_span = (line.start, line.end) if line is not None else None
        fixed: list[tuple[tuple[int, int], str, str]] = []
        if line is not None:  # the dateline's date, place and agency are the source's
            dates = [d for d in dates if not (d.start < line.end and line.start < d.end)]
            if line.city[1] > line.city[0]:
                fixed.append((line.city, PLACE, "Town"))
            if line.agency:
                fixed.append((line.agency, ORG, "NewsOutlet"))
        entities = self._entities(text, spans, fixed)
        source_place = source_agency = None
        for entity in entities:
            for start, end in entity.mentions:
                if line is not None and (start, end) == line.city:
                    source_place = entity.id
                if line is not None and line.agency and (start, end) == line.agency:
                    source_agency = entity.id
        toks = tokens(view, spans)
        headings = {k for k, s in enumerate(spans) if s.heading}
        date_view = []
        for d in dates:
            date_view.append(_to_view(view, d.start, d.end))
        if published_span:
            date_view.append(_to_view(view, *published_span))
        names = [_to_view(view, s, e) for entity in entities for s, e in entity.mentions]
        measures = measure_words(toks, self.lexicon, names)
        figures = self.figures.find(toks, view, date_view, headings, measures)
        events = self.events.find(
            toks, view, spans, entities, figures, dates, [published_span] if published_span else []
        )
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
            source_place=source_place,
            primary_source=source_agency,
            dateline_day=line.day if line is not None and not published else None,
            dateline_date=(line.published or line.day) if line is not None else None,
            entities=entities,
            figures=[f for ev in events for f in ev.figures],
            dates=[d for ev in events for d in ev.dates],
            events=events,
            messages=messages,
        )

    def _tail_of_a_name(self, doc: Any, start: int, matched: set[int]) -> bool:
        """Whether the known name at token ``start`` ends a longer name the dataset does not
        know: right after a capitalised word that is no function word, title or demonym."""
        if start == 0 or (start - 1) in matched or not doc[start - 1].whitespace_:
            return False
        word = doc[start - 1].text
        folded = fold(word)
        return (
            word[:1].isupper()
            and word.isalpha()
            and folded not in self.names.non_names
            and folded not in self.names.function_words
            and folded not in self.names.demonyms
            and not self.names._title(folded)
            and folded not in self.names.calendar
        )

    def _entities(
        self,
        text: str,
        spans: list[Any],
        fixed: list[tuple[tuple[int, int], str, str]] | None = None,
    ) -> list[Entity]:
        """The known and new names of ``text``; ``fixed``: spans that are names of a given kind
        and type whatever their words (a dateline's city and agency)."""
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
        # new names by their folded form: the fixed spans' first, so that "BELGRADE," in a
        # dateline and "Belgrade" later in the text are one place
        new: dict[str, tuple[Entity, Counter[str]]] = {}
        taken: set[int] = set()
        places: set[int] = set()
        place_spans: dict[int, tuple[int, str]] = {}
        found = self.matcher.find(doc)
        matched = {t for start, end, _ in found for t in range(start, end)}
        for start, end, entity_id in found:
            known = self.gazetteer.entities[entity_id]
            if known.kind == ORG and self._tail_of_a_name(doc, start, matched):
                continue  # "Alpha RTV" is not the RTV the dataset knows
            entity = by_id.get(entity_id)
            if entity is None:
                # a name only the world's list knows is new to the dataset
                entity = by_id[entity_id] = Entity(
                    entity_id, known.kind, known.type, known.label, known.world
                )
                entity.country = known.country
                entity.stable = known.world
            span = doc[start:end]
            entity.mentions.append((span.start_char, span.end_char))
            taken.update(range(start, end))
            if known.kind == PLACE:
                places.update(range(start, end))
                place_spans[start] = (end, entity_id)
        # a country's institutions named by a common noun: "serbisk polis", "the police"
        renamed: dict[str, str] = {}  # ids of institutions named by their words, made free
        for hit in self.institutions.find(doc, place_spans):
            if any(t in taken and t not in places for t in range(hit.start, hit.end)):
                continue
            span = doc[hit.start : hit.end]
            entity_id = hit.id
            if hit.new_label:  # "gränspolisen": an id of its words, unless another has it
                if entity_id not in renamed:
                    renamed[entity_id] = _free_id(entity_id, set(self.gazetteer.ids) | set(by_id))
                entity_id = renamed[entity_id]
            entity = by_id.get(entity_id)
            if entity is None:
                known = self.gazetteer.entities.get(entity_id)
                label = known.label if known is not None and hit.known else hit.label or span.text
                entity = by_id[entity_id] = Entity(entity_id, ORG, hit.type, label, not hit.known)
                entity.stable = not hit.new_label
            entity.mentions.append((span.start_char, span.end_char))
            taken.update(range(hit.start, hit.end))
            if hit.adjective:  # not the country itself
                start, end = (
                    doc[hit.adjective[0]].idx,
                    doc[hit.adjective[1] - 1].idx + len(doc[hit.adjective[1] - 1].text),
                )
                for other in by_id.values():
                    if (start, end) in other.mentions and other.kind == PLACE:
                        other.mentions.remove((start, end))
        # places named by a phrase around a country: "the border with Bulgaria", "norra Serbien"
        phrases = [
            p
            for p in self.phrases.find(doc, place_spans)
            if not any(t in taken and t not in places for t in range(p.start, p.end))
        ]
        # "the border with Hungary" is the Serbia–Hungary border the text names elsewhere,
        # and "the Greek border" the "border with Greece"
        borders = [p for p in phrases if p.type == "Border" and len(p.countries) == 2]
        one_country: dict[frozenset[str], str] = {}
        for phrase in sorted(phrases, key=lambda p: (-len(p.countries), p.start)):
            span = doc[phrase.start : phrase.end]
            entity_id = phrase.id
            whole = next(
                (b for b in borders if phrase.countries and phrase.countries < b.countries), None
            )
            if phrase.type == "Border" and whole is not None:
                entity_id = whole.id
            elif phrase.type == "Border" and len(phrase.countries) == 1:
                named = {pid for _, pid in place_spans.values()}
                entity_id = one_country.setdefault(
                    phrase.countries,
                    self.phrases.border_of(next(iter(phrase.countries)), named)
                    or _free_id(entity_id, set(self.gazetteer.ids) | set(by_id)),
                )
            elif not phrase.known and phrase.english is None:
                entity_id = _free_id(entity_id, set(self.gazetteer.ids) | set(by_id))
            entity = by_id.get(entity_id)
            if entity is None:
                known = self.gazetteer.entities.get(entity_id)
                label = known.label if known is not None and phrase.known else span.text
                entity = by_id[entity_id] = Entity(
                    entity_id, PLACE, phrase.type, label, known is None or known.world
                )
                entity.stable = phrase.english is not None
            entity.mentions.append((span.start_char, span.end_char))
            taken.update(range(phrase.start, phrase.end))
        for entity_id in [k for k, e in by_id.items() if not e.mentions]:
            del by_id[entity_id]
        used_ids = set(self.gazetteer.ids) | set(by_id)
        for (start, end), kind, type_ in fixed or []:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or taken.intersection(range(span.start, span.end)):
                continue  # a known name: linked above
            surface = text[start:end]
            key = fold(surface)
            entity_id = _free_id(f"{PREFIX[kind]}/{slug(surface)}", used_ids)
            used_ids.add(entity_id)
            entity = Entity(entity_id, kind, type_, surface, True, [(start, end)])
            by_id[entity_id] = entity
            new[key] = (entity, Counter({surface: 1}))
            taken.update(range(span.start, span.end))
            # the dateline's city named again in the text ("NOVI PAZAR, …" and "in Novi Pazar")
            words = [fold(t.text) for t in span]
            for k in range(len(doc) - len(words) + 1):
                if k in taken or [fold(t.text) for t in doc[k : k + len(words)]] != words:
                    continue
                if doc[k].text[:1].isupper():
                    again = doc[k : k + len(words)]
                    entity.mentions.append((again.start_char, again.end_char))
                    new[key][1][again.text] += 1
                    taken.update(range(k, k + len(words)))
        candidates = self.names.find(doc, sentence_starts, taken, places)
        # mid-sentence capitalised words, to accept a sentence-initial one that recurs
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
                entity.label = sorted(
                    forms.items(), key=lambda kv: (kv[0].isupper(), -kv[1], len(kv[0]), kv[0])
                )[0][0]
            by_id[entity.id] = entity
        self._refer_back(doc, list(by_id.values()))
        out = sorted(by_id.values(), key=lambda e: (e.new, e.mentions[0][0], e.id))
        for e in out:
            e.mentions.sort()
        return out

    def _refer_back(self, doc: Any, entities: list[Entity]) -> None:
        """A common noun alone ("the ministry said", "ministeriet", "das Ministerium") names
        the organisation of its class the text named last before it (``refers_back``)."""
        nouns = {
            fold(str(w)): str(cls)
            for cls, words in (self.lexicon.data.get("refers_back") or {}).items()
            for w in words or []
        }
        if not nouns:
            return
        covered = sorted(m for e in entities for m in e.mentions)
        for t in doc:
            cls = nouns.get(fold(t.text))
            if cls is None or any(s <= t.idx < e for s, e in covered):
                continue
            named = [
                (s, e)
                for e in entities
                for s, _ in e.mentions
                if e.kind == ORG and e.type == cls and s < t.idx
            ]
            if named:
                entity = max(named, key=lambda m: m[0])[1]
                entity.mentions.append((t.idx, t.idx + len(t.text)))


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
