"""Building and publishing: the stages of a build in the order of the data (sources → graph →
validation, kgbuild/incremental/ when only some of it changed), and the release."""

from __future__ import annotations

import contextlib
import gc
import shutil
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph

from kgbuild.atomic import CURRENT, link_outputs, new_generation, point
from kgbuild.cache import Cache, digest
from kgbuild.errors import OutputError, ValidationFailed
from kgbuild.graph.answers import materialise
from kgbuild.graph.assemble import (
    Assembly,
    assemble,
    count,
    ontology_chunk,
    reading_fingerprint,
)
from kgbuild.graph.dumps import MERGED_FILES, REPORT_FILE, write_build_outputs
from kgbuild.graph.reasoning import Schema, graph_entailments, load_inferred, project_schema
from kgbuild.graph.store import STORE_DIR, load_fresh, merged_ntriples, merged_size, write_digests
from kgbuild.graph.stored import ANSWERS_DIR
from kgbuild.incremental.answers import KeptAnswers
from kgbuild.incremental.state import BuildState, load_state, save_state
from kgbuild.incremental.update import chunk_digests, last_report, update
from kgbuild.locks import current_generation, writing
from kgbuild.progress import ProgressCallback, note, report
from kgbuild.project import Project
from kgbuild.sources.files import DEFAULT_MAX_BYTES
from kgbuild.validation.engine import Engine, validate_dataset, validate_quads
from kgbuild.validation.report import ValidationReport

if TYPE_CHECKING:  # loaded by the calls that need them, not by `import kgbuild`
    from kgbuild.release.publish import Release


@dataclass
class BuildResult:
    """What a build made: counts for the summary, the validation report, the files written."""

    assembly: Assembly
    report: ValidationReport
    counts: dict[str, int]
    seconds: float
    written: list[Path] = field(default_factory=list)
    work: dict[str, int] = field(default_factory=dict)  # what was redone (not kept or cached)
    digests: dict[str, str] = field(default_factory=dict, repr=False)  # graph -> chunk SHA-256
    # the IRIs of the triples added to or removed from a named graph since ``previous`` (the
    # last build's generation); None: a build from scratch
    changed_nodes: set[str] | None = field(default=None, repr=False)
    previous: Path | None = field(default=None, repr=False)


def _project(project: Project | str | Path) -> Project:
    return project if isinstance(project, Project) else Project.at(project)


def cache_folder(out: Path) -> Path:
    """The build cache of an output folder: ``.<name>-cache`` beside it, so that the output
    folder only ever holds outputs and a failed build leaves it exactly as it was."""
    return out.parent / f".{out.name}-cache"


def _shapes_digest(project: Project) -> str:
    files = sorted(project.shapes_dir.glob("*.ttl"))
    return digest(*(part for f in files for part in (f.name, f.read_bytes())))


def _doc_graphs(project: Project, assembly: Assembly) -> dict[str, str]:
    return {doc_id: project.graph_iri(doc_id) for doc_id in assembly.documents}


def _failed(result: BuildResult, started: float, cache: Cache) -> ValidationFailed:
    result.seconds = time.perf_counter() - started
    result.work = dict(cache.work)
    return ValidationFailed(
        f"the data violates the shapes: {result.report.violations} violation(s)\n"
        + result.report.text(limit=50),
        hint="fix the records named above; nothing was written",
        result=result,
    )


def _in_memory(
    project: Project, assembly: Assembly, engine: Engine
) -> tuple[ValidationReport, int]:
    """Validate the whole dataset without a store on disk; the number of distinct triples."""
    nquads = assembly.nquads
    report = validate_quads([], project, assembly.locations, engine=engine, data_nquads=nquads)
    return report, len(set(merged_ntriples(nquads).splitlines()))


