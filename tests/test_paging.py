"""Answers by the page: a saved question's default answer is its first 100 rows and the total;
--limit, --offset, --page and --all; a page is exactly that slice of the whole answer."""

from __future__ import annotations

import json
from itertools import product
from pathlib import Path

import pyoxigraph
import pytest
from click.testing import CliRunner

from kgbuild.cli import main
from kgbuild.graph.paging import Page, count_text, page_text, run_page
from kgbuild.graph.query import run_query
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.store import open_store
from kgbuild.pipeline import BuildResult
from tests.conftest import ROOT, committed

ID = "https://w3id.org/kgbuild/id/"
SAVED = saved_queries(committed() / "queries")


@pytest.fixture(scope="module")
def store(built: tuple[BuildResult, Path]) -> pyoxigraph.Store:
    return open_store(built[1])


def texts(rows: list[list[object]]) -> list[list[str]]:
    return [[str(v) for v in row] for row in rows]


@pytest.mark.parametrize("saved", SAVED, ids=[s.name for s in SAVED])
def test_a_page_is_that_slice_of_the_whole_answer_with_its_total(
    store: pyoxigraph.Store, saved: object
) -> None:
    whole = run_query(store, saved.text, base=ID, params=saved.params)
    if whole.form != "SELECT":
        assert not isinstance(run_page(store, saved.text, base=ID, params=saved.params), Page)
        return
    rows = texts(whole.rows)
    for offset, limit, read in product((0, 2, len(rows)), (3, None), (True, False)):
        page = run_page(
            store, saved.text, base=ID, params=saved.params, limit=limit, offset=offset, read=read
        )
        if limit is None and offset == 0 and not read:  # every row, to stream: one query
            assert not isinstance(page, Page) and texts(page.rows) == rows
            continue
        assert isinstance(page, Page)
        end = None if limit is None else offset + limit
        assert texts(page.outcome.rows) == rows[offset:end], (offset, limit, read)
        assert page.total == len(rows)


def test_paging_keeps_the_questions_order_and_columns() -> None:
    text = "SELECT ?b ?a WHERE { ?a ?p ?b } ORDER BY DESC(?b) # newest first\n"
    assert page_text(text, 10, 20).endswith("LIMIT 10 OFFSET 20\n")
    assert "ORDER BY" not in count_text(text)
    assert count_text(text).startswith("SELECT (COUNT(*) AS ?total)")


def test_a_query_with_its_own_limit_or_no_select_is_answered_whole(
    store: pyoxigraph.Store,
) -> None:
    own = "SELECT ?s WHERE { ?s a kg:Person } ORDER BY ?s LIMIT 3"
    assert page_text(own, 10, 0) is None
    answer = run_page(store, own, base=ID, limit=1)
    assert not isinstance(answer, Page) and len(answer.rows) == 3
    assert run_page(store, "ASK { ?s a kg:Person }", base=ID).form == "ASK"
    counted = count_text('SELECT ?s { ?s rdfs:label "a } # b" } ORDER BY ?s')
    assert '"a } # b"' in counted and "ORDER BY" not in counted


def cli(built: tuple[BuildResult, Path], *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(
        main, ["query", "--project", str(committed()), "--dist", str(built[1]), *args]
    )
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result.exit_code, result.output


def test_saved_question_shows_a_page_with_the_total_and_how_to_go_on(
    built: tuple[BuildResult, Path],
) -> None:
    code, whole = cli(built, "timeline", "--all")
    assert code == 0
    total = int(whole.strip().splitlines()[-1].strip("()").split()[0])
    code, out = cli(built, "timeline", "--limit", "5")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[-1] == f"(rows 1-5 of {total}; --offset 5 for the next page, --all for every row)"
    assert len(lines) == 2 + 5 + 1
    _, second = cli(built, "timeline", "--limit", "5", "--page", "2")
    first_cells = [line.split()[0] for line in second.strip().splitlines()[2:7]]
    assert first_cells == [line.split()[0] for line in whole.strip().splitlines()[7:12]]
    assert f"(rows 6-10 of {total};" in second


def test_default_page_of_a_short_answer_reads_as_before(built: tuple[BuildResult, Path]) -> None:
    code, out = cli(built, "people")
    assert code == 0
    assert out.strip().splitlines()[-1].endswith("rows)")


def test_json_page_is_standard_results_and_the_note_goes_to_stderr(
    built: tuple[BuildResult, Path],
) -> None:
    result = CliRunner().invoke(
        main,
        [
            "query",
            "--project",
            str(committed()),
            "--dist",
            str(built[1]),
            "timeline",
            "--limit",
            "2",
            "--format",
            "json",
        ],
    )
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.stdout)["results"]["bindings"]) == 2
    assert "rows 1-2 of" in result.stderr


def test_readme_documents_paging() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for option in ("--limit", "--offset", "--page", "--all"):
        assert option in readme


def test_one_paging_rule_for_the_command_and_the_server() -> None:
    """`kgbuild query` and /questions read --limit/--offset/--page/--all by the same rule."""
    from kgbuild.graph.paging import DEFAULT_PAGE, page_window
    from kgbuild.release.questions import paging

    cases = [
        ({}, (DEFAULT_PAGE, 0)),
        ({"limit": 10}, (10, 0)),
        ({"limit": 10, "page": 3}, (10, 20)),
        ({"page": 2}, (DEFAULT_PAGE, DEFAULT_PAGE)),
        ({"limit": 10, "offset": 5, "page": 3}, (10, 5)),
        ({"limit": 10, "every": True}, (None, 0)),
    ]
    for asked, window in cases:
        assert page_window(**asked) == window, asked
        query = {("all" if k == "every" else k): [str(v)] for k, v in asked.items()}
        got = paging(query)
        assert (got.limit, got.offset) == window, asked
