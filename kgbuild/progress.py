"""Progress of long work, reported by the library through a callback; only the CLI draws it.

A stage (``"reading documents"``, ``"validating"`` ...) reports how many of its ``total``
units are ``done``; a caller that passes no callback gets none of this.
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


ProgressCallback = Callable[[Step], None]


def report(
    callback: ProgressCallback | None, stage: str, done: int, total: int, unit: str = "documents"
) -> None:
    """Call ``callback`` (if any) with one Step."""
    if callback is not None:
        callback(Step(stage, done, total, unit))
