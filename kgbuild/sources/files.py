"""Source documents (text + curated file), the entities registry and the vocabulary they use."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyoxigraph

from kgbuild.errors import InputError
from kgbuild.namespaces import KG, ONTOLOGY_IRI, OWL, RDF, SKOS, VOCAB
from kgbuild.project import Project
from kgbuild.rdf import integer, iri, lit, quad
from kgbuild.sources.records import LANGUAGE_TAG, RecordReader, SourceText, Unit, Vocabulary
from kgbuild.sources.safety import check_jsonld_contexts, check_no_imports, syntax_error
from kgbuild.sources.yamlio import Mapping, read_yaml

DEFAULT_MAX_BYTES = 5_000_000


def check_size(
    path: Path,
    max_bytes: int,
    hint: str = "raise the limit with --max-bytes if the file is genuine",
) -> None:
    """Refuse an input file larger than ``max_bytes`` (the --max-bytes limit)."""
    size = path.stat().st_size
    if size > max_bytes:
        raise InputError(path, f"file is {size} bytes, over the limit of {max_bytes}", hint=hint)


def read_text(path: Path, max_bytes: int = DEFAULT_MAX_BYTES) -> tuple[str, bytes]:
    """A document's text exactly as stored (no newline translation) and its bytes."""
    try:
        check_size(path, max_bytes)
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    if not data.strip():
        raise InputError(path, "the document is empty", hint="put the report's text in the file")
    try:
        return data.decode("utf-8"), data
    except UnicodeDecodeError as exc:
        raise InputError(
            path,
            f"not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x})",
            hint="convert the file to UTF-8, e.g. iconv -f latin1 -t utf-8",
        ) from None


def load_vocabulary(project: Project) -> Vocabulary:
    """The context terms, ontology classes and concept names the curated files may use."""
    try:
        context = json.loads(project.context_file.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise InputError(project.context_file, f"cannot read the JSON-LD context: {exc}") from None
    check_jsonld_contexts(context, project.context_file)
    if not isinstance(context.get("@context"), dict):
        raise InputError(project.context_file, "the file must hold one object with an @context")
    classes, concepts = set(), {}
    for path, name in (
        (project.ontology_file, "ontology"),
        (project.vocabularies_file, "vocabularies"),
    ):
        for t in turtle_quads(path, project.graph_iri(name)):
            if t.predicate.value != RDF + "type":
                continue
            if t.object.value == OWL + "Class" and t.subject.value.startswith(KG):
                classes.add(t.subject.value[len(KG) :])
            elif t.object.value == SKOS + "Concept" and t.subject.value.startswith(VOCAB):
                scheme, name = t.subject.value[len(VOCAB) :].split("/", 1)
                concepts.setdefault(scheme, set()).add(name)
    return Vocabulary(
        context=context,
        classes=frozenset(classes),
        concepts={k: frozenset(v) for k, v in concepts.items()},
    )


def turtle_quads(path: Path, graph: str) -> list[pyoxigraph.Quad]:
    """A Turtle file of the project (ontology, vocabularies) as quads in ``graph``: syntax
    errors at file:line, owl:imports refused (see safety.py)."""
    try:
        quads = [
            pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.NamedNode(graph))
            for t in pyoxigraph.parse(
                path=str(path), format=pyoxigraph.RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI
            )
        ]
    except SyntaxError as exc:
        raise syntax_error(path, exc) from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    check_no_imports(quads, path)
    return quads


def document_ids(project: Project) -> list[str]:
    """Ids of the documents: every data/documents/<id>.txt, sorted."""
    return sorted(p.stem for p in project.documents_dir.glob("*.txt"))


def load_entities(project: Project, vocabulary: Vocabulary, path: Path | None = None) -> Unit:
    """The shared entities registry (``path`` defaults to data/entities.yaml)."""
    path = path or project.entities_file
    data = read_yaml(path)
    if not isinstance(data, Mapping) or set(data) != {"entities"}:
        raise InputError(path, "the file must have one key, 'entities:', with a list of records")
    if not isinstance(data["entities"], list):
        raise InputError(path, "'entities:' must be a list of records")
    reader = RecordReader(vocabulary, project.base, path, project.graph_iri("entities"), None)
    for record in data["entities"]:
        reader.add(record, where="entity")
    return reader.finish()


def load_document(
    project: Project,
    vocabulary: Vocabulary,
    doc_id: str,
    max_bytes: int = DEFAULT_MAX_BYTES,
    folder: Path | None = None,
) -> Unit:
    """One document's graph: its metadata, the facts curated from it, their evidence.

    The text and curated file are ``<doc_id>.txt`` and ``<doc_id>.yaml`` in ``folder``
    (default: data/documents/).
    """
    folder = folder or project.documents_dir
    text_path = folder / f"{doc_id}.txt"
    yaml_path = folder / f"{doc_id}.yaml"
    text, raw = read_text(text_path, max_bytes)
    if not yaml_path.exists():
        raise InputError(
            yaml_path,
            "no curated file for this document",
            hint=f"create {yaml_path.name} with 'document:' and 'facts:'",
        )
    check_size(yaml_path, max_bytes)
    data = read_yaml(yaml_path)
    if not isinstance(data, Mapping):
        raise InputError(yaml_path, "the file must be a mapping with 'document:' and 'facts:'")
    unknown = sorted(set(data) - {"document", "facts"})
    if unknown or "document" not in data:
        raise InputError(
            yaml_path if not unknown else data.where(),
            f"unknown top-level key(s) {', '.join(unknown)}"
            if unknown
            else "missing 'document:' (the document's metadata)",
            hint="a document file has two keys: document: and facts:",
        )
    meta: Any = data["document"]
    if not isinstance(meta, Mapping):
        raise InputError(yaml_path, "'document:' must be a mapping of metadata")
    language = meta.get("inLanguage")
    if not isinstance(language, str):
        raise InputError(
            meta.where(), "document has no inLanguage", hint="add inLanguage: en (or sv, ...)"
        )
    if not LANGUAGE_TAG.match(language):
        raise InputError(
            meta.where(),
            f"inLanguage {language!r} is not a language tag",
            hint="write a BCP 47 tag such as en, sv, sr or de",
        )
    source_iri = project.source_iri(doc_id)
    graph = project.graph_iri(doc_id)
    source = SourceText(doc_id=doc_id, iri=source_iri, text=text, language=language)
    reader = RecordReader(vocabulary, project.base, yaml_path, graph, source)
    reader.add(meta, fixed_id=f"source/{doc_id}", where="document")
    facts = data.get("facts") or []
    if not isinstance(facts, list):
        raise InputError(data.where(), "'facts:' must be a list of records")
    for record in facts:
        reader.add(record, where="fact")
    unit = reader.finish()
    derived = [
        (KG + "sha256", lit(hashlib.sha256(raw).hexdigest())),
        (KG + "characterCount", integer(len(text))),
        (KG + "fileName", lit(text_path.name)),
        (KG + "text", lit(text)),
    ]
    for p, o in derived:
        unit.quads.append(quad(source_iri, p, o, graph))
    unit.quads.append(
        quad(graph, "http://www.w3.org/ns/prov#wasDerivedFrom", iri(source_iri), graph)
    )
    return unit
