"""`kgbuild build`: load → evidence → build graphs → validate → write, as plain stages."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from .dumps import merged_triples, write_build_outputs
from .errors import InputError, Location, ValidationFailed
from .namespaces import KG, ONTOLOGY_IRI, RDF, RDFS, VOCAB
from .project import Project
from .rdf import iri, quad, sorted_quads
from .reasoning import entailed, ontology_schema
from .sources import (
    DEFAULT_MAX_BYTES,
    document_ids,
    load_document,
    load_entities,
    load_vocabulary,
)
from .store import write_store
from .validate import ValidationReport, validate_quads


@dataclass
class Assembly:
    """Every quad of the dataset, in order, and where each curated subject came from."""

    quads: list[pyoxigraph.Quad]
    locations: dict[str, Location]
    documents: list[str]
    records: int
    mentions: int


@dataclass
class BuildResult:
    """What a build made: counts for the summary, the validation report, the files written."""

    assembly: Assembly
    report: ValidationReport
    counts: dict[str, int]
    seconds: float
    written: list[Path] = field(default_factory=list)


def assemble(project: Project, max_bytes: int = DEFAULT_MAX_BYTES) -> Assembly:
    """Load the ontology, vocabularies, entities and every document into one dataset."""
    vocabulary = load_vocabulary(project)
    ontology = _turtle_quads(project.ontology_file, project.graph_iri("ontology"))
    vocabularies = _turtle_quads(project.vocabularies_file, project.graph_iri("vocabularies"))
    units = [load_entities(project, vocabulary)]
    doc_ids = document_ids(project)
    if not doc_ids:
        raise InputError(
            project.documents_dir,
            "no documents (*.txt) found",
            hint="add a document's text and its curated .yaml file",
        )
    units += [load_document(project, vocabulary, doc_id, max_bytes) for doc_id in doc_ids]
    for orphan in sorted(project.documents_dir.glob("*.yaml")):
        if orphan.stem not in doc_ids:
            raise InputError(
                orphan,
                "curated file without its document text",
                hint=f"add {orphan.stem}.txt or remove the file",
            )

    quads = ontology + vocabularies + [q for unit in units for q in unit.quads]
    locations: dict[str, Location] = {}
    for unit in units:
        for subject, where in unit.locations.items():
            locations.setdefault(subject, where)
    typed = {q.subject.value for q in quads if q.predicate.value == RDF + "type"}
    for unit in units:
        for target, where in unit.references:
            if target not in typed:
                raise InputError(
                    where,
                    f"refers to {target.removeprefix(project.base)}, which no record defines",
                    hint="fix the id, or add the entity to data/entities.yaml "
                    "(or the event to a document's facts) with a type",
                )
    quads += default_modality(quads, ontology)
    return Assembly(
        quads=sorted_quads(quads),
        locations=locations,
        documents=doc_ids,
        records=sum(u.records for u in units),
        mentions=sum(u.mentions for u in units),
    )


def _turtle_quads(path: Path, graph: str) -> list[pyoxigraph.Quad]:
    try:
        return [
            pyoxigraph.Quad(t.subject, t.predicate, t.object, iri(graph))
            for t in pyoxigraph.parse(
                path=str(path), format=pyoxigraph.RdfFormat.TURTLE, base_iri=ONTOLOGY_IRI
            )
        ]
    except SyntaxError as exc:
        raise InputError(path, f"Turtle syntax error: {exc}") from None
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None


def event_classes(ontology: list[pyoxigraph.Quad]) -> set[str]:
    """kg:Event and every class below it in the ontology."""
    children: dict[str, set[str]] = {}
    for q in ontology:
        if q.predicate.value == RDFS + "subClassOf":
            children.setdefault(q.object.value, set()).add(q.subject.value)
    out, todo = set(), [KG + "Event"]
    while todo:
        cls = todo.pop()
        if cls not in out:
            out.add(cls)
            todo.extend(children.get(cls, ()))
    return out


def default_modality(
    quads: list[pyoxigraph.Quad],
    ontology: list[pyoxigraph.Quad],
    graphs: set[str] | None = None,
) -> list[pyoxigraph.Quad]:
    """modality:actual for events no source qualifies, in each graph that types the event
    (only in ``graphs`` when given): the curated format's default."""
    events = event_classes(ontology)
    qualified = {q.subject.value for q in quads if q.predicate.value == KG + "modality"}
    out = []
    for q in quads:
        if (
            q.predicate.value == RDF + "type"
            and q.object.value in events
            and q.subject.value not in qualified
            and (graphs is None or q.graph_name.value in graphs)
        ):
            out.append(
                quad(
                    q.subject.value,
                    KG + "modality",
                    iri(VOCAB + "modality/actual"),
                    q.graph_name.value,
                )
            )
    return out


