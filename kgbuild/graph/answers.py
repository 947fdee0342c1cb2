"""The saved questions' default answers, made by each build beside its store.

A listing question (every event, every statement ...) costs its joins and grouping over the
whole dataset, however few rows are shown: at 10,000 documents seconds to a minute. So each
build writes the default answer (default parameters, no --reason) of every saved SELECT
question into ``<generation>/answers/`` (the files: stored.py), and a page is read from there
in milliseconds.

A question answered per key (its key and what each key's rows read are derived from its SPARQL,
see locality.py) is kept up to date per key: the next build finds the keys a change can reach,
answers the question for them alone (restrict.py), keeps the other rows, and puts all rows in
the question's order by its own ORDER BY, evaluated by Oxigraph over the rows (ties, which that
order leaves open, by the rows' bytes). From scratch such a question is run whole and its rows
put in that same order: the same bytes. Except where a value depends on the order in which the
engine meets the solutions (GROUP_CONCAT, SAMPLE): such a question is answered per key from
scratch too, batch by batch, so that a build that recomputes a few keys gives the same bytes as
one from scratch. A GROUP_CONCAT that lists the rows of a sub-query sorted by what it lists (as
the saved questions do) is in that order whole, per key, stored and live; an unsorted one may
list its parts in another order live than stored (SPARQL leaves that order open). Questions
that cannot be keyed (a variable predicate, no variable that every row binds as a subject) are
run whole, each build.
"""

from __future__ import annotations

import hashlib
import re
import shutil
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kgbuild.errors import KGBuildError
from kgbuild.graph.changes import changed_quads
from kgbuild.graph.locality import (
    Locality,
    affected_keys,
    all_keys,
    derive,
    keys_with_step,
)
from kgbuild.graph.query import (
    QueryError,
    bound_text,
    masked,
    refuse_remote,
    saved_queries,
    split_select,
    standalone_text,
)
from kgbuild.graph.restrict import restrict
from kgbuild.graph.store import STORE_DIR
from kgbuild.graph.stored import (
    ANSWERS_DIR,
    TSV,
    count_rows,
    link_answer,
    read_index,
    read_rows,
    write_answer,
    write_index,
)
from kgbuild.project import Project

BATCH = 256  # keys per query
GLOBAL_GRAPHS = ("ontology", "vocabularies")  # a change there: every answer again


@dataclass
class Answered:
    """How a build got one question's answer: ``how`` is "kept" (nothing it reads changed),
    "by key" (the keys a change reaches recomputed, ``keys`` of them), "every key" (each key
    asked, batch by batch), "whole" (the question run whole) or "failed: <why>" (no answer
    written: the question runs live, and says why there)."""

    name: str
    how: str
    rows: int = 0
    keys: int = 0
    seconds: float = 0.0


def write_answers(
    store: pyoxigraph.Store | Path,
    project: Project,
    folder: Path,
    previous: Path | None = None,
    changed: set[str] | None = None,
    *,
    workers: int = 2,
) -> list[Path]:
    """Write ``folder/answers/``, the default answer of every saved SELECT question over
    ``store`` (the new build's store, or its folder); returns ``[folder/answers]``.

    ``previous``: the last build's generation folder (its ``store/`` and ``answers/``), or None.
    ``changed``: the IRIs of the subjects and objects of every triple added to or removed from
    any named graph since ``previous``; None means unknown: every answer is computed again.
    With both, a question that declares its key keeps the rows of the keys no change reaches.
    """
    materialise(store, project, folder, previous, changed, workers=workers)
    return [folder / ANSWERS_DIR]


