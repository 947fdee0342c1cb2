"""`kgbuild build`, `validate`, `draft` and `review`: making the dataset and checking data."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from kgbuild import pipeline
from kgbuild.cli.base import (
    ProgressView,
    dist_option,
    engine_option,
    exits,
    main,
    max_bytes_option,
    no_wait_option,
    out_option,
    project_options,
    quiet_option,
    text_option,
)
from kgbuild.errors import EXIT_BAD_INPUT, ValidationFailed, shown_path
from kgbuild.project import Project


@exits(
    (0, "built"),
    (1, "the data violates the shapes (nothing written)"),
    (2, "an input could not be read or is malformed (nothing written)"),
    (3, "the output could not be written, or --no-wait and another run is writing it"),
)
@main.command()
@project_options
@out_option("Output folder (default: dist/ in the project).")
@max_bytes_option
@engine_option
@quiet_option
@no_wait_option
@click.option(
    "--merged",
    is_flag=True,
    help="Also write graph.ttl, graph.nt and graph.jsonld (every graph merged; kgbuild "
    "publish always writes them).",
)
def build(
    project: Project,
    out_dir: Path | None,
    max_bytes: int,
    engine: str,
    quiet: bool,
    no_wait: bool,
    merged: bool,
) -> None:
    """Build the dataset from ontology/, data/ and shapes/ and write it to dist/.

    Loads the ontology, vocabularies, entities and every document with its curated facts,
    locates each evidence quote in its document, validates the result against the SHACL
    shapes, and writes dataset.trig and dataset.nq (a named graph per source), the query
    store and validation.json; with --merged also graph.ttl, graph.nt and graph.jsonld (all
    graphs merged). Same inputs, same bytes. One build or publish at a time writes a
    folder: a second one waits for the first (--no-wait: exits 3 instead).

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
                wait=not no_wait,
            )
    except ValidationFailed as exc:
        if exc.result is not None:
            _summary(exc.result, written=False)
        raise
    _summary(result, written=True)
    for problem in result.report.problems:
        click.echo("  " + problem.line(project.base))


@exits(
    (0, "conforms (warnings allowed unless --strict)"),
    (1, "violations (or warnings with --strict)"),
    (2, "an input could not be read (syntax error, unknown format, nothing built yet)"),
)
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
@max_bytes_option
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


@exits(
    (0, "every article was drafted"),
    (2, "an article or the dataset could not be read (the others are still drafted)"),
    (3, "a draft could not be written (nothing of that article is written)"),
)
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
@text_option(
    "--published",
    "YYYY-MM-DD",
    "Publication date (of every article given; a date line in the text is read otherwise).",
)
@text_option(
    "--language",
    "LANG",
    "en, sv, sr or de (default: detected per article; another code drafts without a lexicon).",
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


@exits(
    (0, "the page was written"),
    (2, "no such document, or it cannot be read"),
    (3, "the page could not be written"),
)
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
