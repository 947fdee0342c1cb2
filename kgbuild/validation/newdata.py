"""New data checked against the built dataset before it joins the graph (`kgbuild validate`).

New files are validated together with the last built dataset (so a new record may point at a
person or place that already exists), and only the problems the new data causes are reported:
those of the combined data that the built dataset alone does not have. Besides SHACL, two
checks close what SHACL's open world lets through: terms in the project's namespace that the
ontology does not declare (a typo such as kg:seizedQuantiy), and references to project IRIs
that exist nowhere.
"""

from __future__ import annotations

import contextlib
import difflib
import json
import re
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph

from kgbuild.errors import InputError, Location
from kgbuild.graph.assemble import event_classes, unit_chunk
from kgbuild.graph.dumps import REPORT_FILE
from kgbuild.graph.store import open_store, replace_graphs
from kgbuild.locks import Reading
from kgbuild.namespaces import KG, OWL, RDF, VOCAB
from kgbuild.project import Project
from kgbuild.sources.files import (
    DEFAULT_MAX_BYTES,
    check_size,
    load_document,
    load_entities,
    load_vocabulary,
    turtle_quads,
)
from kgbuild.sources.records import Unit, Vocabulary
from kgbuild.sources.safety import (
    NEVER_FETCHES,
    check_jsonld_contexts,
    check_no_imports,
    check_xml_entities,
    remote_context_message,
    syntax_error,
)
from kgbuild.validation.engine import CONTEXT, inverse_paths, validate_quads
from kgbuild.validation.literals import expected_datatypes, ill_typed_problems
from kgbuild.validation.report import (
    NewDataReport,
    Problem,
    ProblemKey,
    ValidationReport,
    sort_problems,
)

RDF_FORMATS = {
    ".ttl": pyoxigraph.RdfFormat.TURTLE,
    ".turtle": pyoxigraph.RdfFormat.TURTLE,
    ".nt": pyoxigraph.RdfFormat.N_TRIPLES,
    ".nq": pyoxigraph.RdfFormat.N_QUADS,
    ".trig": pyoxigraph.RdfFormat.TRIG,
    ".n3": pyoxigraph.RdfFormat.N3,
    ".rdf": pyoxigraph.RdfFormat.RDF_XML,
    ".owl": pyoxigraph.RdfFormat.RDF_XML,
    ".xml": pyoxigraph.RdfFormat.RDF_XML,
    ".jsonld": pyoxigraph.RdfFormat.JSON_LD,
    ".json": pyoxigraph.RdfFormat.JSON_LD,
}
FORMAT_NAMES = {
    "turtle": ".ttl",
    "ntriples": ".nt",
    "nquads": ".nq",
    "trig": ".trig",
    "n3": ".n3",
    "rdfxml": ".rdf",
    "jsonld": ".jsonld",
    "yaml": ".yaml",
}
_PREFIX_DECL = re.compile(
    r"@prefix\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>|PREFIX\s+([A-Za-z][\w.-]*)?:\s*<([^>]*)>",
    re.IGNORECASE,
)


@dataclass
class NewData:
    """The quads of the files being checked, and where each subject is written."""

    quads: list[pyoxigraph.Quad] = field(default_factory=list)
    locations: dict[str, Location] = field(default_factory=dict)
    replaces: set[str] = field(default_factory=set)  # graphs of the dataset the files replace
    files: list[Path] = field(default_factory=list)


def read_new_data(
    project: Project, files: list[Path], fmt: str | None, max_bytes: int = DEFAULT_MAX_BYTES
) -> NewData:
    """Parse every file: RDF by extension (or ``fmt``), or the curated YAML format."""
    new = NewData(files=list(files))
    vocabulary = None
    for path in files:
        suffix = FORMAT_NAMES[fmt] if fmt else path.suffix.lower()
        if not path.is_file():
            raise InputError(path, "no such file")
        check_size(path, max_bytes)
        if suffix in (".yaml", ".yml"):
            vocabulary = vocabulary or load_vocabulary(project)
            unit = _read_curated(project, vocabulary, path, max_bytes)
            # its quads with the default modality, as a build makes its graph
            chunk, _ = unit_chunk(unit, event_classes(_ontology_quads(project)))
            new.quads += pyoxigraph.parse(chunk, pyoxigraph.RdfFormat.N_QUADS)
            new.replaces.add(unit.graph)
            for subject, where in unit.locations.items():
                new.locations.setdefault(subject, where)
            continue
        if suffix not in RDF_FORMATS:
            raise InputError(
                path, f"unknown file type {suffix!r}", hint="use --format " + "|".join(FORMAT_NAMES)
            )
        new.quads += _read_rdf(project, path, RDF_FORMATS[suffix])
        _locate_subjects(path, new)
    return new


