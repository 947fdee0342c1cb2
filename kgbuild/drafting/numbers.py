"""Figures: digits in each locale's form (4,500; 4.780; 5 000 with any space), number words,
qualifier cues and vague amounts, and what is counted (a measure and an item kind of the
vocabularies). Dates, times, calibres, years and figures in headings are not figures.

One module of about 590 lines: a number, its qualifier, its unit and its measure are read
from one window of tokens around it, each deciding what the others may be ("twelve (12)",
"three days after", "38,000 euros"); split, the window would be read in several places."""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from .lexicon import Form, Lexicon
from .model import Figure
from .text import FirstLetters, Token, View, fold, word_matches

YEAR = re.compile(r"^(19|20)\d\d$")
THINGS = {"seized", "searched", "found"}  # measures of things, never of people


def _currency_forms(lexicon: Lexicon) -> list[tuple[tuple[str, ...], str]]:
    """Every way the lexicon's language writes the currencies it lists (``currencies``, ISO
    4217 codes), from CLDR through Babel: the names ("Serbian dinars", "dinara"), their last
    word alone, the symbol and the code; longest first."""
    from babel import Locale

    from .world import LOCALES

    forms: dict[tuple[str, ...], str] = {}
    locales = LOCALES.get(lexicon.language or "", ())
    for code in lexicon.words("currencies"):
        names = {code}
        for name in locales:
            locale = Locale.parse(name)
            names.add(locale.currencies.get(code, ""))
            names.add(locale.currency_symbols.get(code, ""))
            plural = locale._data.get("currency_names_plural", {}).get(code)
            if plural is not None:
                names.update(str(v) for v in dict(plural).values())
        for name in sorted(n for n in names if n):
            words = tuple(w for w in re.findall(r"\w+|[^\w\s]", fold(name)))
            if words:
                forms.setdefault(words, code)
                if len(words) > 1 and words[-1].isalpha():
                    forms.setdefault(words[-1:], code)  # "dinars", "dinara", "euros"
    return sorted(forms.items(), key=lambda f: (-len(f[0]), f))


@dataclass
class Number:
    first: int  # token indices, end exclusive
    end: int
    value: float


