"""The names of one text, found in named steps (Drafter.entities runs them in this order).

Each step claims the tokens it names, so that a later, weaker step does not name them again:

1. ``known``: names the gazetteer knows (the dataset's entities, the world's countries and
   cities, the EU and UN bodies), unless a known short name is only the tail of an unknown
   longer one ("Alpha TV" is not the known "TV");
2. ``institutions``: a country's institutions named by common nouns ("serbisk polis",
   "the Interior Ministry"), which may take the tokens of the country's adjective;
3. ``phrases``: places named by a phrase around a country ("the border with Hungary", "norra
   Serbien"), one border for the phrases that name the same two countries;
4. ``fixed``: the dateline's city and agency, whatever their words, and the same words
   again later in the text;
5. ``new``: capitalised names no list knows (names.py), a person's lone surname joined to
   the person named in full;
6. ``labels``: each new entity's label, the fullest form of a person's name and the most
   frequent form of another name.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

from .model import ORG, PERSON, PLACE, Entity
from .text import fold, slug

PREFIX = {PERSON: "person", ORG: "org", PLACE: "place"}


def free_id(candidate: str, used: set[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3`` … if it is taken."""
    if candidate not in used:
        return candidate
    n = 2
    while f"{candidate}-{n}" in used:
        n += 1
    return f"{candidate}-{n}"


