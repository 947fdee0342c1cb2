"""`kgbuild query` and the saved questions, checked against what the documents say."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

import kgbuild
from kgbuild.cli import main
from kgbuild.graph.query import run_query
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.store import open_store
from kgbuild.pipeline import BuildResult
from kgbuild.project import Project
from tests.conftest import committed

DOC0, DOC1, DOC2, DOC3 = (
    "000_465a521d4ac3798f",
    "001_a3f3df6d3b25658d",
    "002_c50662480cc5ac51",
    "003_ba60645de3d84279",
)
ID = "https://w3id.org/kgbuild/id/"


@pytest.fixture(scope="module")
def store(built: tuple[BuildResult, Path]) -> pyoxigraph.Store:
    return open_store(built[1])


def saved(store: pyoxigraph.Store, name: str, **params: str) -> list[dict[str, str]]:
    query = next(q for q in saved_queries(committed() / "queries") if q.name == name)
    bindings = {**query.params, **params}
    return run_query(store, query.text, base=ID, params=bindings).records()


def local(iri: str) -> str:
    return iri.rsplit("/", 1)[-1]


def cli(built: tuple[BuildResult, Path], *args: str, stdin: str | None = None) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["query", "--project", str(committed()), "--dist", str(built[1]), *args], input=stdin
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


# --- the saved questions ------------------------------------------------------------------


def test_every_saved_query_has_a_header() -> None:
    queries = saved_queries(committed() / "queries")
    assert {q.name for q in queries} >= {
        "timeline",
        "seizures",
        "disagreements",
        "people",
        "cooperation",
        "place",
        "evidence",
        "statements",
        "source-view",
        "real-arrests",
    }
    for q in queries:
        assert q.title and q.question and q.answer, q.name


def test_timeline_is_oldest_first_with_precision(store: pyoxigraph.Store) -> None:
    rows = saved(store, "timeline")
    dated = [r["earliest"] for r in rows if "earliest" in r]
    assert dated == sorted(dated)
    assert dated[0] == "1999-01-01"  # OSCE training of the Kosovo Police since 1999
    shooting = next(r for r in rows if local(r["event"]) == "2023-10-27-horgos-shooting")
    assert shooting["kind"] == "armed clash"
    assert set(shooting["dates"].split(" | ")) == {
        "27 October (year not stated)",
        "late October 2023",
    }
    assert set(shooting["sources"].split(", ")) == {DOC0, DOC1, DOC2}
    exercise = next(r for r in rows if local(r["event"]) == "2014-09-23-joint-exercise-phase")
    assert (exercise["earliest"], exercise["precision"]) == ("2014-09-23", "day")
    # events without a dated year come last
    assert "earliest" not in rows[-1]


def test_seizures_with_item_figure_source_and_quote(store: pyoxigraph.Store) -> None:
    rows = saved(store, "seizures")
    got = {(r.get("item"), r.get("value") or r.get("lower"), r["source"], r["quote"]) for r in rows}
    assert ("assault rifle", "5", DOC1, "five assault rifles") in got
    assert ("machine gun", "9", DOC2, "nio maskingevär") in got
    assert (
        "round of ammunition",
        "1500",
        DOC1,
        "over 1,500 rounds of ammunition of various calibers",
    ) in got
    assert ("round of ammunition", "1600", DOC2, "fler än 1 600 vapenpatroner") in got
    assert ("passport", "305", DOC1, "We found 305 passports") in got
    passports = {
        r["source"] for r in rows if r.get("item") == "passport" and r["qualifier"] == "hundreds of"
    }
    assert passports == {DOC1, DOC2}
    assert {local(r["operation"]) for r in rows if "operation" in r} == {
        "2023-serbia-anti-smuggling-operation",
        "2023-serbian-police-investigative-operation-near-hungarian-border",  # 000's, part of it
    }


def test_disagreements_are_exactly_the_conflicting_figures(store: pyoxigraph.Store) -> None:
    rows = saved(store, "disagreements")
    got = {(local(r["event"]), r["figureA"], r["figureB"], r["kind"]) for r in rows}
    assert got == {
        (
            "2023-10-27-horgos-shooting",
            "at least three people were killed",
            "three migrants dead",  # 001 states its figure twice: one quantity, one pair
            "compatible but different",
        ),
        (
            "2023-serbia-migrant-detentions",
            "around 4,500 migrants",
            "närmare 5 000 illegala migranter",
            "compatible but different",
        ),
        (
            "2023-serbia-operation-seizures",
            "five assault rifles",
            "nio maskingevär",
            "incompatible",
        ),
        (
            "2023-serbia-operation-seizures",
            "over 1,500 rounds of ammunition of various calibers",
            "fler än 1 600 vapenpatroner",
            "compatible but different",
        ),
    }


def test_people_and_positions_according_to_each_source(store: pyoxigraph.Store) -> None:
    rows = saved(store, "people")
    got = {(r["name"], r["role"], local(r["organisation"]), r["source"]) for r in rows}
    assert ("Bratislav Gasic", "minister of the interior", "serbian-interior-ministry", DOC0) in got
    assert ("Bratislav Gasic", "minister of the interior", "serbian-interior-ministry", DOC2) in got
    assert ("Dejan Lukovic", "deputy police director general", "serbian-police", DOC1) in got
    assert ("Behar Balidemaj", "head of unit", "kosovo-police-organized-crime-sector", DOC3) in got
    assert {r["title"] for r in rows if r["name"] == "Bratislav Gasic"} >= {
        "Serbiens inrikesminister"
    }
    assert any(r.get("rank") == "Lieutenant" for r in rows)


def test_cooperation_lists_agencies_and_countries_together(store: pyoxigraph.Store) -> None:
    rows = saved(store, "cooperation")
    by_event = {local(r["event"]): r for r in rows}
    patrols = by_event["serbia-hungary-austria-joint-border-patrols"]
    assert set(patrols["together"].split(", ")) == {"Serbia", "Hungary", "Austria"}
    exercise = by_event["2014-osce-kosovo-migrant-smuggling-joint-exercise"]
    assert set(exercise["together"].split(", ")) == {"Kosovo Police", "OSCE Mission in Kosovo"}
    assert by_event["2023-serbia-hungary-joint-working-group-proposal"]["modality"] == "proposed"


def test_place_hierarchy_serbia_and_the_border(store: pyoxigraph.Store) -> None:
    in_serbia = {(local(r["event"]), r["at"]) for r in saved(store, "place")}
    assert ("2023-serbia-migrant-detentions", "Subotica") in in_serbia
    assert ("2023-10-27-horgos-shooting", "Horgos") in in_serbia
    assert not any(e.startswith("2013-kosovo") for e, _ in in_serbia)
    border = {local(r["event"]) for r in saved(store, "place", place="place:serbia-hungary-border")}
    assert {
        "2023-gasic-pinter-reska-meeting",
        "2023-10-27-horgos-shooting",
        "2023-serbia-migrant-detentions",
        "2013-05-serbia-hungary-border-migration-flow",
    } <= border
    assert "2015-western-balkan-route-migration-flow" not in border


def test_evidence_gives_quotes_offsets_and_sentences(store: pyoxigraph.Store) -> None:
    rows = saved(store, "evidence")
    assert {r["source"] for r in rows} == {DOC0, DOC1, DOC2}
    for row in rows:
        text = (committed() / "data" / "documents" / f"{row['source']}.txt").read_text("utf-8")
        assert text[int(row["start"]) : int(row["end"])] == row["quote"]
        assert row["quote"] in row["sentence"] and row["sentence"] in text
    gasic = saved(store, "evidence", resource="person:bratislav-gasic")
    assert any("Serbian Interior Minister Bratislav Gasic" in r["quote"] for r in gasic)


def test_statements_who_said_what_to_whom(store: pyoxigraph.Store) -> None:
    rows = saved(store, "statements")
    got = {(r["speaker"], r.get("toldTo"), r["reportedBy"]) for r in rows}
    assert ("Aleksandar Vucic", "TV Pink", DOC0) in got
    assert ("Rados Jurovic", "RTV", DOC1) in got
    assert ("Dejan Lukovic", "Tanjug", DOC1) in got
    speech = next(r for r in rows if r["kind"] == "speech")
    assert speech["quotation"].startswith("De är inte migranter")


def test_source_view_is_the_documents_own_graph(
    store: pyoxigraph.Store, built: tuple[BuildResult, Path]
) -> None:
    query = next(q for q in saved_queries(committed() / "queries") if q.name == "source-view")
    outcome = run_query(store, query.text, base=ID, params=query.params)
    triples = {str(t) for t in outcome.triples}
    expected = {
        str(pyoxigraph.Triple(q.subject, q.predicate, q.object))
        for q in built[0].assembly.quads
        if q.graph_name.value == ID + "graph/" + DOC1
    }
    assert triples == expected


def test_real_arrests_leave_out_the_simulated_16(store: pyoxigraph.Store) -> None:
    rows = saved(store, "real-arrests")
    values = {(local(r["arrest"]), r.get("value")) for r in rows}
    assert ("2013-kosovo-eu-smuggling-arrests", "13") in values
    assert ("2023-serbia-operation-arrests", "119") in values
    assert not any(a.startswith("2014-exercise") for a, _ in values)
    assert "16" not in {v for _, v in values}


# --- the command ------------------------------------------------------------------------------


def test_list_shows_every_saved_question(built: tuple[BuildResult, Path]) -> None:
    code, output = cli(built, "--list")
    assert code == 0
    assert "timeline" in output and "Timeline of events" in output
    assert len(output.strip().splitlines()) == len(saved_queries(committed() / "queries"))


def test_table_shortens_iris_to_prefixed_names(built: tuple[BuildResult, Path]) -> None:
    code, output = cli(built, "SELECT ?p WHERE { ?p a kg:Person } ORDER BY ?p LIMIT 1")
    assert code == 0
    assert "person:aleksandar-vucic" in output and "(1 row)" in output


def test_json_is_sparql_results_json(built: tuple[BuildResult, Path]) -> None:
    code, output = cli(built, "people", "--format", "json")
    assert code == 0
    data = json.loads(output)
    assert data["head"]["vars"][:2] == ["person", "name"]
    binding = data["results"]["bindings"][0]
    assert binding["person"]["type"] == "uri"
    assert binding["name"]["type"] == "literal"
    parsed = pyoxigraph.parse_query_results(output, format=pyoxigraph.QueryResultsFormat.JSON)
    assert len(list(parsed)) == len(data["results"]["bindings"])


def test_csv_and_tsv(built: tuple[BuildResult, Path]) -> None:
    code, output = cli(
        built, "SELECT ?n WHERE { person:bratislav-gasic rdfs:label ?n }", "--format", "csv"
    )
    assert code == 0
    assert list(csv.reader(io.StringIO(output))) == [["n"], ["Bratislav Gasic"]]
    code, output = cli(
        built, "SELECT ?n WHERE { person:bratislav-gasic rdfs:label ?n }", "--format", "tsv"
    )
    assert output.splitlines() == ["?n", '"Bratislav Gasic"@en']


def test_construct_as_turtle_and_jsonld(built: tuple[BuildResult, Path]) -> None:
    query = "CONSTRUCT { ?p rdfs:label ?n } WHERE { ?p a kg:Person ; rdfs:label ?n }"
    code, output = cli(built, query)
    assert code == 0 and "Bratislav Gasic" in output
    assert len(list(pyoxigraph.parse(output, pyoxigraph.RdfFormat.TURTLE))) == 7
    code, output = cli(built, query, "--format", "jsonld")
    assert len(list(pyoxigraph.parse(output, pyoxigraph.RdfFormat.JSON_LD))) == 7


def test_ask_sets_the_exit_code(built: tuple[BuildResult, Path]) -> None:
    assert cli(built, "ASK { ?a kg:modality modality:simulated }") == (0, "true\n")
    assert cli(built, "ASK { ?a kg:modality modality:imaginary }") == (1, "false\n")


def test_named_graphs_give_according_to_this_source(built: tuple[BuildResult, Path]) -> None:
    _code, output = cli(
        built,
        f"""SELECT ?v WHERE {{ GRAPH graph:{DOC2} {{
        ?q kg:measure measure:detained ; kg:upperBound ?v }} }}""",
        "--format",
        "csv",
    )
    assert output.splitlines() == ["v", "5000"]


def test_reason_makes_schema_org_terms_work(built: tuple[BuildResult, Path]) -> None:
    query = "SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE { ?e a schema:Event }"
    assert cli(built, query, "--format", "csv")[1].splitlines() == ["n", "0"]
    _code, output = cli(built, query, "--format", "csv", "--reason")
    assert int(output.splitlines()[1]) == built[0].counts["events"]


def test_query_from_file_and_stdin(built: tuple[BuildResult, Path], tmp_path: Path) -> None:
    path = tmp_path / "q.rq"
    path.write_text("ASK { person:sandor-pinter a kg:Person }")
    assert cli(built, str(path)) == (0, "true\n")
    assert cli(built, "-", stdin="ASK { person:sandor-pinter a kg:Person }") == (0, "true\n")


def test_syntax_error_names_line_and_column_exit_2(built: tuple[BuildResult, Path]) -> None:
    code, output = cli(built, "SELECT ?s WHERE {\n  ?s a kg:Person .\n  FILTER(?s = ) }")
    assert code == 2
    assert "line 3, column" in output and "expected" in output


def test_unknown_saved_query_and_format_exit_2(built: tuple[BuildResult, Path]) -> None:
    code, output = cli(built, "timelime")
    assert code == 2 and "no saved query named 'timelime'" in output and "timeline" in output
    code, output = cli(built, "timeline", "--format", "yaml")
    assert code == 2
    code, output = cli(built, "timeline", "--format", "turtle")
    assert code == 2 and "not one for SELECT" in output


def test_nothing_built_says_how_to_build(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        main, ["query", "--project", str(committed()), "--dist", str(tmp_path), "timeline"]
    )
    assert result.exit_code == 2
    assert "nothing is built" in result.output and "kgbuild build" in result.output


def test_inferred_triples_match_owlrl_on_the_real_data(
    built: tuple[BuildResult, Path], project: Project
) -> None:
    """The fast materialisation agrees with owlrl's RDFS closure of ontology + data."""
    import owlrl
    import rdflib

    result, out = built
    graph = rdflib.Graph()
    graph.parse(
        data=pyoxigraph.serialize(
            [pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in result.assembly.quads],
            format=pyoxigraph.RdfFormat.N_TRIPLES,
        ).decode(),
        format="nt",
    )
    asserted = {(str(s), str(p), str(o)) for s, p, o in graph}
    owlrl.DeductiveClosure(
        owlrl.RDFS_Semantics, axiomatic_triples=False, improved_datatypes=False
    ).expand(graph)

    def wanted(s: object, p: object, o: object) -> bool:
        return (
            isinstance(s, rdflib.URIRef)
            and str(s).startswith(ID)
            and not str(p).startswith(str(rdflib.RDFS))
            and not (
                p == rdflib.RDF.type
                and str(o).startswith((str(rdflib.RDFS), str(rdflib.OWL), str(rdflib.RDF)))
            )
        )

    theirs = {(str(s), str(p), str(o)) for s, p, o in graph if wanted(s, p, o)} - asserted
    ours = {
        (q.subject.value, q.predicate.value, q.object.value)
        for q in pyoxigraph.Store.read_only(str(out / "store")).quads_for_pattern(
            None, None, None, pyoxigraph.NamedNode(project.graph_iri("inferred"))
        )
        if wanted(rdflib.URIRef(q.subject.value), rdflib.URIRef(q.predicate.value), q.object)
    }
    inverse = {
        (s, p, o)
        for s, p, o in ours - theirs
        if p.endswith(("#hasPart", "/hasSubEvent", "/subEvent"))
    }
    assert theirs <= ours
    assert ours - theirs == inverse  # owl:inverseOf is beyond RDFS: only the inverses differ