def build(
    project: Project | str | Path,
    *,
    out_dir: Path | None = None,
    write: bool = True,
    max_bytes: int = DEFAULT_MAX_BYTES,
    workers: int = 2,
    use_cache: bool = True,
    engine: str | Engine = Engine.FAST,
    progress: ProgressCallback | None = None,
    merged: bool = False,
    wait: bool = True,
) -> BuildResult:
    """Build the dataset, validate it, and (if it conforms) write the outputs to ``out_dir``.

    A build into a folder that holds an earlier build redoes only what changed since (see
    kgbuild/incremental/): unchanged documents are not read again, the store is updated graph by
    graph, and the inferred graph and the validation report are redone around the changed
    triples only; the outputs are byte for byte those of a clean build. Without that state,
    documents whose inputs are unchanged still come from the cache (see cache_folder);
    ``use_cache=False`` uses neither. Raises InputError for unreadable or malformed input,
    ValidationFailed when the data violates the shapes; in both cases nothing is written and
    earlier outputs stay as they were. ``engine``: "fast" or "pyshacl" (see validate_quads;
    the reference engine always validates everything); ``progress`` hears each stage's
    progress (kgbuild.progress); ``merged`` also writes the merged dumps (graph.ttl, graph.nt,
    graph.jsonld), which otherwise only `publish` writes.

    One build or publish at a time writes an output folder (kgbuild/locks.py): if another
    holds it, ``progress`` hears a Note and the build waits, or with ``wait=False`` raises
    Busy (an OutputError) at once.
    """
    project = _project(project)
    out = out_dir or project.dist_dir
    with contextlib.ExitStack() as held, _no_gc():
        if write:
            held.enter_context(writing(out, wait=wait, waiting=_waiting(progress)))
        return _build(
            project, out_dir, write, max_bytes, workers, use_cache, engine, progress, merged
        )


def _waiting(progress: ProgressCallback | None) -> Callable[[str], None]:
    """A line for the user (waiting for a lock, a damaged state or cache entry discarded)."""
    return lambda text: note(progress, text)


