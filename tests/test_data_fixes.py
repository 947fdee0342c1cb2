"""Issue 10: the data says no more than the texts, and disagreements say what kind they are.

Each test reads the built dataset (the session's ``built`` / ``sparql`` fixtures of conftest.py)
or runs the shapes and saved questions on small data, and is named after the fact it checks.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pyshacl
import pytest
import rdflib
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.graph.query import run_query
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.store import open_store
from kgbuild.namespaces import prefixes
from kgbuild.pipeline import BuildResult
from kgbuild.project import Project
from kgbuild.validation.engine import load_shapes, split_sparql_constraints
from tests.conftest import ROOT, Sparql, committed
from tests.test_documents import types_in

ID = "https://w3id.org/kgbuild/id/"
VOCAB = "https://w3id.org/kgbuild/vocab/"
KG = "https://w3id.org/kgbuild/ontology#"
KGSH = "https://w3id.org/kgbuild/shapes#"
DOC0, DOC1, DOC2, DOC3 = (
    "000_465a521d4ac3798f",
    "001_a3f3df6d3b25658d",
    "002_c50662480cc5ac51",
    "003_ba60645de3d84279",
)
KINDS = {
    "Incompatible figures": "incompatible",
    "Compatible but different": "compatible but different",
}


def saved_query(name: str) -> str:
    return next(q for q in saved_queries(committed() / "queries") if q.name == name).text


def kind_of(message: str) -> str:
    """The kind of disagreement a DisagreementShape warning's message names."""
    return next(kind for prefix, kind in KINDS.items() if message.startswith(prefix))


# --- 2. disagreements say what kind they are ---------------------------------------------------

DISAGREEMENT_CASES = sorted((ROOT / "tests" / "shapes").glob("DisagreementShape.*.ttl"))


def header_kinds(case: Path) -> set[str]:
    """The kinds a case's '# kind:' header lines name (none for a conforming case)."""
    kinds = set()
    for line in case.read_text(encoding="utf-8").splitlines():
        if not line.startswith("#"):
            break
        match = re.match(r"#\s*kind:\s*(.+?)\s*$", line)
        if match:
            kinds.add(match.group(1))
    return kinds


@pytest.mark.parametrize("case", DISAGREEMENT_CASES, ids=[c.stem for c in DISAGREEMENT_CASES])
def test_disagreement_warnings_name_their_kind_in_pyshacl_and_in_the_build(
    case: Path, project: Project
) -> None:
    """Every shape case's warnings carry the kind its header names, and the build's fast path
    (each SPARQL constraint as one pyoxigraph query) gives exactly what pySHACL gives."""
    vocabularies = committed() / "ontology" / "vocabularies.ttl"
    data = rdflib.Graph().parse(vocabularies).parse(case)
    shapes = load_shapes(project)
    _, report, _ = pyshacl.validate(
        data,
        shacl_graph=shapes,
        ont_graph=rdflib.Graph().parse(committed() / "ontology" / "kgbuild.ttl"),
        inference="none",
        allow_warnings=True,
    )
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    plain = {
        (str(report.value(r, sh.focusNode)), str(report.value(r, sh.value)), str(message))
        for r in report.objects(None, sh.result)
        if str(report.value(r, sh.sourceShape)) == KGSH + "DisagreementShape"
        for message in report.objects(r, sh.resultMessage)
    }
    store = pyoxigraph.Store()
    for path in (vocabularies, case):
        store.load(path=str(path), format=pyoxigraph.RdfFormat.TURTLE)
    _, checks = split_sparql_constraints(shapes)
    fast = {
        (row["this"].value, row["value"].value, check.message)
        for check in checks
        if check.shape == KGSH + "DisagreementShape"
        for row in store.query(check.query())
    }
    assert fast == plain
    assert {kind_of(message) for _, _, message in plain} == header_kinds(case)
    if header_kinds(case):  # both quantities of the pair are warned about
        assert {(focus, value) for focus, value, _ in plain} == {
            (value, focus) for focus, value, _ in plain
        }


