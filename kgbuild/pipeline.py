"""The front door: build, query, validate, publish and push, each taking the project first.

This is the orchestrator. It runs the stages of the lower packages in order (sources →
graph → validation → release) and is the only module that knows that order; no lower module
imports it. ``import kgbuild`` gives these functions; each `kgbuild` command is a thin
call of one of them.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from kgbuild.atomic import CURRENT, link_outputs, new_generation, point
from kgbuild.cache import Cache
from kgbuild.errors import OutputError, ValidationFailed
from kgbuild.graph.answers import write_answers
from kgbuild.graph.assemble import Assembly, assemble, count
from kgbuild.graph.changes import changed_nodes
from kgbuild.graph.dumps import MERGED_FILES, REPORT_FILE, write_build_outputs
from kgbuild.graph.places import with_place_network
from kgbuild.graph.reasoning import infer
from kgbuild.graph.store import write_store
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project
from kgbuild.rdf import graph_nquads
from kgbuild.sources.files import DEFAULT_MAX_BYTES
from kgbuild.validation.engine import validate_quads
from kgbuild.validation.report import ValidationReport

if TYPE_CHECKING:  # loaded by the calls that need them, not by `import kgbuild`
    from kgbuild.graph.query import Outcome, Page
    from kgbuild.release.publish import Release
    from kgbuild.release.push import PushResult
    from kgbuild.validation.report import NewDataReport


@dataclass
class BuildResult:
    """What a build made: counts for the summary, the validation report, the files written."""

    assembly: Assembly
    report: ValidationReport
    counts: dict[str, int]
    seconds: float
    written: list[Path] = field(default_factory=list)
    work: dict[str, int] = field(default_factory=dict)  # what the cache did not have
    chunks: dict[str, bytes] = field(default_factory=dict, repr=False)  # graph_nquads


def _project(project: Project | str | Path) -> Project:
    return project if isinstance(project, Project) else Project.at(project)


def cache_folder(out: Path) -> Path:
    """The build cache of an output folder: ``.<name>-cache`` beside it, so that the output
    folder only ever holds outputs and a failed build leaves it exactly as it was."""
    return out.parent / f".{out.name}-cache"


def _validated(
    project: Project,
    cache: Cache,
    max_bytes: int,
    workers: int,
    started: float,
    engine: str,
    progress: ProgressCallback | None = None,
) -> BuildResult:
    """Assemble and validate (taking from ``cache`` what it has); raise ValidationFailed, with
    the result, when the data violates the shapes."""
    assembly = assemble(project, max_bytes, cache, workers, progress)
    # the place links of every source, each once, in a graph of their own (graph/places.py)
    assembly.quads = with_place_network(assembly.quads, project)
    documents = len(assembly.documents)
    report(progress, "validating", 0, documents)
    chunks = graph_nquads(assembly.quads)  # the dumps, the store and validation share them
    checked = validate_quads(
        assembly.quads,
        project,
        assembly.locations,
        engine=engine,
        data_nquads=b"".join(chunks.values()),
    )
    report(progress, "validating", documents, documents)
    result = BuildResult(assembly, checked, count(assembly, project), 0.0)
    result.chunks = chunks
    if not checked.conforms:
        result.seconds = time.perf_counter() - started
        result.work = dict(cache.work)
        raise ValidationFailed(
            f"the data violates the shapes: {checked.violations} violation(s)\n"
            + checked.text(limit=50),
            hint="fix the records named above; nothing was written",
            result=result,
        )
    return result


def build(
    project: Project | str | Path,
    *,
    out_dir: Path | None = None,
    write: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    use_cache: bool = True,
    engine: str = "fast",
    progress: ProgressCallback | None = None,
    merged: bool = False,
) -> BuildResult:
    """Build the dataset, validate it, and (if it conforms) write the dumps to ``out_dir``.

    Work whose inputs did not change since the last build into ``out_dir`` is taken from its
    cache (see cache_folder): a document's graph, each node's validation, each graph's
    entailments. Raises InputError for unreadable or malformed input, ValidationFailed when
    the data violates the shapes; in both cases nothing is written and earlier outputs stay
    as they were. ``engine``: "fast" or "pyshacl" (see validate_quads); ``progress`` hears
    each stage's progress (kgbuild.progress); ``merged`` also writes the merged dumps
    (graph.ttl, graph.nt, graph.jsonld), which otherwise only `publish` writes.
    """
    started = time.perf_counter()
    project = _project(project)
    out = out_dir or project.dist_dir
    cache = Cache(cache_folder(out) if write and use_cache else None)
    result = _validated(project, cache, max_bytes, workers, started, engine, progress)
    if write:
        documents = len(result.assembly.documents)
        report(progress, "writing outputs", 0, documents)
        result.written = _write_outputs(result, project, out, cache, merged)
        report(progress, "writing outputs", documents, documents)
    result.seconds = time.perf_counter() - started
    result.work = dict(cache.work)
    return result


def _write_outputs(
    result: BuildResult, project: Project, out: Path, cache: Cache, merged: bool = False
) -> list[Path]:
    """Everything goes into a new generation folder; one atomic rename then switches every
    output at once (see atomic.py): a failed or killed build changes nothing."""
    quads = result.assembly.quads
    try:
        generation = new_generation(out)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create the output folder: {exc.strerror}",
            hint="choose a writable folder with --out",
        ) from None
    committed = False
    try:
        previous = out / CURRENT if (out / CURRENT).is_dir() else None
        chunks = result.chunks or graph_nquads(quads)
        files = {REPORT_FILE: result.report.to_json().encode("utf-8")}
        written = write_build_outputs(
            quads, project.base, generation, files, chunks, previous, merged
        )
        store, replaced = write_store(
            quads, infer(quads, project, cache, chunks), generation, chunks, previous
        )
        written.append(store)
        written += write_answers(
            store, project, generation, previous, changed_nodes(previous, generation)
        )
        if replaced:  # None: loaded from scratch; 0: the previous store as it was
            cache.did("store graphs replaced", replaced)
        point(out / CURRENT, generation)  # the commit
        committed = True
        link_outputs(out, generation, [path.name for path in written])
        for name in MERGED_FILES:  # links to merged dumps this build did not write
            if not merged and (out / name).is_symlink():
                (out / name).unlink()
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write the outputs: {exc}",
            hint="check free space and permissions"
            + ("" if committed else "; nothing was replaced"),
        ) from None
    finally:
        if not committed:
            shutil.rmtree(generation, ignore_errors=True)
    return [out / path.name for path in written]


def publish(
    project: Project | str | Path,
    out_dir: Path | None = None,
    *,
    dist: Path | None = None,
    url: str | None = None,
    sparql_endpoint: str | None = None,
    include_texts: bool = False,
    include_drafts: bool = False,
    issued: str | None = None,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    engine: str = "fast",
    progress: ProgressCallback | None = None,
) -> Release:
    """Write a linked-data release (default ``dist/release/``) of the validated dataset.

    The dataset is the one `kgbuild build` made into ``dist``: its documents' graphs and their
    validation come from that build's cache, so nothing is assembled or validated again cold
    unless the inputs changed since. Documents still marked as drafts are left out unless
    ``include_drafts``. Raises ValidationFailed (nothing published) when the
    data violates the shapes.
    """
    from kgbuild.release.info import read_release_info
    from kgbuild.release.publish import DEFAULT_URL, write_release

    started = time.perf_counter()
    project = _project(project)
    info = read_release_info(project)
    cache = Cache(cache_folder(dist or project.dist_dir))
    try:
        result = _validated(project, cache, max_bytes, workers, started, engine, progress)
    except ValidationFailed as exc:
        raise ValidationFailed(
            exc.message.replace("violation(s)", "violation(s); nothing published", 1),
            hint="run kgbuild build to see every problem",
            result=exc.result,
        ) from None
    return write_release(
        project,
        result.assembly.quads,
        out_dir or project.dist_dir / "release",
        info,
        url=url or DEFAULT_URL,
        sparql_endpoint=sparql_endpoint,
        include_texts=include_texts,
        include_drafts=include_drafts,
        issued=issued,
        progress=progress,
    )


def _question(
    project: Project | str | Path, text: str, params: dict[str, str] | None
) -> tuple[Project, str, dict[str, str]]:
    """The project, the query text (a saved question's name resolved) and its bindings: the
    saved question's defaults, then ``params``."""
    from kgbuild.graph.query import resolve

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
    store = open_store(dist or project.dist_dir)
    return run_query(store, text, base=project.base, reason=reason, params=bindings)


def query_page(
    project: Project | str | Path,
    text: str,
    *,
    dist: Path | None = None,
    reason: bool = False,
    params: dict[str, str] | None = None,
    limit: int | None = 100,
    offset: int = 0,
    read: bool = True,
) -> Page | Outcome:
    """One page of a SELECT answer (rows ``offset``+1 … ``offset``+``limit``) with the total
    number of rows (see graph/query.py run_page); ASK, CONSTRUCT and DESCRIBE give their
    Outcome whole. ``read=False`` for a page to serialize in a standard format."""
    from kgbuild.graph.query import run_page
    from kgbuild.graph.store import open_store
    from kgbuild.graph.stored import answer_page

    project, text, bindings = _question(project, text, params)
    if not reason:  # the build's answer to exactly this question, if it wrote one
        kept = answer_page(
            dist or project.dist_dir,
            text,
            base=project.base,
            params=bindings,
            limit=limit,
            offset=offset,
        )
        if kept is not None:
            return kept
    store = open_store(dist or project.dist_dir)
    return run_page(
        store,
        text,
        base=project.base,
        reason=reason,
        params=bindings,
        limit=limit,
        offset=offset,
        read=read,
    )


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
    timeout: float = 60.0,
    retries: int = 4,
    progress: Callable[[str, int], None] | None = None,
) -> PushResult:
    """Load the built dataset (or ``dump``, an N-Quads or TriG file such as the release's
    kgbuild.nq) into a triple store, one Graph Store PUT per named graph, and read every graph
    back; raises PushError when the store holds other counts. Credentials come from the
    environment (see release/push.py)."""
    from kgbuild.release.push import push as push_dump

    project = _project(project)
    dump = dump or (dist or project.dist_dir) / "dataset.nq"
    return push_dump(dump, endpoint, timeout=timeout, retries=retries, progress=progress)