@contextlib.contextmanager
def _no_gc() -> Iterator[None]:
    """Pause the cycle collector: a build makes millions of short-lived objects and no cycles
    worth collecting, and at 10,000 documents the collector's passes cost seconds (measured);
    reference counting still frees everything."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _build(
    project: Project | str | Path,
    out_dir: Path | None,
    write: bool,
    max_bytes: int,
    workers: int,
    use_cache: bool,
    engine: str | Engine,
    progress: ProgressCallback | None,
    merged: bool,
) -> BuildResult:
    started = time.perf_counter()
    project = _project(project)
    engine = Engine.of(engine, project)
    out = out_dir or project.dist_dir
    told = _waiting(progress)  # damaged state or cache entries: one line each
    cache = Cache(cache_folder(out) if write and use_cache else None, told)
    schema = project_schema(project, ontology_chunk(project), cache)
    previous = current_generation(out) if write else None
    state = (
        load_state(previous, reading_fingerprint(project), _shapes_digest(project), told)
        if use_cache
        else None
    )
    assembly = assemble(project, max_bytes, cache, workers, progress, state, schema)
    documents = len(assembly.documents)
    if not write:
        report(progress, "validating", 0, documents)
        checked, triples = _in_memory(project, assembly, engine)
        report(progress, "validating", documents, documents)
        result = BuildResult(assembly, checked, count(assembly, triples), 0.0)
        if not checked.conforms:
            raise _failed(result, started, cache)
        result.seconds = time.perf_counter() - started
        result.work = dict(cache.work)
        return result
    try:
        generation = new_generation(out)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot create the output folder: {exc.strerror}",
            hint="choose a writable folder with --out",
        ) from None
    committed = False
    try:
        result = _build_into(project, assembly, generation, state, schema, cache, engine, progress)
        if not result.report.conforms:
            raise _failed(result, started, cache)
        report(progress, "writing outputs", 0, documents)
        result.written = _write_outputs(result, project, out, generation, previous, merged)
        committed = True
        report(progress, "writing outputs", documents, documents)
    except OSError as exc:
        raise OutputError(
            f"{out}: cannot write the outputs: {exc}",
            hint="check free space and permissions"
            + ("" if committed else "; nothing was replaced"),
        ) from None
    finally:
        if not committed:
            shutil.rmtree(generation, ignore_errors=True)
    result.seconds = time.perf_counter() - started
    result.work = dict(cache.work)
    return result


def _build_into(
    project: Project,
    assembly: Assembly,
    generation: Path,
    state: BuildState | None,
    schema: Schema,
    cache: Cache,
    engine: Engine,
    progress: ProgressCallback | None,
) -> BuildResult:
    """Make the store of ``generation`` and validate: by updating the last build's when it
    can (kgbuild.incremental), else from scratch."""
    documents = len(assembly.documents)
    digests, changed = chunk_digests(assembly, state)
    target = generation / STORE_DIR
    report(progress, "validating", 0, documents)
    updated = update(state, changed, assembly, target, project, schema, engine, cache)
    if updated is not None:
        store, checked, triples, nodes = (
            updated.store,
            updated.report,
            updated.triples,
            updated.nodes,
        )
    else:

        def make_store() -> pyoxigraph.Store:
            merged_nt = merged_ntriples(assembly.nquads)
            store = load_fresh(target, assembly.nquads, merged_nt)
            entailed = graph_entailments(assembly.chunks, schema, project, cache, assembly.entailed)
            load_inferred(store, entailed, schema, project.graph_iri("inferred"), merged_nt)
            return store

        checked, store = validate_dataset(
            engine, project, assembly.nquads, assembly.locations, make_store
        )
        triples, nodes = merged_size(store), None  # nodes None: answers made from scratch
    store.flush()
    del store
    report(progress, "validating", documents, documents)
    result = BuildResult(assembly, checked, count(assembly, triples), 0.0, digests=digests)
    result.changed_nodes = nodes
    result.previous = state.folder if state is not None else None
    return result


def _write_outputs(
    result: BuildResult,
    project: Project,
    out: Path,
    generation: Path,
    previous: Path | None,
    merged: bool = False,
) -> list[Path]:
    """Write the dumps, the report and the state into ``generation`` (which holds the store
    already), then commit it: one atomic rename switches every output at once (see
    atomic.py), so a failed or killed build changes nothing. Raises OSError."""
    assembly = result.assembly
    files = {REPORT_FILE: result.report.to_json().encode("utf-8")}
    written = write_build_outputs(
        assembly.chunks,
        project.base,
        generation,
        files,
        previous,
        assembly.quads if merged else None,
        assembly.nquads,
        result.digests,
    )
    write_digests(generation, result.digests)
    save_state(
        generation,
        assembly,
        _doc_graphs(project, assembly),
        _shapes_digest(project),
        result.report.problems,
        result.counts["triples"],
        result.digests,
    )
    written.append(generation / STORE_DIR)
    keeper = KeptAnswers(project, result.previous, result.changed_nodes)
    materialise(generation / STORE_DIR, project, generation, keeper)
    written.append(generation / ANSWERS_DIR)
    point(out / CURRENT, generation)  # the commit
    link_outputs(out, generation, [path.name for path in written])
    for name in MERGED_FILES:  # links to merged dumps this build did not write
        if not merged and (out / name).is_symlink():
            (out / name).unlink()
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
    wait: bool = True,
) -> Release:
    """Write a linked-data release (default ``dist/release/``) of the validated dataset.

    The dataset is the one `kgbuild build` made into ``dist``: its documents' graphs and their
    validation come from that build, so nothing is read or validated again unless the inputs
    changed since. Documents still marked as drafts are left out unless
    ``include_drafts``. Raises ValidationFailed (nothing published) when the
    data violates the shapes. The build folder is held as a build holds it (``wait``: see
    build), so no build changes it while it is published.
    """
    project = _project(project)
    with writing(dist or project.dist_dir, wait=wait, waiting=_waiting(progress)):
        return _publish(
            project,
            out_dir,
            dist,
            url,
            sparql_endpoint,
            include_texts,
            include_drafts,
            issued,
            max_bytes,
            workers,
            engine,
            progress,
        )


def _publish(
    project: Project,
    out_dir: Path | None,
    dist: Path | None,
    url: str | None,
    sparql_endpoint: str | None,
    include_texts: bool,
    include_drafts: bool,
    issued: str | None,
    max_bytes: int,
    workers: int,
    engine: str,
    progress: ProgressCallback | None,
) -> Release:
    from kgbuild.release.info import read_release_info
    from kgbuild.release.publish import DEFAULT_URL, write_release

    engine = Engine.of(engine, project)
    info = read_release_info(project)
    built = dist or project.dist_dir
    told = _waiting(progress)
    cache = Cache(cache_folder(built), told)
    state = load_state(
        current_generation(built), reading_fingerprint(project), _shapes_digest(project), told
    )
    assembly = assemble(project, max_bytes, cache, workers, progress, state)
    documents = len(assembly.documents)
    report(progress, "validating", 0, documents)
    checked = last_report(assembly, state, engine, project)
    if checked is None:  # the inputs changed since the build (or there is none): validate
        checked, _ = _in_memory(project, assembly, engine)
    report(progress, "validating", documents, documents)
    if not checked.conforms:
        raise ValidationFailed(
            f"the data violates the shapes: {checked.violations} violation(s); nothing "
            "published\n" + checked.text(limit=50),
            hint="run kgbuild build to see every problem",
            result=BuildResult(assembly, checked, {}, 0.0),
        )
    return write_release(
        project,
        assembly.quads,
        out_dir or project.dist_dir / "release",
        info,
        url=url or DEFAULT_URL,
        sparql_endpoint=sparql_endpoint,
        include_texts=include_texts,
        include_drafts=include_drafts,
        issued=issued,
        progress=progress,
    )
