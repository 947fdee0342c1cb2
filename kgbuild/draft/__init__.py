"""Drafting curated records from a new article (``kgbuild draft``).

``draft_text`` turns a text into a :class:`Draft` (entities, figures, dates, events, each with
its evidence); ``draft_file`` also writes ``data/documents/<ID>.txt``, ``<ID>.yaml`` (the curated
format, ``curationStatus: draft``) and the review page ``dist/review/<ID>.html``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .compat import Project
from .drafting import Drafter, detect_language
from .files import MAX_BYTES, check_id, check_published, new_id, read_input, write_all
from .model import Draft
from .review import review_html
from .text import slug
from .writer import curated_yaml

__all__ = ["Draft", "DraftResult", "draft_file", "draft_text", "review_file"]


def draft_text(
    project: Project,
    text: str,
    *,
    doc_id: str,
    language: str | None = None,
    published: str | None = None,
    drafter: Drafter | None = None,
) -> Draft:
    """Draft the records of ``text`` (language detected when None)."""
    detected = language is None
    if language is None:
        language = detect_language(project, text)
    drafter = drafter or Drafter(project, language, exclude=doc_id)
    draft = drafter.draft(doc_id, text, published, detected)
    if language is None:
        draft.messages.insert(
            0,
            "the language could not be told (not en, sv, sr or de?); drafted with the rules that need no words",  # noqa: E501
        )
    for n, event in enumerate(draft.events, start=1):
        event.id = f"event/{doc_id}/{n:02d}-{slug(event.cls)}"
        words = (
            " ".join(draft.text[event.triggers[0].start : event.triggers[0].end].split())
            if event.triggers
            else ""
        )
        what = drafter.lexicon.class_labels.get(event.cls, event.cls)
        event.label = f"{what} (draft: “{words}”)" if words else f"{what} (draft)"
    return draft


@dataclass
class DraftResult:
    """What ``kgbuild draft`` did: the files written and what the draft holds."""

    draft: Draft
    text_path: Path
    yaml_path: Path
    review_path: Path
    seconds: float
    counts: dict[str, int] = field(default_factory=dict)


def draft_file(
    project: Project,
    source: Path | None,
    *,
    data: bytes | None = None,
    doc_id: str | None = None,
    published: str | None = None,
    language: str | None = None,
    force: bool = False,
    max_bytes: int = MAX_BYTES,
) -> DraftResult:
    """Draft the article in ``source`` (or the bytes ``data`` read from standard input) into the
    project: its text, its curated file and its review page. Nothing is written on error."""
    began = time.perf_counter()
    text, raw, _ = read_input(source, data, max_bytes)
    published = check_published(published)
    doc_id = doc_id or new_id(project, raw)
    check_id(project, doc_id, force)
    draft = draft_text(project, text, doc_id=doc_id, language=language, published=published)
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
    }
    return DraftResult(
        draft, text_path, yaml_path, review_path, time.perf_counter() - began, counts
    )


def review_file(project: Project, doc_id: str) -> Path:
    """Write ``dist/review/<ID>.html`` for a document of the project, drafting its text again
    (the page shows what the drafter finds; the curated file is not read)."""
    text_path = project.documents_dir / f"{doc_id}.txt"
    if not text_path.exists():
        from .compat import InputError

        raise InputError(
            text_path, f"no document {doc_id}", hint="give the id of a file in data/documents/"
        )
    text, _, _ = read_input(text_path, None)
    draft = draft_text(project, text, doc_id=doc_id)
    path = project.dist_dir / "review" / f"{doc_id}.html"
    write_all({path: review_html(draft).encode("utf-8")})
    return path
