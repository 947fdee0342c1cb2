"""Names the dataset already knows: every label and altLabel of data/entities.yaml and of every
document's curated file, plus the lexicon's translations (exonyms). A name in a text is linked
through case, diacritics, Cyrillic and inflection: words are compared on a folded stem, with a
spaCy PhraseMatcher on the NORM attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from kgbuild.errors import InputError
from kgbuild.project import Project

from .model import ORG, PERSON, PLACE
from .text import fold
from .world import WorldName

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
KINDS = {"person": PERSON, "org": ORG, "place": PLACE}
MIN_STEM = 4


@dataclass
class Known:
    id: str
    type: str
    label: str
    kind: str
    aliases: set[str] = field(default_factory=set)
    world: bool = False  # known to CLDR or bodies.yaml, not (yet) to the dataset
    country: str | None = None  # for a city CLDR knows: its country's id


@dataclass
class Gazetteer:
    """Known entities by id, and every id the dataset uses (so new ids do not collide)."""

    entities: dict[str, Known]
    ids: set[str]

    def kind_of(self, entity_id: str) -> str | None:
        return KINDS.get(entity_id.split("/", 1)[0])


@dataclass
class Records:
    """The records the gazetteer learns names from, read once for a batch of drafts:
    (record, from the registry, from a draft)."""

    items: list[tuple[Any, bool, bool]]


def read_records(project: Project, exclude: set[str] | None = None) -> Records:
    """The records of data/entities.yaml and of every document's curated file but those of
    ``exclude`` (documents being drafted again)."""
    items: list[tuple[Any, bool, bool]] = []
    data = _read(project.entities_file)
    for record in (data or {}).get("entities") or []:
        items.append((record, True, False))
    for path in sorted(project.documents_dir.glob("*.yaml")):
        if path.stem in (exclude or set()):
            continue
        doc = _read(path) or {}
        meta = doc.get("document") if isinstance(doc, dict) else None
        is_draft = isinstance(meta, dict) and meta.get("curationStatus") == "draft"
        for record in doc.get("facts") or []:
            items.append((record, False, is_draft))
    return Records(items)


def load(
    project: Project,
    exclude: set[str] | None = None,
    exonyms: dict[str, Any] | None = None,
    world: list[WorldName] | None = None,
    records: Records | None = None,
) -> Gazetteer:
    """The gazetteer of ``project``, leaving out the curated files of the documents
    ``exclude`` (those being drafted, whose old facts must not feed their new drafts). The
    names of drafts are not learnt, only their ids: a name a drafter got wrong must not be
    linked in the next draft."""
    entities: dict[str, Known] = {}
    ids: set[str] = set()
    for record, registry, is_draft in (records or read_records(project, exclude)).items:
        if is_draft:
            _add_ids(ids, record)
        else:
            _add(entities, ids, record, registry=registry)
    for entity_id, names in sorted((exonyms or {}).items()):
        if entity_id in entities:
            entities[entity_id].aliases.update(str(n) for n in names or [])
    by_alias: dict[tuple[str, str], set[str]] = {}
    for known in entities.values():
        for alias in known.aliases | {known.label}:
            by_alias.setdefault((known.kind, fold(alias)), set()).add(known.id)
    for name in world or []:
        target = entities.get(name.id)
        if target is None:  # the dataset's own id for it: an entity with one of its names
            owners = set().union(*(by_alias.get((name.kind, n), set()) for n in name.everywhere))
            if len(owners) == 1:
                target = entities[next(iter(owners))]
        if target is not None:
            target.aliases.update(name.names)
            target.country = target.country or name.country
        else:
            entities[name.id] = Known(
                name.id,
                name.type,
                name.label,
                name.kind,
                set(name.names),
                world=True,
                country=name.country,
            )
    return Gazetteer(entities, ids)


def _read(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"cannot read it to learn the names it gives: {exc}") from None


def _texts(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    if isinstance(value, dict):
        return [t for v in value.values() for t in _texts(v)]
    return []


def _add_ids(ids: set[str], record: Any) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return
    ids.add(record["id"])
    for nested in record.get("quantities") or []:
        if isinstance(nested, dict) and isinstance(nested.get("id"), str):
            ids.add(nested["id"])


def _add(entities: dict[str, Known], ids: set[str], record: Any, *, registry: bool) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return
    _add_ids(ids, record)
    entity_id = record["id"]
    kind = KINDS.get(entity_id.split("/", 1)[0])
    if kind is None:
        return
    known = entities.get(entity_id)
    labels = _texts(record.get("label"))
    if known is None:
        types = record.get("type")
        type_ = types[0] if isinstance(types, list) and types else types
        if not isinstance(type_, str):
            if not registry and not labels and not record.get("altLabel"):
                return
            type_ = {PERSON: "Person", ORG: "Organisation", PLACE: "Place"}[kind]
        known = entities[entity_id] = Known(
            entity_id, type_, labels[0] if labels else entity_id, kind
        )
    known.aliases.update(labels)
    known.aliases.update(_texts(record.get("altLabel")))


def stem(word: str, inflections: tuple[str, ...]) -> str:
    """A folded word without its inflection: the longest ending of the lexicon's
    ``inflections`` is cut while at least four letters remain (Gašića, Gasic -> gasic;
    Serbiens, Serbien -> serbi)."""
    for _ in range(3):
        for ending in inflections:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                word = word[: -len(ending)]
                break
        else:
            break
    return word


def bases(word: str, inflections: tuple[str, ...]) -> frozenset[str]:
    """A folded word and what it is without one ending of the lexicon's ``inflections``
    (while at least four letters remain): two words are one name's forms when their bases
    meet ("Avganistana" and "Avganistan", "Srbije" and "Srbija", "Serbiens" and "Serbien")."""
    out = {word}
    if word.isalpha():
        for ending in inflections:
            if word.endswith(ending) and len(word) - len(ending) >= MIN_STEM:
                out.add(word[: -len(ending)])
    return frozenset(out)


@dataclass(frozen=True)
class _Name:
    entity_id: str
    words: tuple[frozenset[str], ...]  # the bases of each word
    capitalised: bool  # only a capitalised first word matches


class Matcher:
    """Finds the known names in a spaCy Doc: each word of a name meets a word of the text in
    its bases (case, diacritics, Cyrillic and inflection aside)."""

    def __init__(self, nlp: Any, gazetteer: Gazetteer, inflections: tuple[str, ...]) -> None:
        self.nlp = nlp
        self.inflections = inflections
        self.gazetteer = gazetteer
        self.names: dict[str, list[_Name]] = {}  # a base of the first word -> names
        surnames: dict[str, set[str]] = {}
        for known in sorted(gazetteer.entities.values(), key=lambda k: k.id):
            aliases = set(known.aliases) | {known.label}
            if known.kind == PERSON:
                for alias in list(aliases):
                    last = alias.split()[-1]
                    if len(alias.split()) > 1 and len(last) >= 4 and last[0].isupper():
                        surnames.setdefault(last, set()).add(known.id)
            for alias in sorted(aliases):
                if alias == known.id or not alias.strip():
                    continue
                if alias[0].isupper() or not alias[0].isalpha():
                    self._add(known.id, alias, True)
                elif len(alias.split()) > 1:  # generic one-word names ("army") are not linked
                    self._add(known.id, alias, False)
        for surname, owners in sorted(surnames.items()):
            if len(owners) == 1:  # a surname two people share links neither
                self._add(next(iter(owners)), surname, True)

    def _add(self, entity_id: str, alias: str, capitalised: bool) -> None:
        words = tuple(bases(fold(t.text), self.inflections) for t in self.nlp.make_doc(alias))
        if not words:
            return
        name = _Name(entity_id, words, capitalised)
        for base in words[0]:
            self.names.setdefault(base, []).append(name)

    def doc(self, text: str) -> Any:
        return self.nlp.make_doc(text)

    def find(self, doc: Any) -> list[tuple[int, int, str]]:
        """(first token, end token, entity id) of each known name, longest first, no overlap."""
        words = [bases(fold(t.text), self.inflections) for t in doc]
        found = set()
        for start, first in enumerate(words):
            initial = doc[start].text[:1]
            for name in {n for b in first for n in self.names.get(b, ())}:
                end = start + len(name.words)
                if end > len(words) or (
                    name.capitalised and not (initial.isupper() or initial.isdigit())
                ):
                    continue
                if all(words[start + k] & w for k, w in enumerate(name.words)):
                    found.add((start, end, name.entity_id))
        ranked = []
        for start, end, entity_id in found:
            known = self.gazetteer.entities[entity_id]
            exact = 0 if fold(known.label) == fold(doc[start:end].text) else 1
            # a city's name is the city: "Belgrade" names the government only in a source's
            # own reading of it (a metonym an altLabel records), so the place wins a tie
            ranked.append((start, end, exact, known.kind != PLACE, entity_id))
        ranked.sort(key=lambda m: (-(m[1] - m[0]), m[0], m[2], m[3], m[4]))
        taken: set[int] = set()
        out = []
        for start, end, _, _, entity_id in ranked:
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            out.append((start, end, entity_id))
        return sorted(out)
