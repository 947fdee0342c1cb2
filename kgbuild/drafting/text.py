"""Folding text for matching (case, diacritics, Serbian Cyrillic), sentences, and quotes that
occur exactly once (the evidence the build can locate)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import regex

from kgbuild.sources.evidence import visible

_CYRILLIC = {
    "А": "A", "Б": "B", "В": "V", "Г": "G", "Д": "D", "Ђ": "Đ", "Е": "E", "Ж": "Ž", "З": "Z",
    "И": "I", "Ј": "J", "К": "K", "Л": "L", "Љ": "Lj", "М": "M", "Н": "N", "Њ": "Nj", "О": "O",
    "П": "P", "Р": "R", "С": "S", "Т": "T", "Ћ": "Ć", "У": "U", "Ф": "F", "Х": "H", "Ц": "C",
    "Ч": "Č", "Џ": "Dž", "Ш": "Š",
}  # fmt: skip
_CYRILLIC.update({k.lower(): v.lower() for k, v in list(_CYRILLIC.items())})
_SPECIAL = {"đ": "dj", "Đ": "Dj", "ß": "ss", "ł": "l", "Ł": "L", "ø": "o", "Ø": "O", "æ": "ae"}
_APOSTROPHES = {"’": "'", "‘": "'", "`": "'"}


def latin(text: str) -> str:
    """Serbian Cyrillic transliterated to Latin; other text unchanged."""
    return "".join(_CYRILLIC.get(c, c) for c in text)


def _fold_char(c: str, lower: bool) -> str:
    if unicodedata.category(c) == "Cf":  # invisible: bidi controls, zero widths, soft hyphen
        return ""
    c = _CYRILLIC.get(c, c)
    out = []
    for ch in c:
        ch = _SPECIAL.get(ch, _APOSTROPHES.get(ch, ch))
        for base in unicodedata.normalize("NFKD", ch):
            if not unicodedata.combining(base):
                out.append(base)
    text = "".join(out)
    if lower:
        low = text.lower()
        return low if len(low) == len(text) else text
    return text


# The folded form of every character of the Latin, Cyrillic and punctuation blocks a text of
# the lexicons' languages is written in, computed once: folding is str.translate then.
_FOLDED = {i: _fold_char(chr(i), True) for i in (*range(0x530), *range(0x2000, 0x2070))}
_OUTSIDE = re.compile("[^\u0000-\u052f\u2000-\u206f]")


def fold(text: str) -> str:
    """Lower case, no diacritics, Cyrillic as Latin: Gašić, Gasic and Гашић fold alike."""
    if not _OUTSIDE.search(text):
        return text.translate(_FOLDED)
    return "".join(_fold_char(c, True) for c in text)


T = TypeVar("T")
# letters of the scripts whose look-alikes spoof each other ("Serbia" with a Cyrillic "а")
_SCRIPTS = {name: regex.compile(rf"\p{{{name}}}") for name in ("Latin", "Cyrillic", "Greek")}
_WORD = regex.compile(r"\p{L}+")


def invisible(text: str) -> list[tuple[int, str]]:
    """(offset, character) of each invisible formatting character of ``text`` (Unicode
    category Cf: bidi embeddings, overrides and isolates, zero-width spaces and joiners, the
    byte order mark, soft hyphens)."""
    return [(i, c) for i, c in enumerate(text) if unicodedata.category(c) == "Cf"]


def mixed_scripts(text: str) -> list[tuple[str, list[str]]]:
    """The words of ``text`` whose letters come from more than one of the Latin, Cyrillic and
    Greek scripts, each with those scripts (Unicode Script property, via ``regex``)."""
    out = []
    for word in _WORD.findall(visible(text)):
        scripts = [name for name, letters in _SCRIPTS.items() if letters.search(word)]
        if len(scripts) > 1:
            out.append((word, scripts))
    return out


@dataclass(frozen=True)
class View:
    """A folded copy of a text (``folded`` lower case, ``cased`` keeping case, same length) and,
    for each of its characters, the offset of the original character it came from."""

    original: str
    folded: str
    cased: str
    offsets: tuple[int, ...]

    @classmethod
    def of(cls, text: str) -> View:
        folded, cased, offsets = [], [], []
        for i, c in enumerate(text):
            low, keep = _fold_char(c, True), _fold_char(c, False)
            if len(low) != len(keep):
                low = keep.lower()[: len(keep)].ljust(len(keep))
            folded.append(low)
            cased.append(keep)
            offsets.extend([i] * len(keep))
        offsets.append(len(text))
        return cls(text, "".join(folded), "".join(cased), tuple(offsets))

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Original offsets of the view's characters ``start:end``."""
        if end <= start:
            return self.offsets[start], self.offsets[start]
        return self.offsets[start], self.offsets[end - 1] + 1


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    line: int  # 0-based index of the paragraph (line) it is in
    heading: bool  # a headline or subheading: a short line without closing punctuation


