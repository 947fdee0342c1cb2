"""The review page: the article with every drafted item highlighted by kind (entity linked,
entity new, figure, date, event trigger), and beside it the proposed records, each linked to its
highlight. One self-contained HTML file: no scripts, fonts or styles from elsewhere."""

from __future__ import annotations

from html import escape

from .model import Draft, Event

KINDS = {
    "entity-linked": ("#cfe8ff", "entity linked to the dataset"),
    "entity-new": ("#ffd6a5", "new entity"),
    "figure": ("#caffbf", "figure"),
    "date": ("#fdffb6", "date"),
    "trigger": ("#ffc6ff", "event trigger"),
}
PRIORITY = {"figure": 0, "date": 1, "trigger": 2, "entity-linked": 3, "entity-new": 3}


def _spans(draft: Draft) -> list[tuple[int, int, str, str, str]]:
    """(start, end, kind, anchor, record) of every highlight, overlaps removed (figures and
    dates win over triggers, triggers over names)."""
    items: list[tuple[int, int, str, str, str]] = []
    for e in draft.entities:
        kind = "entity-new" if e.new else "entity-linked"
        for n, (s, t) in enumerate(e.mentions):
            items.append((s, t, kind, f"{e.id}#{n}", e.id))
    for ev in draft.events:
        for n, tr in enumerate(ev.triggers):
            items.append((tr.start, tr.end, "trigger", f"{ev.id}#t{n}", ev.id))
        for n, f in enumerate(ev.figures):
            items.append((f.start, f.end, "figure", f"{ev.id}#f{n}", ev.id))
        for n, d in enumerate(ev.dates):
            items.append((d.start, d.end, "date", f"{ev.id}#d{n}", ev.id))
    items.sort(key=lambda i: (PRIORITY[i[2]], i[0], -(i[1] - i[0]), i[3]))
    chosen: list[tuple[int, int, str, str, str]] = []
    for item in items:
        if all(item[1] <= c[0] or c[1] <= item[0] for c in chosen):
            chosen.append(item)
    return sorted(chosen)


def _anchor(key: str) -> str:
    return "m-" + "".join(c if c.isalnum() else "-" for c in key)


def review_html(draft: Draft) -> str:
    text = draft.text
    spans = _spans(draft)
    parts, at = [], 0
    first_anchor: dict[str, str] = {}
    for s, e, kind, key, record in spans:
        parts.append(escape(text[at:s]))
        anchor = _anchor(key)
        first_anchor.setdefault(record, anchor)
        parts.append(
            f'<mark id="{anchor}" class="{kind}" title="{escape(KINDS[kind][1])}: {escape(record)}">'  # noqa: E501
            f'<a href="#r-{_anchor(record)}">{escape(text[s:e])}</a></mark>'
        )
        at = e
    parts.append(escape(text[at:]))
    records = []
    for ev in draft.events:
        details = []
        if ev.modality:
            details.append(f"modality: {escape(ev.modality)}")
        for d in ev.dates:
            details.append(
                f"{escape(d.role)}: {escape(str(d.value if isinstance(d.value, str) else d.value.get('in', d.value.get('dayOfWeek', ''))))}"  # noqa: E501
            )
        for f in ev.figures:
            number = "" if f.number is None else f" {f.number:g}"
            item = f" {f.item}" if f.item else ""
            details.append(f"{escape(f.measure)}{escape(item)}: {escape(f.qualifier)}{number}")
        for who in ([ev.speaker] if ev.speaker else []) + ev.participants + ev.places:
            details.append(escape(who))
        details += _link_details(ev)
        records.append(
            _record(
                ev.id,
                "trigger",
                f"{escape(ev.cls)} — {escape(ev.label)}",
                details,
                first_anchor.get(ev.id),
            )
        )
    for e in draft.entities:
        kind = "entity-new" if e.new else "entity-linked"
        status = f"new {escape(e.type)}" if e.new else f"linked ({escape(e.type)})"
        checks = [f"<strong>check:</strong> {escape(c)}" for c in e.check]
        records.append(
            _record(e.id, kind, f"{escape(e.label)} — {status}", checks, first_anchor.get(e.id))
        )
    legend = "".join(
        f'<span class="{k}">{escape(label)}</span> ' for k, (_, label) in KINDS.items()
    )
    style = "".join(
        f"mark.{k},span.{k}{{background:{c}}}li.{k}{{border-left:6px solid {c}}}"
        for k, (c, _) in KINDS.items()
    )
    messages = "".join(f"<p class=note>{escape(m)}</p>" for m in draft.messages)
    return f"""<!DOCTYPE html>
<html lang="{escape(draft.language)}">
<head>
<meta charset="utf-8">
<title>Review draft {escape(draft.doc_id)}</title>
<style>
body{{font-family:sans-serif;margin:0;display:flex;gap:1em}}
main{{flex:3;padding:1em;white-space:pre-wrap;line-height:1.6;font-family:serif}}
aside{{flex:2;padding:1em;border-left:1px solid #ccc;max-height:100vh;overflow:auto}}
mark a{{color:inherit;text-decoration:none}} li{{margin:.4em 0;padding-left:.4em;list-style:none}}
li:target{{outline:2px solid #333}} mark:target{{outline:2px solid #333}}
.note{{color:#a00}} .link{{color:#060}} .candidate{{color:#666}} {style}
</style>
</head>
<body>
<main id="text">{"".join(parts)}</main>
<aside>
<h1>Draft {escape(draft.doc_id)}</h1>
<p>Language: {escape(draft.language)}{" (detected)" if draft.language_detected else ""}.
Published: {escape(draft.published or "not stated")}.</p>
{messages}
<p>{legend}</p>
<ol id="records">
{"".join(records)}
</ol>
</aside>
</body>
</html>
"""


def _link_details(ev: Event) -> list[str]:
    """What the review page says of an event's same-event link, or of its candidates."""
    out = []
    if ev.link is not None:
        link = ev.link
        out.append(
            f'<span class="link">same event as <b>{escape(link.target)}</b> (score '
            f"{link.score:.2f}: {escape('; '.join(link.reasons))}); to undo, set its id to "
            f"{escape(ev.own_id)}</span>"
        )
        if link.sources:
            out.append("already reported by " + escape(", ".join(link.sources)))
        mine = {(f.measure, f.item) for f in ev.figures}
        compared = [q for q in link.figures if (q.measure, q.item) in mine]
        for q in compared:
            item = f" {q.item}" if q.item else ""
            out.append(
                f"compared with {escape(q.doc)}: {escape(q.measure)}{escape(item)} "
                f"“{escape(q.stated)}”"
            )
    for c in ev.candidates:
        out.append(
            f'<span class="candidate">may be {escape(c.target)} (score {c.score:.2f}, below '
            f"the threshold: {escape('; '.join(c.reasons))})</span>"
        )
    return out


def _record(key: str, kind: str, title: str, details: list[str], anchor: str | None) -> str:
    link = f' <a href="#{anchor}">in the text</a>' if anchor else ""
    extra = "".join(f"<br><small>{d}</small>" for d in details)
    return f'<li id="r-{_anchor(key)}" class="{kind}" data-record="{escape(key)}"><b>{title}</b>{link}{extra}</li>\n'  # noqa: E501
