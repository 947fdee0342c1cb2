"""Stored answers never go stale: after any sequence of adds, changes and removals (documents,
figures, places, labels in data/entities.yaml), every saved question's stored answer is the
answer the question gives live, byte for byte, rows and GROUP_CONCAT parts in the same order.
Among the questions are two that this test writes, with no header: what they read is found
from their SPARQL (incremental/locality.py), as for a question a maintainer adds tomorrow."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph
import pytest
import yaml
from hypothesis import HealthCheck, Phase, example, given, settings
from hypothesis import strategies as st

from kgbuild.errors import ValidationFailed
from kgbuild.graph.paging import split_select
from kgbuild.graph.query import bound_text, standalone_text
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.stored import ANSWERS_DIR
from kgbuild.incremental.algebra import derive
from kgbuild.incremental.answers import GLOBAL_GRAPHS
from kgbuild.pipeline import build
from kgbuild.project import Project
from tests.conftest import committed

ID = "https://w3id.org/kgbuild/id/"
TSV = pyoxigraph.QueryResultsFormat.TSV
BASE_DOCS, SPARE_DOCS = 10, 4

# A maintainer's questions, with no header: figures with their event's place and label (three
# OPTIONAL groups), and what each person said, counted, through a UNION and a NOT EXISTS.
FIGURES = """\
# title: Figures and where
SELECT ?event ?label ?measure ?value ?place
WHERE {
  GRAPH ?g { ?event kg:quantity ?q . ?q kg:measure ?m . OPTIONAL { ?q kg:value ?value } }
  GRAPH graph:vocabularies { ?m skos:prefLabel ?measure }
  FILTER (LANG(?measure) = "en")
  OPTIONAL { GRAPH ?h { ?event kg:place ?p } GRAPH ?k { ?p rdfs:label ?place } }
  OPTIONAL { GRAPH ?l { ?event rdfs:label ?label } }
}
ORDER BY ?event ?measure ?value STR(?place) STR(?label)
"""
SPEAKERS = """\
# title: Who spoke, how often
SELECT ?person ?name (COUNT(DISTINCT ?s) AS ?said)
       (GROUP_CONCAT(DISTINCT ?where; separator="; ") AS ?places)
WHERE {
  GRAPH ?n { ?person rdfs:label ?name }
  { GRAPH ?g { ?s kg:speaker ?person } }
  UNION { GRAPH ?g { ?m kg:member ?person . ?s kg:speaker ?person } }
  FILTER NOT EXISTS { GRAPH ?x { ?s kg:modality modality:planned } }
  OPTIONAL {
    { SELECT DISTINCT ?s ?where WHERE {
        GRAPH ?a { ?s kg:about ?e } GRAPH ?b { ?e kg:place ?p } GRAPH ?c { ?p rdfs:label ?where }
      } ORDER BY STR(?where) }
  }
}
GROUP BY ?person ?name
ORDER BY ?person STR(?name)
"""


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small generated corpus, its spare documents, and a build of it."""
    from corpus import generate

    root = tmp_path_factory.mktemp("property")
    corpus = generate(Project.at(committed()), root / "project", BASE_DOCS, seed=11)
    spare = generate(Project.at(committed()), root / "spare", BASE_DOCS + SPARE_DOCS, seed=11)
    (corpus / "queries" / "zz-figures.rq").write_text(FIGURES, encoding="utf-8")
    (corpus / "queries" / "zz-speakers.rq").write_text(SPEAKERS, encoding="utf-8")
    (root / "pool").mkdir()
    for n in range(BASE_DOCS, BASE_DOCS + SPARE_DOCS):
        for suffix in (".txt", ".yaml"):
            shutil.copy(spare / "data" / "documents" / f"{n:06d}{suffix}", root / "pool")
    build(Project.at(corpus, ID), out_dir=root / "dist")
    return root


def test_the_test_questions_are_keyed_without_a_header(base: Path) -> None:
    """Else the property below would check nothing a key could get wrong."""
    graphs = [ID + f"graph/{g}" for g in GLOBAL_GRAPHS]
    for name, variable in [("zz-figures", "event"), ("zz-speakers", "person")]:
        saved = next(s for s in saved_queries(base / "project" / "queries") if s.name == name)
        assert not saved.key
        locality, why = derive(standalone_text(saved.text, ID), graphs)
        assert locality is not None and locality.variable == variable, why


