"""The saved questions' answers that each build writes beside its store (graph/answers.py,
incremental/answers.py): the rows the questions give, pages read from them, and answers kept
up to date per key that are byte for byte the answers computed from scratch."""

from __future__ import annotations

import random
import re
import shutil
from pathlib import Path

import pyoxigraph
import pytest
from answers import changed_nodes
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.errors import LocalityError
from kgbuild.graph.answers import materialise, ordered
from kgbuild.graph.paging import Page
from kgbuild.graph.query import bound_text, standalone_text
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.store import NotBuilt
from kgbuild.graph.stored import ANSWERS_DIR, stored_answers
from kgbuild.incremental.algebra import derive
from kgbuild.incremental.answers import KeptAnswers
from kgbuild.incremental.locality import affected_keys
from kgbuild.incremental.restrict import restrict
from kgbuild.pipeline import BuildResult, build, query_page
from kgbuild.project import Project
from tests.conftest import committed, committed_copy

ID = "https://w3id.org/kgbuild/id/"
KG = "https://w3id.org/kgbuild/ontology#"
TSV = pyoxigraph.QueryResultsFormat.TSV
SAVED = {saved.name: saved for saved in saved_queries(committed() / "queries")}
LISTINGS = ["cooperation", "disagreements", "people", "real-arrests", "seizures", "statements"]
_CONCAT = re.compile(
    r'GROUP_CONCAT\s*\(\s*(?:DISTINCT\s+)?\?\w+\s*;\s*separator\s*=\s*"([^"]*)"\s*\)\s*AS\s+\?(\w+)',
    re.IGNORECASE,
)


def live(store: pyoxigraph.Store, name: str) -> bytes:
    saved = SAVED[name]
    return store.query(standalone_text(saved.text, ID, saved.params)).serialize(format=TSV)


def canonical(name: str, data: bytes) -> list[list[object]]:
    """The rows, with the parts of each GROUP_CONCAT as a set (SPARQL leaves their order
    open; incremental/answers.py says why a stored answer may list them in another order)."""
    concat = {var: sep for sep, var in _CONCAT.findall(SAVED[name].text)}
    solutions = pyoxigraph.parse_query_results(data, format=TSV)
    names = [v.value for v in solutions.variables]
    out = []
    for solution in solutions:
        row: list[object] = []
        for variable in names:
            term = solution[variable]
            if variable in concat and term is not None:
                row.append((frozenset(term.value.split(concat[variable])), term.language))
            else:
                row.append(str(term))
        out.append(row)
    return out


def stored(out: Path) -> dict[str, bytes]:
    folder = out / ANSWERS_DIR
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def store(built: tuple[BuildResult, Path]) -> pyoxigraph.Store:
    return pyoxigraph.Store.read_only(str(built[1] / "store"))


# -- what is stored -----------------------------------------------------------------------------


def test_build_stores_the_default_answer_of_every_saved_select_question(
    built: tuple[BuildResult, Path],
) -> None:
    answers = stored_answers(built[1])
    assert sorted(answers) == sorted(n for n in SAVED if n != "source-view")  # a CONSTRUCT
    assert answers["timeline"].total == 78


@pytest.mark.parametrize("name", LISTINGS)
def test_stored_answer_is_byte_for_byte_what_the_question_gives(
    built: tuple[BuildResult, Path], store: pyoxigraph.Store, name: str
) -> None:
    """Questions without GROUP_CONCAT: the same bytes, rows in the same order."""
    assert (built[1] / ANSWERS_DIR / f"{name}.tsv").read_bytes() == live(store, name)


@pytest.mark.parametrize("name", sorted(n for n in SAVED if n != "source-view"))
def test_stored_answer_has_the_rows_the_question_gives_in_its_order(
    built: tuple[BuildResult, Path], store: pyoxigraph.Store, name: str
) -> None:
    mine = (built[1] / ANSWERS_DIR / f"{name}.tsv").read_bytes()
    assert canonical(name, mine) == canonical(name, live(store, name))


@pytest.mark.parametrize("name", [*LISTINGS, "timeline"])
def test_rows_put_in_order_again_come_out_in_the_questions_order(
    store: pyoxigraph.Store, name: str
) -> None:
    header, *rows = live(store, name).decode("utf-8").split("\n")[:-1]
    shuffled = rows[:]
    random.Random(7).shuffle(shuffled)
    again = ordered(header, shuffled, bound_text(SAVED[name].text, SAVED[name].params, ID), ID)
    assert canonical(name, "\n".join([header, *again, ""]).encode()) == canonical(
        name, "\n".join([header, *rows, ""]).encode()
    )


