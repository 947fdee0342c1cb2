"""The `kgbuild` command. Each command parses options, calls one library function, prints."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from . import __version__
from .errors import EXIT_BAD_INPUT, KGBuildError
from .project import Project
from .sources import DEFAULT_MAX_BYTES

EXIT_CODES = """\b
Exit codes:
  0  success
  1  the data violates the shapes (nothing written)
  2  an input could not be read or is malformed (nothing written)
  3  the output could not be written (nothing replaced)"""


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


def run() -> None:  # pragma: no cover - console entry for python -m
    try:
        main()
    except KGBuildError as exc:
        click.secho(f"error: {exc}", fg="red", err=True)
        sys.exit(getattr(exc, "exit_code", EXIT_BAD_INPUT))


if __name__ == "__main__":  # pragma: no cover
    main()