def materialise(
    store: pyoxigraph.Store | Path,
    project: Project,
    folder: Path,
    previous: Path | None = None,
    changed: set[str] | None = None,
    *,
    workers: int = 2,
    batch: int = BATCH,
) -> list[Answered]:
    """``write_answers``, saying how each answer was got."""
    if isinstance(store, Path):
        store = pyoxigraph.Store.read_only(str(store))
    graphs: list[object] = [pyoxigraph.DefaultGraph()]
    inferred = pyoxigraph.NamedNode(project.graph_iri("inferred"))
    if store.contains_named_graph(inferred):
        graphs.append(inferred)
    old_folder = previous / ANSWERS_DIR if previous is not None else None
    old = read_index(old_folder) if old_folder is not None else {}
    changes = _changes(store, project, previous, changed) if old else None
    target = folder / ANSWERS_DIR
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    context = _Context(store, graphs, project.base, workers, batch)
    index: dict[str, dict[str, object]] = {}
    done = []
    for saved in saved_queries(project.queries_dir):
        started = time.perf_counter()
        bound = bound_text(saved.text, saved.params, project.base)
        if split_select(bound) is None:
            continue  # no SELECT, or one that is not answered by the page: runs live
        run = standalone_text(bound, project.base)  # what kgbuild query runs
        digest = hashlib.sha256(run.encode("utf-8")).hexdigest()
        entry = old.get(saved.name)
        reusable = entry is not None and entry.get("sha256") == digest
        try:
            locality, why = _locality(saved.key, run, project, entry if reusable else None)
            header, rows, answered = context.answer(
                saved.name,
                bound,
                locality,
                old_folder if reusable else None,
                changes if reusable else None,
                target,
            )
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
            "key": {
                "variable": saved.key,
                "locality": locality.to_json() if locality is not None else None,
                "why": why,
            },
        }
    write_index(target, index)
    return done


def _locality(
    key: str, run: str, project: Project, entry: dict[str, object] | None
) -> tuple[Locality | None, str]:
    """The question's key and what it reads: derived from its SPARQL (locality.py), or as the
    last build derived it from the same SPARQL and ``# key:`` (derivation takes about 0.1 s a
    question)."""
    last = entry.get("key") if entry is not None else None
    if isinstance(last, dict) and last.get("variable") == key:
        if last.get("locality") is None and isinstance(last.get("why"), str):
            return None, str(last["why"])
        locality = Locality.from_json(last.get("locality"))
        if locality is not None:
            return locality, ""
    variable = key.split()[0].lstrip("?$") if key.strip() else None
    return derive(run, [project.graph_iri(name) for name in GLOBAL_GRAPHS], variable)


def _changes(
    store: pyoxigraph.Store, project: Project, previous: Path | None, changed: set[str] | None
) -> list[pyoxigraph.Quad] | None:
    """The quads added or removed since ``previous``; None when every answer must be made
    again (no previous store, unknown changes, or the ontology or vocabularies changed)."""
    if previous is None or changed is None:
        return None
    try:
        old_store = pyoxigraph.Store.read_only(str(previous / STORE_DIR))
    except OSError:
        return None
    quads = changed_quads(old_store, store, changed)
    everywhere = {project.graph_iri(name) for name in GLOBAL_GRAPHS}
    if any(getattr(q.graph_name, "value", None) in everywhere for q in quads):
        return None
    return quads


