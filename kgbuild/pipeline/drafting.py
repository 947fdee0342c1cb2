"""Drafting records from new articles, with their events linked to the dataset's."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from kgbuild.cache import Cache
from kgbuild.errors import InputError
from kgbuild.graph.assemble import assemble, reading_fingerprint
from kgbuild.incremental.state import load_state
from kgbuild.locks import Reading, current_generation
from kgbuild.pipeline.building import _project, _shapes_digest, cache_folder
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project
from kgbuild.sources.files import DEFAULT_MAX_BYTES

if TYPE_CHECKING:  # loaded by the calls that need them, not by `import kgbuild`
    from kgbuild.drafting import BatchResult, EventIndex


def event_index(project: Project | str | Path, exclude: set[str] | None = None) -> EventIndex:
    """The events of the dataset as `kgbuild draft` links to them: the project's documents
    as the build reads them (unchanged ones from the last build or its cache), leaving out
    the documents ``exclude`` (those being drafted again)."""
    from kgbuild.drafting import EventIndex
    from kgbuild.sources.files import document_ids

    project = _project(project)
    dist = project.dist_dir
    if not document_ids(project):
        return EventIndex.from_nquads(b"", project.base, project.ontology_file)
    cache = Cache(cache_folder(dist))
    with Reading(dist) as held:  # the last build's chunks are read from its dataset.nq
        previous = held.folder if held.folder != dist else current_generation(dist)
        state = load_state(previous, reading_fingerprint(project), _shapes_digest(project))
        assembly = assemble(project, DEFAULT_MAX_BYTES, cache, 1, None, state)
    return EventIndex.from_nquads(
        assembly.nquads, project.base, project.ontology_file, exclude or set()
    )


def draft(
    project: Project | str | Path,
    files: list[Path],
    *,
    data: bytes | None = None,
    doc_id: str | None = None,
    published: str | None = None,
    language: str | None = None,
    force: bool = False,
    link: bool = True,
    progress: ProgressCallback | None = None,
) -> BatchResult:
    """Draft the articles ``files`` (a folder stands for its *.txt files, in name order;
    ``data`` for the one article read from standard input) into the project, each with its
    own id, their events linked to the events the dataset already holds and to each other's
    (``link=False``: none). ``doc_id`` names a single article. See kgbuild/drafting."""
    from kgbuild.drafting import DraftInput, draft_batch

    project = _project(project)
    paths: list[Path | None] = []
    if data is not None:
        paths.append(None)
    for path in files:
        if path.is_dir():
            paths.extend(sorted(path.glob("*.txt")))
        else:
            paths.append(path)
    if doc_id is not None and len(paths) != 1:
        raise InputError(
            Path("--id"),
            "an --id names one article",
            hint="draft one file with --id, or leave it out",
        )
    inputs = [
        DraftInput(
            source=p,
            data=data if p is None else None,
            doc_id=doc_id,
            published=published,
            language=language,
        )
        for p in paths
    ]
    exclude = {doc_id} if doc_id else set()
    report(progress, "reading the dataset", 0, 1, "datasets")
    index = event_index(project, exclude) if link else None
    report(progress, "reading the dataset", 1, 1, "datasets")
    return draft_batch(project, inputs, index=index, force=force, progress=progress)


def review(project: Project | str | Path, doc_id: str) -> Path:
    """Write the review page of a document, ``dist/review/<ID>.html``: its text drafted
    again, with its events linked to the dataset's others."""
    from kgbuild.drafting import review_file

    project = _project(project)
    return review_file(project, doc_id, event_index(project, {doc_id}))