def pair_dataset(a: tuple[str, dict[str, int]], b: tuple[str, dict[str, int]]) -> pyoxigraph.Store:
    """Two sources' figures for one measure of one event, each in its source's graph, and the
    vocabularies in their own graph: the layout of the build's store."""
    store = pyoxigraph.Store()
    store.load(
        path=str(committed() / "ontology" / "vocabularies.ttl"),
        format=pyoxigraph.RdfFormat.TURTLE,
        to_graph=pyoxigraph.NamedNode(ID + "graph/vocabularies"),
    )
    event = pyoxigraph.NamedNode(ID + "event/e")
    for doc, (qualifier, numbers) in (("a", a), ("b", b)):
        graph = pyoxigraph.NamedNode(ID + "graph/" + doc)
        source = pyoxigraph.NamedNode(ID + "source/" + doc)
        q = pyoxigraph.NamedNode(f"{ID}quantity/{doc}/e/detained")

        def add(s: pyoxigraph.NamedNode, p: str, o: object, graph=graph) -> None:  # type: ignore[no-untyped-def]
            store.add(pyoxigraph.Quad(s, pyoxigraph.NamedNode(p), o, graph))

        add(event, KG + "quantity", q)
        add(
            q,
            "http://www.w3.org/1999/02/22-rdf-syntax-ns#type",
            pyoxigraph.NamedNode(KG + "ReportedQuantity"),
        )
        add(q, KG + "measure", pyoxigraph.NamedNode(VOCAB + "measure/detained"))
        add(q, KG + "qualifier", pyoxigraph.NamedNode(VOCAB + "qualifier/" + qualifier))
        add(q, "http://www.w3.org/ns/prov#wasDerivedFrom", source)
        add(q, KG + "statedAs", pyoxigraph.Literal(f"{qualifier} {numbers}", language="en"))
        for key, value in numbers.items():
            add(
                q,
                KG + key,
                pyoxigraph.Literal(
                    str(value),
                    datatype=pyoxigraph.NamedNode("http://www.w3.org/2001/XMLSchema#decimal"),
                ),
            )
        add(source, KG + "fileName", pyoxigraph.Literal(doc + ".txt"))
    return store


@pytest.mark.parametrize(
    ("a", "b", "kind"),
    [
        (("exact", {"value": 5}), ("exact", {"value": 9}), "incompatible"),
        (("at-least", {"lowerBound": 3}), ("exact", {"value": 3}), "compatible but different"),
        (
            ("more-than", {"lowerBound": 1500}),
            ("more-than", {"lowerBound": 1600}),
            "compatible but different",
        ),
        (
            ("approximately", {"value": 4500}),
            ("nearly", {"upperBound": 5000}),
            "compatible but different",
        ),
        (
            ("approximately", {"value": 4500}),
            ("exact", {"value": 4950}),
            "compatible but different",
        ),
        (("approximately", {"value": 4500}), ("exact", {"value": 5000}), "incompatible"),
        (("nearly", {"upperBound": 5000}), ("exact", {"value": 4500}), "compatible but different"),
        (("nearly", {"upperBound": 5000}), ("exact", {"value": 4499}), "incompatible"),
        (("nearly", {"upperBound": 5000}), ("exact", {"value": 5000}), "incompatible"),
        (("more-than", {"lowerBound": 1500}), ("exact", {"value": 1500}), "incompatible"),
        (
            ("at-least", {"lowerBound": 1500}),
            ("exact", {"value": 1500}),
            "compatible but different",
        ),
        (("exact", {"value": 5}), ("exact", {"value": 5}), None),
        (("nearly", {"upperBound": 5000}), ("nearly", {"upperBound": 5000}), None),
        (("hundreds", {}), ("exact", {"value": 305}), None),
    ],
    ids=lambda x: x if isinstance(x, str) else None,
)
def test_figures_are_compared_as_intervals_by_the_qualifier_rules(
    a: tuple[str, dict[str, int]], b: tuple[str, dict[str, int]], kind: str | None, project: Project
) -> None:
    """The tolerance: approximately ±10 %, nearly [0.9·v, v), more than (v, ∞), at least
    [v, ∞); the saved question and the SHACL warning agree on the kind."""
    store = pair_dataset(a, b)
    rows = run_query(store, saved_query("disagreements"), base=ID).records()
    assert [r["kind"] for r in rows] == ([kind] if kind else [])
    _, checks = split_sparql_constraints(load_shapes(project))
    warned = {
        kind_of(check.message)
        for check in checks
        if check.shape == KGSH + "DisagreementShape"
        for _ in store.query(check.query(), use_default_graph_as_union=True)
    }
    assert warned == ({kind} if kind else set())


