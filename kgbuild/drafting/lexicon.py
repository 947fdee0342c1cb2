"""The words the drafter looks for, read from data: ``ontology/lexicon/<lang>.yaml`` (grammar:
numbers, qualifier cues, dates, triggers, modality, titles) and the SKOS labels of
``ontology/vocabularies.ttl`` (what a figure counts: measures and item kinds)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyoxigraph
import yaml

from kgbuild.errors import InputError, KGBuildError
from kgbuild.namespaces import VOCAB
from kgbuild.project import Project

from .text import fold

SKOS = "http://www.w3.org/2004/02/skos/core#"
LABELS = (SKOS + "prefLabel", SKOS + "altLabel")


@dataclass(frozen=True)
class Form:
    """A word form: folded words; ``prefix`` (written with a trailing *) matches any word it
    begins."""

    words: tuple[str, ...]
    prefix: bool = False
    text: str = ""

    @classmethod
    def of(cls, text: str) -> Form:
        text = str(text)
        prefix = text.endswith("*")
        folded = fold(text.rstrip("*"))
        words = tuple(w for w in folded.replace("-", " - ").split() if w)
        return cls(words, prefix, text)


@dataclass
class Lexicon:
    """One language's words. An empty lexicon (language None) drafts with the rules that need
    no words: digits, ISO dates and the names the dataset knows."""

    language: str | None
    data: dict[str, Any] = field(default_factory=dict)
    measures: dict[str, list[Form]] = field(default_factory=dict)  # concept -> forms
    items: dict[str, list[Form]] = field(default_factory=dict)
    class_labels: dict[str, str] = field(default_factory=dict)  # Arrest -> "arrest"

    def words(self, key: str) -> list[str]:
        value = self.data.get(key) or []
        return [str(v) for v in value]

    def forms(self, key: str) -> list[Form]:
        return [Form.of(v) for v in self.words(key)]

    def grouped(self, key: str) -> dict[str, list[Form]]:
        """A mapping of name -> list of word forms (qualifiers, vague, events, modality...)."""
        value = self.data.get(key) or {}
        return {str(k): [Form.of(v) for v in (vs or [])] for k, vs in value.items()}

    @property
    def inflections(self) -> tuple[str, ...]:
        return tuple(sorted((fold(s) for s in self.words("inflections")), key=len, reverse=True))

    @property
    def abbreviations(self) -> frozenset[str]:
        """Folded words written with a period that does not end a sentence: month
        abbreviations ("Oct.", "okt."), titles ("Dr."), and the lexicon's abbreviations."""
        words = [f for forms in (self.data.get("months") or {}).values() for f in forms]
        words += self.words("titles") + self.words("abbreviations")
        return frozenset(fold(str(w)) for w in words if str(w).endswith("."))

    def numbers(self) -> dict[str, Any]:
        return dict(self.data.get("numbers") or {})


def available(project: Project) -> list[str]:
    """The languages with a lexicon in the project."""
    folder = project.ontology_dir / "lexicon"
    return sorted(p.stem for p in folder.glob("*.yaml"))


def load(project: Project, language: str | None) -> Lexicon:
    """The lexicon of ``language`` with the vocabulary's labels in that language."""
    lexicon = Lexicon(language=None)
    if language:
        path = project.ontology_dir / "lexicon" / f"{language}.yaml"
        if path.exists():
            lexicon = Lexicon(language=language, data=_read(path))
    lexicon.measures, lexicon.items = _labels(project.vocabularies_file, language)
    lexicon.class_labels = _class_labels(project.ontology_file)
    return lexicon


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    except (OSError, yaml.YAMLError) as exc:
        raise InputError(path, f"cannot read the lexicon: {exc}") from None
    if not isinstance(data, dict):
        raise InputError(path, "a lexicon is a mapping of keys (see ontology/lexicon/README.md)")
    _no_booleans(path, data, [])
    return data


def _no_booleans(path: Path, value: Any, keys: list[str]) -> None:
    """YAML reads an unquoted on, off, yes or no as true or false: in a list of words that is
    a word lost."""
    if isinstance(value, dict):
        for key, item in value.items():
            _no_booleans(path, item, [*keys, str(key)])
    elif isinstance(value, list):
        for item in value:
            if isinstance(item, bool):
                raise InputError(
                    path,
                    f"{'.'.join(keys)}: a word was read as {str(item).lower()}",
                    hint='quote words YAML reads as booleans: "on", "no", "yes", "off"',
                )
            _no_booleans(path, item, keys)


_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _labels(
    path: Path, language: str | None
) -> tuple[dict[str, list[Form]], dict[str, list[Form]]]:
    measures: dict[str, list[Form]] = {}
    items: dict[str, list[Form]] = {}
    if not language:
        return measures, items
    try:
        triples = pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
        for t in triples:
            if t.predicate.value not in LABELS or not isinstance(t.object, pyoxigraph.Literal):
                continue
            if t.object.language != language:
                continue
            iri = t.subject.value
            for scheme, target in (("measure/", measures), ("item/", items)):
                if iri.startswith(VOCAB + scheme):
                    target.setdefault(iri[len(VOCAB + scheme) :], []).append(
                        Form.of(t.object.value)
                    )
    except (SyntaxError, OSError) as exc:
        raise KGBuildError(f"{path}: cannot read the vocabularies: {exc}") from None
    for target in (measures, items):
        for forms in target.values():
            forms.sort(key=lambda f: (f.words, f.prefix))
    return measures, items


def _class_labels(path: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    kg = "https://w3id.org/kgbuild/ontology#"
    try:
        for t in pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE):
            if (
                t.predicate.value == "http://www.w3.org/2000/01/rdf-schema#label"
                and t.subject.value.startswith(kg)
                and isinstance(t.object, pyoxigraph.Literal)
                and t.object.language == "en"
            ):
                out[t.subject.value[len(kg) :]] = t.object.value
    except (SyntaxError, OSError) as exc:
        raise KGBuildError(f"{path}: cannot read the ontology: {exc}") from None
    return out


def load_words(project: Project, language: str) -> list[str]:
    """The lexicon's function words of ``language`` (for language detection)."""
    path = project.ontology_dir / "lexicon" / f"{language}.yaml"
    return [str(w) for w in _read(path).get("function_words") or []]