def test_service_is_refused_and_nothing_is_contacted(built: tuple[BuildResult, Path]) -> None:
    """A local HTTP server that records any request: SERVICE must never reach it."""
    import http.server
    import threading

    contacted: list[str] = []

    class Trap(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            contacted.append(self.path)
            self.send_response(500)
            self.end_headers()

        do_POST = do_GET

        def log_message(self, *args: object) -> None:
            pass

    trap = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Trap)
    threading.Thread(target=trap.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{trap.server_address[1]}/sparql"
        code, output = cli(built, f"SELECT * WHERE {{ SERVICE <{url}> {{ ?s ?p ?o }} }}")
        assert code == 2 and "SERVICE is refused" in output
        code, _ = cli(built, f"SELECT * WHERE {{ SERVICE SILENT <{url}> {{ ?s ?p ?o }} }}")
        assert code == 2
        # the word in a string, an IRI or a comment is not a SERVICE clause
        code, _ = cli(built, 'SELECT ?service WHERE { ?service rdfs:label "SERVICE" } # SERVICE')
        assert code == 0
    finally:
        trap.shutdown()
    assert contacted == []


# --- the exact text: --show and kgbuild.query_text ---------------------------------------------


def test_show_prints_the_text_that_runs_anywhere(built: tuple[BuildResult, Path]) -> None:
    code, shown = cli(built, "people", "--show")
    assert code == 0
    assert shown.startswith("# title: People and their positions\n")
    declared = [line for line in shown.splitlines() if line.startswith("PREFIX ")]
    assert declared == [
        "PREFIX graph: <https://w3id.org/kgbuild/id/graph/>",
        "PREFIX kg: <https://w3id.org/kgbuild/ontology#>",
        "PREFIX prov: <http://www.w3.org/ns/prov#>",
        "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>",
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>",
    ]
    # a plain store with no prefixes of kgbuild's takes it and gives kgbuild's rows
    store = pyoxigraph.Store()
    store.load(path=str(built[1] / "dataset.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
    result = store.query(shown)
    theirs = [{v.value: s[v].value for v in result.variables if s[v] is not None} for s in result]
    assert theirs == saved(open_store(built[1]), "people")


def test_show_binds_the_defaults_and_the_params(built: tuple[BuildResult, Path]) -> None:
    _, default = cli(built, "place", "--show")
    assert "BIND (<https://w3id.org/kgbuild/id/place/serbia> AS ?place)" in default
    _, border = cli(built, "place", "--show", "--param", "place=place:serbia-hungary-border")
    assert "<https://w3id.org/kgbuild/id/place/serbia-hungary-border>" in border
    assert "place/serbia>" not in border
    _, people = cli(built, "people", "--show", "--param", "person=person:dejan-lukovic")
    assert "VALUES ?person { <https://w3id.org/kgbuild/id/person/dejan-lukovic> }" in people
    assert kgbuild.query_text(committed(), "place") == default


def test_show_needs_no_build_and_keeps_the_users_prefixes(tmp_path: Path) -> None:
    text = "PREFIX kg: <urn:other#>\nSELECT ?s WHERE { ?s a kg:Person ; rdfs:label ?l }"
    result = CliRunner().invoke(
        main, ["query", "--project", str(committed()), "--dist", str(tmp_path), text, "--show"]
    )
    assert result.exit_code == 0, result.output
    assert result.output == "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n" + text + "\n"


def test_syntax_errors_count_lines_of_the_query_as_written(
    built: tuple[BuildResult, Path],
) -> None:
    """The PREFIX lines kgbuild adds do not shift the line numbers of its messages."""
    query = "# a comment\nSELECT ?s WHERE {\n  ?s a kg:Person .\n  FILTER(?s = ) }"
    code, output = cli(built, query)
    assert code == 2 and "line 4, column" in output


@pytest.mark.parametrize(
    "saved_query", saved_queries(committed() / "queries"), ids=lambda q: q.name
)
def test_every_saved_question_parses_without_kgbuild(saved_query: object) -> None:
    """The shown text is a complete SPARQL 1.1 query for pyoxigraph and rdflib alike."""
    from rdflib.plugins.sparql import prepareQuery

    text = kgbuild.query_text(committed(), saved_query.name)
    pyoxigraph.Store().query(text)
    prepareQuery(text)
