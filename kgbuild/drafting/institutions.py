"""A country's institutions named by a common noun: "serbisk polis", "serbische Polizei",
"srpska policija", "Serbiens polis", "policija Srbije", "the police".

The lexicon gives each language's adjectives of nationality by country (``demonyms_of``) and
the head words of institutions by an English name (``org_heads``: police, border police,
interior ministry, government, authorities). A demonym or a country's name with a head names
that country's institution: its English name ("Serbian police", from the English lexicon's
demonyms) finds the dataset's entity, whatever language the dataset names it in; a name the
dataset does not know is proposed with that English name as its id, so that every report of
the Croatian police names the same entity. A head alone ("polisen", "the ministry") is the
institution of that head the text named last, or none.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .gazetteer import Gazetteer, bases
from .lexicon import Lexicon
from .model import ORG, PLACE
from .text import fold, slug

TYPES = {
    "police": "LawEnforcementAgency",
    "border police": "PoliceUnit",
    "interior ministry": "Ministry",
    "government": "GovernmentBody",
    "mafia": "CriminalGroup",
}


@dataclass(frozen=True)
class Institution:
    start: int  # token indices in the doc, end exclusive
    end: int
    id: str
    type: str
    known: bool  # the dataset has it
    adjective: tuple[int, int] | None = None  # a known place's name used as its adjective
    new_label: bool = False  # named by its own words, with no country: the id is made of them
    label: str | None = None  # its name when the text names it by a list ("governments of …")


class InstitutionFinder:
    def __init__(self, lexicon: Lexicon, english: Lexicon, gazetteer: Gazetteer) -> None:
        infl = lexicon.inflections
        self.infl = infl
        self.demonyms: dict[str, str] = {}
        for country, forms in (lexicon.data.get("demonyms_of") or {}).items():
            for form in forms or []:
                self.demonyms[fold(str(form))] = str(country)
        self.english = {
            str(c): str(forms[0])
            for c, forms in (english.data.get("demonyms_of") or {}).items()
            if forms
        }
        self.heads: list[tuple[tuple[str, ...], str]] = sorted(
            (
                (tuple(fold(str(f)).split()), str(head))
                for head, forms in (lexicon.data.get("org_heads") or {}).items()
                for f in forms or []
            ),
            key=lambda h: (-len(h[0]), h),
        )
        self.specific = {str(h) for h in lexicon.words("specific_heads")}
        self.coordinators = {fold(w) for w in lexicon.words("coordinators")}
        self.connectors = {fold(w) for w in lexicon.words("connectors")}
        self.list_preps = {fold(w) for w in lexicon.words("list_prepositions")}
        self.location_preps = {fold(w) for w in lexicon.words("location_prepositions")}
        self.gazetteer = gazetteer
        self.labels: dict[str, str] = {}
        for known in sorted(gazetteer.entities.values(), key=lambda k: k.id):
            if known.kind == ORG:
                for alias in known.aliases | {known.label}:
                    self.labels.setdefault(fold(alias), known.id)

    def _head(self, words: list[str], i: int) -> tuple[int, str] | None:
        for form, head in self.heads:
            if tuple(words[i : i + len(form)]) == form:
                return i + len(form), head
        return None

    def _resolve(self, country: str, head: str) -> tuple[str, str, bool] | None:
        demonym = self.english.get(country)
        if not demonym:
            return None
        name = f"{demonym} {head}"
        known = self.labels.get(fold(name))
        if known:
            return known, self.gazetteer.entities[known].type, True
        return f"org/{slug(name)}", TYPES.get(head, "Organisation"), False

    def find(self, doc: Any, places: dict[int, tuple[int, str]]) -> list[Institution]:
        """The institutions ``doc`` names; ``places``: for the first token of each known
        place, its end token and id."""
        words = [fold(t.text) for t in doc]
        out: list[Institution] = []
        last: dict[str, Institution] = {}  # head -> the institution of it named last
        i = 0
        while i < len(words):
            named = places.get(i)
            country, after_country = (named[1], named[0]) if named else (None, i + 1)
            if country is None and self._demonym(words[i]):
                country = self._demonym(words[i])
            # "Serbian and Hungarian police": each country's institution
            if (
                country
                and after_country + 1 < len(words)
                and words[after_country] in self.coordinators
                and self._demonym(words[after_country + 1])
            ):
                head = self._head(words, after_country + 2)
                other = self._demonym(words[after_country + 1])
                first = self._resolve(country, head[1]) if head else None
                second = self._resolve(other, head[1]) if head and other else None
                if head and first and second:
                    out.append(Institution(i, after_country, first[0], first[1], first[2]))
                    hit = Institution(after_country + 1, head[0], second[0], second[1], second[2])
                    out.append(hit)
                    last[head[1]] = hit
                    i = head[0]
                    continue
            head = self._head(words, after_country) if country else None
            if country and head:
                found = self._resolve(country, head[1])
                if found:
                    # "Mađarska policija": the adjective, not the country Mađarska
                    adjective = (i, after_country) if named and self._demonym(words[i]) else None
                    hit = Institution(i, head[0], found[0], found[1], found[2], adjective)
                    out.append(hit)
                    last[head[1]] = hit
                    i = head[0]
                    continue
            head = self._head(words, i)
            if head:
                after = places.get(head[0])  # "policija Srbije", "MUP Srbije"
                if after and self.gazetteer.kind_of(after[1]) == PLACE:
                    found = self._resolve(after[1], head[1])
                    if found:
                        hit = Institution(i, after[0], found[0], found[1], found[2])
                        out.append(hit)
                        last[head[1]] = hit
                        i = after[0]
                        continue
                near = (
                    places.get(head[0] + 1)
                    if head[0] < len(words) and words[head[0]] in self.location_preps
                    else None
                )
                country = self._country_of(near[1]) if near else None
                found = self._resolve(country, head[1]) if country else None
                if found:  # "inrikesministeriet i Belgrad": the ministry of Belgrade's country
                    hit = Institution(i, head[0], found[0], found[1], found[2])
                    out.append(hit)
                    last[head[1]] = hit
                    i = head[0]
                    continue
                listed = self._listed(words, head[0], places)
                if len(listed) > 1:  # "the governments of Croatia, Slovenia and Austria"
                    for start, end, country in listed:
                        found = self._resolve(country, head[1])
                        if found:
                            name = f"{self.english[country]} {head[1]}"
                            out.append(
                                Institution(start, end, found[0], found[1], found[2], label=name)
                            )
                    i = listed[-1][1]
                    continue
                if head[1] in last:  # "polisen", "the ministry": the one named last
                    named = last[head[1]]
                    out.append(
                        Institution(
                            i, head[0], named.id, named.type, named.known, None, named.new_label
                        )
                    )
                elif (
                    head[1] in self.specific
                    and not (i > 0 and doc[i - 1].text[:1].isupper())
                    and not self._named_on(doc, head[0])
                ):
                    # "gränspolisen", "Ministarstvo unutrašnjih poslova": one, though of no
                    # country ("Uprava granične …", "Border Police of the Republic of …" are
                    # longer names, for the names' rules)
                    kind = TYPES.get(head[1], "Organisation")
                    text = doc[i : head[0]].text
                    hit = Institution(i, head[0], f"org/{slug(text)}", kind, False, None, True)
                    out.append(hit)
                    last[head[1]] = hit
                i = head[0]
                continue
            i += 1
        return out

    def _listed(
        self, words: list[str], k: int, places: dict[int, tuple[int, str]]
    ) -> list[tuple[int, int, str]]:
        """The countries listed after a head's "of" at ``k``: (start, end, id) of each."""
        if k >= len(words) or words[k] not in self.list_preps:
            return []
        out, k = [], k + 1
        while k in places and places[k][1] in self.english:
            end, country = places[k]
            out.append((k, end, country))
            k = end
            while k < len(words) and (words[k] == "," or words[k] in self.coordinators):
                k += 1
        return out

    def _named_on(self, doc: Any, k: int) -> bool:
        """Whether a name goes on at token ``k``: a capitalised word, or connectors and one
        ("Border Police Sector for …", "Border Police of the Republic of …")."""
        j = k
        while j < len(doc) and j - k < 3 and fold(doc[j].text) in self.connectors:
            j += 1
        return j < len(doc) and doc[j].text[:1].isupper() and doc[j].text.isalpha()

    def _country_of(self, place: str) -> str | None:
        known = self.gazetteer.entities.get(place)
        if known is None:
            return None
        if known.type in ("Country", "Territory"):
            return known.id
        return known.country

    def _demonym(self, word: str) -> str | None:
        for base in sorted(bases(word, self.infl)):
            if base in self.demonyms:
                return self.demonyms[base]
        return self.demonyms.get(word)
