"""User-facing errors. The library raises them; only the CLI turns them into exit codes."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

EXIT_VIOLATIONS = 1
EXIT_BAD_INPUT = 2
EXIT_OUTPUT = 3
EXIT_INTERNAL = 4


class KGBuildError(Exception):
    """A failure the user can fix. ``exit_code`` is the documented code the CLI returns."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message}\n  fix: {self.hint}"

    def __reduce__(self) -> tuple[Any, ...]:
        """Pickled whole (message, hint, location, result ...), whatever the subclass's
        constructor takes: a worker process's error is re-raised as the same object."""
        return (_rebuilt, (type(self), self.args, dict(self.__dict__)))


def _rebuilt(cls: type[KGBuildError], args: tuple[Any, ...], state: dict[str, Any]) -> Any:
    error = cls.__new__(cls)
    Exception.__init__(error, *args)
    error.__dict__.update(state)
    return error


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and a line (1-based) and record where known."""

    path: Path
    line: int | None = None
    record: str | None = None

    def __str__(self) -> str:
        text = shown_path(self.path)
        if self.line is not None:
            text += f":{self.line}"
        if self.record:
            text += f" (record {self.record})"
        return text


class InputError(KGBuildError):
    """An input file that cannot be read or does not follow the format (exit 2)."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, where: Location | Path, message: str, *, hint: str | None = None) -> None:
        self.where = where if isinstance(where, Location) else Location(where)
        super().__init__(f"{self.where}: {message}", hint=hint)


class InputProblems(InputError):
    """Several problems in one input file, all reported in one run (the first is ``where``)."""

    def __init__(self, problems: list[InputError], cap: int) -> None:
        first = problems[0]
        self.problems = problems
        self.where = first.where
        shown = "\n".join(f"  {p}".replace("\n", "\n  ") for p in problems[:cap])
        more = f"\n  ... and {len(problems) - cap} more" if len(problems) > cap else ""
        KGBuildError.__init__(
            self,
            f"{first.where.path}: {len(problems)} problems in this file:\n{shown}{more}",
            hint=None,
        )


class EvidenceError(InputError):
    """An evidence quote that is not in its document, or is there more than once."""


class OutputError(KGBuildError):
    """Output that cannot be written (exit 3). Nothing built before is changed."""

    exit_code = EXIT_OUTPUT


class Busy(OutputError):
    """Another build or publish is writing the same folder (and the caller would not wait)."""


class ValidationFailed(KGBuildError):
    """The built data violates the shapes (exit 1). Nothing is written.

    ``result``: what the failed run found (for a build, its BuildResult with the counts and
    the validation report), so that a caller can show every problem.
    """

    exit_code = EXIT_VIOLATIONS

    def __init__(self, message: str, *, hint: str | None = None, result: Any = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result


class QueryError(KGBuildError):
    """A query that cannot run: syntax error, unknown saved query, bad format (exit 2)."""


class NotBuilt(KGBuildError):
    """There is no built dataset to query yet (exit 2)."""


class LocalityError(KGBuildError):
    """A saved question's ``# key:`` names a variable that cannot be its key (exit 2)."""


class ServeError(KGBuildError):
    """The server cannot start (exit 2)."""


class PushError(KGBuildError):
    """The store refused or did not take the data (exit 3); ``result``: what was sent and
    what the store holds, when the counts were read back."""

    exit_code = EXIT_OUTPUT

    def __init__(self, message: str, *, hint: str | None = None, result: Any = None) -> None:
        super().__init__(message, hint=hint)
        self.result = result


def shown_path(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it
    (symbolic links are kept as they are: dist/release, not the folder it points at)."""
    try:
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
