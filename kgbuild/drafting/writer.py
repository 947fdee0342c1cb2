"""A Draft as a curated file (docs/curation.md), marked ``curationStatus: draft``. The output is
plain text built in a fixed order, so the same draft gives the same bytes."""

from __future__ import annotations

import json
import re
from typing import Any

from .model import Draft, Entity, Event
from .text import quote_at, visible

_PLAIN = re.compile(r"^[A-Za-z][A-Za-z0-9_/.:-]*$")
_RESERVED = {"true", "false", "yes", "no", "on", "off", "null", "y", "n"}


def scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    text = str(value)
    if _PLAIN.fullmatch(text) and text.lower() not in _RESERVED:
        return text
    return json.dumps(text, ensure_ascii=False)


def _flow(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return scalar(value)


def _block(record: dict[str, Any], indent: int) -> list[str]:
    pad = " " * indent
    lines = []
    for key, value in record.items():
        if (
            isinstance(value, list)
            and value
            and all(isinstance(v, dict) for v in value)
            and key == "quantities"
        ):
            lines.append(f"{pad}{key}:")
            for item in value:
                sub = _block(item, indent + 4)
                lines.append(f"{pad}  - " + sub[0].lstrip())
                lines.extend(sub[1:])
        elif isinstance(value, list) and len(_flow(value)) > 80:
            lines.append(f"{pad}{key}:")
            lines.extend(f"{pad}  - {_flow(v)}" for v in value)
        else:
            lines.append(f"{pad}{key}: {_flow(value)}")
    return lines


def _one(values: list[Any]) -> Any:
    return values[0] if len(values) == 1 else values


def _text(draft: Draft, value: str) -> Any:
    return value if draft.language == "en" else {draft.language: value}


def records(draft: Draft) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    text = draft.text
    document: dict[str, Any] = {
        "type": ["SourceDocument", "schema:NewsArticle"],
        "curationStatus": "draft",
    }
    if draft.headline:
        headline = (
            draft.headline
            if len(draft.headline) <= 160
            else draft.headline[:157].rsplit(" ", 1)[0] + " …"
        )
        document["headline"] = {draft.language: visible(headline)}
    document["inLanguage"] = draft.language
    if draft.published:
        document["datePublished"] = draft.published
    if draft.primary_source:
        document["primarySource"] = draft.primary_source
    if draft.source_place:
        document["locationCreated"] = draft.source_place
    if draft.dateline_date:
        document["datelineDate"] = draft.dateline_date
    if draft.published_span:
        document["evidence"] = quote_at(text, *draft.published_span)
    facts: list[dict[str, Any]] = []
    for event in draft.events:
        facts.append(_event(draft, event))
    for entity in draft.entities:
        facts.append(_entity(draft, entity))
    return document, facts


def _event(draft: Draft, event: Event) -> dict[str, Any]:
    text = draft.text
    record: dict[str, Any] = {"id": event.id}
    if event.link is not None:
        # the build ignores sameAs and candidates: setting id back to `unlinked` undoes the link
        record["sameAs"] = {
            "score": event.link.score,
            "because": event.link.reasons,
            "unlinked": event.own_id,
        }
    record["type"] = event.cls
    record["label"] = visible(event.label)
    if event.modality:
        record["modality"] = event.modality
    for hit in event.dates:
        record[hit.role] = hit.value
    if event.speaker:
        record["speaker"] = event.speaker
    if event.outlet:
        record["outlet"] = event.outlet
    if event.participants:
        record["participant"] = _one(event.participants)
    if event.places:
        record["place"] = _one(event.places)
    quantities = []
    used: dict[str, int] = {}
    for figure in event.figures:
        q: dict[str, Any] = {}
        base = figure.measure + (f"-{figure.item}" if figure.item else "")
        used[base] = used.get(base, 0) + 1
        if used[base] > 1:
            own = event.own_id.rsplit("/", 1)[-1]  # the same whether linked or not
            q["id"] = f"quantity/{draft.doc_id}/{own}/{base}-{used[base]}"
        q["measure"] = figure.measure
        if figure.item:
            q["itemKind"] = figure.item
        if figure.bound:
            number = figure.number
            q[figure.bound] = (
                int(number) if number is not None and float(number).is_integer() else number
            )
        if figure.unit:
            q["unit"] = figure.unit
        q["qualifier"] = figure.qualifier
        q["statedAs"] = visible(text[figure.start : figure.end])
        q["evidence"] = quote_at(text, figure.start, figure.end)
        quantities.append(q)
    if quantities:
        record["quantities"] = quantities
    record["evidence"] = _one([quote_at(text, s, e) for s, e in event.sentences])
    if event.candidates:
        record["candidates"] = [
            {"id": c.target, "score": c.score, "because": c.reasons} for c in event.candidates
        ]
    return record


def _entity(draft: Draft, entity: Entity) -> dict[str, Any]:
    text = draft.text
    record: dict[str, Any] = {"id": entity.id}
    if entity.new:
        record["type"] = entity.type
        record["label"] = _text(draft, entity.label)
    forms: dict[str, tuple[int, int]] = {}
    for s, e in entity.mentions:
        forms.setdefault(text[s:e], (s, e))
    labels = sorted(
        {visible(f) for f in forms if f not in entity.spoofed}, key=list(map(visible, forms)).index
    )
    if labels:
        record["altLabel"] = _one(labels)
    record["evidence"] = _one([quote_at(text, s, e) for s, e in forms.values()])
    if entity.check:  # the build ignores it; the review page shows it
        record["check"] = _one(entity.check)
    return record


def curated_yaml(draft: Draft) -> str:
    """The draft as a curated file."""
    document, facts = records(draft)
    lines = [
        f"# Drafted by `kgbuild draft` from {draft.doc_id}.txt ({draft.language}). Every record is a",  # noqa: E501
        "# proposal: check it against the text (dist/review/"
        + draft.doc_id
        + ".html shows where each",
        "# comes from), correct or delete it, then set curationStatus: reviewed. An event with",
        "# sameAs: is one the dataset already holds (its id is that event's); to undo the link,",
        "# set its id: to the sameAs unlinked: value. candidates: are events it may be, below",
        "# the threshold of ontology/linking.yaml. The build reads neither sameAs nor candidates.",
        "document:",
        *_block(document, 2),
        "",
    ]
    if not facts:
        lines.append("facts: []")
    else:
        lines.append("facts:")
        for fact in facts:
            block = _block(fact, 4)
            lines.append("  - " + block[0].lstrip())
            lines.extend(block[1:])
            if fact["id"].startswith("event/"):
                lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"
