"""The validation engine: SHACL core constraints in pySHACL, node by node and cached, and
each SPARQL-based constraint as one pyoxigraph query over everything; results become
report.Problem objects mapped back to the curated files."""

from __future__ import annotations

import dataclasses
import re
from collections import defaultdict
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import pyoxigraph

from kgbuild.cache import Cache, digest
from kgbuild.errors import InputError, Location
from kgbuild.namespaces import RDF, RDFS, SH, SKOS
from kgbuild.project import Project
from kgbuild.sources.safety import syntax_error
from kgbuild.validation.report import Problem, ValidationReport, sort_problems


def load_shapes(project: Project) -> Any:
    """The shapes graph (rdflib), parsed from shapes/*.ttl."""
    import rdflib

    shapes = rdflib.Graph()
    files = sorted(project.shapes_dir.glob("*.ttl"))
    if not files:
        raise InputError(project.shapes_dir, "no shapes (*.ttl) found")
    for path in files:
        try:  # pyoxigraph first: its syntax errors give the line and column
            list(pyoxigraph.parse(path=str(path), format=pyoxigraph.RdfFormat.TURTLE))
        except SyntaxError as exc:
            raise syntax_error(path, exc) from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror}") from None
        try:
            shapes.parse(path, format="turtle")
        except Exception as exc:  # rdflib raises several types for bad Turtle
            raise InputError(path, f"cannot parse the shapes: {exc}") from None
    return shapes


@dataclass(frozen=True)
class SparqlCheck:
    """One sh:SPARQLConstraint of a node shape, to run as a single query over the whole data."""

    shape: str
    targets: tuple[str, ...]
    select: str
    prefixes: str
    message: str
    severity: str

    def query(self, focus: Iterable[str] = ()) -> str:
        """The constraint's SELECT joined with the shape's targets, for every focus node at once.

        The SHACL-SPARQL semantics (pre-bound $this) is kept by running the constraint's own
        SELECT as a sub-query and joining it with the target nodes on ?this. With ``focus``
        IRIs, $this is bound to those nodes inside the sub-query, so that only they are checked.
        """
        inner = self.select.replace("$this", "?this")
        values = " ".join(f"<{node}>" for node in sorted(focus))
        if values:
            inner = re.sub(
                r"\bWHERE\s*\{",
                lambda m: f"{m.group(0)} VALUES ?this {{ {values} }}",
                inner,
                count=1,
                flags=re.IGNORECASE,
            )
        targets = " UNION ".join(
            f"{{ ?this rdf:type/rdfs:subClassOf* <{t}> }}" for t in self.targets
        )
        return (
            f"PREFIX rdf: <{RDF}>\nPREFIX rdfs: <{RDFS}>\n{self.prefixes}"
            f"SELECT DISTINCT ?this ?value WHERE {{ {{ {inner} }} {targets} }}"
        )


