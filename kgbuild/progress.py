"""Progress of long work, reported by the library through a callback; only the CLI draws it.

A stage (``"reading documents"``, ``"validating"`` ...) reports how many of its ``total``
units are ``done``; a caller that passes no callback gets none of this. A Note is a line to
show whether or not progress is drawn (a build waiting for another to finish).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Step:
    """One report: ``done`` of ``total`` units (``unit``: documents, graphs ...) of a stage."""

    stage: str
    done: int
    total: int
    unit: str = "documents"


@dataclass(frozen=True)
class Note:
    """A line for the user, shown even where no progress is drawn."""

    text: str


ProgressCallback = Callable[[Step | Note], None]


def report(
    callback: ProgressCallback | None, stage: str, done: int, total: int, unit: str = "documents"
) -> None:
    """Call ``callback`` (if any) with one Step."""
    if callback is not None:
        callback(Step(stage, done, total, unit))


def note(callback: ProgressCallback | None, text: str) -> None:
    """Call ``callback`` (if any) with one Note."""
    if callback is not None:
        callback(Note(text))
