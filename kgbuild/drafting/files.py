"""Reading a new article, choosing its id, and writing the draft and its review page
atomically: all of them or nothing."""

from __future__ import annotations

import hashlib
import re
from datetime import date
from pathlib import Path

from kgbuild.atomic import write_file
from kgbuild.errors import InputError, OutputError
from kgbuild.project import Project
from kgbuild.sources.files import check_size

from .text import repeated_passage

ID_PATTERN = re.compile(r"^[a-z0-9_-]+$")
SEED_ID = re.compile(r"^(\d{3})_[0-9a-f]{16}$")
MAX_BYTES = 1_000_000  # one news article; `kgbuild draft` has no option to raise it
TOO_LONG = (
    "kgbuild draft reads one news article of at most 1,000,000 bytes: give each article its "
    "own .txt file"
)


def read_input(
    source: Path | None, data: bytes | None, max_bytes: int = MAX_BYTES
) -> tuple[str, bytes, Path]:
    """The article's text and bytes: from ``source``, or ``data`` (standard input)."""
    where = source if source is not None else Path("<stdin>")
    if data is None:
        assert source is not None
        try:
            check_size(source, max_bytes, TOO_LONG)
            data = source.read_bytes()
        except IsADirectoryError:
            raise InputError(
                where, "is a folder, not a text file", hint="give the article's .txt file"
            ) from None
        except OSError as exc:
            raise InputError(where, f"cannot read: {exc.strerror}", hint="check the path") from None
    if len(data) > max_bytes:
        raise InputError(
            where,
            f"input is {len(data)} bytes, over the limit of {max_bytes} for one article",
            hint=TOO_LONG,
        )
    if not data.strip():
        raise InputError(where, "the article is empty", hint="put the article's text in the file")
    if b"\x00" in data:
        raise InputError(
            where,
            "looks binary (it contains NUL bytes), not text",
            hint="save the article as plain UTF-8 text (.txt)",
        )
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            where,
            f"is not UTF-8 (byte {exc.start} is 0x{data[exc.start]:02x})",
            hint="convert it to UTF-8, e.g. iconv -f windows-1250 -t utf-8 FILE",
        ) from None
    controls = sum(1 for c in text if ord(c) < 32 and c not in "\n\r\t")
    if controls > max(3, len(text) // 100):
        raise InputError(
            where,
            "looks binary (control characters), not text",
            hint="save the article as plain UTF-8 text",
        )
    repeated = repeated_passage(text)
    if repeated is not None:
        passage, times = repeated
        shown = passage if len(passage) <= 70 else passage[:67] + "..."
        raise InputError(
            where,
            f"gives the sentence {shown!r} {times} times word for word; a news article does "
            "not, and quotes of it could not be told apart",
            hint="remove the repeated copies (one article per .txt file) and draft it again",
        )
    return text, data, where


def check_published(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value).isoformat()
    except ValueError:
        raise InputError(
            Path("--published"), f"{value!r} is not a date", hint="write it as YYYY-MM-DD"
        ) from None


def new_id(project: Project, data: bytes, taken: set[str] | None = None) -> str:
    """The next number of the NNN_<16 hex> scheme (after the project's documents and the ids
    ``taken`` by a batch so far) and the first 16 hex digits of the text's SHA-256."""
    stems = [p.stem for p in project.documents_dir.glob("*.txt")] + sorted(taken or ())
    numbers = [int(m.group(1)) for stem in stems if (m := SEED_ID.match(stem))]
    return f"{(max(numbers) + 1) if numbers else 0:03d}_{hashlib.sha256(data).hexdigest()[:16]}"


def check_id(project: Project, doc_id: str, force: bool) -> None:
    if not ID_PATTERN.match(doc_id):
        raise InputError(
            Path("--id"),
            f"{doc_id!r} is not a document id",
            hint="use lower-case letters, digits, '_' and '-' only",
        )
    existing = [
        p
        for p in (project.documents_dir / f"{doc_id}.txt", project.documents_dir / f"{doc_id}.yaml")
        if p.exists()
    ]
    if existing and not force:
        raise InputError(
            existing[0],
            f"document {doc_id} exists already",
            hint="pass --force to draft it again (its curated file is replaced), or choose another --id",  # noqa: E501
        )


def write_all(files: dict[Path, bytes]) -> None:
    """Write every file or none: each is written whole (atomic.write_file), and if one fails,
    the ones already written are put back as they were."""
    done: list[tuple[Path, bytes | None]] = []
    try:
        for path, content in files.items():
            previous = path.read_bytes() if path.exists() else None
            write_file(path, content)
            done.append((path, previous))
    except OSError as exc:
        for path, previous in reversed(done):
            if previous is None:
                path.unlink(missing_ok=True)
            else:
                write_file(path, previous)
        raise OutputError(
            f"cannot write {exc.filename or 'the draft'}: {exc.strerror}; nothing was changed",
            hint="check the folder's permissions and free space",
        ) from None