_END = re.compile(r"(?<=[.!?])[\"”’»]?\s+(?=[\"“„«–—-]?\s*[A-ZÀ-ÞŠŽČĆĐА-Я0-9])")
_ABBREVIATION = re.compile(r"(?:\b[A-Z][a-z]?|\b(?:Mr|Mrs|Ms|Dr|dr|St|Nr|br|No|Gen|Lt|Col))\.$")


TERMINAL = (".", "!", "?", "”", '"', "’", ":", ";")
BULLETS = ("-", "–", "•", "*", "·")
WRAPPED = 60  # a line at least this long that ends in no punctuation goes on in the next
# A "sentence" longer than this (a text without full stops) is read in pieces of about this
# size, cut at a space: every step that looks through a sentence then costs a bounded time,
# so that drafting stays linear in the text's length.
MAX_SENTENCE = 1000
QUOTE_CONTEXT = 200  # characters of prefix, or of quote, that may make a quote unique
REPEATS = 4  # a sentence given this often word for word: no news article (repeated_passage)
LOOK_BACK = 40  # characters before a full stop that tell an abbreviation or an ordinal


def _continues(previous: str, line: str) -> bool:
    """Whether ``line`` goes on the sentence of the line before it: a text wrapped at a fixed
    width ("… arrested eleven members of a people" / "smuggling ring …")."""
    if previous.endswith(TERMINAL) or line.startswith(BULLETS):
        return False
    return len(previous) >= WRAPPED or line[:1].islower()


def paragraphs(text: str) -> list[tuple[int, int, int]]:
    """(start, end, number of its first line) of each paragraph: a line, with the lines a
    text wrapped it onto."""
    out: list[list[int]] = []
    pos, previous = 0, ""
    for number, line in enumerate(text.split("\n")):
        stripped = line.strip()
        if stripped:
            lead = pos + len(line) - len(line.lstrip())
            end = pos + len(line.rstrip())
            if out and previous and _continues(previous, stripped):
                out[-1][1] = end
            else:
                out.append([lead, end, number])
        previous = stripped
        pos += len(line) + 1
    return [(a, b, n) for a, b, n in out]


def sentences(text: str, abbreviations: frozenset[str] = frozenset()) -> list[Sentence]:
    """Paragraphs (lines, and the lines a wrapped text goes on in), then sentences within
    them; a period after a digit or an abbreviation does not end a sentence (Serbian and German
    ordinals: "27. Oktober"; ``abbreviations``: folded words with their period, such as the
    lexicon's "oct." and "dr.")."""
    out: list[Sentence] = []
    for start, stop, number in paragraphs(text):
        segment = text[start:stop]
        heading = len(segment.split()) <= 20 and not segment.endswith((*TERMINAL, ","))
        begin = start
        for match in _END.finditer(segment):
            before = segment[max(0, match.start() - LOOK_BACK) : match.start()]
            if re.search(r"\d\.$", before) or _ABBREVIATION.search(before):
                continue
            word = before.rsplit(None, 1)[-1] if before.split() else ""
            if fold(word) in abbreviations:
                continue
            end = start + match.start()
            if end > begin:
                out += _pieces(text, begin, end, number, heading)
            begin = start + match.end()
        if stop > begin:
            out += _pieces(text, begin, stop, number, heading)
    return out


