"""The build cache (`.dist-cache/` beside `dist/`): work keyed by the content it was made from.

- unit: a document's graph (its chunk: sorted N-Quads) and summary (graph/assemble.py),
  keyed by the SHA-256 of the document's text and curated file and of everything that shapes
  how they are read (context, ontology, vocabularies, base IRI, kgbuild version);
- schema and entailed: the ontology's closure, and each graph's entailments under it
  (graph/reasoning.py).

Entries are written whole (atomic.write_file), and a damaged entry is simply recomputed.
Deleting the folder only costs time.
"""

from __future__ import annotations

import contextlib
import hashlib
import pickle
from pathlib import Path
from typing import Any

from kgbuild import __version__
from kgbuild.atomic import write_file

FORMAT = 4  # bumped when what an entry holds changes


def digest(*parts: bytes | memoryview | str) -> str:
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


class Cache:
    """A folder of content-addressed entries; ``None`` folder means no cache at all."""

    def __init__(self, folder: Path | None) -> None:
        self.folder = folder
        self.work: dict[str, int] = {}  # what was computed, not taken from the cache

    def did(self, what: str, amount: int) -> None:
        """Count work done because the cache did not have it (for the build summary)."""
        self.work[what] = self.work.get(what, 0) + amount

    def _path(self, kind: str, key: str) -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"v{FORMAT}-{__version__}" / kind / key[:2] / f"{key}.pkl"

    def get(self, kind: str, key: str) -> Any | None:
        path = self._path(kind, key)
        if path is None or not path.is_file():
            return None
        try:
            with open(path, "rb") as handle:
                return pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            return None

    def put(self, kind: str, key: str, value: Any) -> None:
        self._write(self._path(kind, key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    @staticmethod
    def _write(path: Path | None, data: bytes) -> None:
        if path is None:
            return
        with contextlib.suppress(OSError):  # a cache that cannot be written only costs time
            write_file(path, data)
