"""User-facing errors. The library raises them; only the CLI turns them into exit codes."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

EXIT_OK = 0
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


@dataclass(frozen=True)
class Location:
    """Where a problem is: a file, and a line (1-based) and record where known."""

    path: Path
    line: int | None = None
    record: str | None = None

    def __str__(self) -> str:
        text = _shown(self.path)
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


class EvidenceError(InputError):
    """An evidence quote that is not in its document, or is there more than once."""


class OutputError(KGBuildError):
    """Output that cannot be written (exit 3). Nothing built before is changed."""

    exit_code = EXIT_OUTPUT


class ValidationFailed(KGBuildError):
    """The built data violates the shapes (exit 1). Nothing is written."""

    exit_code = EXIT_VIOLATIONS


def _shown(path: Path) -> str:
    """A path as the user would type it: relative to the working folder when inside it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except (ValueError, OSError):
        return str(path)