def split_sparql_constraints(shapes: Any) -> tuple[Any, list[SparqlCheck]]:
    """A copy of the shapes without sh:sparql, and the SPARQL constraints taken out of them.

    pySHACL evaluates a SPARQL constraint once per focus node through rdflib's engine (slow:
    8-9 ms per node, measured on this project's data); the same constraint as one query in
    pyoxigraph is fast.
    Only sh:select constraints of shapes with sh:targetClass and no other pre-bound variable
    than $this are taken out; anything else stays with pySHACL.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    core = rdflib.Graph()
    for triple in shapes:
        core.add(triple)
    checks = []
    for shape, constraint in sorted(shapes.subject_objects(sh.sparql)):
        select = shapes.value(constraint, sh.select)
        targets = tuple(sorted(str(t) for t in shapes.objects(shape, sh.targetClass)))
        if (
            select is None
            or not targets
            or any(var in str(select) for var in ("$currentShape", "$shapesGraph", "$value"))
        ):
            continue
        declared = ""
        for source in shapes.objects(constraint, sh.prefixes):
            for decl in shapes.objects(source, sh.declare):
                prefix = shapes.value(decl, sh.prefix)
                namespace = shapes.value(decl, sh.namespace)
                declared += f"PREFIX {prefix}: <{namespace}>\n"
        message = shapes.value(constraint, sh.message) or shapes.value(shape, sh.message)
        severity = shapes.value(shape, sh.severity) or sh.Violation
        checks.append(
            SparqlCheck(
                shape=str(shape),
                targets=targets,
                select=str(select),
                prefixes=declared,
                message=str(message or "SPARQL constraint not met"),
                severity=str(severity).rsplit("#", 1)[-1],
            )
        )
        core.remove((shape, sh.sparql, constraint))
    return core, checks


def validate_quads(
    quads: list[pyoxigraph.Quad],
    project: Project,
    locations: dict[str, Location] | None = None,
    *,
    engine: str = "fast",
    cache: Cache | None = None,
    workers: int = 1,
    store: pyoxigraph.Store | None = None,
    focus: set[str] | None = None,
) -> ValidationReport:
    """Validate the union of all graphs against the shapes, with the ontology for classes.

    ``engine="fast"``: the core constraints run in pySHACL on batches of focus nodes (each
    batch with every triple about its nodes, the triples pointing at them, and the types and
    labels of what they point at: exact for shapes whose paths have length one, as ours do),
    batches cached by content and spread over ``workers`` processes; each SPARQL-based
    constraint runs once as a single query in pyoxigraph (over ``store`` when given: its
    default graph must hold the merged data, as the build's store does).
    ``engine="pyshacl"``: everything in one pySHACL run (the plain way, kept to check that both
    give the same results). ``focus``: validate only these resources (and report only their
    problems), as `kgbuild validate` does for new data.
    """
    shapes = load_shapes(project)
    ontology_graph = project.graph_iri("ontology")
    ontology_quads = {q for q in quads if str(q.graph_name) == f"<{ontology_graph}>"}
    ontology_nt = _ntriples(ontology_quads)
    data_quads = [q for q in quads if q not in ontology_quads]
    if engine == "pyshacl":
        rows = _pyshacl(_ntriples(data_quads), shapes.serialize(format="turtle"), ontology_nt, None)
    else:
        core, checks = split_sparql_constraints(shapes)
        check_short_paths(core, project)
        inverse = _inverse_paths(core)
        rows = _batched(
            data_quads,
            core.serialize(format="turtle"),
            ontology_nt,
            cache or Cache(None),
            workers,
            inverse,
            focus,
        )
        union = store is None
        if store is None:
            store = pyoxigraph.Store()
            store.extend(quads)
        # Bound to the focus nodes when they are all IRIs (VALUES cannot hold blank nodes).
        bound = (
            sorted(focus)
            if focus is not None and not any(n.startswith("_:") or ":" not in n for n in focus)
            else []
        )
        for check in checks:
            for row in store.query(check.query(bound), use_default_graph_as_union=union):
                if focus is not None and row["this"].value not in focus:
                    continue
                value = row["value"]
                rows.append(
                    Problem(
                        check.severity,
                        row["this"].value,
                        None,
                        "[]" if isinstance(value, pyoxigraph.BlankNode) else _value_text(value),
                        check.message,
                        check.shape,
                    )
                )
    where = locations or {}
    problems = sort_problems({dataclasses.replace(p, where=where.get(p.focus)) for p in rows})
    return ValidationReport(problems=problems, base=project.base)


def check_short_paths(shapes: Any, project: Project) -> None:
    """Refuse shapes the fast engine would validate wrongly.

    The fast engine validates each node with the triples about it, the triples pointing at it
    through an inverse path, and the type and label of its neighbours: exact only when every
    sh:path is one property, or the inverse of one property.
    """
    import rdflib

    sh = rdflib.Namespace(SH)
    for shape, path in sorted(shapes.subject_objects(sh.path)):
        if isinstance(path, rdflib.URIRef):
            continue
        inverse = shapes.value(path, sh.inversePath)
        if isinstance(inverse, rdflib.URIRef) and len(list(shapes.predicate_objects(path))) == 1:
            continue
        raise InputError(
            project.shapes_dir,
            f"shape {shape} has a path longer than one step ({path.n3()}): the fast validator "
            "checks each node with the triples one step around it only",
            hint="use a direct property or sh:inversePath of one property "
            "(or validate with engine='pyshacl')",
        )


def _inverse_paths(shapes: Any) -> set[str]:
    return {str(o) for _, p, o in shapes if str(p) == SH + "inversePath"}


def inverse_paths(project: Project) -> set[str]:
    """The properties the shapes follow backwards (sh:inversePath)."""
    return _inverse_paths(load_shapes(project))


CONTEXT = {RDF + "type", RDFS + "label", SKOS + "inScheme", SKOS + "prefLabel"}
BATCH_TRIPLES = 20_000


def _ntriples(quads: Iterable[pyoxigraph.Quad]) -> str:
    lines = sorted({str(pyoxigraph.Triple(q.subject, q.predicate, q.object)) for q in quads})
    return "".join(line + " .\n" for line in lines)


def _batched(
    quads: list[pyoxigraph.Quad],
    shapes_ttl: str,
    ontology_nt: str,
    cache: Cache,
    workers: int,
    inverse: set[str],
    focus: set[str] | None = None,
) -> list[Problem]:
    """Core constraints node by node: cached per node, the rest in batches over processes.

    A node's data: every triple about it (from every graph), the triples that point at it
    through a property the shapes follow backwards (``inverse``), and the type, label and
    scheme of every resource it points at or is pointed at from through those. Its results
    depend on nothing else, so they are cached under the hash of that data: adding or
    changing a document re-validates only the nodes whose data it changes (its own, and the
    shared entities it adds triples to).
    """
    own: dict[str, list[str]] = defaultdict(list)  # subject -> its triples
    incoming: dict[str, list[str]] = defaultdict(list)  # object -> triples pointing at it
    pointers: dict[str, set[str]] = defaultdict(set)  # object -> subjects of those triples
    context: dict[str, list[str]] = defaultdict(list)  # subject -> its type/label triples
    refs: dict[str, set[str]] = defaultdict(set)  # subject -> IRIs it points at
    for q in quads:
        s = q.subject.value
        line = str(pyoxigraph.Triple(q.subject, q.predicate, q.object))
        own[s].append(line)
        if q.predicate.value in CONTEXT:
            context[s].append(line)
        if isinstance(q.object, pyoxigraph.NamedNode):
            if q.predicate.value in inverse:
                incoming[q.object.value].append(line)
                pointers[q.object.value].add(s)
            refs[s].add(q.object.value)
    shapes_key = digest(shapes_ttl, ontology_nt)
    index_key = digest("node-results", shapes_key)
    index: dict[str, list[Problem]] = cache.get("index", index_key) or {}
    rows: list[Problem] = []
    kept: dict[str, list[Problem]] = {}
    todo: list[tuple[str, str, list[str]]] = []  # (node, key, its data lines)
    for subject in sorted(own):
        if focus is not None and subject not in focus:
            continue
        lines = set(own[subject])
        lines.update(incoming.get(subject, ()))
        for target in refs.get(subject, set()) | pointers.get(subject, set()):
            lines.update(context.get(target, ()))
        data = sorted(lines)
        key = digest(subject, *data)
        found = index.get(key)
        if found is not None:
            kept[key] = found
            rows += found
        else:
            todo.append((subject, key, data))
    cache.did("nodes validated", len(todo))
    batches: list[list[tuple[str, str, list[str]]]] = [[]]
    size = 0
    for item in todo:
        batches[-1].append(item)
        size += len(item[2])
        if size >= BATCH_TRIPLES:
            batches.append([])
            size = 0
    jobs = []
    for batch in (b for b in batches if b):
        lines = sorted({line for _, _, data in batch for line in data})
        jobs.append(("".join(line + " .\n" for line in lines), [node for node, _, _ in batch]))
    if len(jobs) > 1 and workers > 1:
        with ProcessPoolExecutor(
            max_workers=workers, initializer=_worker_init, initargs=(shapes_ttl, ontology_nt)
        ) as pool:
            results = list(pool.map(_worker_validate, jobs))
    else:
        results = [_pyshacl(data, shapes_ttl, ontology_nt, batch) for data, batch in jobs]
    by_node: dict[str, list[Problem]] = defaultdict(list)
    for result in results:
        for problem in result:
            by_node[problem.focus].append(problem)
    for node, key, _ in todo:
        kept[key] = sort_problems(by_node.get(node, []))
        rows += kept[key]
    if todo and focus is None:
        cache.put("index", index_key, kept)
    return rows


_WORKER: dict[str, object] = {}  # per worker process: the parsed shapes and ontology


def _worker_init(shapes_ttl: str, ontology_nt: str) -> None:
    import rdflib

    _WORKER["shapes"] = rdflib.Graph().parse(data=shapes_ttl, format="turtle")
    _WORKER["ontology"] = rdflib.Graph().parse(data=ontology_nt, format="nt")


def _worker_validate(job: tuple[str, list[str]]) -> list[Problem]:
    data, batch = job
    return _pyshacl(data, _WORKER["shapes"], _WORKER["ontology"], batch)


def _pyshacl(data_nt: str, shapes: Any, ontology: Any, focus: list[str] | None) -> list[Problem]:
    """Run pySHACL on N-Triples data (optionally only for ``focus`` nodes); results as rows."""
    import pyshacl
    import rdflib

    if isinstance(shapes, str):
        shapes = rdflib.Graph().parse(data=shapes, format="turtle")
    if isinstance(ontology, str):
        ontology = rdflib.Graph().parse(data=ontology, format="nt")
    data = rdflib.Graph().parse(data=data_nt, format="nt")
    _, report_graph, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=ontology,
        inference="none",
        allow_warnings=True,
        abort_on_first=False,
    )
    # Every node of the batch's data is validated and the results outside ``focus`` dropped:
    # pySHACL's own focus_nodes option was three times slower on these batches.
    keep = None if focus is None else set(focus)
    sh = rdflib.Namespace(SH)
    rows: list[Problem] = []
    # Only the report's own results: nested sh:detail results repeat them.
    report_node = next(report_graph.subjects(rdflib.RDF.type, sh.ValidationReport))
    for result in report_graph.objects(report_node, sh.result):
        if keep is not None and str(report_graph.value(result, sh.focusNode)) not in keep:
            continue
        path = report_graph.value(result, sh.resultPath)
        value = report_graph.value(result, sh.value)
        messages = sorted(str(m) for m in report_graph.objects(result, sh.resultMessage))
        shape = report_graph.value(result, sh.sourceShape)
        rows.append(
            Problem(
                str(report_graph.value(result, sh.resultSeverity)).rsplit("#", 1)[-1],
                str(report_graph.value(result, sh.focusNode)),
                str(path) if isinstance(path, rdflib.URIRef) else None,
                _value_text(value),
                messages[0] if messages else "constraint not met",
                str(shape) if isinstance(shape, rdflib.URIRef) else None,
            )
        )
    return rows


def _value_text(value: Any) -> str | None:
    """A result's value as text; a blank node has no name that means anything outside the
    run (rdflib makes a new one each parse), so every blank node reads "[]"."""
    import rdflib

    if value is None:
        return None
    if isinstance(value, pyoxigraph.NamedNode | pyoxigraph.Literal):
        return value.value
    return "[]" if isinstance(value, rdflib.BNode) else str(value)
