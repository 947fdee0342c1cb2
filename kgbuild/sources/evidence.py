"""Locating evidence quotes in their documents (Web Annotation text selectors)."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import pyoxigraph

from kgbuild.namespaces import KG, OA, RDF, RDFS
from kgbuild.rdf import integer, iri, lit

Triple = tuple[str, str, pyoxigraph.NamedNode | pyoxigraph.Literal]

CONTEXT_CHARS = 32


def visible(text: str) -> str:
    """``text`` without invisible formatting characters (Unicode category Cf: bidi controls,
    zero widths, soft hyphens): what a label may hold. The quote itself (oa:exact) keeps them,
    as the document has them."""
    return "".join(c for c in text if unicodedata.category(c) != "Cf")


class QuoteError(ValueError):
    """A quote that is not in the text, or is there more than once."""


@dataclass(frozen=True)
class Span:
    """A located quote: offsets in Unicode code points, end exclusive, as Web Annotation says."""

    start: int
    end: int
    exact: str
    prefix: str
    suffix: str
    sentence: str


def locate(text: str, quote: str, prefix: str | None = None) -> Span:
    """Find ``quote`` once in ``text`` (or once right after ``prefix``)."""
    if not quote.strip():
        raise QuoteError("the quote is empty")
    if prefix:
        hits = _all(text, prefix + quote)
        start_shift = len(prefix)
        what = f"{prefix!r} followed by the quote"
    else:
        hits = _all(text, quote)
        start_shift = 0
        what = "the quote"
    if not hits:
        close = _closest(text, quote)
        hint = f"; the closest text is {close!r}" if close else ""
        raise QuoteError(f"{what} is not in the document{hint}")
    if len(hits) > 1:
        raise QuoteError(
            f"{what} occurs {len(hits)} times (at offsets "
            + ", ".join(str(h + start_shift) for h in hits)
            + "); make it longer or give 'prefix' (the words right before it)"
        )
    start = hits[0] + start_shift
    end = start + len(quote)
    return Span(
        start=start,
        end=end,
        exact=quote,
        prefix=text[max(0, start - CONTEXT_CHARS) : start],
        suffix=text[end : end + CONTEXT_CHARS],
        sentence=sentence_around(text, start, end),
    )


_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’]?\s+|\n+")


def sentence_around(text: str, start: int, end: int) -> str:
    """The sentence(s) the span ``start:end`` lies in: from the boundary before the span to the
    boundary after it (a boundary is '.', '!' or '?' and white space, or a line break)."""
    begin, finish = 0, len(text)
    for match in _BOUNDARY.finditer(text):
        if match.end() <= start:
            begin = match.end()
        elif match.start() >= end:
            finish = match.start()
            break
    return text[begin:finish].strip()


def _all(text: str, needle: str) -> list[int]:
    hits, at = [], text.find(needle)
    while at != -1:
        hits.append(at)
        at = text.find(needle, at + 1)
    return hits


def _closest(text: str, quote: str) -> str | None:
    """The longest beginning of the quote that the text has, to show where it stops matching."""
    lo, hi = 0, len(quote)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if quote[:mid] in text:
            lo = mid
        else:
            hi = mid - 1
    if lo < 8:
        return None
    at = text.find(quote[:lo])
    return text[at : at + lo + 12]


def mention_triples(mention: str, span: Span, source: str, language: str) -> list[Triple]:
    """A located quote as a kg:Mention (a Web Annotation specific resource on the ``source``
    document) with a text quote selector and a text position selector."""
    quote_sel, pos_sel = mention + "/quote", mention + "/position"
    out: list[Triple] = [
        (mention, RDF + "type", iri(KG + "Mention")),
        (mention, RDF + "type", iri(OA + "SpecificResource")),
        (mention, OA + "hasSource", iri(source)),
        (mention, OA + "hasSelector", iri(quote_sel)),
        (mention, OA + "hasSelector", iri(pos_sel)),
        (mention, RDFS + "label", lit(shorten_quote(visible(span.exact), 80), lang=language)),
        (mention, KG + "sentence", lit(span.sentence, lang=language)),
        (quote_sel, RDF + "type", iri(OA + "TextQuoteSelector")),
        (quote_sel, OA + "exact", lit(span.exact)),
    ]
    if span.prefix:
        out.append((quote_sel, OA + "prefix", lit(span.prefix)))
    if span.suffix:
        out.append((quote_sel, OA + "suffix", lit(span.suffix)))
    out += [
        (pos_sel, RDF + "type", iri(OA + "TextPositionSelector")),
        (pos_sel, OA + "start", integer(span.start)),
        (pos_sel, OA + "end", integer(span.end)),
    ]
    return out


def shorten_quote(text: str, limit: int = 60) -> str:
    """A quote cut to ``limit`` characters with an ellipsis, for labels and messages."""
    return text if len(text) <= limit else text[: limit - 1] + "…"
