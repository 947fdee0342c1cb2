"""Every saved question gives the same rows on four real engines loaded with the release.

kgbuild query (the library, over the build) is the reference; rdflib over the release's TriG
(``Dataset(default_union=True)``), a real Oxigraph server (``oxigraph load`` of the release,
then ``oxigraph serve-read-only``: its default graph is empty) and a real Virtuoso (Debian's
virtuoso-opensource, started here in a temporary folder on free loopback ports, loaded by
``kgbuild push`` with Digest authentication: its default graph is every graph) must answer
the same. Each engine gets the text ``kgbuild query NAME --show`` prints. Values are compared
canonicalised (see benchmarks/engines.py): IRIs, literals by lexical form and datatype or
language, numbers by value, the parts of a GROUP_CONCAT as a set, the rows in order only where
the question has ORDER BY.

Without ``virtuoso-t`` the Virtuoso cases skip with one line saying so, except under CI (``CI``
set, or ``KGBUILD_REQUIRE_VIRTUOSO=1``), where they fail; ``.ci/run`` installs it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from engines import (
    Answer,
    KgbuildEngine,
    ProtocolEngine,
    RdflibEngine,
    Term,
    Virtuoso,
    canonical,
    canonical_term,
    list_columns,
    ordered,
    oxigraph_server,
)

import kgbuild
from kgbuild.cli import main
from kgbuild.graph.saved import saved_queries
from kgbuild.namespaces import KG
from kgbuild.pipeline import BuildResult
from tests.conftest import committed

QUESTIONS = [saved.name for saved in saved_queries(committed() / "queries")]

XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.fixture(scope="module")
def reference(built: tuple[BuildResult, Path]) -> KgbuildEngine:
    return KgbuildEngine(committed(), built[1])


@pytest.fixture(scope="module")
def rdflib_engine(release: Path) -> RdflibEngine:
    return RdflibEngine(release / "kgbuild.trig")


@pytest.fixture(scope="module")
def oxigraph_engine(release: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    with oxigraph_server(release / "kgbuild.nq", tmp_path_factory.mktemp("oxigraph")) as url:
        yield ProtocolEngine("oxigraph", url)


@pytest.fixture(scope="module")
def virtuoso_engine(virtuoso: Virtuoso, release: Path) -> ProtocolEngine:
    """The release pushed into Virtuoso by `kgbuild push`, as a user would."""
    result = CliRunner().invoke(
        main,
        [
            "push",
            "--project",
            str(committed()),
            "--file",
            str(release / "kgbuild.nq"),
            "--endpoint",
            virtuoso.graph_store,
        ],
        env=virtuoso.credentials(),
    )
    assert result.exit_code == 0, result.output
    return ProtocolEngine("virtuoso", virtuoso.sparql)


def without_full_text(answer: Answer) -> Answer:
    """kgbuild's build keeps each document's full text (kg:text); the release leaves it out
    unless its license allows (none of the seed documents has one). Exactly that triple goes."""
    assert answer.triples is not None
    text = [t for t in answer.triples if t[1] == Term("iri", KG + "text")]
    assert len(text) == 1, text
    return Answer([], [], answer.triples - set(text))


def expected(reference: KgbuildEngine, name: str, text: str) -> dict[str, object]:
    answer = reference.answer(name, text)
    if answer.triples is not None:
        answer = without_full_text(answer)
    return canonical(answer, text)


@pytest.mark.slow
@pytest.mark.parametrize("name", QUESTIONS)
def test_rdflib_gives_kgbuilds_rows(
    name: str, reference: KgbuildEngine, rdflib_engine: RdflibEngine
) -> None:
    text = kgbuild.query_text(committed(), name)
    assert canonical(rdflib_engine.answer(name, text), text) == expected(reference, name, text)


@pytest.mark.slow
@pytest.mark.parametrize("name", QUESTIONS)
def test_oxigraph_server_gives_kgbuilds_rows(
    name: str, reference: KgbuildEngine, oxigraph_engine: ProtocolEngine
) -> None:
    text = kgbuild.query_text(committed(), name)
    assert canonical(oxigraph_engine.answer(name, text), text) == expected(reference, name, text)


@pytest.mark.slow
@pytest.mark.parametrize("name", QUESTIONS)
def test_virtuoso_gives_kgbuilds_rows(
    name: str, reference: KgbuildEngine, virtuoso_engine: ProtocolEngine
) -> None:
    text = kgbuild.query_text(committed(), name)
    assert canonical(virtuoso_engine.answer(name, text), text) == expected(reference, name, text)


@pytest.mark.slow
def test_release_carries_each_question_as_kgbuild_runs_it(release: Path) -> None:
    """dist/release/queries/NAME.rq is the text every engine here gets."""
    shipped = sorted(path.stem for path in (release / "queries").glob("*.rq"))
    assert shipped == sorted(QUESTIONS)
    for name in QUESTIONS:
        text = (release / "queries" / f"{name}.rq").read_text(encoding="utf-8")
        assert text == kgbuild.query_text(committed(), name), name


@pytest.mark.slow
def test_every_question_has_rows_on_kgbuild(reference: KgbuildEngine) -> None:
    """An empty answer everywhere would also be "the same": each question must find something."""
    for name in QUESTIONS:
        answer = reference.answer(name, kgbuild.query_text(committed(), name))
        assert answer.rows or answer.triples, name


# --- how answers are compared ------------------------------------------------------------------


def literal(value: str, datatype: str | None = None, language: str | None = None) -> Term:
    return Term("literal", value, datatype, language)


def test_numbers_compare_by_value_and_strings_by_datatype_and_language() -> None:
    same = [
        literal("5", XSD + "integer"),
        literal("5.0", XSD + "decimal"),
        literal("05", XSD + "int"),
    ]
    assert len({canonical_term(t) for t in same}) == 1
    assert canonical_term(literal("5", XSD + "integer")) != canonical_term(
        literal("6", XSD + "integer")
    )
    assert canonical_term(literal("a", XSD + "string")) == canonical_term(literal("a"))
    assert canonical_term(literal("a", None, "EN")) == canonical_term(literal("a", None, "en"))
    assert canonical_term(literal("a", None, "en")) != canonical_term(literal("a"))
    assert canonical_term(literal("5")) != canonical_term(literal("5", XSD + "integer"))
    assert canonical_term(None) != canonical_term(literal(""))


def test_lists_compare_as_sets_and_rows_in_order_only_when_asked() -> None:
    text = 'SELECT ?e (GROUP_CONCAT(DISTINCT ?n; separator=", ") AS ?names) WHERE {} GROUP BY ?e'
    assert list_columns(text) == {"names": ", "}
    one = Answer(["e", "names"], [[Term("iri", "urn:a"), literal("x, y")], [None, literal("z")]])
    two = Answer(["e", "names"], [[None, literal("z")], [Term("iri", "urn:a"), literal("y, x")]])
    assert canonical(one, text) == canonical(two, text)
    assert canonical(one, text + " ORDER BY ?e") != canonical(two, text + " ORDER BY ?e")
    inner = "SELECT * WHERE { { SELECT ?e WHERE {} ORDER BY ?e LIMIT 9 } }"
    assert not ordered(inner) and ordered(inner + " ORDER BY DESC(?e) # the end")
    three = Answer(["e", "names"], [[Term("iri", "urn:a"), literal("x, z")], [None, literal("z")]])
    assert canonical(one, text) != canonical(three, text)
