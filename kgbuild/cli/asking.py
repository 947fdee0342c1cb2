"""`kgbuild query`: asking the built dataset."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kgbuild import pipeline
from kgbuild.cli.base import ParamBinding, dist_option, exits, main, project_options
from kgbuild.project import Project

QUERY_FORMATS = ["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld", "rdfxml"]


@exits(
    (0, "success (ASK: true)"),
    (1, "ASK: false"),
    (2, "syntax error, a refused or unknown query or format, or nothing built yet"),
)
@main.command()
@project_options
@click.argument("query", required=False)
@click.option("--list", "list_saved", is_flag=True, help="List the saved questions in queries/.")
@click.option(
    "--reason",
    is_flag=True,
    help="Answer over the RDFS closure of the ontology (schema.org, PROV-O terms work).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(QUERY_FORMATS),
    default=None,
    help="SELECT: table (default), csv, tsv, json, xml. CONSTRUCT/DESCRIBE: turtle "
    "(default), ntriples, jsonld, rdfxml.",
)
@click.option(
    "--param",
    "params",
    multiple=True,
    type=ParamBinding(),
    help="Bind ?NAME to VALUE (prefix:local, <iri> or text); repeatable.",
)
@dist_option
@click.option(
    "--width",
    type=click.IntRange(min=0),
    default=80,
    show_default=True,
    help="Cut table cells longer than this (0: never).",
)
@click.option(
    "--limit",
    type=click.IntRange(min=0),
    default=None,
    help="Rows per page (a saved question's default answer is its first 100 rows).",
)
@click.option("--offset", type=click.IntRange(min=0), default=None, help="Rows to skip first.")
@click.option("--page", type=click.IntRange(min=1), default=None, help="Page number (from 1).")
@click.option("--all", "all_rows", is_flag=True, help="Every row, not a page.")
@click.option(
    "--show",
    is_flag=True,
    help="Print the exact SPARQL that would run (prefixes declared, parameters bound), for "
    "any SPARQL 1.1 store, instead of running it.",
)
def query(
    project: Project,
    query: str | None,
    list_saved: bool,
    reason: bool,
    fmt: str | None,
    params: tuple[tuple[str, str], ...],
    dist: Path | None,
    width: int,
    limit: int | None,
    offset: int | None,
    page: int | None,
    all_rows: bool,
    show: bool,
) -> None:
    """Ask the built dataset a SPARQL 1.1 question, locally, with no server.

    QUERY is the query text, a .rq file, '-' for standard input, or the name of a saved
    question (kgbuild query --list). The project's prefixes (kg, event, person, place, ...)
    and the standard ones (rdf, rdfs, owl, xsd, skos, schema, prov, dcterms, sem, time, org,
    oa) need no declaration. The default graph is the union of all sources' graphs;
    GRAPH ?g reaches each source's own graph.

    \b
    Example:
      kgbuild query timeline
      kgbuild query evidence --param resource=event:2023-10-27-horgos-shooting
      kgbuild query 'SELECT ?p ?name { ?p a kg:Person ; rdfs:label ?name }' --format csv
      kgbuild query 'ASK { ?e kg:modality modality:simulated }'
      kgbuild query place --param place=place:horgos --show > place.rq

    """
    from kgbuild.graph.query import serialize, table
    from kgbuild.graph.saved import saved_queries

    if list_saved:
        for saved in saved_queries(project.queries_dir):
            click.echo(f"{saved.name:<16} {saved.title}")
        return
    if query is None or query == "-":
        query = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    if show:
        text = pipeline.query_text(project, query, params=dict(params))
        click.echo(text, nl=not text.endswith("\n"))
        return
    outcome, note = pipeline.ask(
        project,
        query,
        dist=dist,
        reason=reason,
        params=dict(params),
        limit=limit,
        offset=offset,
        page=page,
        every=all_rows,
        read=fmt in (None, "table"),
    )
    if outcome.form == "ASK":
        click.echo("true" if outcome.boolean else "false")
        sys.exit(0 if outcome.boolean else 1)
    if outcome.form == "SELECT" and fmt in (None, "table"):
        text = table(outcome, project.base, width)
        click.echo(text if note is None else text.rsplit("\n", 1)[0] + f"\n({note})")
        return
    data = serialize(outcome, fmt or "turtle", project.base)
    click.echo(data.decode("utf-8"), nl=not data.endswith(b"\n"))
    if note is not None:
        click.echo(note, err=True)