def _read_curated(project: Project, vocabulary: Vocabulary, path: Path, max_bytes: int) -> Unit:
    """A document's curated YAML (with its .txt beside it) or an entities file."""
    head = path.read_text(encoding="utf-8", errors="replace")[:4096]
    if re.search(r"^entities\s*:", head, re.MULTILINE):
        return load_entities(project, vocabulary, path)
    text = path.with_suffix(".txt")
    if not text.is_file():
        raise InputError(
            path,
            f"the document text {text.name} is not beside the curated file",
            hint="put the document's verbatim text next to it, same name, .txt",
        )
    return load_document(project, vocabulary, path.stem, max_bytes, folder=path.parent)


def _read_rdf(
    project: Project, path: Path, rdf_format: pyoxigraph.RdfFormat
) -> list[pyoxigraph.Quad]:
    graph = pyoxigraph.NamedNode(f"{project.base}graph/new/{path.name}")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(path, f"cannot read: {exc.strerror}") from None
    if rdf_format == pyoxigraph.RdfFormat.RDF_XML:
        check_xml_entities(data, path)
    if rdf_format == pyoxigraph.RdfFormat.JSON_LD:
        # (if it is not JSON, the parser below says where the syntax is wrong)
        with contextlib.suppress(json.JSONDecodeError, UnicodeDecodeError):
            check_jsonld_contexts(json.loads(data), path)
    try:
        parsed = pyoxigraph.parse(data, format=rdf_format, base_iri=project.base)
        out = []
        for q in parsed:
            g = graph if isinstance(q.graph_name, pyoxigraph.DefaultGraph) else q.graph_name
            out.append(pyoxigraph.Quad(q.subject, q.predicate, q.object, g))
    except SyntaxError as exc:
        if remote_context_message(str(exc)):
            raise InputError(
                path,
                f"a remote JSON-LD @context is refused: {NEVER_FETCHES}",
                hint="copy the context's terms into the file's @context object",
            ) from None
        raise syntax_error(path, exc) from None
    except (OSError, ValueError) as exc:
        raise InputError(path, f"cannot read: {exc}") from None
    check_no_imports(out, path)
    return out