# --- 1. the data says no more than the texts -------------------------------------------------


def labels_in(sparql: Sparql, graph: str) -> dict[str, list[str]]:
    """Every rdfs:label in one named graph, by subject (leaving out the dates' labels, which
    the build writes from the date a source states, and the mentions', which are quotes)."""
    rows = sparql.rows(f"""SELECT ?s ?label WHERE {{ GRAPH graph:{graph} {{ ?s rdfs:label ?label
        FILTER NOT EXISTS {{ ?s a kg:TimeDescription }} FILTER NOT EXISTS {{ ?s a kg:Mention }}
        }} }}""")
    out: dict[str, list[str]] = {}
    for row in rows:
        out.setdefault(row["s"], []).append(row["label"])
    return out


def test_vucic_is_the_serbian_president_not_a_member_of_the_government(sparql: Sparql) -> None:
    rows = sparql.rows(f"""SELECT ?org ?role ?title WHERE {{ GRAPH graph:{DOC0} {{
        ?m kg:member person:aleksandar-vucic ; kg:organisation ?org ; kg:role ?role ;
           kg:positionTitle ?title }} }}""")
    assert {(r["org"], r["role"]) for r in rows} == {
        (ID + "org/office-of-the-serbian-president", VOCAB + "role/president")
    }
    assert {r["title"] for r in rows} == {"Serbian President", "President"}
    assert not sparql.ask("ASK { ?m kg:organisation organisation:serbian-government }")


def test_government_authorities_and_belgrade_are_three_different_things(sparql: Sparql) -> None:
    def names(node: str, doc: str) -> set[str]:
        rows = sparql.rows(f"SELECT ?n WHERE {{ GRAPH graph:{doc} {{ {node} skos:altLabel ?n }} }}")
        return {r["n"] for r in rows}

    # 001's "Belgrade has pledged": the government, named "Belgrade" by that source (metonymy)
    assert names("organisation:serbian-government", DOC1) == {"Belgrade"}
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC1} {{ organisation:serbian-government
        rdfs:comment ?c FILTER (CONTAINS(?c, "metonymy")) }} }}""")
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC1} {{ event:serbia-visa-policy-alignment-pledge
        kg:organizer organisation:serbian-government }} }}""")
    # 002's "serbiska myndigheter": the authorities, not the government
    assert names("organisation:serbian-authorities", DOC2) == {"serbiska myndigheter"}
    assert not sparql.ask(
        f"ASK {{ GRAPH graph:{DOC2} {{ ?s ?p organisation:serbian-government }} }}"
    )
    # Belgrade, the town, is never the government
    types = {r["t"] for r in sparql.rows("SELECT ?t WHERE { place:belgrade a ?t }")}
    assert types == {KG + "Town"}
    assert not sparql.ask("ASK { organisation:serbian-government a kg:Place }")
    for node in ("serbian-government", "serbian-authorities", "office-of-the-serbian-president"):
        assert sparql.ask(f"ASK {{ organisation:{node} a kg:GovernmentBody }}")


