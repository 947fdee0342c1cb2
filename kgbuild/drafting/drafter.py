"""The drafting pipeline: language, names, dates, figures, events -> a Draft."""

from __future__ import annotations

import unicodedata
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
from .naming import Naming
from .numbers import FigureFinder, measure_words
from .phrases import PhraseFinder
from .text import View, fold, invisible, mixed_scripts, sentences, tokens, visible
from .world import world_names


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
        messages += _clean_names(text, entities)
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
        """The known and new names of ``text``, step by step (naming.py says why in this
        order); ``fixed``: spans that are names of a given kind and type whatever their
        words (a dateline's city and agency)."""
        doc = self.matcher.doc(text)
        naming = Naming(self, doc)
        naming.known(self._tail_of_a_name)
        naming.institutions()
        naming.phrases()
        naming.fixed(text, fixed or [])
        naming.unknown(
            self.names.find(doc, _sentence_starts(doc, spans), naming.taken, naming.places)
        )
        entities = naming.labels()
        self._refer_back(doc, entities)
        out = sorted(entities, key=lambda e: (e.new, e.mentions[0][0], e.id))
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


def _sentence_starts(doc: Any, spans: list[Any]) -> set[int]:
    """The tokens that start a sentence, a line after a blank one, or a quotation or dash
    that opens one: a capitalised word there is no evidence of a name."""
    starts = {s.start for s in spans}
    found = {t.i for t in doc if t.idx in starts or (t.i > 0 and "\n" in doc[t.i - 1].text)}
    for t in doc:
        if t.i == 0 or (doc[t.i - 1].text.strip() == "" and "\n" in doc[t.i - 1].text):
            found.add(t.i)
        if t.i > 0 and doc[t.i - 1].text in ("“", '"', "„", "–", "-") and (t.i - 1) in found:
            found.add(t.i)
    return found


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


def _clean_names(text: str, entities: list[Entity]) -> list[str]:
    """Warnings for invisible characters and for names whose words mix scripts; labels kept
    free of the one, and entities flagged (``check``) for the other. Invisible characters stay
    in the text, so that the quotes match it; they never reach a label or id (fold and visible
    drop them). A name that mixes Latin with Cyrillic or Greek look-alikes ("Serbia" with a
    Cyrillic "а") is not the name it looks like: its entity is flagged for the review page, and
    the spoofed form is never added to it as a label."""
    messages = []
    hidden = invisible(text)
    if hidden:
        shown = "; ".join(
            f"U+{ord(c):04X} {unicodedata.name(c, 'FORMAT CHARACTER')} at line "
            f"{text.count(chr(10), 0, i) + 1}, column {i - text.rfind(chr(10), 0, i)}"
            for i, c in hidden[:5]
        )
        more = f" and {len(hidden) - 5} more" if len(hidden) > 5 else ""
        messages.append(
            f"the text holds {len(hidden)} invisible formatting character(s) "
            f"({shown}{more}): kept in the text and its quotes, left out of every name, label "
            "and id"
        )
    for entity in entities:
        entity.label = visible(entity.label)
        for start, end in entity.mentions:
            for word, scripts in mixed_scripts(text[start:end]):
                flag = (
                    f"the name {word!r} mixes {' and '.join(scripts)} letters: it looks like "
                    f"{fold(word)!r} but is not written so; "
                    + (f"linked to {entity.id} only as a guess" if not entity.new else "check it")
                )
                if flag not in entity.check:
                    entity.check.append(flag)
                    entity.spoofed.add(text[start:end])
                    messages.append(flag)
    return messages