class _Context:
    """What answering needs: the store, the graphs that make its data, the base, the pool."""

    def __init__(
        self, store: pyoxigraph.Store, graphs: list[object], base: str, workers: int, batch: int
    ) -> None:
        self.store, self.graphs, self.base = store, graphs, base
        self.workers, self.batch = max(workers, 1), max(batch, 1)

    def answer(
        self,
        name: str,
        bound: str,
        locality: Locality | None,
        old_folder: Path | None,
        changes: list[pyoxigraph.Quad] | None,
        target: Path,
    ) -> tuple[str, list[str] | None, Answered]:
        """The header and rows of one question, ``bound`` its text with the parameters bound
        (rows None: the old files were linked)."""
        refuse_remote(bound)
        run = standalone_text(bound, self.base)
        if locality is None or not _keyed(bound, locality):
            header, rows = self._lines(run)
            return header, rows, Answered(name, "whole")
        old = None
        if old_folder is not None and changes is not None:
            old = read_rows(old_folder / f"{name}.tsv")  # None: unreadable, answer all keys
        keys = None
        if old is not None and f"?{locality.variable}" in old[0].split("\t"):
            # None: a change reaches every key (a pattern read everywhere): from scratch
            keys = affected_keys(self.store, locality, changes or [], self.graphs)
        if old is not None and keys is not None:
            header, rows = old
            column = header.split("\t").index(f"?{locality.variable}")
            if not keys:
                link_answer(old_folder, target, name)
                return header, None, Answered(name, "kept")
            present = keys_with_step(self.store, locality, keys, self.graphs)
            kept = [row for row in rows if row.split("\t")[column] not in keys]
            header, fresh = self._by_key(run, locality, sorted(present))
            rows = kept + fresh
            how, count = "by key", len(keys)
        elif _engine_ordered(bound):  # a GROUP_CONCAT or SAMPLE: the same per key only
            every = all_keys(self.store, locality, self.graphs)
            header, rows = self._by_key(run, locality, every)
            how, count = "every key", len(every)
        else:  # the same rows as every key's, faster
            every = all_keys(self.store, locality, self.graphs)
            header, rows = self._lines(run)
            column, keys = header.split("\t").index(f"?{locality.variable}"), set(every)
            rows = [row for row in rows if row.split("\t")[column] in keys]
            how, count = "whole", len(every)
        column = header.split("\t").index(f"?{locality.variable}")
        cells = [row.split("\t") for row in rows]
        if any(not c[column].startswith("<") or any(x.startswith("_:") for x in c) for c in cells):
            header, rows = self._lines(run)  # a key that is no IRI, or a blank node: whole
            return header, rows, Answered(name, "whole")
        return header, ordered(header, rows, bound, self.base), Answered(name, how, keys=count)

    def _lines(self, text: str) -> tuple[str, list[str]]:
        data = self.store.query(text).serialize(format=TSV).decode("utf-8")
        lines = data.split("\n")
        return lines[0], [line for line in lines[1:] if line]

    def _by_key(self, run: str, locality: Locality, keys: list[str]) -> tuple[str, list[str]]:
        header, _ = self._lines(restrict(run, locality.variable, []))
        batches = [keys[i : i + self.batch] for i in range(0, len(keys), self.batch)]

        def one(batch: list[str]) -> list[str]:
            got, rows = self._lines(restrict(run, locality.variable, batch))
            if got != header:
                raise QueryError(f"the columns differ per key ({got!r}, {header!r})")
            return rows

        with ThreadPoolExecutor(self.workers) as pool:  # pyoxigraph queries release the GIL
            return header, [row for rows in pool.map(one, batches) for row in rows]


_ONCE = re.compile(r"\b(RAND|NOW|UUID|STRUUID|BNODE)\s*\(", re.IGNORECASE)
_GROUPED = re.compile(r"\b(GROUP_CONCAT|SAMPLE)\s*\(", re.IGNORECASE)


def _engine_ordered(bound: str) -> bool:
    """Whether a value of the answer depends on the order in which the engine meets the
    solutions (GROUP_CONCAT, SAMPLE): then the answer is made per key, also from scratch,
    so that it is the same bytes as when a build recomputes a few keys."""
    return _GROUPED.search(masked(bound)) is not None


def _keyed(bound: str, locality: Locality) -> bool:
    """Whether the question can be answered per key: it projects the key, its own ORDER BY
    names only variables it projects (the order is computed again over the rows), and it
    gives the same answer each time (no RAND, NOW, UUID, STRUUID, BNODE)."""
    parts = split_select(bound)
    if parts is None or _ONCE.search(masked(bound)):
        return False
    projection = masked(parts[1]).split("{", 1)[0]
    if "*" in projection:
        return False
    projected = set(re.findall(r"[?$](\w+)", projection))
    named = set(re.findall(r"[?$](\w+)", masked(order_clause(bound) or "")))
    return locality.variable in projected and named <= projected


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
