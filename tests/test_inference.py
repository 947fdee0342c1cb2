"""After RDFS inference, clients that know only schema.org, PROV-O and RDFS find the data."""

from __future__ import annotations

from pathlib import Path

import owlrl
import pyoxigraph
import pytest
import rdflib

from kgbuild.pipeline import BuildResult

PREFIXES = """
PREFIX schema: <http://schema.org/>
PREFIX prov: <http://www.w3.org/ns/prov#>
PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>
PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
"""


@pytest.fixture(scope="module")
def closure(built: tuple[BuildResult, Path]) -> rdflib.Graph:
    """The merged graph (which holds the ontology) with its RDFS closure computed by owlrl."""
    _, out = built
    graph = rdflib.Graph()
    lines = {f"{q.triple} .\n" for q in pyoxigraph.parse(path=str(out / "dataset.nq"))}
    graph.parse(data="".join(sorted(lines)), format="nt")
    owlrl.DeductiveClosure(
        owlrl.RDFS_Semantics, axiomatic_triples=False, improved_datatypes=False
    ).expand(graph)
    return graph


def select(graph: rdflib.Graph, query: str) -> list[tuple[str, ...]]:
    return [
        tuple(str(v) if v is not None else None for v in row)
        for row in graph.query(PREFIXES + query)
    ]


def test_schema_org_client_finds_events_with_labels_dates_and_places(
    closure: rdflib.Graph,
) -> None:
    rows = select(
        closure,
        """SELECT ?label ?date ?place WHERE {
        ?e a schema:Event ; rdfs:label ?label ; schema:startDate ?date ;
           schema:location ?p . ?p a schema:Place ; rdfs:label ?place .
        FILTER(LANG(?label) = "en") }""",
    )
    found = {(date, place) for _, date, place in rows}
    assert ("2023-10-27", "Subotica") in found  # detentions from 27 October 2023
    assert ("2013-05", "Serbia–Hungary border") in found
    assert len(rows) >= 5


def test_schema_org_client_finds_people_and_organisations(closure: rdflib.Graph) -> None:
    people = {r[0] for r in select(closure, "SELECT ?n { ?p a schema:Person ; rdfs:label ?n }")}
    assert {
        "Bratislav Gasic",
        "Sandor Pinter",
        "Aleksandar Vucic",
        "Dejan Lukovic",
        "Rados Jurovic",
        "Behar Balidemaj",
        "Vesna Vujović-Ristovska",
    } <= people
    orgs = {
        r[0]
        for r in select(closure, "SELECT ?n WHERE { ?o a schema:Organization ; rdfs:label ?n }")
    }
    assert {"Serbian Interior Ministry", "Reuters", "OSCE Mission in Kosovo"} <= orgs


def test_schema_org_client_walks_the_place_hierarchy(closure: rdflib.Graph) -> None:
    rows = select(
        closure,
        """SELECT ?n WHERE { ?p schema:containedInPlace+ ?serbia ;
        rdfs:label ?n . ?serbia rdfs:label "Serbia"@en }""",
    )
    assert {"Subotica", "Sombor", "Kikinda", "Pirot"} <= {r[0] for r in rows}


def test_prov_client_finds_sources_and_what_derives_from_them(closure: rdflib.Graph) -> None:
    rows = select(
        closure,
        """SELECT ?doc (COUNT(DISTINCT ?fact) AS ?n) WHERE {
        ?doc a prov:Entity , schema:CreativeWork ; schema:inLanguage ?lang .
        ?fact a prov:Activity ; prov:wasDerivedFrom ?doc } GROUP BY ?doc""",
    )
    assert len(rows) == 4
    assert all(int(n) >= 5 for _, n in rows)
    agents = select(
        closure,
        """SELECT DISTINCT ?a WHERE {
        ?e a prov:Activity ; prov:wasAssociatedWith ?a . ?a a prov:Agent }""",
    )
    assert len(agents) >= 10


def test_prov_client_finds_the_cited_news_agency(closure: rdflib.Graph) -> None:
    rows = select(
        closure,
        """SELECT ?n WHERE { ?doc prov:hadPrimarySource ?a .
        ?a a prov:Agent ; rdfs:label ?n . ?doc schema:datePublished "2023-11-09"^^xsd:date }""",
    )
    assert rows == [("Reuters",)]
