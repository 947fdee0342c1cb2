"""The build cache (`.dist-cache/` beside `dist/`): work keyed by the content it was made from.

- unit: a document's graph (its chunk: sorted N-Quads) and summary (graph/assemble.py),
  keyed by the SHA-256 of the document's text and curated file and of everything that shapes
  how they are read (context, ontology, vocabularies, base IRI, kgbuild version);
- schema and entailed: the ontology's closure, and each graph's entailments under it
  (graph/reasoning.py).

Entries are written whole (atomic.write_file) in kgbuild/serial.py's format: data with a
SHA-256, never pickle. A damaged, foreign or unreadable entry is removed and recomputed, and
``notify`` hears one line saying so. Deleting the folder only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from kgbuild import __version__
from kgbuild.atomic import write_file
from kgbuild.serial import Damaged, decode, encode

FORMAT = 5  # bumped when what an entry holds changes


def digest(*parts: bytes | memoryview | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """A folder of content-addressed entries; ``None`` folder means no cache at all."""

    def __init__(self, folder: Path | None, notify: Callable[[str], None] | None = None) -> None:
        self.folder = folder
        self.work: dict[str, int] = {}  # what was computed, not taken from the cache
        self.notify = notify

    def did(self, what: str, amount: int) -> None:
        """Count work done because the cache did not have it (for the build summary)."""
        self.work[what] = self.work.get(what, 0) + amount

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"v{FORMAT}-{__version__}" / kind / key[:2] / f"{key}.kgc"

    def get(
        self,
        kind: str,
        key: str,
        types: Iterable[type] = (),
        valid: Callable[[Any], bool] = lambda value: True,
    ) -> Any | None:
        """The entry ``key`` of ``kind`` (its records of the dataclasses ``types``; ``valid``
        says whether a value has the expected shape), or None: none there, or one that is
        damaged (then removed, and ``notify`` told)."""
        path = self._path(kind, key)
        if path is None:
            return None
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            self._discard(path, f"it cannot be read ({exc.strerror})")
            return None
        try:
            value = decode(data, kind, key, types)
        except Damaged as exc:
            self._discard(path, exc.reason)
            return None
        if not valid(value):
            self._discard(path, "it does not hold what such an entry holds")
            return None
        return value

    def _discard(self, path: Path, reason: str) -> None:
        with contextlib.suppress(OSError):
            path.unlink()
        if self.notify is not None:
            self.notify(f"discarded the cache entry {path}: {reason}; computing it again")

    def put(self, kind: str, key: str, value: Any) -> None:
        self._write(self._path(kind, key), encode(kind, key, value))

    @staticmethod
    def _write(path: Path | None, data: bytes) -> None:
        if path is None:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_file(path, data)
