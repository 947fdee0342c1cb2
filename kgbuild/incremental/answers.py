"""The stored answers kept up to date per key (see kgbuild/graph/answers.py for the files).

A question answered per key (its key and what each key's rows read are derived from its SPARQL,
see algebra.py) is kept up to date per key: the next build finds the keys a change can reach,
answers the question for them alone (restrict.py), keeps the other rows, and puts all rows in
the question's order (graph.answers.ordered). From scratch such a question is run whole and its
rows put in that same order: the same bytes. Except where a value depends on the order in which
the engine meets the solutions (GROUP_CONCAT, SAMPLE): such a question is answered per key from
scratch too, batch by batch, so that a build that recomputes a few keys gives the same bytes as
one from scratch. A GROUP_CONCAT that lists the rows of a sub-query sorted by what it lists (as
the saved questions do) is in that order whole, per key, stored and live; an unsorted one may
list its parts in another order live than stored (SPARQL leaves that order open). Questions
that cannot be keyed (a variable predicate, no variable that every row binds as a subject) are
run whole, each build.
"""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pyoxigraph

from kgbuild.graph.answers import Answered, Question, lines, order_clause, ordered, whole
from kgbuild.graph.paging import split_select
from kgbuild.graph.query import QueryError, masked
from kgbuild.graph.store import STORE_DIR
from kgbuild.graph.stored import ANSWERS_DIR, link_answer, read_index, read_rows
from kgbuild.incremental.changes import changed_quads
from kgbuild.incremental.locality import Locality, affected_keys, all_keys, keys_with_step
from kgbuild.incremental.restrict import restrict
from kgbuild.project import Project

BATCH = 256  # keys per query
GLOBAL_GRAPHS = ("ontology", "vocabularies")  # a change there: every answer again


class KeptAnswers:
    """The keeper of graph.answers.materialise: answers per key what it can.

    ``previous``: the last build's generation folder (its ``store/`` and ``answers/``), or None.
    ``changed``: the IRIs of the subjects and objects of every triple added to or removed from
    any named graph since ``previous``; None means unknown: every answer is made again.
    """

    def __init__(
        self,
        project: Project,
        previous: Path | None = None,
        changed: set[str] | None = None,
        *,
        workers: int = 2,
        batch: int = BATCH,
    ) -> None:
        self.project, self.previous, self.changed = project, previous, changed
        self.workers, self.batch = max(workers, 1), max(batch, 1)
        self._changes: list[pyoxigraph.Quad] | bool | None = False  # False: not looked up yet

    def answer(
        self, question: Question, store: pyoxigraph.Store, target: Path
    ) -> tuple[str, list[str] | None, Answered]:
        locality, why = self._locality(question)
        entry = {
            "key": {
                "variable": question.key,
                "locality": locality.to_json() if locality is not None else None,
                "why": why,
            }
        }
        got = None
        if locality is not None and _keyed(question.bound, locality):
            graphs: list[object] = [pyoxigraph.DefaultGraph()]
            inferred = pyoxigraph.NamedNode(self.project.graph_iri("inferred"))
            if store.contains_named_graph(inferred):
                graphs.append(inferred)
            got = _Keyed(self, store, graphs, question, locality).answer(target)
        if got is None:
            got = whole(question, store, self.project.base)
        got[2].entry = entry
        return got

    def last_answers(self) -> dict[str, dict[str, object]]:
        """The last build's answers.json entries (none when every answer is made again)."""
        if self.previous is None or self.changed is None:
            return {}
        return read_index(self.previous / ANSWERS_DIR)

    def _locality(self, question: Question) -> tuple[Locality | None, str]:
        """The question's key and what it reads: derived from its SPARQL (algebra.py), or as
        the last build derived it from the same SPARQL and ``# key:`` (derivation takes about
        0.1 s a question)."""
        last = question.last.get("key") if question.last is not None else None
        if isinstance(last, dict) and last.get("variable") == question.key:
            if last.get("locality") is None and isinstance(last.get("why"), str):
                return None, str(last["why"])
            locality = Locality.from_json(last.get("locality"))
            if locality is not None:
                return locality, ""
        from kgbuild.incremental.algebra import derive  # rdflib's SPARQL parser: 0.14 s to load

        variable = question.key.split()[0].lstrip("?$") if question.key.strip() else None
        globals_ = [self.project.graph_iri(name) for name in GLOBAL_GRAPHS]
        return derive(question.run, globals_, variable)

    def changes(self, store: pyoxigraph.Store) -> list[pyoxigraph.Quad] | None:
        """The quads added or removed since ``previous`` (looked up once); None when every
        answer must be made again (no previous store, unknown changes, or the ontology or
        vocabularies changed)."""
        if self._changes is False:
            self._changes = _changes(store, self.project, self.previous, self.changed)
        return self._changes  # type: ignore[return-value]


