"""The saved questions: ``queries/NAME.rq``, each a SPARQL query with a header that explains it.

The header is the comment lines at the top: ``# title:``, ``# question:``, ``# answer:``
(continued over several lines), ``# param: name = default`` (each parameter and its default
value) and, optionally, ``# key: ?var`` (the variable to keep the stored answer up to date by,
see kgbuild/incremental/algebra.py).
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from pathlib import Path

from kgbuild.errors import QueryError

SAVED_NAME = re.compile(r"[a-z0-9][a-z0-9_-]*")  # a saved question's name: queries/NAME.rq
_HEADER = re.compile(r"^#\s*(title|question|answer|param|key)\s*:\s*(.*)$", re.IGNORECASE)


def is_saved_name(text: str | None) -> bool:
    """Whether ``text`` names a saved question (rather than being SPARQL or a file)."""
    return text is not None and SAVED_NAME.fullmatch(text) is not None


@dataclass(frozen=True)
class SavedQuery:
    """A question kept in queries/NAME.rq, with the header that explains it."""

    name: str
    path: Path
    title: str
    question: str
    answer: str
    params: dict[str, str] = field(default_factory=dict)
    # "# key: ?event": the variable to keep the stored answer up to date by (by default the
    # first projected variable that every row binds as a subject: incremental/algebra.py).
    key: str = ""

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")


def saved_queries(folder: Path) -> list[SavedQuery]:
    """Every queries/*.rq, sorted by name, with its header comments parsed."""
    out = []
    for path in sorted(folder.glob("*.rq")):
        fields: dict[str, str] = {}
        params: dict[str, str] = {}
        for line in path.read_text(encoding="utf-8").splitlines():
            if not line.startswith("#"):
                break
            match = _HEADER.match(line)
            if not match:
                continue
            key, value = match.group(1).lower(), match.group(2).strip()
            if key == "param":
                name, _, default = value.partition("=")
                params[name.strip().lstrip("?")] = default.strip()
            else:  # continued over several lines
                fields[key] = (fields.get(key, "") + " " + value).strip()
        out.append(
            SavedQuery(
                name=path.stem,
                path=path,
                title=fields.get("title", path.stem),
                question=fields.get("question", ""),
                answer=fields.get("answer", ""),
                params=params,
                key=fields.get("key", ""),
            )
        )
    return out


def find_saved(folder: Path, name: str) -> SavedQuery:
    for saved in saved_queries(folder):
        if saved.name == name:
            return saved
    known = [s.name for s in saved_queries(folder)]
    close = difflib.get_close_matches(name, known, n=1)
    raise QueryError(
        f"no saved query named {name!r}" + (f"; did you mean {close[0]!r}?" if close else ""),
        hint=f"kgbuild query --list shows them: {', '.join(known)}",
    )


def resolve(
    arg: str | None, stdin_text: str | None, queries_dir: Path
) -> tuple[str, SavedQuery | None]:
    """The query text for a command-line argument: text, a .rq file, '-' (stdin) or a name."""
    if arg is None or arg == "-":
        if stdin_text is None or not stdin_text.strip():
            raise QueryError(
                "no query given",
                hint="pass a query, a .rq file, a saved query name, or pipe one in",
            )
        return stdin_text, None
    if arg.endswith(".rq") and "\n" not in arg:
        path = Path(arg)
        if not path.is_file():
            raise QueryError(f"{arg}: no such query file")
        try:
            return path.read_text(encoding="utf-8"), None
        except (OSError, UnicodeDecodeError) as exc:
            raise QueryError(f"{arg}: cannot read the query: {exc}") from None
    if is_saved_name(arg):
        saved = find_saved(queries_dir, arg)
        return saved.text, saved
    return arg, None
