"""The build cache (`.dist-cache/` beside `dist/`): work keyed by the content it was made from.

- units: a document's graph (its quads as N-Quads, where each record is, what it refers to),
  keyed by the SHA-256 of the document's text and curated file and of everything that shapes
  how they are read (context, ontology, vocabularies, base IRI, kgbuild version);
- results: the SHACL results of a batch of focus nodes, keyed by the SHA-256 of the exact data
  the batch was validated with;
- chunks: a named graph serialized in each dump syntax, keyed by the graph's content.

Entries are written beside and renamed into place, and a damaged entry is simply recomputed.
Deleting the folder only costs time.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import tempfile
from pathlib import Path
from typing import Any

from . import __version__

FORMAT = 1


def digest(*parts: bytes | str) -> str:
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
        self.hits = 0
        self.misses = 0
        self.work: dict[str, int] = {}  # what was computed, not taken from the cache

    def did(self, what: str, amount: int) -> None:
        """Count work done because the cache did not have it (for the build summary)."""
        self.work[what] = self.work.get(what, 0) + amount

    def _path(self, kind: str, key: str, suffix: str = ".pkl") -> Path | None:
        if self.folder is None:
            return None
        return self.folder / f"v{FORMAT}-{__version__}" / kind / key[:2] / f"{key}{suffix}"

    def get(self, kind: str, key: str) -> Any | None:
        path = self._path(kind, key)
        if path is None or not path.is_file():
            self.misses += 1
            return None
        try:
            with open(path, "rb") as handle:
                value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError):
            self.misses += 1
            return None
        self.hits += 1
        return value

    def put(self, kind: str, key: str, value: Any) -> None:
        self._write(self._path(kind, key), pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))

    def get_bytes(self, kind: str, key: str, suffix: str) -> bytes | None:
        path = self._path(kind, key, suffix)
        if path is None or not path.is_file():
            return None
        try:
            return path.read_bytes()
        except OSError:
            return None

    def put_bytes(self, kind: str, key: str, suffix: str, data: bytes) -> None:
        self._write(self._path(kind, key, suffix), data)

    @staticmethod
    def _write(path: Path | None, data: bytes) -> None:
        if path is None:
            return
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
            os.replace(tmp, path)
        except OSError:
            pass  # a cache that cannot be written only costs time
