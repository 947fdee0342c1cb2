"""Curated records (YAML read through the JSON-LD context) to RDF quads.

A records file is JSON-LD in YAML form. The JSON-LD processor (pyoxigraph's, which never
fetches a remote context) does the mapping; this module only checks the keys and values a
person may get wrong, with the file and line, and expands the four things JSON-LD cannot
express: evidence quotes (located in the text), dates (OWL-Time descriptions), nested
quantities (minted ids) and the document's language on text values.

One module of about 440 lines: the checks and the expansions walk the same record tree
once, with the same file-and-line bookkeeping; split, each half would walk it again.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph

from kgbuild.errors import EvidenceError, InputError, InputProblems, Location
from kgbuild.namespaces import PROV, SCHEMA, XSD
from kgbuild.rdf import iri, lit, quad
from kgbuild.sources.evidence import QuoteError, Span, locate, mention_triples, shorten_quote
from kgbuild.sources.timespec import (
    DateSpecError,
    TimeSpec,
    check_range,
    parse_spec,
    time_triples,
)
from kgbuild.sources.yamlio import Mapping

# Keys the build expands itself (see docs/curation.md).
DATE_KEYS = ("date", "startDate", "endDate", "datelineDate")
SPECIAL_KEYS = {"id", "type", "evidence", "quantities", *DATE_KEYS}
# Keys for the curator that the build reads past: `kgbuild draft`'s same-event link (sameAs:
# its score, reasons and the id to set back to undo it) and the candidates below the threshold.
IGNORED_KEYS = {"sameAs", "candidates", "check"}  # notes of kgbuild draft for the reviewer
# Text in the document's language (English in data/entities.yaml).
DOC_TEXT_KEYS = {"statedAs", "quotation", "altLabel", "groupDescription", "positionTitle", "rank"}
# Text that is English unless written as a language map {en: ..., sv: ...}.
ENGLISH_TEXT_KEYS = {"label", "prefLabel", "comment", "headline", "dateNote"}
NUMBER_KEYS = {"value", "lowerBound", "upperBound"}
PLAIN_TEXT_KEYS = {"unit", "inLanguage", "datePublished", "publishedNotBefore", "publishedNotAfter"}
CONCEPT_SCHEMES = {
    "measure": "measure",
    "itemKind": "item",
    "qualifier": "qualifier",
    "modality": "modality",
    "certainty": "certainty",
    "role": "role",
    "partOfMonth": "part",
    "curationStatus": "status",  # draft or reviewed (kgbuild draft)
}
# How the value of each key is checked and expanded: key -> kind (see RecordReader._readers).
# Any other term of the context is a reference to another record.
KEY_KINDS: dict[str, str] = {
    "type": "types",
    "evidence": "evidence",
    "quantities": "quantities",
    **dict.fromkeys(DATE_KEYS, "date"),
    **dict.fromkeys(DOC_TEXT_KEYS, "document text"),
    **dict.fromkeys(ENGLISH_TEXT_KEYS, "english text"),
    **dict.fromkeys(NUMBER_KEYS, "number"),
    **dict.fromkeys(CONCEPT_SCHEMES, "concept"),
    **dict.fromkeys(PLAIN_TEXT_KEYS, "plain text"),
}
NODE_KEYS = {"quantities": "quantity"}  # keys written under another JSON-LD term
_SCHEMA_DATES = {
    "date": ("startDate", "endDate"),
    "startDate": ("startDate",),
    "endDate": ("endDate",),
}
_LOCAL_ID = re.compile(r"^[a-z0-9][a-z0-9_.\-]*(/[a-z0-9_.\-]+)+$")
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$")


@dataclass(frozen=True)
class Vocabulary:
    """What the records may name: context terms, ontology classes, concepts per scheme."""

    context: dict[str, Any]
    classes: frozenset[str]
    concepts: dict[str, frozenset[str]]

    @property
    def terms(self) -> set[str]:
        out = set()
        for name, definition in self.context["@context"].items():
            if name.startswith("@") or (
                isinstance(definition, str) and definition.endswith(("/", "#"))
            ):
                continue  # keywords and prefixes are not record keys
            out.add(name)
        return out


@dataclass
class SourceText:
    """A document's text and identity, as the records of its file need them."""

    doc_id: str
    iri: str
    text: str
    language: str


@dataclass
class Unit:
    """What one records file yields: quads for one named graph, and where each subject is."""

    graph: str
    quads: list[pyoxigraph.Quad] = field(default_factory=list)
    locations: dict[str, Location] = field(default_factory=dict)
    references: list[tuple[str, Location]] = field(default_factory=list)
    records: int = 0
    mentions: int = 0