class Naming:
    """The entities named so far in one spaCy ``doc`` and the tokens they hold."""

    def __init__(self, drafter: Any, doc: Any) -> None:
        self.drafter, self.doc = drafter, doc
        self.gazetteer = drafter.gazetteer
        self.by_id: dict[str, Entity] = {}
        # new names by their folded form: the fixed spans' first, so that "BELGRADE," in a
        # dateline and "Belgrade" later in the text are one place
        self.new: dict[str, tuple[Entity, Counter[str]]] = {}
        self.taken: set[int] = set()  # tokens named already
        self.places: set[int] = set()  # tokens of known places (an institution may take them)
        self.place_spans: dict[int, tuple[int, str]] = {}  # start -> (end, place id)
        self.used: set[str] = set()

    def _free(self, candidate: str) -> str:
        return free_id(candidate, set(self.gazetteer.ids) | set(self.by_id) | self.used)

    def _named(self, start: int, end: int) -> bool:
        """Whether a token of ``start`` … ``end`` is named already, other than as a place."""
        return any(t in self.taken and t not in self.places for t in range(start, end))

    def known(self, tail_of_a_name: Callable[[Any, int, set[int]], bool]) -> None:
        doc = self.doc
        found = self.drafter.matcher.find(doc)
        matched = {t for start, end, _ in found for t in range(start, end)}
        for start, end, entity_id in found:
            known = self.gazetteer.entities[entity_id]
            if known.kind == ORG and tail_of_a_name(doc, start, matched):
                continue
            entity = self.by_id.get(entity_id)
            if entity is None:
                # a name only the world's list knows is new to the dataset
                entity = self.by_id[entity_id] = Entity(
                    entity_id, known.kind, known.type, known.label, known.world
                )
                entity.country = known.country
                entity.stable = known.world
            span = doc[start:end]
            entity.mentions.append((span.start_char, span.end_char))
            self.taken.update(range(start, end))
            if known.kind == PLACE:
                self.places.update(range(start, end))
                self.place_spans[start] = (end, entity_id)

    def institutions(self) -> None:
        doc = self.doc
        renamed: dict[str, str] = {}  # ids of institutions named by their words, made free
        for hit in self.drafter.institutions.find(doc, self.place_spans):
            if self._named(hit.start, hit.end):
                continue
            span = doc[hit.start : hit.end]
            entity_id = hit.id
            if hit.new_label:  # "gränspolisen": an id of its words, unless another has it
                if entity_id not in renamed:
                    renamed[entity_id] = self._free(entity_id)
                entity_id = renamed[entity_id]
            entity = self.by_id.get(entity_id)
            if entity is None:
                known = self.gazetteer.entities.get(entity_id)
                label = known.label if known is not None and hit.known else hit.label or span.text
                entity = self.by_id[entity_id] = Entity(
                    entity_id, ORG, hit.type, label, not hit.known
                )
                entity.stable = not hit.new_label
            entity.mentions.append((span.start_char, span.end_char))
            self.taken.update(range(hit.start, hit.end))
            if hit.adjective:  # not the country itself
                first, last = doc[hit.adjective[0]], doc[hit.adjective[1] - 1]
                start, end = first.idx, last.idx + len(last.text)
                for other in self.by_id.values():
                    if (start, end) in other.mentions and other.kind == PLACE:
                        other.mentions.remove((start, end))

    def phrases(self) -> None:
        doc, finder = self.doc, self.drafter.phrases
        phrases = [p for p in finder.find(doc, self.place_spans) if not self._named(p.start, p.end)]
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
                named = {pid for _, pid in self.place_spans.values()}
                entity_id = one_country.setdefault(
                    phrase.countries,
                    finder.border_of(next(iter(phrase.countries)), named) or self._free(entity_id),
                )
            elif not phrase.known and phrase.english is None:
                entity_id = self._free(entity_id)
            entity = self.by_id.get(entity_id)
            if entity is None:
                known = self.gazetteer.entities.get(entity_id)
                label = known.label if known is not None and phrase.known else span.text
                entity = self.by_id[entity_id] = Entity(
                    entity_id, PLACE, phrase.type, label, known is None or known.world
                )
                entity.stable = phrase.english is not None
            entity.mentions.append((span.start_char, span.end_char))
            self.taken.update(range(phrase.start, phrase.end))
        # a country whose only mention an institution took ("serbische Polizei") is no place
        for entity_id in [k for k, e in self.by_id.items() if not e.mentions]:
            del self.by_id[entity_id]

    def fixed(self, text: str, spans: list[tuple[tuple[int, int], str, str]]) -> None:
        doc = self.doc
        for (start, end), kind, type_ in spans:
            span = doc.char_span(start, end, alignment_mode="expand")
            if span is None or self.taken.intersection(range(span.start, span.end)):
                continue  # a known name: linked above
            surface = text[start:end]
            key = fold(surface)
            entity_id = self._free(f"{PREFIX[kind]}/{slug(surface)}")
            self.used.add(entity_id)
            entity = Entity(entity_id, kind, type_, surface, True, [(start, end)])
            self.by_id[entity_id] = entity
            self.new[key] = (entity, Counter({surface: 1}))
            self.taken.update(range(span.start, span.end))
            # the dateline's city named again in the text ("NOVI PAZAR, …" and "in Novi Pazar")
            words = [fold(t.text) for t in span]
            for k in range(len(doc) - len(words) + 1):
                if k in self.taken or [fold(t.text) for t in doc[k : k + len(words)]] != words:
                    continue
                if doc[k].text[:1].isupper():
                    again = doc[k : k + len(words)]
                    entity.mentions.append((again.start_char, again.end_char))
                    self.new[key][1][again.text] += 1
                    self.taken.update(range(k, k + len(words)))

    def unknown(self, candidates: list[Any]) -> None:
        doc = self.doc
        persons: dict[str, str] = {}  # surname -> key of a new person
        for c in sorted(candidates, key=lambda c: (-(c.end - c.start), c.start)):
            span = doc[c.start : c.end]
            surface = span.text
            key = fold(surface)
            if c.kind == PERSON and key in persons and key not in self.new:
                key = persons[key]  # a surname alone ("Balidemaj", "Vujović-Ristovska")
            if key not in self.new:
                if c.kind == PERSON and len(span) == 1:
                    continue  # a lone capitalised word next to "said": only a known surname
                entity_id = self._free(f"{PREFIX[c.kind]}/{slug(surface)}")
                self.used.add(entity_id)
                self.new[key] = (Entity(entity_id, c.kind, c.type, surface, True), Counter())
                if c.kind == PERSON and len(span) > 1:
                    persons[fold(span[-1].text)] = key
                    persons[fold(span[1:].text)] = key
            entity, forms = self.new[key]
            entity.mentions.append((span.start_char, span.end_char))
            forms[surface] += 1
        # surnames of new people that stand alone elsewhere
        for t in doc:
            if t.i in self.taken:
                continue
            key = persons.get(fold(t.text))
            if key and t.text[:1].isupper():
                entity = self.new[key][0]
                if (t.idx, t.idx + len(t.text)) not in entity.mentions and not any(
                    s <= t.idx < e for s, e in entity.mentions
                ):
                    entity.mentions.append((t.idx, t.idx + len(t.text)))

    def labels(self) -> list[Entity]:
        """Every entity named, the new ones labelled; sorted as a draft lists them."""
        for entity, forms in self.new.values():
            if entity.kind == PERSON:  # the full name, not the surname the text repeats
                entity.label = sorted(forms, key=lambda form: (-len(form.split()), form))[0]
            else:
                entity.label = sorted(
                    forms.items(), key=lambda kv: (kv[0].isupper(), -kv[1], len(kv[0]), kv[0])
                )[0][0]
            self.by_id[entity.id] = entity
        return list(self.by_id.values())
