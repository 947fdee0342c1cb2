"""The `kgbuild` command's common parts: the group, the shared options, progress, exit codes.

Each command (making.py: build, validate, draft, review; asking.py: query; publishing.py:
publish, serve, push) parses its options, calls one function of kgbuild.pipeline, and prints.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

from kgbuild import __version__
from kgbuild.errors import EXIT_INTERNAL, KGBuildError
from kgbuild.progress import Note
from kgbuild.project import Project
from kgbuild.sources.files import DEFAULT_MAX_BYTES


def exits(*codes: tuple[int, str]) -> Callable[[click.Command], click.Command]:
    """Append the exit codes a command can return to its help (4, a bug, to every one)."""

    def document(command: click.Command) -> click.Command:
        lines = [*codes, (EXIT_INTERNAL, "an unexpected error (a bug in kgbuild)")]
        listed = "\n".join(f"  {code}  {what}" for code, what in lines)
        command.help = inspect.cleandoc(command.help or "") + "\n\n\b\nExit codes:\n" + listed
        return command

    return document


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
    "(the reference: slow, for checking; docs/building.md).",
)


quiet_option = click.option(
    "--quiet", is_flag=True, help="Show no progress (it shows only on a terminal anyway)."
)
no_wait_option = click.option(
    "--no-wait",
    is_flag=True,
    help="If another build or publish is writing the folder, exit 3 at once instead of "
    "waiting for it.",
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
        if isinstance(step, Note):  # shown even when quiet or not a terminal
            self._finish()
            click.echo(step.text, file=self.stream)
            return
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


def out_option(what: str) -> Callable[..., Any]:
    """--out: the folder a command writes (``what`` says which, and its default)."""
    return click.option(
        "--out",
        "out_dir",
        type=click.Path(file_okay=False, path_type=Path),
        default=None,
        help=what,
    )


def text_option(name: str, metavar: str, what: str, **more: Any) -> Callable[..., Any]:
    """An option taking one value written as ``metavar`` (default: none)."""
    return click.option(name, default=None, metavar=metavar, help=what, **more)


def number_option(
    name: str, default: float, least: float, what: str, dest: str | None = None
) -> Callable[..., Any]:
    """An option taking a number of at least ``least``, shown with its default."""
    kind = click.FloatRange(min=least) if isinstance(default, float) else click.IntRange(least)
    names = (name, dest) if dest else (name,)
    return click.option(*names, default=default, show_default=True, type=kind, help=what)


max_bytes_option = click.option(
    "--max-bytes",
    type=click.IntRange(min=1),
    default=DEFAULT_MAX_BYTES,
    show_default=True,
    help="Refuse input files larger than this.",
)


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