MAX_PROBLEMS = 20  # problems listed for one file; more are counted (docs/errors.md)


class RecordReader:
    """Turns the records of one file into quads in one graph.

    A problem in a key does not stop the reading: every record and key is read, and finish()
    raises the file's problems together (the first alone as itself, more as InputProblems,
    the first MAX_PROBLEMS listed), so that one run shows every mistake in a file.
    """

    def __init__(
        self,
        vocabulary: Vocabulary,
        base: str,
        path: Path,
        graph: str,
        source: SourceText | None,
    ) -> None:
        self.vocabulary = vocabulary
        self.terms = vocabulary.terms
        self.base = base
        self.path = path
        self.source = source
        self.language = source.language if source else "en"
        self.unit = Unit(graph=graph)
        self._nodes: list[dict[str, Any]] = []
        self._times: dict[str, tuple[TimeSpec, set[str]]] = {}
        self._spans: dict[str, Span] = {}
        self._minted: set[str] = set()
        self._ids: dict[str, Location] = {}  # record id -> where it was first given
        self.problems: list[InputError] = []
        # Each reader takes (value, where, key, the record's local id) and returns the value
        # for the JSON-LD node.
        self._readers: dict[str, Callable[[Any, Location, str, str], Any]] = {
            "types": lambda value, where, key, local: self._types(value, where),
            "evidence": lambda value, where, key, local: self._evidence(value, where),
            "quantities": lambda value, where, key, local: self._quantities(value, local, where),
            "date": lambda value, where, key, local: self._date(
                value, where, key, self.base + local
            ),
            "document text": lambda value, where, key, local: self._text(
                value, where, key, self.language
            ),
            "english text": lambda value, where, key, local: self._text(value, where, key, "en"),
            "number": lambda value, where, key, local: self._number(value, where, key),
            "concept": lambda value, where, key, local: self._concepts(value, where, key),
            "plain text": lambda value, where, key, local: self._plain(value, where, key),
            "reference": lambda value, where, key, local: self._references(value, where, key),
        }

    # -- public ---------------------------------------------------------------------------

    def add(self, record: Any, *, fixed_id: str | None = None, where: str = "record") -> None:
        """Check and normalise one record (a mapping), adding it to this file's graph."""
        if not isinstance(record, Mapping):
            self.problems.append(
                InputError(
                    self.path, f"each {where} must be a mapping of keys to values, not {record!r}"
                )
            )
            return
        try:
            node = self._node(record, fixed_id=fixed_id)
        except InputError as exc:
            self.problems.append(exc)
            return
        self._nodes.append(node)

    def check(self) -> None:
        """Raise the problems found so far: the one itself, or several as InputProblems."""
        if len(self.problems) == 1:
            raise self.problems[0]
        if self.problems:
            raise InputProblems(self.problems, MAX_PROBLEMS)

    def finish(self) -> Unit:
        """Run the JSON-LD mapping and add what the build derives; returns the file's unit.
        Raises the problems of the records added (see check)."""
        self.check()
        document = {"@context": self.vocabulary.context["@context"], "@graph": self._nodes}
        try:
            parsed = pyoxigraph.parse(
                json.dumps(document, ensure_ascii=False),
                pyoxigraph.RdfFormat.JSON_LD,
                base_iri=self.base,
            )
            graph = iri(self.unit.graph)
            for q in parsed:
                if isinstance(q.subject, pyoxigraph.BlankNode) or isinstance(
                    q.object, pyoxigraph.BlankNode
                ):
                    raise InputError(
                        self.path,
                        f"a value made an anonymous node ({q.predicate.value})",
                        hint="give every nested record an 'id'",
                    )
                self.unit.quads.append(pyoxigraph.Quad(q.subject, q.predicate, q.object, graph))
        except SyntaxError as exc:
            raise InputError(self.path, f"cannot map the records to RDF: {exc}") from None
        self._add_mentions()
        self._add_times()
        if self.source:
            for subject in self.unit.locations:
                self._emit(subject, PROV + "wasDerivedFrom", iri(self.source.iri))
        return self.unit

    # -- records --------------------------------------------------------------------------

    def _node(self, record: Mapping, *, fixed_id: str | None) -> dict[str, Any]:
        local = fixed_id or record.get("id")
        where = record.where(str(local) if local else None)
        if local is None:
            raise InputError(where, "record has no 'id'", hint="add id: <kind>/<name>")
        if fixed_id is None:
            self._check_local_id(local, where, "id")
            if local in self._ids:
                raise InputError(
                    where,
                    f"id {local} is given twice in this file (first at line "
                    f"{self._ids[local].line})",
                    hint="merge the two records into one, or correct one of the ids",
                )
            self._ids[local] = where
        subject = self.base + local
        self.unit.records += 1
        self.unit.locations.setdefault(subject, where)
        node: dict[str, Any] = {"id": local}
        before = len(self.problems)
        for key, value in record.items():
            if key == "id" or key in IGNORED_KEYS:
                continue
            try:  # each key's problem is kept, and the next key read (see the class doc)
                if key not in self.terms and key not in SPECIAL_KEYS:
                    raise InputError(where, f"unknown key {key!r}", hint=self._suggest(key))
                kind = KEY_KINDS.get(key, "reference")
                node[NODE_KEYS.get(key, key)] = self._readers[kind](value, where, key, local)
            except InputError as exc:
                self.problems.append(exc)
        if len(self.problems) > before:
            return node  # the checks across keys would only repeat what is wrong
        if "quantity" in node and "quantities" in record and "quantity" in record:
            raise InputError(where, "give quantities either nested or as 'quantity', not both")
        if "startDate" in record and "endDate" in record:
            try:
                check_range(
                    parse_spec(record["startDate"], self._doc_id)[0],
                    parse_spec(record["endDate"], self._doc_id)[0],
                )
            except DateSpecError as exc:
                raise InputError(where, str(exc), hint="swap or correct the dates") from None
        return node

    @property
    def _doc_id(self) -> str | None:
        return self.source.doc_id if self.source else None

    def _suggest(self, key: str) -> str:
        known = sorted(self.terms | SPECIAL_KEYS)
        close = difflib.get_close_matches(key, known, n=1)
        if close:
            return f"did you mean {close[0]!r}? Keys are the terms of data/context.jsonld"
        return "keys are the terms of data/context.jsonld (see docs/curation.md)"

    def _check_local_id(self, value: Any, where: Location, key: str) -> None:
        if not isinstance(value, str) or not _LOCAL_ID.match(value):
            raise InputError(
                where,
                f"{key} {value!r} is not a local id like 'event/2023-10-27-horgos-shooting'",
                hint="use lower-case letters, digits, '-', '_' and '/' after a kind such as event/",
            )

    def _types(self, value: Any, where: Location) -> list[str]:
        values = value if isinstance(value, list) else [value]
        out = []
        for name in values:
            if not isinstance(name, str):
                raise InputError(where, f"type {name!r} must be a class name")
            if ":" not in name and name not in self.vocabulary.classes:
                close = difflib.get_close_matches(name, sorted(self.vocabulary.classes), n=1)
                hint = f"did you mean {close[0]!r}?" if close else "see ontology/kgbuild.ttl"
                raise InputError(where, f"unknown class {name!r}", hint=hint)
            out.append(name)
        return out

    def _references(self, value: Any, where: Location, key: str) -> list[str] | str:
        values = value if isinstance(value, list) else [value]
        for local in values:
            self._check_local_id(local, where, key)
            self.unit.references.append((self.base + local, where))
        return value

    def _concepts(self, value: Any, where: Location, key: str) -> list[str] | str:
        scheme = CONCEPT_SCHEMES[key]
        known = self.vocabulary.concepts.get(scheme, frozenset())
        for name in value if isinstance(value, list) else [value]:
            if name not in known:
                close = difflib.get_close_matches(str(name), sorted(known), n=1)
                hint = (
                    f"did you mean {close[0]!r}?"
                    if close
                    else (
                        f"the {scheme} scheme in ontology/vocabularies.ttl has: "
                        + ", ".join(sorted(known))
                    )
                )
                raise InputError(where, f"unknown {key} {name!r}", hint=hint)
        return value

    def _plain(self, value: Any, where: Location, key: str) -> str:
        if not isinstance(value, str):
            raise InputError(
                where,
                f"{key} must be a string, not {value!r}",
                hint=f'quote it: {key}: "{value}"',
            )
        return value

    def _number(self, value: Any, where: Location, key: str) -> int | float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise InputError(
                where,
                f"{key} must be a number, not {value!r}",
                hint="write digits without separators (4500, not '4,500'); keep the words in "
                "statedAs",
            )
        return value

    def _text(self, value: Any, where: Location, key: str, language: str) -> dict[str, Any]:
        if isinstance(value, str):
            return {language: value}
        if isinstance(value, list) and all(isinstance(v, str) for v in value):
            return {language: value}
        if isinstance(value, dict):
            for lang, text in value.items():
                if not LANGUAGE_TAG.match(str(lang)):
                    raise InputError(
                        where, f"{key}: {lang!r} is not a language tag", hint="use tags like en, sv"
                    )
                texts = text if isinstance(text, list) else [text]
                if not all(isinstance(t, str) for t in texts):
                    raise InputError(where, f"{key}.{lang} must be text")
            return dict(value)
        raise InputError(where, f"{key} must be text, not {value!r}")

    # -- evidence -------------------------------------------------------------------------

    def _evidence(self, value: Any, where: Location) -> list[str]:
        if self.source is None:
            raise InputError(
                where,
                "evidence belongs in a document's file",
                hint="move the statement and its evidence to data/documents/<id>.yaml",
            )
        items = value if isinstance(value, list) else [value]
        out = []
        for item in items:
            if isinstance(item, str):
                quote, prefix = item, None
            elif isinstance(item, dict) and set(item) <= {"quote", "prefix"} and "quote" in item:
                quote, prefix = item["quote"], item.get("prefix")
            else:
                raise InputError(
                    where, f"evidence {item!r} is neither a quote nor {{quote:, prefix:}}"
                )
            try:
                span = locate(self.source.text, str(quote), str(prefix) if prefix else None)
            except QuoteError as exc:
                raise EvidenceError(
                    where,
                    f"evidence quote {shorten_quote(str(quote))!r}: {exc}",
                    hint="copy the words from the document exactly (quotes, dashes, spaces)",
                ) from None
            mention = f"{self.source.iri}/mention/{span.start}-{span.end}"
            self._spans[mention] = span
            out.append(mention)
        return out

    def _add_mentions(self) -> None:
        if self.source is None:
            return
        for mention, span in sorted(self._spans.items()):
            for triple in mention_triples(mention, span, self.source.iri, self.language):
                self._emit(*triple)
        self.unit.mentions = len(self._spans)

    # -- dates ----------------------------------------------------------------------------

    def _date(self, value: Any, where: Location, key: str, subject: str) -> str:
        try:
            spec, stated = parse_spec(value, self._doc_id)
        except DateSpecError as exc:
            raise InputError(where, f"{key}: {exc}", hint="see docs/curation.md, dates") from None
        node = f"{self.base}time/{spec.key}"
        entry = self._times.setdefault(node, (spec, set()))
        if stated:
            entry[1].add(stated)
        # schema.org clients get the date as a literal of its real precision.
        literal = spec.schema_literal()
        if literal:
            value_lit = lit(literal[0], datatype=XSD + literal[1])
            for prop in _SCHEMA_DATES.get(key, ()):
                self._emit(subject, SCHEMA + prop, value_lit)
        return node

    def _add_times(self) -> None:
        source = self.source.iri if self.source else None
        for node, (spec, stated) in sorted(self._times.items()):
            for triple in time_triples(node, spec, stated, self.language, source):
                self._emit(*triple)

    # -- quantities -----------------------------------------------------------------------

    def _quantities(self, value: Any, event_local: str, where: Location) -> list[str]:
        if not isinstance(value, list):
            raise InputError(where, "quantities must be a list of quantity records")
        out = []
        for record in value:
            if not isinstance(record, Mapping):
                raise InputError(where, f"a quantity must be a mapping, not {record!r}")
            local = record.get("id")
            if local is None:
                measure = record.get("measure")
                if not isinstance(measure, str):
                    raise InputError(
                        record.where(),
                        "a quantity needs a measure",
                        hint="add measure: (e.g. detained, seized)",
                    )
                suffix = measure + (f"-{record['itemKind']}" if record.get("itemKind") else "")
                doc = self._doc_id or "entities"
                local = f"quantity/{doc}/{event_local.rsplit('/', 1)[-1]}/{suffix}"
                if local in self._minted:
                    raise InputError(
                        record.where(local),
                        f"two quantities of {event_local} would both get the id {local}",
                        hint="give one of them an explicit 'id'",
                    )
                self._minted.add(local)
            node = self._node(record, fixed_id=local)
            node.setdefault("type", ["ReportedQuantity"])
            if "label" not in node and "statedAs" in node:
                node["label"] = node["statedAs"]
            self._nodes.append(node)
            out.append(local)
        return out

    def _emit(self, s: str, p: str, o: pyoxigraph.NamedNode | pyoxigraph.Literal) -> None:
        self.unit.quads.append(quad(s, p, o, self.unit.graph))
