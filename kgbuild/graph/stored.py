"""The files of the saved questions' stored answers, in ``<generation>/answers/``:

``answers.json``
    what each file answers: the SHA-256 of the exact SPARQL that ``kgbuild query NAME`` runs
    (what ``--show`` prints), the columns, the number of rows, the question's text;
``NAME.tsv``
    the answer in the W3C SPARQL 1.1 TSV results format: a header line, then one row a line
    (a page is parsed as it is and written in any results format);
``NAME.idx``
    where each row starts: little-endian unsigned 64-bit byte offsets into ``NAME.tsv``, one
    per row and one for the end, so that any page is two seeks.

answers.py makes them; this module writes and reads them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kgbuild.atomic import write_file
from kgbuild.graph.paging import DEFAULT_PAGE, Page
from kgbuild.graph.query import Outcome, QueryError, standalone_text

ANSWERS_DIR = "answers"
INDEX_FILE = "answers.json"
FORMAT = 1  # of the files above; an answer of another format is computed again
TSV = pyoxigraph.QueryResultsFormat.TSV


def write_index(folder: Path, questions: dict[str, dict[str, object]]) -> None:
    document = {"format": FORMAT, "questions": questions}
    write_file(folder / INDEX_FILE, json.dumps(document, indent=1, sort_keys=True).encode())


def write_answer(target: Path, name: str, header: str, rows: list[str]) -> None:
    data = "".join(f"{line}\n" for line in [header, *rows]).encode("utf-8")
    offsets, at = [], len(header.encode("utf-8")) + 1
    for row in rows:
        offsets.append(at)
        at += len(row.encode("utf-8")) + 1
    offsets.append(at)
    write_file(target / f"{name}.tsv", data)
    write_file(target / f"{name}.idx", struct.pack(f"<{len(offsets)}Q", *offsets))


def read_rows(path: Path) -> tuple[str, list[str]] | None:
    """The header and rows of a stored answer; None if it cannot be read."""
    try:
        lines = path.read_text(encoding="utf-8").split("\n")
    except (OSError, UnicodeDecodeError):
        return None
    return lines[0], [line for line in lines[1:] if line]


def count_rows(index: Path) -> int:
    return index.stat().st_size // 8 - 1


def link_answer(old: Path, target: Path, name: str) -> None:
    """The previous build's files, as they are (hard links where the file system allows)."""
    for suffix in (".tsv", ".idx"):
        source, copy = old / f"{name}{suffix}", target / f"{name}{suffix}"
        try:
            os.link(source, copy)
        except OSError:
            shutil.copyfile(source, copy)


def read_index(folder: Path | None) -> dict[str, dict[str, object]]:
    """The questions answered in ``folder`` (empty if none, or of another format)."""
    if folder is None:
        return {}
    try:
        document = json.loads((folder / INDEX_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        return {}
    return dict(document.get("questions") or {})


# -- reading ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """One stored answer of a build: its folder, name and what answers.json says of it."""

    folder: Path
    name: str
    entry: dict[str, object]

    @property
    def total(self) -> int:
        return int(self.entry["rows"])  # type: ignore[call-overload]

    def rows(self, offset: int = 0, limit: int | None = None) -> bytes:
        """Rows offset+1 … offset+limit (limit None: to the end) as TSV with its header."""
        start = min(max(offset, 0), self.total)
        end = self.total if limit is None else min(self.total, start + max(limit, 0))
        with (
            open(self.folder / f"{self.name}.idx", "rb") as index,
            open(self.folder / f"{self.name}.tsv", "rb") as table,
        ):
            index.seek(8 * start)
            first, *_ = struct.unpack("<Q", index.read(8))
            index.seek(8 * end)
            last, *_ = struct.unpack("<Q", index.read(8))
            header = table.readline()
            table.seek(first)
            return header + table.read(last - first)


def stored_answers(dist: Path) -> dict[str, Stored]:
    """The answers of the build in ``dist`` by question name (empty if it has none)."""
    folder = (dist / ANSWERS_DIR).resolve()
    return {name: Stored(folder, name, entry) for name, entry in read_index(folder).items()}


def answer_page(
    dist: Path,
    text: str,
    *,
    base: str,
    params: dict[str, str] | None = None,
    limit: int | None = DEFAULT_PAGE,
    offset: int = 0,
) -> Page | None:
    """The page of ``text`` (a saved question's text, with ``params`` bound) from the answers
    of the build in ``dist``, if that build answered exactly this SPARQL; else None."""
    if offset < 0 or (limit is not None and limit < 0):
        raise QueryError("--limit and --offset take 0 or more")
    stored = stored_answers(dist)
    if not stored:
        return None
    run = standalone_text(text, base, params or None)
    digest = hashlib.sha256(run.encode("utf-8")).hexdigest()
    for answer in stored.values():
        if answer.entry.get("sha256") == digest:
            try:
                data = answer.rows(offset, limit)
            except (OSError, struct.error):
                return None  # the build was replaced meanwhile: answer live
            solutions = pyoxigraph.parse_query_results(data, format=TSV)
            return Page(Outcome(solutions), answer.total, offset, limit)
    return None
