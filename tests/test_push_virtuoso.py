"""`kgbuild push` into a real Virtuoso (Debian's virtuoso-opensource), started by the session on
free loopback ports (conftest.virtuoso), through its Graph Store endpoint
``/sparql-graph-crud-auth``, which asks for HTTP Digest authentication."""

from __future__ import annotations

from pathlib import Path

import pytest
import requests
from click.testing import CliRunner, Result
from engines import Virtuoso
from requests.auth import HTTPDigestAuth

from kgbuild.cli import main
from kgbuild.pipeline import BuildResult
from kgbuild.release.push import graphs_of
from tests.conftest import committed

pytestmark = pytest.mark.slow
ENTITIES = "https://w3id.org/kgbuild/id/graph/entities"
STALE = (
    '<https://w3id.org/kgbuild/id/person/x> <http://www.w3.org/2000/01/rdf-schema#label> "stale" .'
)


def push(virtuoso: Virtuoso, dist: Path, **env: str | None) -> Result:
    """`kgbuild push` as a user runs it, with exactly the given KGBUILD_PUSH_* variables."""
    environment = {
        "KGBUILD_PUSH_TOKEN": None,
        "KGBUILD_PUSH_AUTH": None,
        **virtuoso.credentials(),
        **env,
    }
    return CliRunner().invoke(
        main,
        [
            "push",
            "--project",
            str(committed()),
            "--dist",
            str(dist),
            "--endpoint",
            virtuoso.graph_store,
        ],
        env=environment,
    )


def held(virtuoso: Virtuoso) -> dict[str, int]:
    """Triples per kgbuild graph, counted by Virtuoso's own SPARQL endpoint."""
    query = """SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o }
        FILTER (STRSTARTS(STR(?g), "https://w3id.org/kgbuild/id/graph/")) } GROUP BY ?g"""
    response = requests.post(
        virtuoso.sparql,
        data={"query": query},
        headers={"Accept": "application/sparql-results+json"},
        timeout=60,
    )
    response.raise_for_status()
    rows = response.json()["results"]["bindings"]
    return {row["g"]["value"]: int(row["n"]["value"]) for row in rows}


def test_push_answers_virtuosos_digest_challenge_and_the_counts_match(
    virtuoso: Virtuoso, built: tuple[BuildResult, Path]
) -> None:
    result = push(virtuoso, built[1])
    assert result.exit_code == 0, result.output
    graphs = graphs_of(built[1] / "dataset.nq")
    sent = {graph: len(triples) for graph, triples in graphs.items()}
    assert f"pushed {sum(sent.values())} triples in {len(sent)} graphs" in result.output
    assert held(virtuoso) == sent


def test_push_again_replaces_every_graph(
    virtuoso: Virtuoso, built: tuple[BuildResult, Path]
) -> None:
    assert push(virtuoso, built[1]).exit_code == 0
    before = held(virtuoso)
    added = requests.post(
        virtuoso.graph_store,
        params={"graph": ENTITIES},
        data=STALE.encode(),
        headers={"Content-Type": "application/n-triples"},
        auth=HTTPDigestAuth(virtuoso.user, virtuoso.password),
        timeout=60,
    )
    assert added.status_code in (200, 201, 204), added.text
    assert held(virtuoso)[ENTITIES] == before[ENTITIES] + 1
    result = push(virtuoso, built[1], KGBUILD_PUSH_AUTH="digest")
    assert result.exit_code == 0, result.output
    assert held(virtuoso) == before  # the stale triple is gone, nothing doubled


def test_wrong_password_is_exit_3_with_a_one_line_message(
    virtuoso: Virtuoso, built: tuple[BuildResult, Path]
) -> None:
    result = push(virtuoso, built[1], KGBUILD_PUSH_PASSWORD="not-the-password")
    assert result.exit_code == 3, result.output
    assert "Traceback" not in result.output
    errors = [line for line in result.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1, result.output
    assert "HTTP 401" in errors[0] and "did not accept the credentials of user 'dba'" in errors[0]
    assert "(sent as Digest)" in errors[0]
    assert "fix: check KGBUILD_PUSH_USER and KGBUILD_PUSH_PASSWORD" in result.output


def test_basic_where_virtuoso_asks_for_digest_says_so(
    virtuoso: Virtuoso, built: tuple[BuildResult, Path]
) -> None:
    result = push(virtuoso, built[1], KGBUILD_PUSH_AUTH="basic")
    assert result.exit_code == 3, result.output
    assert "(sent as Basic)" in result.output and "Traceback" not in result.output
    assert "KGBUILD_PUSH_AUTH=digest" in result.output
