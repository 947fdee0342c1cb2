"""Which language a text is in: a vote of function words (spaCy's stop lists and the lexicon's
own), on the folded text, so Serbian in Cyrillic or Latin script counts alike."""

from __future__ import annotations

import importlib
import re

from .text import fold

SUPPORTED = ("en", "sv", "sr", "de")
MIN_VOTES = 2


def stop_words(language: str, extra: list[str]) -> frozenset[str]:
    """spaCy's stop words for ``language`` (folded; Serbian's are Cyrillic) plus ``extra``."""
    try:
        module = importlib.import_module(f"spacy.lang.{language}.stop_words")
        words = set(module.STOP_WORDS)
    except ImportError:
        words = set()
    return frozenset(fold(w) for w in words | set(extra))


def detect(text: str, function_words: dict[str, list[str]]) -> str | None:
    """The language whose function words the text uses most, or None when no language has at
    least three votes and a clear lead (ties, other languages, texts with no words)."""
    tokens = re.findall(r"[^\W\d_]+", fold(text[:20000]))
    if not tokens:
        return None
    scores = {}
    for language, extra in sorted(function_words.items()):
        # Distinctive words only: a word that is a stop word in several languages ("i", "in")
        # counts for none, so short texts are not decided by it.
        scores[language] = stop_words(language, extra)
    shared: dict[str, int] = {}
    for words in scores.values():
        for w in words:
            shared[w] = shared.get(w, 0) + 1
    votes = {
        language: sum(1 for t in tokens if t in words and shared[t] == 1)
        for language, words in scores.items()
    }
    ranked = sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))
    best, score = ranked[0]
    runner = ranked[1][1] if len(ranked) > 1 else 0
    if score < MIN_VOTES or score < 1.5 * runner:
        return None
    return best
