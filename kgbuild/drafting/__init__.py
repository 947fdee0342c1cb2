"""Drafting curated records from new articles (``kgbuild draft``).

``draft_text`` turns a text into a :class:`Draft` (entities, figures, dates, events, each with
its evidence) and, given the dataset's events (linking.EventIndex), links each drafted event to
the event the dataset already holds that it reports; ``draft_batch`` drafts several articles in
one process, each with its own id, the later ones linked to the earlier ones too, and writes for
each ``data/documents/<ID>.txt``, ``<ID>.yaml`` (the curated format, ``curationStatus: draft``)
and the review page ``dist/review/<ID>.html``: all three, or nothing for that article.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from kgbuild.errors import InputError, KGBuildError
from kgbuild.progress import ProgressCallback, report
from kgbuild.project import Project

from .drafter import Drafter, detect_language
from .files import (
    MAX_BYTES,
    check_id,
    check_published,
    new_id,
    read_input,
    write_all,
)
from .gazetteer import Records, read_records
from .linking import EventIndex, Rules, batch_profiles, link_draft
from .model import Draft
from .review import review_html
from .text import slug
from .writer import curated_yaml

__all__ = [
    "BatchResult",
    "Draft",
    "DraftInput",
    "DraftResult",
    "EventIndex",
    "Rules",
    "draft_batch",
    "draft_text",
    "review_file",
]


def draft_text(
    project: Project,
    text: str,
    *,
    doc_id: str,
    language: str | None = None,
    published: str | None = None,
    drafter: Drafter | None = None,
    index: EventIndex | None = None,
    rules: Rules | None = None,
) -> Draft:
    """Draft the records of ``text`` (language detected when None); with ``index``, link its
    events to those of the dataset by ``rules`` (default: the project's linking.yaml)."""
    detected = language is None
    if language is None:
        language = detect_language(project, text)
    drafter = drafter or Drafter(project, language, exclude={doc_id})
    draft = drafter.draft(doc_id, text, published, detected)
    if language is None:
        draft.messages.insert(
            0,
            "the language could not be told (not en, sv, sr or de?); drafted with the rules that need no words",  # noqa: E501
        )
    for n, event in enumerate(draft.events, start=1):
        event.id = f"event/{doc_id}/{n:02d}-{slug(event.cls)}"
        event.own_id = event.id
        words = (
            " ".join(draft.text[event.triggers[0].start : event.triggers[0].end].split())
            if event.triggers
            else ""
        )
        what = drafter.lexicon.class_labels.get(event.cls, event.cls)
        event.label = f"{what} (draft: “{words}”)" if words else f"{what} (draft)"
    if index is not None:
        link_draft(draft, index, rules or Rules.load(project.ontology_dir / "linking.yaml"))
    return draft


@dataclass
class DraftResult:
    """What ``kgbuild draft`` did for one article: the files written and what the draft
    holds."""

    draft: Draft
    text_path: Path
    yaml_path: Path
    review_path: Path
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class DraftInput:
    """One article to draft: a file, or the bytes read from standard input (``source``
    None), with what the command line says of it."""

    source: Path | None
    data: bytes | None = None
    doc_id: str | None = None
    published: str | None = None
    language: str | None = None


@dataclass
class BatchResult:
    """Every article of a batch: those drafted, and those refused with their error."""

    drafted: list[DraftResult] = field(default_factory=list)
    failed: list[tuple[Path, KGBuildError]] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def counts(self) -> dict[str, int]:
        keys = ("linked", "new", "figures", "dates", "events", "same-event links", "candidates")
        return {k: sum(r.counts.get(k, 0) for r in self.drafted) for k in keys}


def draft_batch(
    project: Project,
    inputs: list[DraftInput],
    *,
    index: EventIndex | None = None,
    force: bool = False,
    max_bytes: int = MAX_BYTES,
    progress: ProgressCallback | None = None,
) -> BatchResult:
    """Draft each article of ``inputs`` in turn into the project. Each gets its own id (the
    next number of the NNN_<hash> scheme unless given); with ``index`` (the dataset's events),
    each drafted event is linked to the event it reports, among the dataset's and those the
    earlier articles of the batch added. An article that cannot be read or written is
    reported in ``failed`` and the others are still drafted; nothing of it is written."""
    began = time.perf_counter()
    result = BatchResult()
    rules = Rules.load(project.ontology_dir / "linking.yaml") if index is not None else None
    drafters: dict[str | None, Drafter] = {}
    records: dict[None, Records] = {}  # the names' records, read once for the batch
    taken: set[str] = set()
    exclude = {i.doc_id for i in inputs if i.doc_id}
    for n, item in enumerate(inputs):
        report(progress, "drafting", n, len(inputs), "articles")
        where = item.source if item.source is not None else Path("<stdin>")
        try:
            one = _draft_one(
                project, item, index, rules, drafters, records, taken, exclude, force, max_bytes
            )
        except KGBuildError as exc:
            result.failed.append((where, exc))
            continue
        result.drafted.append(one)
        taken.add(one.draft.doc_id)
        if index is not None:
            for profile in batch_profiles(one.draft):
                index.add(profile)
    report(progress, "drafting", len(inputs), len(inputs), "articles")
    result.seconds = time.perf_counter() - began
    return result


def _draft_one(
    project: Project,
    item: DraftInput,
    index: EventIndex | None,
    rules: Rules | None,
    drafters: dict[str | None, Drafter],
    records: dict[None, Records],
    taken: set[str],
    exclude: set[str],
    force: bool,
    max_bytes: int,
) -> DraftResult:
    began = time.perf_counter()
    text, raw, _ = read_input(item.source, item.data, max_bytes)
    published = check_published(item.published)
    doc_id = item.doc_id or new_id(project, raw, taken)
    if doc_id in taken:
        raise InputError(
            Path("--id"),
            f"document {doc_id} is drafted twice in this batch",
            hint="give each article its own id",
        )
    check_id(project, doc_id, force)
    language = item.language
    detected = language is None
    if detected:
        language = detect_language(project, text)
    if language not in drafters:
        if None not in records:
            records[None] = read_records(project, exclude | {doc_id})
        drafters[language] = Drafter(
            project, language, exclude=exclude | {doc_id}, records=records[None]
        )
    draft = draft_text(
        project,
        text,
        doc_id=doc_id,
        language=language,
        published=published,
        drafter=drafters[language],
        index=index,
        rules=rules,
    )
    draft.language_detected = detected
    text_path = project.documents_dir / f"{doc_id}.txt"
    yaml_path = project.documents_dir / f"{doc_id}.yaml"
    review_path = project.dist_dir / "review" / f"{doc_id}.html"
    write_all(
        {
            text_path: raw,
            yaml_path: curated_yaml(draft).encode("utf-8"),
            review_path: review_html(draft).encode("utf-8"),
        }
    )
    counts = {
        "linked": len(draft.linked),
        "new": len(draft.new),
        "figures": len(draft.figures),
        "dates": len(draft.dates),
        "events": len(draft.events),
        "same-event links": sum(1 for e in draft.events if e.link is not None),
        "candidates": sum(1 for e in draft.events if e.link is None and e.candidates),
    }
    return DraftResult(
        draft, text_path, yaml_path, review_path, time.perf_counter() - began, counts
    )


def review_file(project: Project, doc_id: str, index: EventIndex | None = None) -> Path:
    """Write ``dist/review/<ID>.html`` for a document of the project, drafting its text again
    (the page shows what the drafter finds, linked to ``index``'s events; the curated file is
    not read)."""
    text_path = project.documents_dir / f"{doc_id}.txt"
    if not text_path.exists():
        raise InputError(
            text_path, f"no document {doc_id}", hint="give the id of a file in data/documents/"
        )
    text, _, _ = read_input(text_path, None)
    draft = draft_text(project, text, doc_id=doc_id, index=index)
    path = project.dist_dir / "review" / f"{doc_id}.html"
    write_all({path: review_html(draft).encode("utf-8")})
    return path
