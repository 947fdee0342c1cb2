"""The saved questions' default answers, made by each build beside its store.

A listing question (every event, every statement ...) costs its joins and grouping over the
whole dataset, however few rows are shown: at 10,000 documents seconds to a minute. So each
build writes the default answer (default parameters, no --reason) of every saved SELECT
question into ``<generation>/answers/`` (the files: stored.py), and a page is read from there
in milliseconds.

:func:`materialise` answers each question whole and puts its rows in the question's order (its
own ORDER BY evaluated by Oxigraph over the rows, then the rows' bytes for what that order
leaves tied), or has the ``keeper`` it is given answer it: the build passes
kgbuild.incremental.answers.KeptAnswers, which keeps the rows of the keys no change reached
and answers per key what the engine orders on its own (GROUP_CONCAT, SAMPLE).
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

import pyoxigraph

from kgbuild.errors import KGBuildError
from kgbuild.graph.paging import split_select
from kgbuild.graph.query import bound_text, masked, refuse_remote, standalone_text
from kgbuild.graph.saved import saved_queries
from kgbuild.graph.stored import ANSWERS_DIR, TSV, count_rows, write_answer, write_index
from kgbuild.project import Project


@dataclass
class Answered:
    """How a build got one question's answer: ``how`` is "kept" (nothing it reads changed),
    "by key" (the keys a change reaches recomputed, ``keys`` of them), "every key" (each key
    asked, batch by batch), "whole" (the question run whole) or "failed: <why>" (no answer
    written: the question runs live, and says why there). ``entry``: what the keeper notes in
    answers.json for the next build."""

    name: str
    how: str
    rows: int = 0
    keys: int = 0
    seconds: float = 0.0
    entry: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Question:
    """One saved question to answer: its name, its ``# key:``, its SPARQL with the default
    parameters bound (``bound``) and as it runs (``run``), and what the last build's
    answers.json says of it if that build answered exactly this SPARQL (else None)."""

    name: str
    key: str
    bound: str
    run: str
    last: dict[str, object] | None


class Keeper(Protocol):
    """Answers the questions it can more cheaply than a whole run (see the module doc)."""

    def answer(
        self, question: Question, store: pyoxigraph.Store, target: Path
    ) -> tuple[str, list[str] | None, Answered]:
        """The header and rows (None: the last build's files were linked into ``target``)."""

    def last_answers(self) -> dict[str, dict[str, object]]:
        """The last build's answers.json entries, by question."""


def materialise(
    store: pyoxigraph.Store | Path,
    project: Project,
    folder: Path,
    keeper: Keeper | None = None,
) -> list[Answered]:
    """Write ``folder/answers/``, the default answer of every saved SELECT question over
    ``store`` (the new build's store, or its folder), saying how each answer was got."""
    if isinstance(store, Path):
        store = pyoxigraph.Store.read_only(str(store))
    target = folder / ANSWERS_DIR
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    index: dict[str, dict[str, object]] = {}
    last = keeper.last_answers() if keeper is not None else {}
    done = []
    for saved in saved_queries(project.queries_dir):
        started = time.perf_counter()
        bound = bound_text(saved.text, saved.params, project.base)
        if split_select(bound) is None:
            continue  # no SELECT, or one that is not answered by the page: runs live
        run = standalone_text(bound, project.base)  # what kgbuild query runs
        digest = hashlib.sha256(run.encode("utf-8")).hexdigest()
        entry = last.get(saved.name)
        same = entry is not None and entry.get("sha256") == digest
        question = Question(saved.name, saved.key, bound, run, entry if same else None)
        try:
            refuse_remote(bound)
            if keeper is not None:
                header, rows, answered = keeper.answer(question, store, target)
            else:
                header, rows, answered = whole(question, store, project.base)
        except (KGBuildError, SyntaxError, OSError, ValueError, RuntimeError) as exc:
            message = getattr(exc, "message", str(exc))
            done.append(Answered(saved.name, f"failed: {message}"))
            continue
        if rows is not None:
            write_answer(target, saved.name, header, rows)
        answered.rows = count_rows(target / f"{saved.name}.idx")
        answered.seconds = time.perf_counter() - started
        done.append(answered)
        index[saved.name] = {
            "sha256": digest,
            "rows": answered.rows,
            "variables": [v.lstrip("?") for v in header.split("\t")],
            "title": saved.title,
            "text": saved.text,
            "params": saved.params,
            "base": project.base,
            **answered.entry,
        }
    write_index(target, index)
    return done


def whole(
    question: Question, store: pyoxigraph.Store, base: str
) -> tuple[str, list[str], Answered]:
    """The question run whole, its rows in its order."""
    header, rows = lines(store, question.run)
    return header, ordered(header, rows, question.bound, base), Answered(question.name, "whole")


def lines(store: pyoxigraph.Store, text: str) -> tuple[str, list[str]]:
    """The header and the rows of ``text``'s answer, as TSV lines."""
    data = store.query(text).serialize(format=TSV).decode("utf-8")
    found = data.split("\n")
    return found[0], [line for line in found[1:] if line]


def order_clause(text: str) -> str | None:
    """The question's own ``ORDER BY ...`` (after its WHERE clause), or None."""
    parts = split_select(text)
    if parts is None:
        return None
    tail = parts[2]
    match = re.search(r"\bORDER\s+BY\b", masked(tail), re.IGNORECASE)
    return tail[match.start() :].strip() if match else None


def ordered(header: str, rows: list[str], text: str, base: str) -> list[str]:
    """``rows`` (TSV lines) in the order of the question ``text``: its ORDER BY evaluated by
    Oxigraph over the rows themselves, then the rows' bytes for what that order leaves tied."""
    ranked = sorted(rows)  # str order is code point order: the UTF-8 bytes' order
    clause = order_clause(text)
    if clause is None or len(ranked) < 2:
        return ranked
    prologue = split_select(text)[0]  # type: ignore[index]
    values = "\n".join(
        f"({i} " + " ".join(cell or "UNDEF" for cell in row.split("\t")) + ")"
        for i, row in enumerate(ranked)
    )
    query = (
        f"{prologue}SELECT ?__row WHERE {{ VALUES (?__row {header.replace(chr(9), ' ')}) {{\n"
        f"{values}\n}} }}\n{clause} ?__row\n"
    )
    query = standalone_text(query, base)  # the project's prefixes the clause uses
    order = [int(solution[0].value) for solution in pyoxigraph.Store().query(query)]
    return [ranked[i] for i in order]