def test_undercover_turkish_officers_are_simulated_like_the_rest_of_the_scenario(
    sparql: Sparql,
) -> None:
    for node in (
        "group:2014-exercise-undercover-officers",
        "organisation:exercise-scenario-crime-group",
    ):
        assert sparql.ask(
            f"ASK {{ GRAPH graph:{DOC3} {{ {node} kg:modality modality:simulated }} }}"
        )
    comments = sparql.rows(f"""SELECT ?c WHERE {{ GRAPH graph:{DOC3} {{
        group:2014-exercise-undercover-officers rdfs:comment ?c }} }}""")
    assert comments and not any("Real officers" in r["c"] for r in comments)
    assert all("scenario" in r["c"] for r in comments)
    # every event the group takes part in is simulated too
    assert not sparql.ask("""ASK { ?e kg:participant group:2014-exercise-undercover-officers ;
        kg:modality ?m FILTER (?m != modality:simulated) }""")


def figures(sparql: Sparql, doc: str, event: str, measure: str) -> list[dict[str, str]]:
    """The quantities of one measure of an event in one source's graph, with their mentions."""
    return sparql.rows(f"""SELECT ?q ?qualifier ?value (COUNT(DISTINCT ?m) AS ?mentions)
        (GROUP_CONCAT(DISTINCT ?quote; separator=" | ") AS ?quotes) WHERE {{ GRAPH graph:{doc} {{
        event:{event} kg:quantity ?q . ?q kg:measure measure:{measure} ; kg:qualifier ?qualifier ;
        kg:evidence ?m . ?m oa:hasSelector/oa:exact ?quote . OPTIONAL {{ ?q kg:value ?value }} }} }}
        GROUP BY ?q ?qualifier ?value""")


def test_one_million_in_2015_is_one_approximate_figure_with_the_subheading_as_a_mention(
    sparql: Sparql,
) -> None:
    rows = figures(sparql, DOC2, "2015-western-balkan-route-migration-flow", "people-entered")
    assert len(rows) == 1
    (row,) = rows
    assert row["qualifier"] == VOCAB + "qualifier/approximately"  # "cirka", never exact
    assert row["value"] == "1000000" and row["mentions"] == "2"
    assert "En miljon tog sig in" in row["quotes"] and "cirka en miljon" in row["quotes"]


def test_three_migrants_dead_and_died_in_001_is_one_figure_with_two_mentions(
    sparql: Sparql,
) -> None:
    rows = figures(sparql, DOC1, "2023-10-27-horgos-shooting", "killed")
    assert [(r["value"], r["mentions"]) for r in rows] == [("3", "2")]
    assert "three migrants dead" in rows[0]["quotes"]
    assert "three migrants died" in rows[0]["quotes"]


@pytest.mark.parametrize("doc", [DOC0, DOC1, DOC2, DOC3])
def test_labels_in_a_sources_graph_give_no_year_the_source_does_not_state(
    sparql: Sparql, doc: str
) -> None:
    text = (committed() / "data" / "documents" / f"{doc}.txt").read_text(encoding="utf-8")
    unstated = {
        (subject, label)
        for subject, labels in labels_in(sparql, doc).items()
        for label in labels
        for year in re.findall(r"\b(?:19|20)\d\d\b", label)
        if year not in text
    }
    assert not unstated


def test_labels_in_001_name_neither_horgos_nor_27_october(sparql: Sparql) -> None:
    labels = [label for labels in labels_in(sparql, DOC1).values() for label in labels]
    assert labels and not [x for x in labels if "Horgos" in x or "27 October" in x]


