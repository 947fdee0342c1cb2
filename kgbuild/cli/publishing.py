"""`kgbuild publish`, `serve` and `push`: the dataset for others."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from kgbuild import pipeline
from kgbuild.cli.base import (
    ProgressView,
    dist_option,
    engine_option,
    exits,
    main,
    no_wait_option,
    number_option,
    out_option,
    project_options,
    quiet_option,
    text_option,
)
from kgbuild.errors import shown_path
from kgbuild.project import Project


@exits(
    (0, "the release was written"),
    (1, "the data violates the shapes (nothing published)"),
    (2, "an input could not be read or is malformed (nothing published)"),
    (
        3,
        "the release could not be written (the previous one stays), or --no-wait and another "
        "run is writing the build folder",
    ),
)
@main.command()
@project_options
@out_option("Release folder (default: dist/release/ in the project).")
@click.option(
    "--url",
    default="https://w3id.org/kgbuild/release/",
    show_default=True,
    help="Public URL of the release folder (download links in VoID/DCAT).",
)
@text_option(
    "--sparql-endpoint", "URL", "A public SPARQL endpoint to name in the VoID description."
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
@text_option(
    "--issued",
    "YYYY-MM-DD",
    "Release date (default: $SOURCE_DATE_EPOCH, else the last commit's date).",
)
@engine_option
@quiet_option
@no_wait_option
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
    no_wait: bool,
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
            wait=not no_wait,
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


@exits(
    (0, "stopped (Ctrl-C)"),
    (2, "the server cannot start (nothing built, the port is taken, no oxigraph binary)"),
)
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
@number_option("--timeout", 10.0, 0.1, "Stop a query after this many seconds.", "timeout_s")
@number_option("--max-result-bytes", 10_000_000, 1, "Refuse results larger than this.")
@number_option("--concurrent", 4, 1, "Queries that may run at once; others wait up to the timeout.")
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


@exits(
    (0, "every graph is in the store with the expected number of triples"),
    (2, "nothing built to push, or the dump cannot be read"),
    (
        3,
        "the store refused a request, could not be reached, ran out of --timeout, or holds "
        "other counts",
    ),
)
@main.command()
@project_options
@click.option(
    "--endpoint",
    required=True,
    metavar="URL",
    help="The store's Graph Store Protocol endpoint (e.g. http://localhost:7878/store).",
)
@dist_option
@number_option(
    "--timeout",
    600.0,
    1.0,
    "Seconds the whole push may take, every request and retry included (one request waits "
    "at most 30 s).",
)
@number_option(
    "--retries", 4, 0, "Retries of a request after a transient failure (network, 5xx, 429)."
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
    docs/publishing.md shows the endpoint URL of Oxigraph, Fuseki, GraphDB, Virtuoso and
    QLever.

    \b
    Example:
      kgbuild push --endpoint http://localhost:7878/store
      KGBUILD_PUSH_USER=admin KGBUILD_PUSH_PASSWORD=... \\
        kgbuild push --endpoint http://localhost:3030/kgbuild/data
      KGBUILD_PUSH_USER=dba KGBUILD_PUSH_PASSWORD=... kgbuild push \\
        --file dist/release/kgbuild.nq --endpoint http://localhost:8890/sparql-graph-crud-auth

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
            notify=lambda line: click.echo(line, err=True),
        )
    for graph, sent in result.graphs.items():
        click.echo(
            f"{'ok':8} {sent:7} sent {result.held[graph]:7} held  {graph or '(default graph)'}"
        )
    click.echo(
        f"pushed {sum(result.graphs.values())} triples in {len(result.graphs)} graphs"
        f" ({result.retries} retries)"
    )
