"""Names the dataset already knows: every label and altLabel of data/entities.yaml and of every
document's curated file, plus the lexicon's translations (exonyms). A name in a text is linked
through case, diacritics, Cyrillic and inflection: words are compared on a folded stem, with a
spaCy PhraseMatcher on the NORM attribute."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .compat import InputError, Project
from .model import ORG, PERSON, PLACE
from .text import fold

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


@dataclass
class Gazetteer:
    """Known entities by id, and every id the dataset uses (so new ids do not collide)."""

    entities: dict[str, Known]
    ids: set[str]

    def kind_of(self, entity_id: str) -> str | None:
        return KINDS.get(entity_id.split("/", 1)[0])


def load(
    project: Project, exclude: str | None = None, exonyms: dict[str, Any] | None = None
) -> Gazetteer:
    """The gazetteer of ``project``, leaving out the curated file of document ``exclude`` (the
    one being drafted, whose old facts must not feed its new draft)."""
    entities: dict[str, Known] = {}
    ids: set[str] = set()
    data = _read(project.entities_file)
    for record in (data or {}).get("entities") or []:
        _add(entities, ids, record, registry=True)
    for path in sorted(project.documents_dir.glob("*.yaml")):
        if path.stem == exclude:
            continue
        doc = _read(path) or {}
        for record in doc.get("facts") or []:
            _add(entities, ids, record, registry=False)
    for entity_id, names in sorted((exonyms or {}).items()):
        if entity_id in entities:
            entities[entity_id].aliases.update(str(n) for n in names or [])
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


def _add(entities: dict[str, Known], ids: set[str], record: Any, *, registry: bool) -> None:
    if not isinstance(record, dict) or not isinstance(record.get("id"), str):
        return
    entity_id = record["id"]
    ids.add(entity_id)
    for nested in record.get("quantities") or []:
        if isinstance(nested, dict) and isinstance(nested.get("id"), str):
            ids.add(nested["id"])
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


class Matcher:
    """Finds the known names in a spaCy Doc whose tokens carry the folded stem as NORM."""

    def __init__(self, nlp: Any, gazetteer: Gazetteer, inflections: tuple[str, ...]) -> None:
        from spacy.matcher import PhraseMatcher

        self.nlp = nlp
        self.inflections = inflections
        self.matcher = PhraseMatcher(nlp.vocab, attr="NORM")
        self.gazetteer = gazetteer
        surnames: dict[str, set[str]] = {}
        for known in sorted(gazetteer.entities.values(), key=lambda k: k.id):
            capitalised, lower = [], []
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
                    capitalised.append(alias)
                elif len(alias.split()) > 1:  # generic one-word names ("army") are not linked
                    lower.append(alias)
            for flag, names in (("C", capitalised), ("L", lower)):
                if names:
                    self.matcher.add(f"{known.id}\t{flag}", [self.doc(n) for n in names])
        for surname, owners in sorted(surnames.items()):
            if len(owners) == 1:  # a surname two people share links neither
                self.matcher.add(f"{next(iter(owners))}\tC", [self.doc(surname)])

    def norm(self, text: str) -> str:
        folded = fold(text)
        return stem(folded, self.inflections) if folded.isalpha() else folded

    def doc(self, text: str) -> Any:
        doc = self.nlp.make_doc(text)
        for token in doc:
            token.norm_ = self.norm(token.text)
        return doc

    def find(self, doc: Any) -> list[tuple[int, int, str]]:
        """(first token, end token, entity id) of each known name, longest first, no overlap."""
        found = []
        for match_id, start, end in self.matcher(doc):
            key = self.nlp.vocab.strings[match_id]
            entity_id, flag = key.split("\t")
            first = doc[start].text
            if flag == "C" and not (first[:1].isupper() or first[:1].isdigit()):
                continue
            label = self.gazetteer.entities[entity_id].label
            exact = 0 if fold(label) == fold(doc[start:end].text) else 1
            found.append((start, end, exact, entity_id))
        found.sort(key=lambda m: (-(m[1] - m[0]), m[0], m[2], m[3]))
        taken: set[int] = set()
        out = []
        for start, end, _, entity_id in found:
            if taken.intersection(range(start, end)):
                continue
            taken.update(range(start, end))
            out.append((start, end, entity_id))
        return sorted(out)
