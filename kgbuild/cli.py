"""The `kgbuild` command. Each command parses options, calls one library function, prints."""

from __future__ import annotations

import functools
import inspect
import os
import re
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kgbuild import __version__, pipeline
from kgbuild.errors import EXIT_BAD_INPUT, EXIT_INTERNAL, KGBuildError, ValidationFailed, shown_path
from kgbuild.project import Project
from kgbuild.sources.files import DEFAULT_MAX_BYTES

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


engine_option = click.option(
    "--engine",
    type=click.Choice(["fast", "pyshacl"]),
    default="fast",
    show_default=True,
    envvar="KGBUILD_ENGINE",
    show_envvar=True,
    help="SHACL engine: fast (shacl-rust, SPARQL constraints in pyoxigraph) or pyshacl "
    "(the reference: slow, for checking; README 'Validation engines').",
)


quiet_option = click.option(
    "--quiet", is_flag=True, help="Show no progress (it shows only on a terminal anyway)."
)


class ProgressView:
    """Draws the library's progress reports (kgbuild.progress) as click progress bars on
    stderr: one per stage, with the units done out of the total and the time since the start.
    Nothing is drawn in the first ``delay`` seconds, when stderr is not a terminal, or when
    ``quiet``; use it as a context manager and pass it as the ``progress`` callback."""

    def __init__(
        self,
        quiet: bool = False,
        delay: float = 2.0,
        stream: Any = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = not quiet and _isatty(self.stream)
        self.delay = delay
        self.clock = clock
        self.started = clock()
        self.bar: Any = None
        self.stage: str | None = None

    def __call__(self, step: Any) -> None:
        if not self.enabled or self.clock() - self.started < self.delay:
            return
        if step.stage != self.stage or self.bar is None:
            self._finish()
            self.stage = step.stage
            self.bar = click.progressbar(
                length=max(step.total, 1),
                label=step.stage,
                file=self.stream,
                show_pos=True,
                show_eta=False,
                item_show_func=lambda _, unit=step.unit: (
                    f"{unit}, {self.clock() - self.started:.0f} s"
                ),
            )
            self.bar.__enter__()
        self.bar.update(max(step.done - self.bar.pos, 0))

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.render_progress()
            self.bar.__exit__(None, None, None)
            self.bar = None

    def __enter__(self) -> ProgressView:
        return self

    def __exit__(self, *exc: object) -> None:
        self._finish()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


dist_option = click.option(
    "--dist",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The folder kgbuild build wrote (default: dist/ in the project).",
)


class ParamBinding(click.ParamType):
    """--param NAME=VALUE: a variable of the query and the value to bind it to."""

    name = "NAME=VALUE"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> tuple[str, str]:
        if isinstance(value, tuple):
            return value
        name, sep, bound = str(value).partition("=")
        name = name.strip().lstrip("?$")
        if not sep or not name:
            self.fail(f"{value!r} is not NAME=VALUE", param, ctx)
        return name, bound


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
@engine_option
@quiet_option
@click.option(
    "--merged",
    is_flag=True,
    help="Also write graph.ttl, graph.nt and graph.jsonld (every graph merged; kgbuild "
    "publish always writes them).",
)
def build(
    project: Project, out_dir: Path | None, max_bytes: int, engine: str, quiet: bool, merged: bool
) -> None:
    """Build the dataset from ontology/, data/ and shapes/ and write it to dist/.

    Loads the ontology, vocabularies, entities and every document with its curated facts,
    locates each evidence quote in its document, validates the result against the SHACL
    shapes, and writes dataset.trig and dataset.nq (a named graph per source), the query
    store and validation.json; with --merged also graph.ttl, graph.nt and graph.jsonld (all
    graphs merged). Same inputs, same bytes.

    \b
    Example:
      kgbuild build
      kgbuild build --out /tmp/kg --base https://example.org/kg/
      kgbuild build --engine pyshacl
    """
    try:
        with ProgressView(quiet) as progress:
            result = pipeline.build(
                project,
                out_dir=out_dir,
                max_bytes=max_bytes,
                engine=engine,
                progress=progress,
                merged=merged,
            )
    except ValidationFailed as exc:
        if exc.result is not None:
            _summary(exc.result, written=False)
        raise
    _summary(result, written=True)
    for problem in result.report.problems:
        click.echo("  " + problem.line(project.base))


build.help = inspect.cleandoc(build.help or "") + "\n\n" + EXIT_CODES


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
@click.option("--offset", type=click.IntRange(min=0), default=0, help="Rows to skip first.")
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
    offset: int,
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

    \b
    Exit codes:
      0  success (ASK: true)
      1  ASK: false
      2  syntax error, unknown saved query or format, or nothing built yet
    """
    from kgbuild.graph.query import saved_queries, serialize, table

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
    note = None
    saved = query is not None and re.fullmatch(r"[a-z0-9][a-z0-9_-]*", query) is not None
    if saved or (not all_rows and (limit is not None or offset or page)):
        from kgbuild.graph.query import DEFAULT_PAGE, Page

        # --all: every row; of a saved question from the build's stored answer when it has one
        size = None if all_rows else DEFAULT_PAGE if limit is None else limit
        start = 0 if size is None else (page - 1) * size if page and not offset else offset
        answer = pipeline.query_page(
            project,
            query,
            dist=dist,
            reason=reason,
            params=dict(params),
            limit=size,
            offset=start,
            read=fmt in (None, "table"),
        )
        outcome, note = (
            (answer.outcome, answer.note()) if isinstance(answer, Page) else (answer, None)
        )
    else:
        outcome = pipeline.query(project, query, dist=dist, reason=reason, params=dict(params))
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
@dist_option
@click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse input files larger than this.",
)
@engine_option
@quiet_option
def validate(
    project: Project,
    files: tuple[Path, ...],
    alone: bool,
    strict: bool,
    input_format: str | None,
    fmt: str,
    dist: Path | None,
    max_bytes: int,
    engine: str,
    quiet: bool,
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
    with ProgressView(quiet) as progress:
        report = pipeline.validate(
            project,
            list(files),
            dist=dist,
            alone=alone,
            fmt=input_format,
            max_bytes=max_bytes,
            engine=engine,
            progress=progress,
        )
    if fmt == "json":
        click.echo(report.to_json())
    elif fmt == "turtle":
        click.echo(report.to_turtle(), nl=False)
    else:
        for problem in report.problems:
            click.echo(problem.line(project.base))
        verdict = "conforms" if report.passes(strict) else "does not conform"
        click.echo(
            f"{report.violations} violation(s), {report.warnings} warning(s) in "
            f"{len(files)} file(s): {verdict}"
        )
    sys.exit(0 if report.passes(strict) else 1)


@main.command()
@project_options
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Release folder (default: dist/release/ in the project).",
)
@click.option(
    "--url",
    default="https://w3id.org/kgbuild/release/",
    show_default=True,
    help="Public URL of the release folder (download links in VoID/DCAT).",
)
@click.option(
    "--sparql-endpoint",
    default=None,
    metavar="URL",
    help="A public SPARQL endpoint to name in the VoID description.",
)
@click.option(
    "--include-texts",
    is_flag=True,
    help="Include the full source texts of documents whose license allows it.",
)
@click.option(
    "--include-drafts",
    is_flag=True,
    help="Include documents still marked as drafts (kgbuild draft; left out by default).",
)
@click.option(
    "--issued",
    default=None,
    metavar="YYYY-MM-DD",
    help="Release date (default: $SOURCE_DATE_EPOCH, else the last commit's date).",
)
@engine_option
@quiet_option
def publish(
    project: Project,
    out_dir: Path | None,
    url: str,
    sparql_endpoint: str | None,
    include_texts: bool,
    include_drafts: bool,
    issued: str | None,
    engine: str,
    quiet: bool,
) -> None:
    """Write a linked-data release: dumps, VoID/DCAT, docs, website, checksums.

    Takes the dataset kgbuild build made (from its cache: nothing is validated again unless
    the inputs changed) and writes (default dist/release/) the dataset as
    Turtle, N-Triples, TriG, N-Quads and JSON-LD (each also .gz) and canonical N-Quads
    (RDFC-1.0); ontology.ttl, vocabularies.ttl, shapes.ttl, context.jsonld; void.ttl (VoID and
    DCAT, statistics computed from the data); docs/ontology.html (pyLODE); a static website
    (index.html, a page per resource and class, each resource also as .ttl and .jsonld);
    release.json (commit, input checksums, tool versions) and SHA256SUMS. Full source texts are
    left out unless --include-texts and the document's license allows them; documents still
    marked as drafts (kgbuild draft) are left out unless --include-drafts. Same inputs, same
    bytes; a failed run leaves the previous release untouched.

    \b
    Example:
      kgbuild publish
      kgbuild publish --out /srv/www/kgbuild --url https://example.org/kgbuild/
      cd dist/release && sha256sum -c SHA256SUMS
    """
    with ProgressView(quiet) as progress:
        release = pipeline.publish(
            project,
            out_dir,
            url=url,
            sparql_endpoint=sparql_endpoint,
            include_texts=include_texts,
            include_drafts=include_drafts,
            issued=issued,
            engine=engine,
            progress=progress,
        )
    if release.drafts_left_out:
        click.echo(
            f"left out {len(release.drafts_left_out)} draft document(s) not yet reviewed "
            "(--include-drafts publishes them)"
        )
    click.echo(
        f"wrote {len(release.files)} files to {shown_path(release.folder)}: {release.triples} "
        f"triples ({release.quads} quads), {release.pages} resource pages"
    )
    if release.texts_left_out:
        click.echo(
            f"left out the full text of {len(release.texts_left_out)} document(s) "
            "(no license allowing it); their SHA-256 and quotes are in the release"
        )


publish.help = inspect.cleandoc(publish.help or "") + "\n\n" + EXIT_CODES


@main.command()
@project_options
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option(
    "--port",
    default=8000,
    show_default=True,
    type=click.IntRange(0, 65535),
    help="Port to listen on (0: any free port).",
)
@dist_option
@click.option(
    "--release",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="The release folder for pages (default: dist/release/).",
)
@click.option(
    "--timeout",
    "timeout_s",
    default=10.0,
    show_default=True,
    type=click.FloatRange(min=0.1),
    help="Stop a query after this many seconds.",
)
@click.option(
    "--max-result-bytes",
    default=10_000_000,
    show_default=True,
    type=click.IntRange(min=1),
    help="Refuse results larger than this.",
)
@click.option(
    "--concurrent",
    default=4,
    show_default=True,
    type=click.IntRange(min=1),
    help="Queries that may run at once; others wait up to the timeout.",
)
def serve(
    project: Project,
    host: str,
    port: int,
    dist: Path | None,
    release: Path | None,
    timeout_s: float,
    max_result_bytes: int,
    concurrent: int,
) -> None:
    """Serve the dataset: a read-only SPARQL endpoint, resource pages and the website.

    The SPARQL 1.1 Protocol endpoint is /sparql (GET and POST, every standard result format;
    in a browser, the YASGUI query page), answered by Oxigraph's server with a hard time and
    size limit; updates and Graph Store writes are refused (403). Resource IRIs are
    dereferenceable at /id/<path> with content negotiation (text/html, text/turtle,
    application/ld+json) and the release website is at /site/ (run kgbuild publish first).

    \b
    Example:
      kgbuild build && kgbuild publish && kgbuild serve
      curl -H 'Accept: text/turtle' -L http://127.0.0.1:8000/id/person/bratislav-gasic
      curl --data-urlencode 'query=SELECT * { ?s a kg:Person }' http://127.0.0.1:8000/sparql
    """
    from kgbuild.release.serve import Limits, Server, run

    server = Server(
        dist or project.dist_dir,
        release or project.dist_dir / "release",
        host,
        port,
        Limits(timeout_s, max_result_bytes, concurrent),
        project.base,
    )

    def announce(url: str) -> None:
        click.echo(
            f"kgbuild serve: SPARQL endpoint {url}/sparql, website {url}/site/, "
            f"resources {url}/id/<path> (Ctrl-C stops)"
        )

    run(server, announce)
    click.echo("kgbuild serve: stopped")


@main.command()
@project_options
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The store's Graph Store Protocol endpoint (e.g. http://localhost:7878/store).",
)
@dist_option
@click.option(
    "--timeout",
    default=60.0,
    show_default=True,
    type=click.FloatRange(min=1),
    help="Seconds to wait for each request.",
)
@click.option(
    "--retries",
    default=4,
    show_default=True,
    type=click.IntRange(min=0),
    help="Retries of a request after a transient failure (network, 5xx, 429).",
)
@click.option(
    "--file",
    "dump",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The N-Quads or TriG dump to push (default: dataset.nq of the build; "
    "dist/release/kgbuild.nq is what was published).",
)
def push(
    project: Project,
    endpoint: str,
    dist: Path | None,
    timeout: float,
    retries: int,
    dump: Path | None,
) -> None:
    """Load the dataset into a triple store, one named graph per request.

    Each named graph of dist/dataset.nq (or --file) is sent with the SPARQL 1.1 Graph Store
    HTTP Protocol (PUT ?graph=IRI, replacing that graph); afterwards every graph is read back
    and its triples counted against what was sent. Authentication from the environment:
    KGBUILD_PUSH_TOKEN (bearer), or KGBUILD_PUSH_USER and KGBUILD_PUSH_PASSWORD, sent in the
    scheme the store asks for (Digest or Basic; KGBUILD_PUSH_AUTH=basic or digest fixes it).
    README "Publishing" shows the endpoint URL of Oxigraph, Fuseki, GraphDB, Virtuoso and
    QLever.

    \b
    Example:
      kgbuild push --endpoint http://localhost:7878/store
      KGBUILD_PUSH_USER=admin KGBUILD_PUSH_PASSWORD=... \\
        kgbuild push --endpoint http://localhost:3030/kgbuild/data
      KGBUILD_PUSH_USER=dba KGBUILD_PUSH_PASSWORD=... kgbuild push \\
        --file dist/release/kgbuild.nq --endpoint http://localhost:8890/sparql-graph-crud-auth

    \b
    Exit codes:
      0  every graph is in the store with the expected number of triples
      2  nothing built to push
      3  the store refused a request, could not be reached, or holds other counts
    """
    with click.progressbar(length=0, label="pushing graphs", file=sys.stderr) as bar:

        def progress(graph: str, total: int) -> None:
            bar.length = total
            bar.update(1)

        result = pipeline.push(
            project,
            endpoint,
            dist=dist,
            dump=dump,
            timeout=timeout,
            retries=retries,
            progress=progress,
        )
    for graph, sent in result.graphs.items():
        click.echo(
            f"{'ok':8} {sent:7} sent {result.held[graph]:7} held  {graph or '(default graph)'}"
        )
    click.echo(
        f"pushed {sum(result.graphs.values())} triples in {len(result.graphs)} graphs"
        f" ({result.retries} retries)"
    )


DRAFT_EXIT_CODES = """\b
Exit codes:
  0  every article was drafted
  2  an article or the dataset could not be read (the others are still drafted; nothing of
     a refused article is written)
  3  a draft could not be written (nothing of that article is written)
  4  an unexpected error (a bug in kgbuild)"""


@main.command()
@project_options
@click.argument(
    "files",
    nargs=-1,
    required=True,
    type=click.Path(allow_dash=True, path_type=Path),
    metavar="FILE... | DIR",
)
@click.option(
    "--id",
    "doc_id",
    default=None,
    help="Document id ([a-z0-9_-]+) of a single article; default NNN_<hash>.",
)
@click.option(
    "--published",
    default=None,
    metavar="YYYY-MM-DD",
    help="Publication date (of every article given; a date line in the text is read otherwise).",
)
@click.option(
    "--language",
    default=None,
    metavar="LANG",
    help="en, sv, sr or de (default: detected per article; another code drafts without a lexicon).",
)
@click.option("--force", is_flag=True, help="Replace a document with the same id.")
@click.option(
    "--no-link", is_flag=True, help="Give every event a new id: link none to the dataset's."
)
@quiet_option
def draft(
    project: Project,
    files: tuple[Path, ...],
    doc_id: str | None,
    published: str | None,
    language: str | None,
    force: bool,
    no_link: bool,
    quiet: bool,
) -> None:
    """Draft the curated records of new articles, for a person to review.

    Each FILE is an article as UTF-8 text ('-' for standard input); a DIR stands for its *.txt
    files. Each text is copied verbatim to data/documents/<ID>.txt, its drafted records
    (entities, figures, dates, events, each with its evidence quote) go to
    data/documents/<ID>.yaml with curationStatus: draft, and dist/review/<ID>.html shows every
    drafted item highlighted in the text. A drafted event that reports an event the dataset
    already holds (or an earlier article of the same run drafted) takes that event's id, with
    the score and reasons in its sameAs: field (rules: ontology/linking.yaml), so that its
    figures meet the other sources' figures. Nothing is fetched; the same inputs give the
    same files.

    \b
    Example:
      kgbuild draft article.txt --published 2023-11-09
      kgbuild draft inbox/
      kgbuild draft - --id 005_belgrade-raid --language sr < clanak.txt
    """
    dash = [f for f in files if str(f) == "-"]
    data = sys.stdin.buffer.read() if dash else None
    with ProgressView(quiet) as view:
        batch = pipeline.draft(
            project,
            [f for f in files if str(f) != "-"],
            data=data,
            doc_id=doc_id,
            published=published,
            language=language,
            force=force,
            link=not no_link,
            progress=view,
        )
    for result in batch.drafted:
        d, c = result.draft, result.counts
        how = "detected" if d.language_detected else "given"
        click.echo(
            f"drafted {d.doc_id} ({d.language}, {how}): {c['linked'] + c['new']} entities "
            f"({c['linked']} linked, {c['new']} new), {c['figures']} figures, {c['dates']} dates, "
            f"{c['events']} events ({c['same-event links']} same as the dataset's), "
            f"{result.seconds:.2f} s"
        )
        for event in d.events:
            if event.link is not None:
                click.echo(
                    f"  same event: {event.own_id} -> {event.link.target} "
                    f"(score {event.link.score:.2f}: {'; '.join(event.link.reasons)})"
                )
        for message in d.messages:
            click.echo(f"  note: {message}")
    for _where, error in batch.failed:
        click.secho(f"error: {error}", fg="red", err=True)
    t = batch.counts
    click.echo(
        f"{len(batch.drafted)} drafted, {len(batch.failed)} refused, {batch.seconds:.2f} s: "
        f"{t['linked'] + t['new']} entities ({t['new']} new), {t['figures']} figures, "
        f"{t['events']} events, {t['same-event links']} same-event links, "
        f"{t['candidates']} events with candidates below the threshold"
    )
    if batch.drafted:
        click.echo(
            "next: review dist/review/<id>.html against each text, correct the .yaml files, set "
            "curationStatus: reviewed, then kgbuild validate and kgbuild build"
        )
    if batch.failed:
        sys.exit(
            EXIT_BAD_INPUT
            if any(e.exit_code == EXIT_BAD_INPUT for _, e in batch.failed)
            else batch.failed[0][1].exit_code
        )


draft.help = inspect.cleandoc(draft.help or "") + "\n\n" + DRAFT_EXIT_CODES


@main.command()
@project_options
@click.argument("doc_id", metavar="ID")
def review(project: Project, doc_id: str) -> None:
    """Write the review page of a document: dist/review/<ID>.html.

    The page shows the text with what the drafter finds highlighted by kind (entity linked,
    entity new, figure, date, event trigger) and the proposed records beside it, each linked to
    its highlight. It is one self-contained file that works from disk.

    \b
    Example:
      kgbuild review 004_1a2b3c4d5e6f7a8b
    """
    click.echo(f"wrote {shown_path(pipeline.review(project, doc_id))}")


def _summary(result: Any, *, written: bool) -> None:
    c = result.counts
    click.echo(
        f"{c['triples']} triples ({c['quads']} quads) from {c['sources']} sources"
        + (f" ({c['drafts']} drafts)" if c["drafts"] else "")
        + ": "
        f"{c['events']} events, {c['agents']} agents, {c['places']} places, "
        f"{c['quantities']} quantities, {c['statements']} statements, "
        f"{c['positions']} positions, {c['mentions']} evidence mentions"
    )
    click.echo(
        f"{result.report.violations} violations, {result.report.warnings} warnings, "
        f"{result.seconds:.2f} s"
        + (
            f"; wrote {len(result.written)} files to {shown_path(result.written[0].parent)}"
            if written and result.written
            else ""
        )
    )
    if result.work:
        done = ", ".join(f"{n} {what}" for what, n in sorted(result.work.items()))
        click.echo(f"redone (not taken from the last build or the cache): {done}")


if __name__ == "__main__":  # pragma: no cover
    main()
