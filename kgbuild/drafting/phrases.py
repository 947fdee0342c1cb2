"""Places named by a phrase around a country: "the border with Bulgaria", "the Hungarian
border", "serbisk-ungerska gränsen", "Grenze zu Serbien", "norra Serbien".

Each language's lexicon writes the phrases as patterns (``place_phrases``, by place class)
with slots: ``{country}`` a country or territory the text names, ``{demonym}`` an adjective of
nationality (``demonyms_of``), ``{direction}`` a word of ``directions``. A phrase that gives
both countries of a border ("Serbia–Hungary border"), or a direction and a country ("northern
Serbia"), is looked up by its English name among the dataset's places and takes that place's
id; any other is proposed as a new place named by the text's words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from .gazetteer import Gazetteer, bases
from .lexicon import Lexicon
from .model import PLACE
from .text import fold, slug

SLOTS = {
    "country": "QXCOUNTRYQX",
    "demonym": "QXDEMONYMQX",
    "direction": "QXDIRECTIONQX",
    "name": "QXNAMEQX",
}
# The English name a phrase with a {name} is looked up by, per place class.
NAMED = {"BorderCrossing": "{name} border crossing"}


@dataclass(frozen=True)
class PlacePhrase:
    start: int  # token indices, end exclusive
    end: int
    id: str
    type: str
    known: bool
    english: str | None  # the English name it was looked up by, when it has one
    countries: frozenset[str] = frozenset()


def _key(text: str) -> str:
    return " ".join(re.findall(r"[a-z0-9]+", fold(text)))


class PhraseFinder:
    def __init__(self, nlp: Any, lexicon: Lexicon, english: Lexicon, gazetteer: Gazetteer) -> None:
        self.infl = lexicon.inflections
        self.gazetteer = gazetteer
        self.patterns: list[tuple[str, list[str | tuple[str]]]] = []
        for cls, texts in (lexicon.data.get("place_phrases") or {}).items():
            for text in texts or []:
                pattern_text = str(text)
                for slot, mark in SLOTS.items():
                    pattern_text = pattern_text.replace("{" + slot + "}", f" {mark} ")
                tokens: list[str | tuple[str]] = []
                for piece in pattern_text.split():
                    if "*" in piece:  # "*rutten": any word that ends so
                        tokens.append(fold(piece))
                        continue
                    for t in nlp.make_doc(piece):
                        slot = next((k for k, m in SLOTS.items() if t.text == m), None)
                        tokens.append((slot,) if slot else fold(t.text))
                self.patterns.append((str(cls), tokens))
        self.patterns.sort(key=lambda p: (-len(p[1]), p[0]))
        self.demonyms = {
            fold(str(f)): str(c)
            for c, fs in (lexicon.data.get("demonyms_of") or {}).items()
            for f in fs or []
        }
        self.directions = {
            fold(str(f)): str(d)
            for d, fs in (lexicon.data.get("directions") or {}).items()
            for f in fs or []
        }
        self.english_demonym = {
            str(c): str(fs[0]) for c, fs in (english.data.get("demonyms_of") or {}).items() if fs
        }
        self.by_name: dict[str, str] = {}
        for known in sorted(gazetteer.entities.values(), key=lambda k: k.id):
            if known.kind == PLACE and not known.world:
                for alias in known.aliases | {known.label}:
                    self.by_name.setdefault(_key(alias), known.id)

    def find(self, doc: Any, places: dict[int, tuple[int, str]]) -> list[PlacePhrase]:
        words = [fold(t.text) for t in doc]
        out: list[PlacePhrase] = []
        i = 0
        while i < len(words):
            hit = self._at(doc, words, i, places)
            if hit:
                out.append(hit)
                i = hit.end
            else:
                i += 1
        return out

    def _at(
        self, doc: Any, words: list[str], i: int, places: dict[int, tuple[int, str]]
    ) -> PlacePhrase | None:
        for cls, pattern in self.patterns:
            k, countries, direction, name = i, [], None, None
            skip = 0
            for n, part in enumerate(pattern):
                if skip:
                    skip -= 1
                    continue
                if k >= len(words):
                    break
                pair = self._pair(words[k], pattern[n : n + 3])
                if pair:  # "srpsko-mađarskoj" written as one word
                    countries += pair
                    k, skip = k + 1, 2
                    continue
                if isinstance(part, tuple):
                    slot = part[0]
                    if slot == "country":
                        named = places.get(k)
                        if not named or not self._country(named[1]):
                            break
                        countries.append(named[1])
                        k = named[0]
                    elif slot == "demonym":
                        country = next(
                            (
                                self.demonyms[b]
                                for b in sorted(bases(words[k], self.infl))
                                if b in self.demonyms
                            ),
                            None,
                        )
                        if country is None:
                            break
                        countries.append(country)
                        k += 1
                    elif slot == "name":  # "gränsövergången Reska": one or two capitalised words
                        if not doc[k].text[:1].isupper():
                            break
                        end = k + 1
                        if end < len(words) and doc[end].text[:1].isupper():
                            end += 1
                        name = doc[k:end].text
                        k = end
                    else:
                        direction = self.directions.get(words[k])
                        if direction is None:
                            break
                        k += 1
                elif (
                    words[k] == part
                    or part in bases(words[k], self.infl)
                    or (part.startswith("*") and words[k].endswith(part[1:]))
                ):
                    k += 1
                else:
                    break
            else:
                return self._resolve(doc, i, k, cls, countries, direction, name)
        return None

    def border_of(self, country: str, named: set[str]) -> str | None:
        """The dataset's one border of ``country`` whose other country the text names too
        ("the Hungarian border" in a report that names Serbia: the Serbia–Hungary border)."""
        mine = country.split("/", 1)[-1]
        found = []
        for known in self.gazetteer.entities.values():
            if known.kind != PLACE or known.type != "Border" or known.world:
                continue
            parts = slug(known.label).removesuffix("-border").split("-")
            others = [p for p in parts if p != mine]
            if mine in parts and others and all(f"place/{p}" in named for p in others):
                found.append(known.id)
        return found[0] if len(found) == 1 else None

    def _pair(self, word: str, parts: list[str | tuple[str]]) -> list[str] | None:
        if parts != [("demonym",), "-", ("demonym",)] or word.count("-") != 1:
            return None
        found = []
        for half in word.split("-"):
            country = next(
                (self.demonyms[b] for b in sorted(bases(half, self.infl)) if b in self.demonyms),
                None,
            )
            if country is None:
                return None
            found.append(country)
        return found

    def _country(self, entity_id: str) -> bool:
        known = self.gazetteer.entities.get(entity_id)
        return known is not None and known.type in ("Country", "Territory")

    def _english(
        self, countries: list[str], direction: str | None, cls: str, name: str | None = None
    ) -> list[str]:
        names = []
        if name and cls in NAMED:
            names.append(NAMED[cls].format(name=name))
        labels = [
            self.gazetteer.entities[c].label for c in countries if c in self.gazetteer.entities
        ]
        if direction and len(labels) == 1:
            names.append(f"{direction} {labels[0]}")
        if direction and not labels and cls == "Region":
            return []
        if cls == "Border" and len(set(countries)) == 2 and len(labels) == 2:
            a, b = labels
            names += [f"{a}–{b} border", f"{b}–{a} border"]
        return names

    def _resolve(
        self,
        doc: Any,
        i: int,
        k: int,
        cls: str,
        countries: list[str],
        direction: str | None,
        name: str | None = None,
    ) -> PlacePhrase:
        english = self._english(countries, direction, cls, name)
        named = frozenset(countries)
        for name in english:
            known = self.by_name.get(_key(name))
            if known:
                kind = self.gazetteer.entities[known].type
                return PlacePhrase(i, k, known, kind, True, name, named)
        if english:  # a stable id: every report of northern Serbia names the same place
            return PlacePhrase(i, k, f"place/{slug(english[0])}", cls, False, english[0], named)
        return PlacePhrase(i, k, f"place/{slug(doc[i:k].text)}", cls, False, None, named)
