"""Names the dataset does not know yet: runs of capitalised words (with connectors such as
"of", "for", "za"), without the position titles before a person's name, typed by the words
they contain (Ministry -> Ministry, Police -> LawEnforcementAgency ...) or the preposition
before them ("in", "near", "u", "bei" -> a place).

One module of about 470 lines: the boundaries of a name and its type are decided together
(a title word ends a person's name and starts an organisation's), so the rules read each
other's results within one pass over the tokens."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .gazetteer import bases
from .lexicon import Lexicon
from .model import ORG, PERSON, PLACE
from .text import fold

CREDIT_REACH = 12  # tokens from the start of a credit line to a name in it


@dataclass(frozen=True)
class Candidate:
    start: int  # token indices in the doc
    end: int
    kind: str
    type: str


def _cap(token: Any) -> bool:
    text = token.text
    return text[:1].isupper() and any(c.isalpha() for c in text)


class NameFinder:
    def __init__(self, lexicon: Lexicon, first_names: set[str] | None = None) -> None:
        self.lexicon = lexicon
        self._indexed: Any = None  # the text _where indexed
        self._index: dict[str, list[int]] = {}
        self.first_names = first_names or set()  # folded: the dataset's people's
        self.surname_endings = tuple(fold(w) for w in lexicon.words("surname_endings"))
        words = lambda key: {fold(w) for w in lexicon.words(key)}  # noqa: E731
        self.titles = words("titles")
        self.connectors = words("connectors")
        self.demonyms = words("demonyms") | {
            fold(str(f)) for fs in (lexicon.data.get("demonyms_of") or {}).values() for f in fs
        }
        # a word that says what the name after it is: "dem Sender RTS", "broadcaster RTV"
        self.type_nouns = {
            fold(str(w)): cls
            for cls, ws in (lexicon.data.get("type_nouns") or {}).items()
            for w in ws or []
        }
        # German compounds end in their head: Bundeskriminalamt, Grenzpolizei
        self.org_suffixes = {
            fold(str(w)): cls
            for cls, ws in (lexicon.data.get("org_suffixes") or {}).items()
            for w in ws or []
        }
        self.outlet_cues = [tuple(fold(c).split()) for c in lexicon.words("outlet_cues")]
        self.genitive_endings = tuple(fold(w) for w in lexicon.words("genitive_endings"))
        self.function_words = words("function_words") | self.connectors
        self.law_words = words("law_words")
        self.compound_titles = bool(lexicon.data.get("compound_titles"))
        self.non_names = words("non_names")
        self.credits = words("credit_words")
        self.place_preps = words("place_prepositions")
        self.speech = words("speech_verbs")
        numbers = lexicon.numbers()
        self.number_words = {fold(str(w)) for w in (numbers.get("words") or {})}
        self.number_words |= {fold(str(w)) for w in (numbers.get("multipliers") or {})}
        self.calendar = {
            f for forms in (lexicon.data.get("months") or {}).values() for f in map(fold, forms)
        } | {f for forms in (lexicon.data.get("weekdays") or {}).values() for f in map(fold, forms)}
        self.org_words = {
            cls: {fold(w) for w in ws} for cls, ws in (lexicon.data.get("org_words") or {}).items()
        }
        self.place_words = {
            cls: [fold(w).split() for w in ws]
            for cls, ws in (lexicon.data.get("place_words") or {}).items()
        }
        self.german = lexicon.language == "de"
        self.coordinators = words("coordinators")
        self.articles = words("definite_articles")
        # heads that alone name no institution ("Polizei", "Grenze"): a compound of one does
        generic = {str(h) for h in lexicon.words("specific_heads")}
        self.generic_nouns = {
            fold(str(f))
            for head, forms in (lexicon.data.get("org_heads") or {}).items()
            if str(head) not in generic
            for f in forms or []
        } | {w for patterns in self.place_words.values() for p in patterns for w in p}

    def find(
        self,
        doc: Any,
        sentence_starts: set[int],
        taken: set[int],
        places: set[int] | None = None,
    ) -> list[Candidate]:
        """Candidate names in ``doc`` (token indices); ``taken`` are tokens of known names
        (``places``: those of known places), ``sentence_starts`` the first token of each
        sentence."""
        out: list[Candidate] = []
        places = places or set()
        self._places = places
        self._named_orgs: set[str] = set()  # words of the organisations named so far
        i, n = 0, len(doc)
        while i < n:
            # a known place that starts an organisation's name: "Kosovo Police Sector for ..."
            place_led = (
                i in places
                and i + 1 < n
                and i + 1 not in taken
                and _cap(doc[i + 1])
                and self._org_word(fold(doc[i + 1].text))
                and doc[i].whitespace_ != ""
            )
            if not place_led and (
                i in taken or not _cap(doc[i]) or fold(doc[i].text) in self.calendar
            ):
                i += 1
                continue
            if (
                not place_led
                and i + 2 < n
                and doc[i + 1].text == "/"
                and (i + 2) in places
                and not doc[i].whitespace_
            ):
                i += 1  # "Prishtinë/Priština": another spelling of a known place
                continue
            j = i + 1
            while j < n and j not in taken:
                t = doc[j]
                if _cap(t) and fold(t.text) not in self.calendar:
                    j += 1
                elif (
                    t.text in ("-", "–")
                    and not doc[j - 1].whitespace_
                    and j + 1 < n
                    and _cap(doc[j + 1])
                ):
                    j += 2
                elif fold(t.text) in self.connectors:
                    # one or more connectors, then a capitalised word: "Center for the Protection"
                    k = j
                    while k < n and k - j < 3 and fold(doc[k].text) in self.connectors:
                        k += 1
                    if k < n and _cap(doc[k]) and k not in taken:
                        j = k
                    elif (
                        k < n
                        and k in places
                        and k == j + 1
                        and fold(t.text) not in self.coordinators
                        and any(self._org_word(fold(x.text)) for x in doc[i:j])
                    ):
                        # "Border Police of the Republic of Serbia": the place ends the name
                        j = k
                        while j < n and j in places:
                            j += 1
                        break
                    else:
                        break
                else:
                    break
            if self.genitive_endings and self._org_word(fold(doc[i].text)):
                j = self._genitives(doc, j, taken)
            found = self._classify(doc, i, j, sentence_starts - ({i} if place_led else set()))
            if not found and j - i == 1 and i not in sentence_starts:
                found = self._place_phrase(doc, i, j) or self._listed_place(doc, i, out, places)
            if not found and any(fold(t.text) in self.coordinators for t in doc[i:j]):
                # "Afghanistan, Morocco and Syria": each item of a list after a place
                for k in range(i, j):
                    if _cap(doc[k]) and fold(doc[k].text) not in self.coordinators:
                        found += self._listed_place(doc, k, out + found, places)
            out += found
            for c in found:
                if c.kind == ORG:
                    self._named_orgs.update(fold(t.text) for t in doc[c.start : c.end])
            i = j
        return out

    def _genitives(self, doc: Any, j: int, taken: set[int]) -> int:
        """The end of an organisation's name whose head the lower-case words after it qualify
        (Serbian: "Uprava granične policije", "Ministarstvo unutrašnjih poslova")."""
        k = j
        while (
            k < len(doc)
            and k - j < 2
            and k not in taken
            and doc[k].text.isalpha()
            and doc[k].text.islower()
            and len(doc[k].text) >= 4
            and fold(doc[k].text).endswith(self.genitive_endings)
            and not fold(doc[k].text).endswith(("la", "lo", "li", "io"))  # participles
            and fold(doc[k].text) not in self.non_names
            and fold(doc[k].text) not in self.function_words
        ):
            k += 1
        return k

    def _place_phrase(self, doc: Any, i: int, j: int) -> list[Candidate]:
        """A name followed by a lower-case place word: "Reska border crossing"."""
        for cls, patterns in self.place_words.items():
            for pattern in patterns:
                following = [fold(t.text) for t in doc[j : j + len(pattern)]]
                if following == pattern and all(
                    t.text.islower() for t in doc[j : j + len(pattern)]
                ):
                    return [Candidate(i, j + len(pattern), PLACE, cls)]
        return []

    def _listed_place(
        self, doc: Any, i: int, found: list[Candidate], places: set[int]
    ) -> list[Candidate]:
        """A lone capitalised word in a list after a place ("Ankara, Podgorica, Skopje, and
        Tirana") is a place too."""
        k = i - 1
        while k >= 0 and (doc[k].text == "," or fold(doc[k].text) in self.coordinators):
            k -= 1
        if k == i - 1 or k < 0:
            return []
        if k in places or any(c.kind == PLACE and c.end - 1 == k for c in found):
            return [Candidate(i, i + 1, PLACE, "Place")]
        return []

    def _org_word(self, word: str) -> bool:
        return any(word in keys for keys in self.org_words.values())

    def _classify(self, doc: Any, i: int, j: int, starts: set[int]) -> list[Candidate]:
        found = self._classify_one(doc, i, j, starts)
        return found if isinstance(found, list) else ([found] if found else [])

    def _classify_one(
        self, doc: Any, i: int, j: int, starts: set[int]
    ) -> Candidate | list[Candidate] | None:
        if self._credit_line(doc, i):
            return None
        words = [fold(t.text) for t in doc[i:j]]
        # leading words that are not names: sentence openers, numbers, demonyms
        while i < j and (
            words[0] in self.non_names
            or words[0] in self.number_words
            or (i in starts and j - i > 1 and words[0] in self.demonyms)
        ):
            i, words = i + 1, words[1:]
        while i < j and (words[-1] in self.connectors or words[-1] in ("-", "–")):
            j, words = j - 1, words[:-1]
        if i >= j:
            return None
        type_hint = self.type_nouns.get(fold(doc[i - 1].text)) if i > 0 else None
        # a leading word that says what follows is no part of the name: "Sender RTS"
        while j - i > 1 and words[0] in self.type_nouns:
            type_hint = self.type_nouns[words[0]]
            i, words = i + 1, words[1:]
        if type_hint is None and self._outlet_cue(doc, i):
            type_hint = "NewsOutlet"
        if (
            all(w in self.generic_nouns or self._place_class([w]) for w in words)
            and not doc[i].text.isupper()
            and (self.german or i in starts)
        ):
            return None  # a common noun alone ("Grenze", "Police have …"): no name
        # a title before a name: the name is what follows the last title word, and what comes
        # before the first title is the organisation, when it names one
        # ("Sector for Investigating Organized Crime Lieutenant Behar Balidemaj")
        last_title = max((k for k, w in enumerate(words) if self._title(w)), default=-1)
        org_class = self._org_class(words)
        if type_hint and type_hint in self._org_types:
            return Candidate(i, j, ORG, type_hint)
        if type_hint:
            return Candidate(i, j, PLACE, type_hint)
        if any(bool(self.law_words & bases(w, self.lexicon.inflections)) for w in words[:1]):
            return None  # "Zakon o strancima": a law's title, no place or body
        if (
            len(words) > 1
            and self._org_word(words[0])
            and org_class
            and (
                last_title < 0 or not _cap(doc[i + last_title + 1])
                if last_title < len(words) - 1
                else True
            )
        ):
            # "Ministarstvo unutrašnjih poslova", "Ministry of Interior": the head first, and
            # no name after its title words
            return Candidate(i, j, ORG, org_class)
        if (
            last_title >= 0
            and last_title < len(words) - 1
            and not self._org_word(words[-1])
            and words[last_title + 1] not in self.connectors
            and _cap(doc[i + last_title + 1])
            and not any(self._org_word(w) for w in words[last_title + 1 :])
        ):
            person = Candidate(i + last_title + 1, j, PERSON, "Person")
            first_title = last_title  # the block of title words right before the name
            while (
                first_title > 0
                and self._title(words[first_title - 1])
                # "Ministry of Interior Spokesperson": "of Interior" is the ministry's
                and not (first_title > 1 and words[first_title - 2] in self.connectors)
            ):
                first_title -= 1
            before = words[:first_title]
            while before and before[-1] in self.connectors:
                before = before[:-1]
            before_class = self._org_class(before)
            if before_class and any(w not in self.demonyms for w in before):
                return [Candidate(i, i + len(before), ORG, before_class), person]
            return person
        if (
            len(words) == 1
            and self._org_word(words[0])
            and i > 0
            and fold(doc[i - 1].text) in self.articles
            and words[0] in self._named_orgs
        ):
            return None  # "the Mission" after "the OSCE Mission": the one named before
        if len(words) > 1 and self._org_word(words[-1]) and org_class:
            return Candidate(i, j, ORG, org_class)  # "Turkish Police", "OSCE Mission"
        if len(words) > 2 and self._org_word(words[0]) and org_class:
            return Candidate(i, j, ORG, org_class)  # "Ministry of Interior": head first
        if self._title(words[-1]):
            return None  # a position title ("Organized Crime Adviser"), not a name
        if all(self._title(w) or w in self.demonyms for w in words):
            return None
        if org_class:
            return Candidate(i, j, ORG, org_class)
        suffix = self._suffix_class(words[-1])
        if suffix:
            return Candidate(i, j, ORG, suffix)
        place_class = self._place_class(words)
        previous = fold(doc[i - 1].text) if i > 0 else ""
        if place_class:
            return Candidate(i, j, PLACE, place_class)
        single = j - i == 1
        text = doc[i].text
        if single and text.isupper() and 2 <= len(text) <= 6:
            return Candidate(i, j, ORG, "Organisation")
        if words[0] in self.demonyms:
            return None
        if i in starts and single:
            return None  # a capitalised first word: a name only if it also appears mid-sentence
        if single and j < len(doc) and j in self._places:
            return None  # "Middle" in "Middle Asia": a word of a known place's name, no place
        runs = all(_cap(t) or t.text in ("-", "–") for t in doc[i:j]) and len(words) <= 4
        if not single and runs and self._personal(doc, i, j):
            return Candidate(i, j, PERSON, "Person")
        # "near Gevgelija", "kod Velike Kladuše"; German capitalises its nouns: there only a
        # word that does not look German ("nahe Horgoš", not "an der Grenze")
        if (
            previous in self.place_preps
            and (single or runs)
            and (not self.german or _foreign(doc[j - 1].text))
        ):
            return Candidate(i, j, PLACE, "Place")
        if single and self._speaks(doc, i, j) and not self.german:
            return Candidate(i, j, PERSON, "Person")
        return None

    @property
    def _org_types(self) -> set[str]:
        return set(self.org_words) | set(self.org_suffixes.values()) | {"NewsOutlet"}

    def _title(self, word: str) -> bool:
        """A position title, also as the head of a compound ("Polizeisprecher",
        "polischefen") in the languages that write them so."""
        forms = bases(word, self.lexicon.inflections)
        if forms & self.titles:
            return True
        return self.compound_titles and any(
            len(form) > len(title) + 3 and form.endswith(title)
            for form in forms
            for title in self.titles
            if len(title) >= 5
        )

    def _suffix_class(self, word: str) -> str | None:
        for suffix, cls in sorted(self.org_suffixes.items(), key=lambda kv: -len(kv[0])):
            if word.endswith(suffix) and len(word) > len(suffix) + 2:
                return cls
        return None

    def _outlet_cue(self, doc: Any, i: int) -> bool:
        """ "told Tanjug", "izjavio je za RTS", "sagte dem Sender": words before a name that
        make it the outlet a statement was made to."""
        for cue in self.outlet_cues:
            before = [fold(t.text) for t in doc[max(0, i - len(cue)) : i]]
            if tuple(before) == cue:
                return True
        return False

    def _credit_line(self, doc: Any, i: int) -> bool:
        """Whether the name at token ``i`` is in a credit line ("Photo: …"): a line that
        starts, at most CREDIT_REACH tokens before it, with a credit word."""
        k = i
        while (
            k > max(0, i - CREDIT_REACH)
            and "\n" not in doc[k - 1].text
            and "\n" not in doc[k - 1].whitespace_
        ):
            k -= 1
        at_start = k == 0 or "\n" in doc[k - 1].text or "\n" in doc[k - 1].whitespace_
        return at_start and fold(doc[k].text) in self.credits

    def _personal(self, doc: Any, i: int, j: int) -> bool:
        """What makes a run of capitalised words a person's name (a title before it is seen
        by the caller): a speech verb beside it, a known first name, a surname's ending, or
        its last word standing alone elsewhere in the text. Without one of them it is no
        person ("Middle Asia", "Balkan Wire")."""
        if self._speaks(doc, i, j):
            return True
        first, last = fold(doc[i].text), fold(doc[j - 1].text)
        if first in self.first_names:
            return True
        if last.endswith(self.surname_endings):
            return True
        return any(  # the surname alone: not after the first name, not first in a sentence
            _cap(t)
            and not (i <= t.i < j)
            and fold(doc[t.i - 1].text) != fold(doc[j - 2].text)
            and not doc[t.i - 1].is_punct
            and not doc[t.i - 1].is_space
            for t in (doc[k] for k in self._where(doc).get(last, ()))
            if t.i > 0
        )

    def _where(self, doc: Any) -> dict[str, list[int]]:
        """Folded word -> the indices of its tokens in ``doc`` (made once per text: looking
        through the whole text for each name made long texts quadratic)."""
        if self._indexed is not doc:
            self._index = {}
            for t in doc:
                self._index.setdefault(fold(t.text), []).append(t.i)
            self._indexed = doc
        return self._index

    def _speaks(self, doc: Any, i: int, j: int) -> bool:
        around = [fold(t.text) for t in doc[max(0, i - 2) : i]] + [
            fold(t.text) for t in doc[j : j + 2]
        ]
        return any(w in self.speech for w in around)

    def _org_class(self, words: list[str]) -> str | None:
        """The class of the last organisation word (the head: "Border Police Sector" is a
        police unit)."""
        for word in reversed(words):
            for cls, keys in self.org_words.items():
                if word in keys:
                    return cls
        return None

    def _place_class(self, words: list[str]) -> str | None:
        for cls, patterns in self.place_words.items():
            for pattern in patterns:
                k = len(pattern)
                if any(words[x : x + k] == pattern for x in range(len(words) - k + 1)):
                    return cls
        return None


def _foreign(word: str) -> bool:
    """A word that does not look like a German common noun (names of Balkan people and places:
    Lukić, Kelebija, Horgoš)."""
    folded = fold(word)
    if any(c in word for c in "ćčšžđ"):
        return True
    return folded.endswith(
        (
            "ic",
            "ija",
            "ovic",
            "ski",
            "ska",
            "ovo",
            "ovac",
            "grad",
            "ica",
            "aj",
            "as",
            "os",
            "ad",
            "in",
            "ac",
        )
    )
