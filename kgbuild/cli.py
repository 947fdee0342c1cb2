"""The `kgbuild` command. Each command parses options, calls one library function, prints."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import EXIT_INTERNAL, KGBuildError
from .project import Project
from .sources import DEFAULT_MAX_BYTES

EXIT_CODES = """\b
Exit codes:
  0  success
  1  the data violates the shapes (nothing written)
  2  an input could not be read or is malformed (nothing written)
  3  the output could not be written (nothing replaced)
  4  an unexpected error (a bug in kgbuild)"""


def project_options(func: Callable[..., Any]) -> Callable[..., Any]:
    """--project and --base, shared by every command that reads the project."""

    @click.option(
        "--project",
        "project_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=".",
        show_default=True,
        help="The project folder (with data/, ontology/, shapes/).",
    )
    @click.option(
        "--base",
        default=None,
        metavar="IRI",
        help="Base IRI for the data (default: $KGBUILD_BASE or https://w3id.org/kgbuild/id/).",
    )
    @functools.wraps(func)
    def wrapper(*args: Any, project_dir: Path, base: str | None, **kwargs: Any) -> Any:
        return func(*args, project=Project.at(project_dir, base), **kwargs)

    return wrapper


class KGBuildGroup(click.Group):
    """Turns library errors into a message on stderr and the documented exit code."""

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except KGBuildError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            ctx.exit(exc.exit_code)
        except (click.exceptions.Exit, click.ClickException, click.Abort, SystemExit):
            raise
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            ctx.exit(0)
        except Exception as exc:  # a bug: say so plainly; the traceback only on request
            if os.environ.get("KGBUILD_DEBUG"):
                raise
            click.secho(
                f"error: unexpected {type(exc).__name__}: {exc}\n"
                "  this is a bug in kgbuild; run again with KGBUILD_DEBUG=1 to see where, "
                "and report it",
                fg="red",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=KGBuildGroup)
@click.version_option(__version__, prog_name="kgbuild")
def main() -> None:
    """Build and check the Western Balkan route smuggling knowledge graph."""


@main.command()
@project_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Output folder (default: dist/ in the project).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse input files larger than this.",
)
def build(project: Project, out_dir: Path | None, max_bytes: int) -> None:
    """Build the dataset from ontology/, data/ and shapes/ and write it to dist/.

    Loads the ontology, vocabularies, entities and every document with its curated facts,
    locates each evidence quote in its document, validates the result against the SHACL
    shapes, and writes dataset.trig and dataset.nq (a named graph per source) and
    graph.ttl, graph.nt and graph.jsonld (all graphs merged). Same inputs, same bytes.

    \b
    Example:
      kgbuild build
      kgbuild build --out /tmp/kg --base https://example.org/kg/
    """
    from .build import build as run_build
    from .errors import ValidationFailed

    try:
        result = run_build(project, out_dir=out_dir, max_bytes=max_bytes)
    except ValidationFailed as exc:
        result = getattr(exc, "result", None)
        if result is not None:
            _summary(result, written=False)
        raise
    _summary(result, written=True)
    for problem in result.report.problems:
        click.echo("  " + problem.line(result.report.shorten))


build.help = (build.help or "") + "\n\n" + EXIT_CODES


QUERY_FORMATS = ["table", "csv", "tsv", "json", "xml", "turtle", "ntriples", "jsonld", "rdfxml"]


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
    metavar="NAME=VALUE",
    help="Bind ?NAME to VALUE (prefix:local, <iri> or text); repeatable.",
)
@click.option(
    "--dist",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder kgbuild build wrote (default: dist/ in the project).",
)
@click.option(
    "--width",
    type=click.IntRange(min=0),
    default=80,
    show_default=True,
    help="Cut table cells longer than this (0: never).",
)
def query(
    project: Project,
    query: str | None,
    list_saved: bool,
    reason: bool,
    fmt: str | None,
    params: tuple[str, ...],
    dist: Path | None,
    width: int,
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

    \b
    Exit codes:
      0  success (ASK: true)
      1  ASK: false
      2  syntax error, unknown saved query or format, or nothing built yet
    """
    from .query import resolve, run_query, saved_queries, serialize, table
    from .store import open_store

    queries_dir = project.root / "queries"
    if list_saved:
        for saved in saved_queries(queries_dir):
            click.echo(f"{saved.name:<16} {saved.title}")
        return
    stdin_text = None if sys.stdin is None or sys.stdin.isatty() else sys.stdin.read()
    text, saved = resolve(query, stdin_text, queries_dir)
    bindings = dict(saved.params) if saved else {}
    for item in params:
        name, sep, value = item.partition("=")
        if not sep:
            raise click.BadParameter(f"{item!r} is not NAME=VALUE", param_hint="--param")
        bindings[name.strip().lstrip("?")] = value
    store = open_store(dist or project.dist_dir)
    outcome = run_query(store, text, base=project.base, reason=reason, params=bindings)
    if outcome.form == "ASK":
        click.echo("true" if outcome.boolean else "false")
        sys.exit(0 if outcome.boolean else 1)
    if outcome.form == "SELECT" and fmt in (None, "table"):
        click.echo(table(outcome, project.base, width))
        return
    data = serialize(outcome, fmt or "turtle", project.base)
    click.echo(data.decode("utf-8"), nl=not data.endswith(b"\n"))