def test_canonical_labels_of_what_several_sources_describe_are_in_the_shared_graph(
    sparql: Sparql,
) -> None:
    shared = sparql.rows("""SELECT ?s (COUNT(DISTINCT ?g) AS ?n) WHERE {
        GRAPH ?g { ?s a ?t } ?g prov:wasDerivedFrom ?src .
        FILTER (?t IN (kg:PersonGroup, kg:Membership) || STRSTARTS(STR(?s), STR(event:)))
        } GROUP BY ?s HAVING (COUNT(DISTINCT ?g) > 1)""")
    assert {r["s"].rsplit("/", 1)[-1] for r in shared} >= {
        "2023-10-27-horgos-shooting",
        "2023-serbia-anti-smuggling-operation",
        "2023-other-offence-suspects",
    }
    for row in shared:
        where = sparql.rows(f"SELECT ?g ?l WHERE {{ GRAPH ?g {{ <{row['s']}> rdfs:label ?l }} }}")
        assert [r["g"] for r in where] == [ID + "graph/entities"], row["s"]
    (label,) = sparql.rows("""SELECT ?l WHERE { GRAPH graph:entities {
        event:2023-10-27-horgos-shooting rdfs:label ?l } }""")
    assert "Horgos" in label["l"] and "27 October 2023" in label["l"]


def test_001s_group_labels_do_not_use_002s_words(sparql: Sparql) -> None:
    labels = labels_in(sparql, DOC1)
    for group in ("2023-arrested-smugglers", "2023-other-offence-suspects"):
        assert ID + "group/" + group not in labels  # shared with 002: labelled in the shared graph
    assert not [x for xs in labels.values() for x in xs if "other offences" in x]
    (description,) = sparql.rows(f"""SELECT ?d WHERE {{ GRAPH graph:{DOC1} {{
        group:2023-other-offence-suspects kg:groupDescription ?d }} }}""")
    assert description["d"] in (committed() / "data" / "documents" / f"{DOC1}.txt").read_text(
        "utf-8"
    )


def test_215_turkish_passports_are_part_of_the_305_not_a_second_count(sparql: Sparql) -> None:
    rows = sparql.rows(f"""SELECT ?part ?whole WHERE {{ GRAPH graph:{DOC1} {{
        ?p kg:partOfCount ?w ; kg:value ?part ; kg:measure ?m ; kg:itemKind item:passport .
        ?w kg:value ?whole ; kg:measure ?m ; kg:itemKind item:passport }} }}""")
    assert rows == [{"part": "215", "whole": "305"}]


def test_seizures_show_the_215_as_of_which_of_the_305(built: tuple[BuildResult, Path]) -> None:
    rows = run_query(open_store(built[1]), saved_query("seizures"), base=ID).records()
    passports = [r for r in rows if r["source"] == DOC1 and r.get("item") == "passport"]
    found = [r for r in passports if r["measure"] == "items found"]
    assert [(r["value"], r["ofWhich"]) for r in found] == [
        ("305", "of which 215 are passports of Turkish citizens")
    ]
    assert not any(r.get("value") == "215" for r in rows)  # no row of its own, to add or compare