def _locate_subjects(path: Path, new: NewData) -> None:
    """The line where each subject is first written, found in the text (a best effort)."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return
    declared = {}
    for m in _PREFIX_DECL.finditer("\n".join(lines)):
        name = m.group(1) if m.group(2) is not None else m.group(3)
        declared[name or ""] = m.group(2) if m.group(2) is not None else m.group(4)
    subjects = {q.subject.value for q in new.quads if isinstance(q.subject, pyoxigraph.NamedNode)}
    for subject in sorted(subjects - set(new.locations)):
        spellings = [f"<{subject}>"]
        for name, ns in declared.items():
            if ns and subject.startswith(ns):
                spellings.append(f"{name}:{subject[len(ns) :]}")
        for number, line in enumerate(lines, start=1):
            stripped = line.lstrip()
            if any(stripped.startswith(s) for s in spellings) or any(
                f'"@id": "{s}"' in line for s in (subject, *spellings[1:])
            ):
                new.locations[subject] = Location(path, number)
                break


def _ontology_quads(project: Project) -> list[pyoxigraph.Quad]:
    return turtle_quads(project.ontology_file, project.graph_iri("ontology"))


def baseline(
    project: Project,
    dist: Path,
    ontology: list[pyoxigraph.Quad],
    *,
    recompute: bool,
    focus: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode],
    engine: str = "fast",
) -> set[ProblemKey]:
    """The problems the dataset has without the new data: from the build's report, or
    recomputed around the focus nodes when the new files replace graphs of the dataset."""
    if not recompute and (dist / REPORT_FILE).is_file():
        rows = json.loads((dist / REPORT_FILE).read_text(encoding="utf-8"))["problems"]
        return {Problem.from_dict(row).key for row in rows}
    problems = validate_around(open_store(dist), ontology, project, focus, {}, engine).problems
    return {p.key for p in problems}


def validate_around(
    store: pyoxigraph.Store,
    ontology: list[pyoxigraph.Quad],
    project: Project,
    focus: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode],
    locations: dict[str, Location],
    engine: str = "fast",
) -> ValidationReport:
    """Validate the ``focus`` nodes of a store whose default graph is the merged data.

    Only what the shapes look at is read from the store (each node's triples, the triples
    pointing at it through an inverse path, the type and label of what it points at), so the
    cost grows with the new data, not with the dataset.
    """
    default = pyoxigraph.DefaultGraph()
    inverse = [pyoxigraph.NamedNode(p) for p in inverse_paths(project)]
    found: dict[str, pyoxigraph.Quad] = {}
    around: set[pyoxigraph.NamedNode | pyoxigraph.BlankNode] = set()
    for node in focus:
        for q in store.quads_for_pattern(node, None, None, default):
            found[str(q)] = q
            if isinstance(q.object, pyoxigraph.NamedNode | pyoxigraph.BlankNode):
                around.add(q.object)
        for p in inverse:
            for q in store.quads_for_pattern(None, p, node, default):
                found[str(q)] = q
                around.add(q.subject)
    context = [pyoxigraph.NamedNode(p) for p in sorted(CONTEXT)]
    for node in around:
        for p in context:
            for q in store.quads_for_pattern(node, p, None, default):
                found[str(q)] = q
    quads = ontology + [found[k] for k in sorted(found)]
    return validate_quads(
        quads, project, locations, focus={n.value for n in focus}, store=store, engine=engine
    )


def working_store(
    project: Project, dist: Path, base: list[pyoxigraph.Quad] | None, built: Path | None = None
) -> tuple[pyoxigraph.Store, Path | None]:
    """A writable store to check new data in: a copy of the built store (of ``built``, the
    generation read, else ``dist``; a RocksDB checkpoint in ``dist``: hard links,
    milliseconds), or an in-memory store of ``base`` quads when given."""
    if base is not None:
        store = pyoxigraph.Store()
        replace_graphs(store, set(), base, project.graph_iri("inferred"))
        return store, None
    source = open_store(built or dist)
    try:
        folder = Path(tempfile.mkdtemp(prefix=".validate-", dir=dist))
    except OSError:
        folder = Path(tempfile.mkdtemp(prefix="kgbuild-validate-"))
    try:
        source.backup(str(folder / "store"))
        del source
        return pyoxigraph.Store(str(folder / "store")), folder
    except OSError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise InputError(dist, f"cannot copy the built store to check against: {exc}") from None


def open_world_problems(
    store: pyoxigraph.Store, new: NewData, project: Project, declared: set[str]
) -> list[Problem]:
    """Undeclared project terms, and references to project IRIs that exist nowhere (``store``:
    the combined data, merged in its default graph)."""

    def described(iri: str) -> bool:
        node = pyoxigraph.NamedNode(iri)
        return any(True for _ in store.quads_for_pattern(node, None, None, default))

    default = pyoxigraph.DefaultGraph()
    problems = []
    kg_terms = sorted(t for t in declared if t.startswith(KG))
    for q in new.quads:
        s, p, o = q.subject.value, q.predicate.value, q.object
        where = new.locations.get(s)
        if p.startswith(KG) and p not in declared:
            problems.append(
                Problem(
                    "Violation",
                    s,
                    p,
                    None,
                    _undeclared("property", p, kg_terms),
                    "kgsh:DeclaredTermsCheck",
                    where,
                )
            )
        if p == RDF + "type" and o.value.startswith(KG) and o.value not in declared:
            problems.append(
                Problem(
                    "Violation",
                    s,
                    RDF + "type",
                    o.value,
                    _undeclared("class", o.value, kg_terms),
                    "kgsh:DeclaredTermsCheck",
                    where,
                )
            )
        if (
            isinstance(o, pyoxigraph.NamedNode)
            and p != RDF + "type"
            and (o.value.startswith(project.base) or o.value.startswith(VOCAB))
            and o.value not in declared
            and not described(o.value)
        ):
            problems.append(
                Problem(
                    "Violation",
                    s,
                    p,
                    o.value,
                    "refers to a project resource that exists nowhere (not in the new data, not in "
                    "the dataset): check the id",
                    "kgsh:ReferencesCheck",
                    where,
                )
            )
    return problems


def _undeclared(kind: str, term: str, known: list[str]) -> str:
    close = difflib.get_close_matches(term, known, n=1, cutoff=0.8)
    hint = f"; did you mean kg:{close[0][len(KG) :]}?" if close else ""
    return f"kg:{term[len(KG) :]} is not a {kind} of the ontology{hint}"


def declared_terms(ontology_quads: list[pyoxigraph.Quad]) -> set[str]:
    kinds = {
        OWL + "Class",
        OWL + "ObjectProperty",
        OWL + "DatatypeProperty",
        OWL + "AnnotationProperty",
        RDF + "Property",
        OWL + "Ontology",
        "http://www.w3.org/2004/02/skos/core#Concept",
        "http://www.w3.org/2004/02/skos/core#ConceptScheme",
    }
    return {
        q.subject.value
        for q in ontology_quads
        if q.predicate.value == RDF + "type" and q.object.value in kinds
    }


def check_files(
    project: Project,
    files: list[Path],
    *,
    dist: Path | None = None,
    alone: bool = False,
    fmt: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: str = "fast",
) -> NewDataReport:
    """Validate ``files`` (with the built dataset unless ``alone``); see the module doc."""
    new = read_new_data(project, files, fmt, max_bytes)
    schema = schema_quads(project)
    dist = dist or project.dist_dir
    ontology = [q for q in schema if q.graph_name.value == project.graph_iri("ontology")]
    held = Reading(dist)  # the build checked against, which no build removes meanwhile
    built = held.folder
    store, scratch = working_store(project, dist, schema if alone else None, built)
    try:
        replaced = replace_graphs(store, new.replaces, new.quads, project.graph_iri("inferred"))
        focus = {q.subject for q in new.quads}
        report = validate_around(store, ontology, project, focus, new.locations, engine)
        known = (
            set()
            if alone
            else baseline(project, built, ontology, recompute=replaced, focus=focus, engine=engine)
        )
        problems = [p for p in report.problems if p.key not in known]
        problems += open_world_problems(
            store, new, project, declared_terms(ontology) | _vocab_subjects(schema)
        )
        problems += ill_typed_problems(new.quads, _shape_datatypes(project), new.locations)
    finally:
        del store
        if scratch is not None:
            shutil.rmtree(scratch, ignore_errors=True)
        held.release()
    return NewDataReport(problems=sort_problems(problems), base=project.base, files=new.files)


def schema_quads(project: Project) -> list[pyoxigraph.Quad]:
    """The ontology and vocabulary graphs, read from the project's files."""
    return turtle_quads(project.ontology_file, project.graph_iri("ontology")) + turtle_quads(
        project.vocabularies_file, project.graph_iri("vocabularies")
    )


def _shape_datatypes(project: Project) -> dict[str, set[str]]:
    """Property IRI -> the datatypes the project's shapes allow it (literals.py)."""
    quads = [
        q
        for path in sorted(project.shapes_dir.glob("*.ttl"))
        for q in turtle_quads(path, project.graph_iri("shapes"))
    ]
    return expected_datatypes(quads)


def _vocab_subjects(quads: list[pyoxigraph.Quad]) -> set[str]:
    return {q.subject.value for q in quads if q.subject.value.startswith(VOCAB)}