def test_answers_per_key_do_not_depend_on_which_keys_are_asked_together(
    built: tuple[BuildResult, Path], tmp_path: Path
) -> None:
    generation = (built[1] / ".current").resolve()
    project = Project.at(committed(), ID)
    materialise(generation / "store", project, tmp_path / "one", KeptAnswers(project, batch=1))
    materialise(generation / "store", project, tmp_path / "many", KeptAnswers(project, batch=1000))
    assert stored(tmp_path / "one") == stored(tmp_path / "many")


# -- pages ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["timeline", "statements"])
def test_a_page_of_the_stored_answer_is_that_slice_with_the_total(
    built: tuple[BuildResult, Path], name: str
) -> None:
    whole = query_page(committed(), name, dist=built[1], limit=None)
    assert isinstance(whole, Page)
    rows = [[str(v) for v in row] for row in whole.outcome.rows]
    assert whole.total == len(rows) > 10
    for offset, limit in ((0, 5), (7, 3), (len(rows) - 2, 10), (len(rows) + 5, 10)):
        page = query_page(committed(), name, dist=built[1], limit=limit, offset=offset)
        assert isinstance(page, Page) and page.total == len(rows)
        assert [[str(v) for v in row] for row in page.outcome.rows] == rows[offset:][:limit]


def test_a_saved_questions_default_page_needs_only_the_stored_answer(
    built: tuple[BuildResult, Path], tmp_path: Path
) -> None:
    """Proof that the page is read, not computed: without the store it is still answered,
    while other parameters (answered live) need the store."""
    dist = tmp_path / "dist"
    shutil.copytree(built[1], dist, symlinks=True)
    shutil.rmtree((dist / ".current").resolve() / "store")
    page = query_page(committed(), "people", dist=dist, limit=2)
    assert isinstance(page, Page) and page.total == 10 and len(page.outcome.rows) == 2
    with pytest.raises(NotBuilt):
        query_page(committed(), "evidence", dist=dist, params={"resource": "person:dejan-lukovic"})
    with pytest.raises(NotBuilt):
        query_page(committed(), "timeline", dist=dist, reason=True)


@pytest.mark.parametrize("fmt", ["csv", "tsv", "json", "xml"])
def test_a_stored_page_prints_as_the_live_page_in_every_format(
    built: tuple[BuildResult, Path], tmp_path: Path, fmt: str
) -> None:
    """The same bytes as before there were stored answers: the page computed live (an answer
    folder of another format is not read)."""
    args = [
        "query",
        "--project",
        str(committed()),
        "--dist",
        str(built[1]),
        "people",
        "--limit",
        "3",
    ]
    stored_out = CliRunner().invoke(main, [*args, "--offset", "2", "--format", fmt])
    dist = tmp_path / "dist"
    shutil.copytree(built[1], dist, symlinks=True)
    (dist / ANSWERS_DIR / "answers.json").write_text('{"format": 0}')
    args[4] = str(dist)
    live_out = CliRunner().invoke(main, [*args, "--offset", "2", "--format", fmt])
    assert stored_out.exit_code == live_out.exit_code == 0, stored_out.output
    assert stored_out.stdout == live_out.stdout and "rows 3-5 of 10" in stored_out.stderr