def _doc(project: Path, n: int) -> Path:
    return project / "data" / "documents" / f"{n:06d}.yaml"


def _load(path: Path) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def _dump(path: Path, data: object) -> None:
    path.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )


def apply(step: tuple, project: Path, pool: Path) -> None:
    """One change, as a maintainer would make it (a step that finds nothing to change is
    none)."""
    kind, n, value = step
    docs = sorted(p for p in (project / "data" / "documents").glob("*.yaml"))
    if kind == "add":
        name = f"{BASE_DOCS + n % SPARE_DOCS:06d}"
        for suffix in (".txt", ".yaml"):
            if (pool / f"{name}{suffix}").exists():
                shutil.copy(pool / f"{name}{suffix}", project / "data" / "documents")
        return
    if not docs:
        return
    path = docs[n % len(docs)]
    if kind == "remove":
        path.unlink()
        path.with_suffix(".txt").unlink()
        return
    if kind == "relabel-entity":
        entities_file = project / "data" / "entities.yaml"
        entities = _load(entities_file)
        entity = entities["entities"][n % len(entities["entities"])]
        entity["label"] = f"{entity['label']} {value}"
        _dump(entities_file, entities)
        return
    data = _load(path)
    event = data["facts"][0]
    if kind == "figure":
        quantity = event["quantities"][0]
        number = next(k for k in ("value", "lowerBound", "upperBound") if k in quantity)
        quantity[number] = 1 + value
    elif kind == "place":
        event["place"] = f"place/t{value % 15:05d}"  # the corpus has 15 towns
    elif kind == "relabel-event" and "label" in event:
        event["label"] = f"{event['label']} (revised {value})"
    elif kind == "modality":
        data["facts"][1]["modality"] = "planned" if value % 2 else "actual"
    _dump(path, data)


def check_answers_are_live(project: Path, out: Path) -> None:
    store = pyoxigraph.Store.read_only(str(out / "store"))
    checked = 0
    for saved in saved_queries(project / "queries"):
        bound = bound_text(saved.text, saved.params, ID)
        if split_select(bound) is None:
            continue
        live = store.query(standalone_text(bound, ID)).serialize(format=TSV)
        stored = (out / ANSWERS_DIR / f"{saved.name}.tsv").read_bytes()
        assert stored == live, f"the stored answer of {saved.name} is stale"
        checked += 1
    assert checked >= 11


STEPS = st.tuples(
    st.sampled_from(
        ["add", "remove", "figure", "place", "relabel-entity", "relabel-event", "modality"]
    ),
    st.integers(0, 30),
    st.integers(0, 5000),
)


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,  # the same examples in every run and on every machine
    database=None,
    # no shrinking: a failure is reported with the example that found it, in seconds rather
    # than the minutes shrinking whole builds would take
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(STEPS, min_size=1, max_size=3))
@example(steps=[("remove", 0, 0)])  # document 0 alone labels an event document 2 reports
def test_stored_answers_equal_live_answers_after_any_changes(
    base: Path, tmp_path_factory: pytest.TempPathFactory, steps: list[tuple]
) -> None:
    work = tmp_path_factory.mktemp("steps")
    project, out = work / "project", work / "dist"
    shutil.copytree(base / "project", project)
    shutil.copytree(base / "dist", out, symlinks=True)
    for step in steps:
        before = work / "before"
        shutil.copytree(project, before)
        apply(step, project, base / "pool")
        try:
            build(Project.at(project, ID), out_dir=out)
        except ValidationFailed:
            # A change can leave the data invalid, e.g. removing the one document that labels
            # an event other documents report: the build refuses it, the last build stands and
            # its stored answers are still those of the data it was built from.
            shutil.rmtree(project)
            before.rename(project)
            check_answers_are_live(project, out)
            continue
        shutil.rmtree(before)
        check_answers_are_live(project, out)
    shutil.rmtree(work)
