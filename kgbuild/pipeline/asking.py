"""Asking the dataset and checking new data: query, its pages, validate, push."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kgbuild.graph.paging import DEFAULT_PAGE
from kgbuild.locks import Reading
from kgbuild.pipeline.building import _project
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project
from kgbuild.sources.files import DEFAULT_MAX_BYTES

if TYPE_CHECKING:  # loaded by the calls that need them, not by `import kgbuild`
    from kgbuild.graph.paging import Page
    from kgbuild.graph.query import Outcome
    from kgbuild.release.push import PushResult
    from kgbuild.validation.report import NewDataReport


def _question(
    project: Project | str | Path, text: str, params: dict[str, str] | None
) -> tuple[Project, str, dict[str, str]]:
    """The project, the query text (a saved question's name resolved) and its bindings: the
    saved question's defaults, then ``params``."""
    from kgbuild.graph.saved import resolve

    project = _project(project)
    text, saved = resolve(text, None, project.queries_dir)
    return project, text, {**(saved.params if saved else {}), **(params or {})}


def query(
    project: Project | str | Path,
    text: str,
    *,
    dist: Path | None = None,
    reason: bool = False,
    params: dict[str, str] | None = None,
) -> Outcome:
    """Answer a SPARQL query (or the name of a saved question) over the built dataset.

    ``params`` bind variables (``{"resource": "event:2023-10-27-horgos-shooting"}``), on top
    of a saved question's defaults.
    """
    from kgbuild.graph.query import run_query
    from kgbuild.graph.store import open_store

    project, text, bindings = _question(project, text, params)
    held = Reading(dist or project.dist_dir)  # kept by the answer, which streams from it
    outcome = run_query(
        open_store(held.folder), text, base=project.base, reason=reason, params=bindings
    )
    outcome.held = held
    return outcome


def query_page(
    project: Project | str | Path,
    text: str,
    *,
    dist: Path | None = None,
    reason: bool = False,
    params: dict[str, str] | None = None,
    limit: int | None = DEFAULT_PAGE,
    offset: int = 0,
    read: bool = True,
) -> Page | Outcome:
    """One page of a SELECT answer (rows ``offset``+1 … ``offset``+``limit``) with the total
    number of rows (see graph/paging.py run_page); ASK, CONSTRUCT and DESCRIBE give their
    Outcome whole. ``read=False`` for a page to serialize in a standard format."""
    from kgbuild.graph.paging import Page, run_page
    from kgbuild.graph.store import open_store
    from kgbuild.graph.stored import answer_page

    project, text, bindings = _question(project, text, params)
    held = Reading(dist or project.dist_dir)  # kept by the answer, which streams from it
    if not reason:  # the build's answer to exactly this question, if it wrote one
        kept = answer_page(
            held.folder,
            text,
            base=project.base,
            params=bindings,
            limit=limit,
            offset=offset,
        )
        if kept is not None:
            return kept
    answer = run_page(
        open_store(held.folder),
        text,
        base=project.base,
        reason=reason,
        params=bindings,
        limit=limit,
        offset=offset,
        read=read,
    )
    (answer.outcome if isinstance(answer, Page) else answer).held = held
    return answer


def ask(
    project: Project | str | Path,
    text: str | None,
    *,
    dist: Path | None = None,
    reason: bool = False,
    params: dict[str, str] | None = None,
    limit: int | None = None,
    offset: int | None = None,
    page: int | None = None,
    every: bool = False,
    read: bool = True,
) -> tuple[Outcome, str | None]:
    """What `kgbuild query` answers: the outcome, and the note on the page when the answer is
    a page of a longer one ("rows 1-100 of 11,803; ..."). A saved question is answered by the
    page (its first DEFAULT_PAGE rows unless ``limit``, ``offset``, ``page`` or ``every`` say
    otherwise; graph/paging.py page_window), other SPARQL whole unless a page is asked for."""
    from kgbuild.graph.paging import Page, by_the_page, page_window

    if not by_the_page(text, limit, offset, page, every):
        return query(project, text, dist=dist, reason=reason, params=params), None
    size, start = page_window(limit, offset, page, every)
    answer = query_page(
        project, text, dist=dist, reason=reason, params=params, limit=size, offset=start, read=read
    )
    return (answer.outcome, answer.note()) if isinstance(answer, Page) else (answer, None)


def query_text(
    project: Project | str | Path,
    text: str,
    *,
    params: dict[str, str] | None = None,
) -> str:
    """The exact SPARQL that ``query`` runs for ``text`` (SPARQL, a .rq file or the name of a
    saved question): the project prefixes it uses declared, parameters bound (a saved
    question's defaults, then ``params``). Any SPARQL 1.1 store can run it; needs no build."""
    from kgbuild.graph.query import standalone_text

    project, text, bindings = _question(project, text, params)
    return standalone_text(text, project.base, bindings)


def validate(
    project: Project | str | Path,
    files: list[Path],
    *,
    dist: Path | None = None,
    alone: bool = False,
    fmt: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    engine: str = "fast",
    progress: ProgressCallback | None = None,
) -> NewDataReport:
    """Check new files (RDF, or curated YAML) against the shapes with the built dataset, and
    report only the problems they add (see validation/newdata.py)."""
    from kgbuild.validation.newdata import check_files

    project = _project(project)
    report(progress, "validating", 0, len(files), "files")
    checked = check_files(
        project,
        [Path(f) for f in files],
        dist=dist,
        alone=alone,
        fmt=fmt,
        max_bytes=max_bytes,
        engine=engine,
    )
    report(progress, "validating", len(files), len(files), "files")
    return checked


def push(
    project: Project | str | Path,
    endpoint: str,
    *,
    dist: Path | None = None,
    dump: Path | None = None,
    timeout: float = 600.0,
    retries: int = 4,
    progress: Callable[[str, int], None] | None = None,
    notify: Callable[[str], None] | None = None,
) -> PushResult:
    """Load the built dataset (or ``dump``, an N-Quads or TriG file such as the release's
    kgbuild.nq) into a triple store, one Graph Store PUT per named graph, and read every graph
    back, all within ``timeout`` seconds (``notify`` hears a line for each retry); raises
    PushError when the store holds other counts. Credentials come from the environment (see
    release/push.py)."""
    from kgbuild.release.push import push as push_dump

    project = _project(project)
    dump = dump or (dist or project.dist_dir) / "dataset.nq"
    return push_dump(
        dump, endpoint, timeout=timeout, retries=retries, progress=progress, notify=notify
    )