def test_000s_investigative_operation_is_its_own_event_part_of_the_nationwide_one(
    sparql: Sparql,
) -> None:
    local = "event:2023-serbian-police-investigative-operation-near-hungarian-border"
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC0} {{ {local} a kg:PoliceOperation ;
        kg:place place:forested-area-near-hungarian-border }} }}""")
    # the link is an identification across documents: in the shared graph, not in 000's
    assert sparql.ask(f"""ASK {{ GRAPH graph:entities {{
        {local} kg:partOf event:2023-serbia-anti-smuggling-operation }} }}""")
    assert not sparql.ask(f"""ASK {{ GRAPH graph:{DOC0} {{
        {{ event:2023-serbia-anti-smuggling-operation ?p ?o }}
        UNION {{ ?s ?p event:2023-serbia-anti-smuggling-operation }} }} }}""")
    parts = sparql.rows(f"SELECT ?e WHERE {{ GRAPH graph:{DOC0} {{ ?e kg:partOf {local} }} }}")
    assert {r["e"].rsplit("/", 1)[-1] for r in parts} == {
        "2023-serbia-operation-police-helicopter-deployment",
        "2023-investigative-operation-arrests",
        "2023-investigative-operation-seizures",
    }


def concept_is_documented(sparql: Sparql, concept: str) -> bool:
    return sparql.ask(f"""ASK {{ GRAPH graph:vocabularies {{ {concept} a skos:Concept ;
        skos:prefLabel ?en , ?sv ; skos:definition ?d ; skos:inScheme ?scheme .
        FILTER (LANG(?en) = "en" && LANG(?sv) = "sv") }} }}""")


def test_vucics_warning_is_reported_not_vouched_for(sparql: Sparql) -> None:
    assert sparql.ask(f"""ASK {{ GRAPH graph:{DOC0} {{ event:2023-vucic-warning-to-gasic
        kg:certainty <{VOCAB}certainty/reported> }} }}""")
    assert concept_is_documented(sparql, f"<{VOCAB}certainty/reported>")


def test_most_traced_weapons_came_from_the_albanian_mafia_i_flertalet_fall(
    sparql: Sparql,
) -> None:
    rows = sparql.rows(f"""SELECT ?q ?stated WHERE {{ GRAPH graph:{DOC2} {{
        event:2023-albanian-mafia-kosovo-arms-supply-to-migrants kg:quantity ?q .
        ?q kg:qualifier qualifier:most ; kg:statedAs ?stated
        FILTER NOT EXISTS {{ ?q kg:value|kg:lowerBound|kg:upperBound ?n }} }} }}""")
    assert [r["stated"] for r in rows] == ["i flertalet fall"]
    assert concept_is_documented(sparql, "qualifier:most")


def test_lukovic_found_the_items_rather_than_seized_them(sparql: Sparql) -> None:
    event = "event:2023-serbia-items-found-by-police"
    assert types_in(sparql, DOC1, event) == {"Discovery"}
    measures = sparql.rows(f"SELECT DISTINCT ?m WHERE {{ {event} kg:quantity/kg:measure ?m }}")
    assert [r["m"] for r in measures] == [VOCAB + "measure/found"]
    assert concept_is_documented(sparql, "measure:found")
    assert sparql.ask("""ASK { GRAPH graph:ontology {
        kg:Discovery rdfs:subClassOf kg:PoliceAction ; rdfs:label ?en , ?sv ; skos:definition ?d
        FILTER (LANG(?en) = "en" && LANG(?sv) = "sv") } }""")


# --- 2. the kinds of disagreement in the seed data ------------------------------------------

SEED_DISAGREEMENTS = [
    {
        "event": ID + "event/2023-10-27-horgos-shooting",
        "measure": "people killed",
        "kind": "compatible but different",
        "figureA": "at least three people were killed",
        "sourceA": DOC0,
        "statusA": "curated",
        "figureB": "three migrants dead",
        "sourceB": DOC1,
        "statusB": "curated",
    },
    {
        "event": ID + "event/2023-serbia-migrant-detentions",
        "measure": "people detained",
        "kind": "compatible but different",
        "figureA": "around 4,500 migrants",
        "sourceA": DOC1,
        "statusA": "curated",
        "figureB": "närmare 5 000 illegala migranter",
        "sourceB": DOC2,
        "statusB": "curated",
    },
    {
        "event": ID + "event/2023-serbia-operation-seizures",
        "measure": "items seized",
        "kind": "incompatible",
        "itemA": "assault rifle",
        "figureA": "five assault rifles",
        "sourceA": DOC1,
        "statusA": "curated",
        "itemB": "machine gun",
        "figureB": "nio maskingevär",
        "sourceB": DOC2,
        "statusB": "curated",
    },
    {
        "event": ID + "event/2023-serbia-operation-seizures",
        "measure": "items seized",
        "kind": "compatible but different",
        "itemA": "round of ammunition",
        "figureA": "over 1,500 rounds of ammunition of various calibers",
        "sourceA": DOC1,
        "statusA": "curated",
        "itemB": "round of ammunition",
        "figureB": "fler än 1 600 vapenpatroner",
        "sourceB": DOC2,
        "statusB": "curated",
    },
]


def test_seed_disagreements_are_four_pairs_of_two_kinds(built: tuple[BuildResult, Path]) -> None:
    rows = run_query(open_store(built[1]), saved_query("disagreements"), base=ID).records()
    assert rows == SEED_DISAGREEMENTS


def test_build_warnings_name_the_kind_of_each_disagreement(built: tuple[BuildResult, Path]) -> None:
    warned = {
        (p.focus.rsplit("/", 2)[-2], p.focus.rsplit("/", 1)[-1], kind_of(p.message))
        for p in built[0].report.problems
        if p.shape == KGSH + "DisagreementShape"
    }
    assert warned == {
        ("2023-10-27-horgos-shooting", "killed", "compatible but different"),
        ("2023-serbia-migrant-detentions", "detained", "compatible but different"),
        ("2023-serbia-operation-seizures", "seized-assault-rifle", "incompatible"),
        ("2023-serbia-operation-seizures", "seized-machine-gun", "incompatible"),
        ("2023-serbia-operation-seizures", "seized-ammunition-round", "compatible but different"),
    }


@pytest.mark.parametrize("name", ["disagreements", "seizures"])
def test_saved_question_gives_the_same_rows_in_rdflib_over_the_trig_dump(
    built: tuple[BuildResult, Path], name: str
) -> None:
    """Standard SPARQL 1.1 over named graphs: rdflib, over dataset.trig with the default graph
    as the union, answers exactly as `kgbuild query` does (Oxigraph, over the store)."""
    ours = run_query(open_store(built[1]), saved_query(name), base=ID).records()
    dataset = rdflib.Dataset(default_union=True)
    dataset.parse(built[1] / "dataset.trig", format="trig")
    header = "".join(f"PREFIX {k}: <{v}>\n" for k, v in prefixes(ID).items())
    result = dataset.query(header + saved_query(name))
    theirs = [
        {str(v): str(row[v]) for v in result.vars if row[v] is not None}
        for row in result  # type: ignore[union-attr]
    ]
    assert theirs == ours


def readme_query_blocks() -> list[tuple[list[str], str]]:
    """Each '$ kgbuild query disagreements ...' example of the README and the data model's
    page: its arguments and the output shown under it (up to the next '$ ' or the block's end)."""
    readme = "\n".join(
        (ROOT / page).read_text(encoding="utf-8") for page in ("README.md", "docs/model.md")
    )
    blocks = []
    for block in re.findall(r"```text\n(.*?)```", readme, re.DOTALL):
        for match in re.finditer(
            r"^\$ kgbuild query (disagreements[^\n]*)\n(.*?)(?=^\$ |\Z)",
            block,
            re.DOTALL | re.MULTILINE,
        ):
            blocks.append((match.group(1).split(), match.group(2).rstrip("\n")))
    return blocks


def test_readme_shows_the_disagreements_the_command_prints(built: tuple[BuildResult, Path]) -> None:
    blocks = readme_query_blocks()
    assert any("--format" in args for args, _ in blocks)  # the subsection's full rows
    for args, shown in blocks:
        result = CliRunner().invoke(
            main, ["query", "--project", str(committed()), "--dist", str(built[1]), *args]
        )
        assert result.exit_code == 0, result.output
        printed = result.output.replace("\r\n", "\n").rstrip("\n")
        assert shown == printed, " ".join(args)


@pytest.mark.parametrize("name", ["disagreements", "seizures"])
def test_saved_question_fits_in_a_get_request_to_the_oxigraph_server(name: str) -> None:
    """The text `kgbuild query NAME --show` prints (what a user pastes into any store) fits in
    a GET to an Oxigraph server, which refuses request headers over 8 KB with a 400 (found by
    tests/test_load.py; `kgbuild serve` itself forwards a GET as a POST)."""
    from urllib.parse import urlencode

    from kgbuild.pipeline import query_text

    text = query_text(Project.at(committed()), name)
    assert len("GET /query?" + urlencode({"query": text})) < 8000