class FigureFinder:
    def __init__(self, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._grouped: list[tuple[int, str]] | None = None  # the list _in_sentence grouped
        self._by_sentence: dict[int, list[tuple[int, str]]] = {}
        self.infl = lexicon.inflections
        numbers = lexicon.numbers()
        f = lambda xs: [Form.of(x) for x in xs]  # noqa: E731
        self.words = {
            Form.of(k).words[0]: v
            for k, v in (numbers.get("words") or {}).items()
            if len(Form.of(k).words) == 1
        }
        self.multipliers = {
            Form.of(k).words[0]: v for k, v in (numbers.get("multipliers") or {}).items()
        }
        self.one = {Form.of(k).words[0] for k in numbers.get("one") or []}
        self.joiners = {
            Form.of(k).words[0] for k in numbers.get("joiners") or [] if Form.of(k).words
        }
        self.grouping = set(numbers.get("grouping") or [])
        self.decimal = numbers.get("decimal", ".")
        self.compounds = bool(numbers.get("compounds"))
        self.qualifiers = sorted(
            (
                (form, concept)
                for concept, forms in lexicon.grouped("qualifiers").items()
                for form in forms
            ),
            key=lambda fc: -len(fc[0].words),
        )
        self.vague = sorted(
            (
                (form, concept)
                for concept, forms in lexicon.grouped("vague").items()
                for form in forms
            ),
            key=lambda fc: -len(fc[0].words),
        )
        self.units = lexicon.grouped("units")
        self.not_after = f(lexicon.words("not_after"))
        self.not_before = {w for form in f(lexicon.words("not_before")) for w in form.words[-1:]}
        self.periods = {w for form in f(lexicon.words("period_words")) for w in form.words}
        self.people = f(lexicon.words("people_nouns"))
        # "three days after": a point in time, not a duration
        self.time_points = {w for form in f(lexicon.words("time_points")) for w in form.words}
        self.of_them = [form.words for form in f(lexicon.words("of_them"))]
        self.clause_words = {fold(w) for w in lexicon.words("clause_words")} | {";", ":", "–"}
        self.auxiliaries = {fold(w) for w in lexicon.words("auxiliaries")}
        self.currencies = _currency_forms(lexicon)

    # -- numbers ------------------------------------------------------------------------------

    def digits(self, text: str) -> float | None:
        parts = re.split(r"([., ])", text)
        numbers, seps = parts[0::2], parts[1::2]
        if not seps:
            return float(numbers[0])
        if len(set(seps)) == 1:
            sep = seps[0]
            grouped = 1 <= len(numbers[0]) <= 3 and all(len(p) == 3 for p in numbers[1:])
            if sep == self.decimal and len(seps) == 1:
                return float(numbers[0] + "." + numbers[1])
            if grouped and (sep in self.grouping or sep == " "):
                return float("".join(numbers))
            return None
        if len(set(seps[:-1])) == 1 and seps[-1] == self.decimal and seps[0] != self.decimal:
            whole = "".join(numbers[:-1])
            return float(whole + "." + numbers[-1])
        return None

    def _compound(self, word: str) -> list[float] | None:
        """sv/de number words written as one word: tjugofem, fünfundzwanzig, zweitausend."""
        if not self.compounds or len(word) < 6:
            return None
        parts = {**self.words, **self.multipliers, **dict.fromkeys(self.one, 1.0)}
        joiners = self.joiners

        def split(rest: str) -> list[float] | None:
            if not rest:
                return []
            for k in sorted(parts, key=len, reverse=True):
                if rest.startswith(k):
                    tail = split(rest[len(k) :])
                    if tail is not None:
                        return [float(parts[k]), *tail]
            for j in joiners:
                if rest.startswith(j) and len(rest) > len(j):
                    tail = split(rest[len(j) :])
                    if tail is not None:
                        return tail
            return None

        values = split(word)
        return values if values and len(values) > 1 else None

    def numbers(self, toks: list[Token], view: View) -> list[Number]:
        out: list[Number] = []
        i = 0
        while i < len(toks):
            t = toks[i]
            if t.text[0].isdigit():
                value = self.digits(t.text)
                j = i + 1
                if value is not None and j < len(toks) and toks[j].text in self.multipliers:
                    value *= self.multipliers[toks[j].text]
                    j += 1
                if value is not None:
                    out.append(Number(i, j, value))
                i = j
                continue
            values, j = self._words(toks, i)
            if values:
                value = _compose(values, set(self.multipliers.values()))
                # "twelve (12) cartridges": the digits restate the words, one figure
                if (
                    j + 2 < len(toks)
                    and toks[j].text == "("
                    and toks[j + 2].text == ")"
                    and toks[j + 1].text[:1].isdigit()
                    and self.digits(toks[j + 1].text) == value
                ):
                    j += 3
                out.append(Number(i, j, value))
                i = j
            elif toks[i].text in self.one and self._one_counts(toks, i):
                out.append(Number(i, i + 1, 1.0))  # "an assault rifle", "one was wounded"
                i += 1
            else:
                i += 1
        return out

    def _one_counts(self, toks: list[Token], i: int) -> bool:
        """ "a", "one" count one when an item kind follows ("an assault rifle") or, for
        "one", a verb of what is counted ("one was wounded")."""
        if i + 1 >= len(toks) or toks[i + 1].sentence != toks[i].sentence:
            return False
        if any(
            tuple(t.text for t in toks[i : i + len(form.words)]) == form.words
            for form, _ in self.vague
        ):
            return False  # "a certain amount of", "ett stort antal": no count
        item, end = self._item(toks, i + 1, toks[i].sentence)
        if item and end - i <= 4:  # "an assault rifle", "a loaded pistol"
            return True
        nxt = toks[i + 1].text
        return (
            toks[i].text == "one"
            or toks[i].text in ("en", "ett", "jedan", "jedna", "einer", "eine")
        ) and nxt in self.auxiliaries

    def _words(self, toks: list[Token], i: int) -> tuple[list[float], int]:
        values: list[float] = []
        kinds: list[str] = []
        j = i
        while j < len(toks):
            w = toks[j].text
            if w in self.words:
                values.append(float(self.words[w]))
                kinds.append("n")
            elif w in self.multipliers:
                values.append(float(self.multipliers[w]))
                kinds.append("m")
            elif w in self.one and j + 1 < len(toks) and toks[j + 1].text in self.multipliers:
                values.append(1.0)
                kinds.append("n")
            elif (
                (w in self.joiners or w == "-")
                and values
                and j + 1 < len(toks)
                and (toks[j + 1].text in self.words or toks[j + 1].text in self.multipliers)
                and toks[j].sentence == toks[j + 1].sentence
            ):
                j += 1
                continue
            else:
                parts = self._compound(w)
                if parts and not values:
                    return parts, j + 1
                break
            j += 1
        if values and kinds == ["m"]:  # "hundred" alone is not a number here
            return [], i
        return values, j

    # -- figures ------------------------------------------------------------------------------

    def find(
        self,
        toks: list[Token],
        view: View,
        skip: list[tuple[int, int]],
        headings: set[int],
        measures: list[tuple[int, str]],
    ) -> list[Figure]:
        """``skip``: view spans that are dates; ``headings``: sentence indices of headings;
        ``measures``: (token index, measure) of measure words."""
        out: list[Figure] = []
        heads: list[Figure] = []
        for number in self.numbers(toks, view):
            first = toks[number.first]
            if first.sentence < 0:
                continue
            if any(s <= first.start < e for s, e in skip):
                continue
            if self._not_a_count(toks, number, view):
                continue
            figure = self._figure(toks, view, number, measures)
            if figure and first.sentence in headings:
                heads.append(figure)
            elif figure:
                out.append(figure)
        # a headline's figure stands only where the body states it too (within 10 %)
        for head in heads:
            agrees = next(
                (
                    f
                    for f in out
                    if f.measure == head.measure
                    and f.item == head.item
                    and f.number
                    and head.number
                    and abs(f.number - head.number) <= 0.1 * max(f.number, head.number)
                ),
                None,
            )
            if agrees is not None:
                head.agrees = agrees
                out.append(head)
        out.extend(self._vague(toks, view, skip, headings, measures))
        return out

    def _not_a_count(self, toks: list[Token], number: Number, view: View) -> bool:
        first, last = toks[number.first], toks[number.end - 1]
        after = view.folded[last.end : last.end + 1]
        if first.text[0].isdigit():
            if after.isalpha():
                return True  # 9mm, 27th, 3am
            if view.folded[last.end : last.end + 2] in (":0", ":1", ":2", ":3", ":4", ":5"):
                return True  # 14:30
            if (
                self.lexicon.language in ("sr", "de")
                and re.match(r"\.\s+[a-zšđčćž]", view.folded[last.end : last.end + 3])
                and not re.match(r"\.\s+(?:godin)", view.folded[last.end : last.end + 8])
            ):
                return True  # an ordinal: "27. tog", "5. Bezirk"
            if YEAR.match(first.text) and number.end == number.first + 1:
                return True  # a year (a count of 1900-2099 would be written 2,000 or 2 000)
        if number.first > 0:
            before = toks[number.first - 1]
            if before.text in self.not_before or before.text in self.periods:
                return True
        raw = view.folded[last.end : last.end + 30].lstrip()
        for form in self.not_after:
            phrase = form.text.lower()
            if raw.startswith(fold(phrase)) and not raw[len(phrase) : len(phrase) + 1].isalnum():
                return True
        rest = " ".join(t.text for t in toks[number.end : number.end + 4])
        for form in self.not_after:
            phrase = " ".join(form.words)
            if rest == phrase or rest.startswith(phrase + " "):
                return True
        # "two weeks ago", "three days after": the unit, then a word of a point in time
        if number.end < len(toks) and self._unit(toks[number.end].text):
            if number.end + 1 < len(toks) and toks[number.end + 1].text in self.time_points:
                return True
            rest = " ".join(t.text for t in toks[number.end + 1 : number.end + 4])
            for form in self.not_after:
                phrase = " ".join(form.words)
                if rest == phrase or rest.startswith(phrase + " "):
                    return True
        return False

    def _is_people(self, word: str) -> bool:
        return any(
            word_matches(word, f.words[0], f.prefix, self.infl) for f in self.people if f.words
        )

    def _unit(self, word: str) -> str | None:
        for unit, forms in self.units.items():
            if any(
                len(f.words) == 1 and word_matches(word, f.words[0], f.prefix, ()) for f in forms
            ):
                return unit
        return None

    def _qualifier(self, toks: list[Token], first: int) -> tuple[str, int]:
        """The cue right before token ``first``: (concept, first token of the cue)."""
        for form, concept in self.qualifiers:
            k = len(form.words)
            if first - k < 0:
                continue
            window = [t.text for t in toks[first - k : first]]
            if window == list(form.words) and toks[first - k].sentence == toks[first].sentence:
                return concept, first - k
        return "exact", first

    def _noun_phrase(
        self, toks: list[Token], start: int
    ) -> tuple[int, str | None, str | None, bool]:
        """After a number: (end token of what it counts, item kind, unit, counts people)."""
        sentence = toks[start - 1].sentence if start else -1
        j = start
        if j < len(toks) and toks[j].text == "-":
            j += 1  # eight-month
        unit = self._unit(toks[j].text) if j < len(toks) else None
        if unit == "percent" or (
            j + 1 < len(toks) and f"{toks[j].text} {toks[j + 1].text}" in ("per cent",)
        ):
            end = j + (2 if toks[j].text == "per" else 1)
            return end, None, "percent", False
        if unit:
            return j + 1, None, unit, False
        item, item_end = self._item(toks, j, sentence)
        if item:
            return item_end, item, None, False
        for words in self.of_them:  # "three of them were arrested"
            if tuple(t.text for t in toks[j : j + len(words)]) == tuple(words):
                return j + len(words), None, None, True
        for k in range(j, min(j + 4, len(toks))):
            if toks[k].sentence != sentence or not toks[k].text.isalpha():
                break
            if self._is_people(toks[k].text):
                return k + 1, None, None, True
        end = (
            j + 1
            if j < len(toks) and toks[j].text.isalpha() and toks[j].sentence == sentence
            else j
        )
        return end, None, None, False

    def _item(self, toks: list[Token], j: int, sentence: int) -> tuple[str | None, int]:
        best: tuple[int, str, int] | None = None
        for k in range(j, min(j + 4, len(toks))):
            if toks[k].sentence != sentence or not toks[k].text.isalpha():
                break
            for item, forms in sorted(self.lexicon.items.items()):
                for form in forms:
                    n = len(form.words)
                    window = [t.text for t in toks[k : k + n]]
                    if len(window) == n and all(  # noqa: SIM102
                        word_matches(w, fw, form.prefix and x == n - 1, self.infl)
                        for x, (w, fw) in enumerate(zip(window, form.words, strict=True))
                    ):
                        if best is None or n > best[0]:
                            best = (n, item, k + n)
            if best:
                return best[1], best[2]
        return None, j

    def _in_sentence(
        self, toks: list[Token], measures: list[tuple[int, str]]
    ) -> dict[int, list[tuple[int, str]]]:
        """The measure words grouped by sentence (once per list: per figure, a look through
        every measure word of the text made long texts quadratic)."""
        if self._grouped is not measures:
            self._by_sentence = {}
            for k, m in measures:
                self._by_sentence.setdefault(toks[k].sentence, []).append((k, m))
            self._grouped = measures
        return self._by_sentence

    def _measure(
        self,
        toks: list[Token],
        first: int,
        end: int,
        measures: list[tuple[int, str]],
        people: bool = False,
    ) -> str | None:
        """What the figure at tokens ``first``..``end`` counts: the counted noun itself ("40
        arrests"), a measure word right after it ("190 personer lagfördes"), else the nearest
        measure word of its sentence, the left first, one in its own clause before one across
        a clause boundary; people are never seized, searched or found."""
        here = self._in_sentence(toks, measures).get(toks[first].sentence, [])
        ranked = []
        for k, m in here:
            if people and m in THINGS:
                continue
            if first < k < end:
                rank = (0, 0)
            elif end <= k <= end + 2 and not any(
                t.text in self.joiners or t.text in (",", ";") for t in toks[end:k]
            ):
                rank = (1, k - end)
            else:
                between = toks[k + 1 : first] if k < first else toks[end:k]
                crossed = any(t.text in self.clause_words for t in between)
                distance = first - k if k < first else k - end
                rank = (2 + 2 * crossed + (k >= end), distance)
            ranked.append((rank, m))
        return min(ranked)[1] if ranked else None

    def _money(self, toks: list[Token], number: Number) -> tuple[int, int, str] | None:
        """(first token, end token, ISO code) of an amount of money: "38,000 euros",
        "5 miliona dinara", "€38,000", "EUR 38,000"."""
        after = number.end
        for words, code in self.currencies:
            if tuple(t.text for t in toks[after : after + len(words)]) == words:
                return number.first, after + len(words), code
        if number.first > 0:
            before = toks[number.first - 1].text
            for words, code in self.currencies:
                if len(words) == 1 and words[0] == before and len(before) <= 3:
                    return number.first - 1, number.end, code
        return None

    def _figure(
        self, toks: list[Token], view: View, number: Number, measures: list[tuple[int, str]]
    ) -> Figure | None:
        qualifier, start = self._qualifier(toks, number.first)
        money = self._money(toks, number)
        if money is not None:  # cash seized (or found); another amount is no figure here
            first, end, code = money
            measure = self._measure(toks, number.first, end, measures)
            if measure not in THINGS:
                return None
            s, e = view.span(toks[min(start, first)].start, toks[end - 1].end)
            return Figure(s, e, number.value, qualifier, measure, "cash", code)
        end, item, unit, people = self._noun_phrase(toks, number.end)
        measure = None
        if unit == "percent":
            measure = self._measure(toks, number.first, end, measures)
            if measure not in ("increase-percent", "share-percent"):
                measure = "share-percent"
        elif unit:
            measure = "duration"
        else:
            measure = self._measure(toks, number.first, end, measures, people)
            if measure in ("increase-percent", "share-percent", "duration"):
                measure = None
            if measure is None and item:
                measure = "seized"
            if measure is None and people:
                measure = "group-size"
        if measure is None:
            return None
        s, e = view.span(toks[start].start, toks[max(end, number.end) - 1].end)
        return Figure(
            s, e, number.value, qualifier, measure, item, unit if unit != "week" else None
        )

    def _vague(
        self,
        toks: list[Token],
        view: View,
        skip: list[tuple[int, int]],
        headings: set[int],
        measures: list[tuple[int, str]],
    ) -> list[Figure]:
        out = []
        i = 0
        while i < len(toks):
            found = None
            for form, concept in self.vague:
                k = len(form.words)
                if [t.text for t in toks[i : i + k]] == list(form.words):
                    found = (concept, k)
                    break
            if not found or toks[i].sentence < 0 or toks[i].sentence in headings:
                i += 1
                continue
            concept, k = found
            end, item, unit, people = self._noun_phrase(toks, i + k)
            if unit:
                i += k
                continue
            measure = self._measure(toks, i, end, measures)
            near = measure and any(
                abs(m_k - i) <= 8
                for m_k, m in self._in_sentence(toks, measures).get(toks[i].sentence, [])
                if m == measure
            )
            if (
                measure
                and near
                and measure not in ("duration", "increase-percent", "share-percent", "group-size")
                and (item or people)
            ):
                s, e = view.span(toks[i].start, toks[end - 1].end)
                out.append(Figure(s, e, None, concept, measure, item, None))
            i += k
        return out


def _compose(values: list[float], multipliers: set[float]) -> float:
    total, current = 0.0, 0.0
    for v in values:
        if v in multipliers and v >= 100:
            current = (current or 1.0) * v
            if v >= 1000:
                total += current
                current = 0.0
        else:
            current += v
    return total + current


def measure_words(
    toks: list[Token], lexicon: Lexicon, names: list[tuple[int, int]] | None = None
) -> list[tuple[int, str]]:
    """(token index, measure) of every word of the vocabulary's measure labels in the text,
    but those inside a name (``names``: view spans; "Reska border crossing" counts no one
    crossing)."""
    infl = lexicon.inflections
    out = []
    forms = sorted(
        ((form, m) for m, fs in lexicon.measures.items() for form in fs if form.words),
        key=lambda fm: (-len(fm[0].words), fm[1]),
    )
    particles = [
        (str(measure), fold(str(parts[0])), fold(str(parts[1])) if len(parts) > 1 else "")
        for measure, verbs in (lexicon.data.get("particle_verbs") or {}).items()
        for parts in verbs or []
        if parts
    ]
    forms_at = FirstLetters(forms, lambda pair: pair[0])
    spans = sorted(names or [])
    starts = [a for a, _ in spans]
    for i, t in enumerate(toks):
        if not t.text.isalpha():
            continue
        k = bisect.bisect_right(starts, t.start) - 1
        if k >= 0 and t.start < max(b for _, b in spans[max(0, k - 3) : k + 1]):
            continue
        for form, measure in forms_at.at(t.text):
            n = len(form.words)
            window = [x.text for x in toks[i : i + n]]
            if len(window) == n and all(
                word_matches(w, fw, form.prefix, infl)
                for w, fw in zip(window, form.words, strict=True)
            ):
                out.append((i, measure))
                break
        else:
            # "griff … auf": the verb, and its particle later in the same sentence
            for measure, verb, particle in particles:
                if t.text == verb and (
                    not particle
                    or any(
                        x.text == particle and x.sentence == t.sentence
                        for x in toks[i + 1 : i + 30]
                    )
                ):
                    out.append((i, measure))
                    break
    return out
