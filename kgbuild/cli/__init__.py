"""The `kgbuild` command. Each command parses options, calls one library function, prints
(base.py: the group, shared options, progress and exit codes; making.py, asking.py,
publishing.py: the commands)."""

from kgbuild.cli import asking, making, publishing  # noqa: F401  (they add the commands)
from kgbuild.cli.base import ProgressView, main

__all__ = ["ProgressView", "main"]