class _Keyed:
    """One question answered per key."""

    def __init__(
        self,
        keeper: KeptAnswers,
        store: pyoxigraph.Store,
        graphs: list[object],
        question: Question,
        locality: Locality,
    ) -> None:
        self.keeper, self.store, self.graphs = keeper, store, graphs
        self.question, self.locality = question, locality

    def answer(self, target: Path) -> tuple[str, list[str] | None, Answered] | None:
        name, run, locality = self.question.name, self.question.run, self.locality
        previous = self.keeper.previous
        old_folder = previous / ANSWERS_DIR if previous is not None else None
        old, changes = None, None
        if old_folder is not None and self.question.last is not None:
            changes = self.keeper.changes(self.store)
            if changes is not None:
                old = read_rows(old_folder / f"{name}.tsv")  # None: unreadable, answer all keys
        keys = None
        if old is not None and f"?{locality.variable}" in old[0].split("\t"):
            # None: a change reaches every key (a pattern read everywhere): from scratch
            keys = affected_keys(self.store, locality, changes or [], self.graphs)
        if old is not None and keys is not None:
            header, rows = old
            column = header.split("\t").index(f"?{locality.variable}")
            if not keys:
                link_answer(old_folder, target, name)  # type: ignore[arg-type]
                return header, None, Answered(name, "kept")
            present = keys_with_step(self.store, locality, keys, self.graphs)
            kept = [row for row in rows if row.split("\t")[column] not in keys]
            header, fresh = self._by_key(sorted(present))
            rows = kept + fresh
            how, count = "by key", len(keys)
        elif _engine_ordered(self.question.bound):  # a GROUP_CONCAT or SAMPLE: per key only
            every = all_keys(self.store, locality, self.graphs)
            header, rows = self._by_key(every)
            how, count = "every key", len(every)
        else:  # the same rows as every key's, faster
            every = all_keys(self.store, locality, self.graphs)
            header, rows = lines(self.store, run)
            column, wanted = header.split("\t").index(f"?{locality.variable}"), set(every)
            rows = [row for row in rows if row.split("\t")[column] in wanted]
            how, count = "whole", len(every)
        column = header.split("\t").index(f"?{locality.variable}")
        cells = [row.split("\t") for row in rows]
        if any(not c[column].startswith("<") or any(x.startswith("_:") for x in c) for c in cells):
            return None  # a key that is no IRI, or a blank node: the question runs whole
        base = self.keeper.project.base
        return (
            header,
            ordered(header, rows, self.question.bound, base),
            Answered(name, how, keys=count),
        )

    def _by_key(self, keys: list[str]) -> tuple[str, list[str]]:
        run, variable, batch = self.question.run, self.locality.variable, self.keeper.batch
        header, _ = lines(self.store, restrict(run, variable, []))
        batches = [keys[i : i + batch] for i in range(0, len(keys), batch)]

        def one(chunk: list[str]) -> list[str]:
            got, rows = lines(self.store, restrict(run, variable, chunk))
            if got != header:
                raise QueryError(f"the columns differ per key ({got!r}, {header!r})")
            return rows

        with ThreadPoolExecutor(self.keeper.workers) as pool:  # queries release the GIL
            return header, [row for rows in pool.map(one, batches) for row in rows]


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