def _pieces(text: str, begin: int, end: int, line: int, heading: bool) -> list[Sentence]:
    """The sentence ``text[begin:end]``, in pieces of at most about MAX_SENTENCE characters
    cut at spaces when it is longer."""
    out = []
    while end - begin > MAX_SENTENCE:
        cut = text.rfind(" ", begin + MAX_SENTENCE // 2, begin + MAX_SENTENCE)
        cut = cut if cut > begin else begin + MAX_SENTENCE
        out.append(Sentence(begin, cut, line, heading))
        begin = cut + 1 if text[cut : cut + 1] == " " else cut
    if end > begin:
        out.append(Sentence(begin, end, line, heading))
    return out


def quote_at(text: str, start: int, end: int) -> str | dict[str, str]:
    """Evidence for ``text[start:end]`` as the curated files write it: the quote alone when it
    occurs once, else ``{quote, prefix}`` with the shortest prefix (whole words, at most
    QUOTE_CONTEXT characters) that makes it occur once, else the quote made longer (by at
    most QUOTE_CONTEXT characters) until it does. Bounded, so that drafting stays linear: a
    passage that even so occurs again is one the build reports, and draft refuses texts that
    repeat passages (repeated_passage)."""
    quote = text[start:end]
    if _count(text, quote) == 1:
        return quote
    begin = start
    while begin > max(0, start - QUOTE_CONTEXT):
        begin -= 1
        # extend to the start of a word, so the prefix reads naturally
        while begin > 0 and not text[begin - 1].isspace():
            begin -= 1
        prefix = text[begin:start]
        if prefix.strip() and _count(text, prefix + quote) == 1:
            return {"quote": quote, "prefix": prefix}
    # what comes before it occurs again too: lengthen the quote until it is unique
    longest = min(len(text), end + QUOTE_CONTEXT)
    while end < longest and _count(text, text[start:end]) > 1:
        end += 1
    prefix = text[begin:start]
    if prefix.strip() and _count(text, text[start:end]) > 1:
        return {"quote": text[start:end], "prefix": prefix}
    return text[start:end]


def _count(text: str, needle: str) -> int:
    """How often ``needle`` occurs in ``text``: 0, 1, or 2 for more than once."""
    at = text.find(needle)
    if at == -1:
        return 0
    return 1 if text.find(needle, at + 1) == -1 else 2


def repeated_passage(text: str, times: int = REPEATS) -> tuple[str, int] | None:
    """The sentence of at least 40 characters that the text gives most often word for word,
    and how often, when that is ``times`` or more; None for a text that does not repeat
    itself so."""
    seen: dict[str, int] = {}
    for piece in re.split(r"(?<=[.!?])\s+|\n+", text):
        piece = " ".join(piece.split())
        if len(piece) >= 40:
            seen[piece] = seen.get(piece, 0) + 1
    most = max(seen.items(), key=lambda item: (item[1], item[0]), default=None)
    return most if most is not None and most[1] >= times else None


def slug(text: str) -> str:
    """A readable id part: folded, words joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(text)).strip("-")[:60].strip("-") or "x"


@dataclass(frozen=True)
class Token:
    start: int  # offsets in the View
    end: int
    text: str  # folded
    cased: str
    sentence: int


_TOKEN = re.compile(r"\d+(?:(?:[.,]|\s(?=\d{3}(?!\d)))\d+)*|[^\W\d_]+(?:'[^\W\d_]+)?|%|[^\w\s]")


def tokens(view: View, spans: list[Sentence]) -> list[Token]:
    """Word, number and punctuation tokens of the folded view, each with its sentence index
    (-1 outside every sentence)."""
    starts = [s.start for s in spans]
    out = []
    import bisect

    for m in _TOKEN.finditer(view.folded):
        original = view.offsets[m.start()]
        k = bisect.bisect_right(starts, original) - 1
        sentence = k if k >= 0 and original < spans[k].end else -1
        out.append(Token(m.start(), m.end(), m.group(), view.cased[m.start() : m.end()], sentence))
    return out


class FirstLetters(Generic[T]):
    """Items (forms, or pairs whose first part is a form) by the first two letters of their
    first word, in their order: a token is compared only with the forms it can match, since
    word_matches never matches a token that does not begin with the word's first two letters
    (or its one letter). Looking at every form for every token made drafting slow in
    proportion to the text times the lexicon."""

    def __init__(self, items: Iterable[T], form: Callable[[T], Any]) -> None:
        self._by: dict[str, list[tuple[int, T]]] = {}
        for n, item in enumerate(items):
            words = form(item).words
            self._by.setdefault(words[0][:2] if words else "", []).append((n, item))
        self._seen: dict[str, list[T]] = {}

    def at(self, token: str) -> list[T]:
        """The items whose first word a token beginning like ``token`` can be, in order."""
        key = token[:2]
        if key not in self._seen:
            found = self._by.get(key, []) + self._by.get(key[:1], []) * (len(key) > 1)
            found += self._by.get("", [])
            self._seen[key] = [item for _, item in sorted(found, key=lambda pair: pair[0])]
        return self._seen[key]


def word_matches(
    token: str,
    word: str,
    prefix: bool,
    inflections: tuple[str, ...],
    agents: tuple[str, ...] = (),
) -> bool:
    """A folded token is the form ``word``: the same, ``word`` plus an inflection of the
    language, any word ``word`` begins when ``prefix``, or (for words of six letters or more)
    a word sharing all but its last three letters (arrested ~ arrests, activity ~ activities).
    A token with an agent noun's ending (``agents``: "smugglers") is only ever itself: it
    never matches an act ("smuggling", "smuggl*") by its beginning."""
    if token == word:
        return True
    if token.startswith(word) and token[len(word) :] in inflections:
        return True
    if agents and token.endswith(agents) and not word.endswith(agents):
        return False
    if prefix:
        return token.startswith(word)
    if len(word) >= 6 and abs(len(token) - len(word)) <= 3:
        common = 0
        for a, b in zip(token, word, strict=False):
            if a != b:
                break
            common += 1
        return common >= max(5, len(word) - 3) and common >= len(token) - 3
    return False