def test_all_rows_of_a_saved_question_come_from_the_stored_answer(
    built: tuple[BuildResult, Path],
) -> None:
    result = CliRunner().invoke(
        main, ["query", "--project", str(committed()), "--dist", str(built[1]), "timeline", "--all"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.strip().splitlines()[-1] == "(78 rows)"


# -- the key and what a question reads -------------------------------------------------------------


GLOBAL = [ID + "graph/ontology", ID + "graph/vocabularies"]
KEYS = {
    "cooperation": "event",
    "disagreements": "event",
    "people": "person",
    "real-arrests": "arrest",
    "seizures": "event",
    "statements": "statement",
    "timeline": "event",
}


def derived(name: str):
    saved = SAVED[name]
    return derive(standalone_text(bound_text(saved.text, saved.params, ID), ID), GLOBAL)


def test_each_listing_question_is_keyed_on_its_first_variable_that_every_row_binds() -> None:
    """No header: the key is read from the question (seizures' ?operation is OPTIONAL)."""
    for name, variable in KEYS.items():
        locality, why = derived(name)
        assert locality is not None, (name, why)
        assert locality.variable == variable, name
    assert derived("source-view") == (None, "it is no SELECT")


def test_what_a_question_reads_is_every_pattern_it_has_as_a_path_from_its_key() -> None:
    locality, _ = derived("timeline")
    assert locality is not None
    paths = {"/".join(step.sparql() for step in path) for path in locality.paths}
    rdfs, kg = "http://www.w3.org/2000/01/rdf-schema#", KG
    assert f"<{kg}place>/<{rdfs}label>" in paths  # in an OPTIONAL sub-query
    assert f"<{kg}startDate>/<{kg}earliest>" in paths  # a property path's alternative
    assert f"<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>/<{rdfs}subClassOf>*" in paths
    seizures, _ = derived("seizures")
    assert seizures is not None
    partof = {"/".join(step.sparql() for step in path) for path in seizures.paths}
    # FILTER NOT EXISTS and the parts of a count: an inverse step
    assert f"<{kg}quantity>/<{kg}partOfCount>" in partof
    assert f"<{kg}quantity>/^<{kg}partOfCount>/<{kg}statedAs>" in partof
    assert not seizures.everywhere


def test_a_pattern_no_chain_reaches_from_the_key_is_read_everywhere() -> None:
    text = (
        "PREFIX : <urn:x:> SELECT ?e ?n WHERE { ?e :p ?v . "
        "{ SELECT (COUNT(*) AS ?n) WHERE { ?x :q ?y } } }"
    )
    locality, _ = derive(text)
    assert locality is not None and locality.everywhere == {"urn:x:q"}
    limited = (
        "PREFIX : <urn:x:> SELECT ?e ?w WHERE { ?e :p ?v . { SELECT ?v ?w { ?v :r ?w } LIMIT 5 } }"
    )
    assert derive(limited)[0].everywhere == {"urn:x:r"}  # type: ignore[union-attr]
    assert derive("SELECT ?s WHERE { ?s ?p ?o }")[0] is None  # a variable predicate


def test_a_key_header_that_names_no_key_is_refused() -> None:
    text = "PREFIX : <urn:x:> SELECT ?e ?v WHERE { ?e :p ?v OPTIONAL { ?e :q ?w } }"
    with pytest.raises(LocalityError, match="no variable the question projects"):
        derive(text, variable="w")
    assert derive(text, variable="v")[0] is None or True
    with pytest.raises(LocalityError, match="no pattern"):
        derive(
            "PREFIX : <urn:x:> SELECT ?e ?w WHERE { ?e :p ?v OPTIONAL { ?e :q ?w } }", variable="w"
        )


def test_keys_are_bound_in_the_sub_queries_and_optional_groups_that_bind_the_key() -> None:
    timeline = restrict(SAVED["timeline"].text, "event", ["<urn:x>"])
    # the WHERE clause, the events' sub-query and four OPTIONAL sub-queries, and the sorted
    # sub-query inside each of the five; not the classes' sub-query (it does not project
    # ?event, and has a LIMIT)
    assert timeline.count("VALUES ?event { <urn:x> }") == 10
    cooperation = restrict(SAVED["cooperation"].text, "event", ["<urn:x>"])
    # the WHERE clause, the counts' and the sources' sub-queries and the sorted one inside
    # each; not the agents' sub-query, which has no ?event
    assert cooperation.count("VALUES ?event") == 5
    arrests = restrict(SAVED["real-arrests"].text, "arrest", ["<urn:x>"])
    assert arrests.count("VALUES ?arrest") == 2  # and its OPTIONAL group, which binds ?arrest
    statements = restrict(SAVED["statements"].text, "statement", ["<urn:x>"])
    assert statements.count("VALUES ?statement") == 4


def test_a_change_reaches_the_keys_that_read_it_and_no_others() -> None:
    store = pyoxigraph.Store()
    node = pyoxigraph.NamedNode
    e1, e2, d = node("urn:e1"), node("urn:e2"), node("urn:date")
    date, label = node(KG + "date"), node("http://www.w3.org/2000/01/rdf-schema#label")
    modality = node(KG + "modality")
    graph = node("urn:g")
    store.extend(
        [
            pyoxigraph.Quad(e1, date, d, pyoxigraph.DefaultGraph()),
            pyoxigraph.Quad(e1, modality, node("urn:m"), pyoxigraph.DefaultGraph()),
            pyoxigraph.Quad(e2, modality, node("urn:m"), pyoxigraph.DefaultGraph()),
        ]
    )
    locality, _ = derive(
        f"PREFIX kg: <{KG}> PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#> "
        "SELECT ?event ?label WHERE { ?event kg:modality ?m OPTIONAL { ?event kg:date ?d . "
        "?d rdfs:label ?label } }"
    )
    assert locality is not None and locality.variable == "event"
    graphs = [pyoxigraph.DefaultGraph()]
    relabelled = [pyoxigraph.Quad(d, label, pyoxigraph.Literal("1 May"), graph)]
    assert affected_keys(store, locality, relabelled, graphs) == {"<urn:e1>"}
    # a new event with that date changes none of the others' rows
    dated = [pyoxigraph.Quad(node("urn:e3"), date, d, graph)]
    assert affected_keys(store, locality, dated, graphs) == {"<urn:e3>"}


# -- kept up to date ----------------------------------------------------------------------------


def copy_project(target: Path) -> Project:
    committed_copy(target)
    return Project.at(target, ID)


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def rebuilt_as_from_scratch(project: Project, out: Path, clean: Path) -> list[str]:
    """Build into ``out`` (after the build before), and into the empty ``clean``; the answers
    must be the same bytes. Returns how the rebuild got each answer."""
    before = out.parent / f"{out.name}-previous"
    shutil.rmtree(before, ignore_errors=True)
    shutil.copytree((out / ".current").resolve(), before)
    build(project, out_dir=out)
    build(project, out_dir=clean, use_cache=False)
    assert stored(out) == stored(clean)
    # the same build again, to see how it got each answer (the pipeline does not say)
    generation = (out / ".current").resolve()
    check = out.parent / f"{out.name}-check"
    shutil.rmtree(check, ignore_errors=True)
    keeper = KeptAnswers(project, before, changed_nodes(before, generation))
    done = materialise(generation / "store", project, check, keeper)
    assert stored(check) == stored(out)
    return sorted(f"{a.name} {a.how}" for a in done)


def test_answers_kept_per_key_after_changing_a_document_are_those_from_scratch(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "dist"
    build(project, out_dir=out)
    doc = project.documents_dir / "001_a3f3df6d3b25658d.yaml"
    edit(
        doc,
        "value: 5\n        qualifier: exact\n        statedAs: five assault",
        "value: 9\n        qualifier: exact\n        statedAs: five assault",
    )
    edit(doc, 'date: {in: "2023-10", part: late', 'date: {in: "2023-10", part: early')
    how = rebuilt_as_from_scratch(project, out, tmp_path / "clean")
    assert "timeline by key" in how and "disagreements by key" in how
    assert "evidence whole" in how  # a question with parameters is answered whole


@pytest.mark.slow
def test_answers_kept_per_key_after_adding_and_removing_documents_are_those_from_scratch(
    tmp_path: Path,
) -> None:
    project = copy_project(tmp_path / "project")
    out = tmp_path / "dist"
    build(project, out_dir=out)
    held = tmp_path / "held"
    held.mkdir()
    for suffix in (".txt", ".yaml"):
        name = f"003_ba60645de3d84279{suffix}"
        (project.documents_dir / name).rename(held / name)
    removed = rebuilt_as_from_scratch(project, out, tmp_path / "clean-removed")
    assert "timeline by key" in removed
    for suffix in (".txt", ".yaml"):
        name = f"003_ba60645de3d84279{suffix}"
        (held / name).rename(project.documents_dir / name)
    added = rebuilt_as_from_scratch(project, out, tmp_path / "clean-added")
    assert "timeline by key" in added
    unchanged = rebuilt_as_from_scratch(project, out, tmp_path / "clean-unchanged")
    assert all(line.endswith(("kept", "whole")) for line in unchanged), unchanged


@pytest.mark.slow
def test_answers_kept_per_key_on_a_generated_corpus_are_those_from_scratch(
    tmp_path: Path,
) -> None:
    """Shared people, places and dates across documents, events reported twice: add, remove
    and change documents and compare with answers made from scratch each time."""
    from corpus import generate

    corpus = generate(Project.at(committed()), tmp_path / "corpus", 40, seed=5)
    spare = generate(Project.at(committed()), tmp_path / "spare", 42, seed=5)
    project = Project.at(corpus, ID)
    docs = project.documents_dir
    out = tmp_path / "dist"
    build(project, out_dir=out)
    steps = 0
    for suffix in (".txt", ".yaml"):  # two documents more
        for doc in ("000040", "000041"):
            shutil.copy(spare / "data" / "documents" / f"{doc}{suffix}", docs)
    how = rebuilt_as_from_scratch(project, out, tmp_path / f"clean-{steps}")
    assert any(line.endswith("by key") for line in how), how
    for suffix in (".txt", ".yaml"):  # one fewer
        (docs / f"000007{suffix}").unlink()
    steps += 1
    rebuilt_as_from_scratch(project, out, tmp_path / f"clean-{steps}")
    changed = docs / "000003.yaml"  # a relabelled event
    changed.write_text(changed.read_text().replace("label: ", "label: revised ", 1))
    steps += 1
    rebuilt_as_from_scratch(project, out, tmp_path / f"clean-{steps}")