@main.command()
@project_options
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--alone",
    is_flag=True,
    help="Validate the files on their own, not together with the built dataset.",
)
@click.option("--strict", is_flag=True, help="Warnings count as failures (exit 1).")
@click.option(
    "--input-format",
    "input_format",
    default=None,
    type=click.Choice(["turtle", "ntriples", "nquads", "trig", "n3", "rdfxml", "jsonld", "yaml"]),
    help="Syntax of the files (default: from each file's extension).",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "turtle"]),
    default="text",
    show_default=True,
    help="Report for people (text) or programs (json; turtle is the sh:ValidationReport).",
)
@click.option(
    "--dist",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder kgbuild build wrote (default: dist/ in the project).",
)
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse input files larger than this.",
)
def validate(
    project: Project,
    files: tuple[Path, ...],
    alone: bool,
    strict: bool,
    input_format: str | None,
    fmt: str,
    dist: Path | None,
    max_bytes: int,
) -> None:
    """Check new data against the shapes before it joins the graph.

    FILES are RDF (Turtle, N-Triples, N-Quads, TriG, N3, RDF/XML, JSON-LD; by extension or
    --input-format) or curated files (data/documents/<id>.yaml with the .txt beside it, or an
    entities file). They are validated together with the last build, so they may refer to
    people and places that exist already, and only the problems they cause are reported.
    Besides the SHACL shapes, project terms the ontology does not declare and references to
    project resources that exist nowhere are violations.

    \b
    Example:
      kgbuild validate new-seizure.ttl
      kgbuild validate data/documents/004_new-report.yaml --format json
      kgbuild validate --alone --strict export.nq

    \b
    Exit codes:
      0  conforms (warnings allowed unless --strict)
      1  violations (or warnings with --strict)
      2  an input could not be read (syntax error, unknown format, nothing built yet)
    """
    from .checks import check_files, to_json, to_turtle

    result = check_files(
        project, list(files), dist=dist, alone=alone, fmt=input_format, max_bytes=max_bytes
    )
    if fmt == "json":
        click.echo(to_json(result))
    elif fmt == "turtle":
        click.echo(to_turtle(result), nl=False)
    else:
        for problem in result.problems:
            click.echo(problem.line(result.report.shorten))
        verdict = "conforms" if result.conforms(strict) else "does not conform"
        click.echo(
            f"{result.violations} violation(s), {result.warnings} warning(s) in "
            f"{len(result.files)} file(s): {verdict}"
        )
    sys.exit(0 if result.conforms(strict) else 1)


def _summary(result: Any, *, written: bool) -> None:
    c = result.counts
    click.echo(
        f"{c['triples']} triples ({c['quads']} quads) from {c['sources']} sources: "
        f"{c['events']} events, {c['agents']} agents, {c['places']} places, "
        f"{c['quantities']} quantities, {c['statements']} statements, "
        f"{c['positions']} positions, {c['mentions']} evidence mentions"
    )
    click.echo(
        f"{result.report.violations} violations, {result.report.warnings} warnings, "
        f"{result.seconds:.2f} s"
        + (
            f"; wrote {len(result.written)} files to {result.written[0].parent}"
            if written and result.written
            else ""
        )
    )


if __name__ == "__main__":  # pragma: no cover
    main()