def infer(assembly: Assembly, project: Project) -> list[pyoxigraph.Quad]:
    """The inferred graph that `kgbuild query --reason` adds (see reasoning.py)."""
    ontology_graph = project.graph_iri("ontology")
    schema = ontology_schema(q for q in assembly.quads if q.graph_name.value == ontology_graph)
    return entailed(
        (q for q in assembly.quads if q.graph_name.value != ontology_graph),
        schema,
        project.graph_iri("inferred"),
    )


def count(assembly: Assembly, project: Project) -> dict[str, int]:
    """The figures of the build summary, computed from the data."""
    types: dict[str, set[str]] = {}
    triples = set()
    for q in assembly.quads:
        triples.add((q.subject, q.predicate, q.object))
        if q.predicate.value == RDF + "type":
            types.setdefault(q.object.value, set()).add(q.subject.value)

    def instances(*local: str) -> int:
        found: set[str] = set()
        for name in local:
            found |= types.get(KG + name, set())
        return len(found)

    ontology_quads = [
        q for q in assembly.quads if q.graph_name.value == project.graph_iri("ontology")
    ]
    event_types = event_classes(ontology_quads)
    return {
        "quads": len(assembly.quads),
        "triples": len(triples),
        "sources": len(assembly.documents),
        "events": len({s for c in event_types for s in types.get(c, set())}),
        "agents": instances(
            "Person",
            "Organisation",
            "GovernmentBody",
            "Ministry",
            "LawEnforcementAgency",
            "PoliceUnit",
            "MilitaryForce",
            "CriminalGroup",
            "NewsOutlet",
            "NGO",
            "InternationalOrganisation",
            "PersonGroup",
            "Country",
        ),
        "places": instances(
            "Place",
            "Country",
            "Territory",
            "Region",
            "Municipality",
            "Town",
            "Area",
            "Border",
            "BorderCrossing",
        ),
        "quantities": instances("ReportedQuantity"),
        "statements": instances("Statement", "Speech"),
        "positions": instances("Membership"),
        "mentions": instances("Mention"),
    }


def build(
    project: Project,
    *,
    out_dir: Path | None = None,
    write: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> BuildResult:
    """Build the dataset, validate it, and (if it conforms) write the dumps to ``out_dir``.

    Raises InputError for unreadable or malformed input, ValidationFailed when the data
    violates the shapes; in both cases nothing is written and earlier outputs stay as they were.
    """
    started = time.perf_counter()
    assembly = assemble(project, max_bytes)
    report = validate_quads(assembly.quads, project, assembly.locations)
    counts = count(assembly, project)
    result = BuildResult(assembly, report, counts, 0.0)
    if not report.conforms:
        result.seconds = time.perf_counter() - started
        failure = ValidationFailed(
            f"the data violates the shapes: {report.violations} violation(s)\n"
            + report.text(limit=50),
            hint="fix the records named above; nothing was written",
        )
        failure.result = result  # type: ignore[attr-defined]
        raise failure
    if write:
        out = out_dir or project.dist_dir
        result.written = write_build_outputs(assembly.quads, project, out, report)
        merged = [
            pyoxigraph.Quad(t.subject, t.predicate, t.object, pyoxigraph.DefaultGraph())
            for t in merged_triples(assembly.quads)
        ]
        store_quads = assembly.quads + merged + infer(assembly, project)
        result.written.append(write_store(store_quads, out))
    result.seconds = time.perf_counter() - started
    return result
