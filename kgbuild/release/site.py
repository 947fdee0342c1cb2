"""The release's static website: an index, a page per resource, a page per class.

Resource IRIs are slash IRIs (`<base>event/2023-10-27-horgos-shooting`); each has three files
in the release: `id/event/2023-10-27-horgos-shooting.html`, `.ttl` and `.jsonld`. Every link
between pages is relative and names the file with its extension, so the site works opened from
disk (file://) and on any static host; a redirect service (w3id.org) maps each IRI to its page
by the Accept header (see docs/publishing.md).
"""

from __future__ import annotations

import posixpath
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph
from jinja2 import Environment, PackageLoader, select_autoescape

from kgbuild.atomic import write_file
from kgbuild.namespaces import KG, OA, RDF, RDFS, SCHEMA, SKOS, VOCAB, prefixes, shorten
from kgbuild.project import Project
from kgbuild.release.info import ReleaseInfo
from kgbuild.release.void import media_type

_SELECTORS = ("/quote", "/position")


@dataclass(frozen=True)
class Paths:
    """Where a resource's page is, relative to the release folder."""

    base: str

    def page(self, iri: str) -> str | None:
        """The page file for an IRI, or None for IRIs that have no page of their own."""
        if iri.startswith(self.base):
            local = iri[len(self.base) :]
            if "/mention/" in local and local.endswith(_SELECTORS):
                local = local.rsplit("/", 1)[0]
            return f"id/{local}.html"
        if iri.startswith(VOCAB):
            return f"vocab/{iri[len(VOCAB) :]}.html"
        return None

    def href(self, iri: str, here: str) -> str:
        """A link from page ``here`` to ``iri``: relative for our pages, absolute otherwise."""
        if iri.startswith(KG):
            target = f"docs/ontology.html#{iri[len(KG) :]}"
        else:
            target = self.page(iri)
            if target is None:
                return iri
        return posixpath.relpath(target, posixpath.dirname(here) or ".")


def write_site(
    folder: Path,
    project: Project,
    quads: list[pyoxigraph.Quad],
    *,
    url: str,
    meta: dict[str, object],
    counts: dict[str, int],
    dumps: dict[str, int],
    info: ReleaseInfo,
) -> int:
    """Write index.html, the class pages and a page (+ .ttl, .jsonld) per resource."""
    env = Environment(
        loader=PackageLoader("kgbuild.release", "templates"),
        autoescape=select_autoescape(["html"]),
        keep_trailing_newline=True,
    )
    paths = Paths(project.base)
    known = prefixes(project.base)
    by_subject: dict[str, list[pyoxigraph.Quad]] = defaultdict(list)
    by_object: dict[str, set[tuple[str, str]]] = defaultdict(set)
    for q in quads:
        by_subject[q.subject.value].append(q)
        if isinstance(q.object, pyoxigraph.NamedNode):
            by_object[q.object.value].add((q.subject.value, q.predicate.value))
    labels = _labels(quads)

    def label(iri: str) -> str:
        return labels.get(iri) or curie(iri)

    def curie(iri: str) -> str:
        return shorten(iri, project.base, brackets=False)

    pages = 0
    for subject in sorted(by_subject):
        page = paths.page(subject)
        if page is None or (subject.endswith(_SELECTORS) and "/mention/" in subject):
            continue
        html = _resource_page(env, subject, page, by_subject, by_object, paths, label, curie)
        write_file(folder / page, html.encode("utf-8"))
        own = _description(subject, by_subject)
        stem = page.removesuffix(".html")
        write_file(
            folder / f"{stem}.ttl",
            pyoxigraph.serialize(own, format=pyoxigraph.RdfFormat.TURTLE, prefixes=known),
        )
        write_file(
            folder / f"{stem}.jsonld",
            pyoxigraph.serialize(own, format=pyoxigraph.RdfFormat.JSON_LD),
        )
        pages += 1

    classes = []
    for cls, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if not cls.startswith(KG):
            continue
        page = f"class/{cls[len(KG) :]}.html"
        members = sorted(
            (
                {"href": paths.href(s, page), "label": label(s)}
                for s in by_subject
                if any(
                    q.predicate.value == RDF + "type" and q.object.value == cls
                    for q in by_subject[s]
                )
            ),
            key=lambda m: m["label"].lower(),
        )
        write_file(
            folder / page,
            env.get_template("class.html")
            .render(
                title=label(cls),
                label=label(cls),
                iri=cls,
                members=members,
                root="../",
                docs=paths.href(cls, page),
            )
            .encode("utf-8"),
        )
        classes.append({"href": page, "label": label(cls), "curie": curie(cls), "count": n})

    sources = []
    for s in sorted(by_subject):
        if not any(
            q.predicate.value == RDF + "type" and q.object.value == KG + "SourceDocument"
            for q in by_subject[s]
        ):
            continue
        values = {q.predicate.value: q.object.value for q in by_subject[s]}
        sources.append(
            {
                "href": paths.href(s, "index.html"),
                "label": label(s),
                "language": values.get(SCHEMA + "inLanguage", ""),
                "published": values.get(SCHEMA + "datePublished")
                or (
                    f"not before {values[KG + 'publishedNotBefore']}"
                    if KG + "publishedNotBefore" in values
                    else "unknown"
                ),
                "sha256": values.get(KG + "sha256", ""),
            }
        )
    downloads = [
        {"name": n, "media": media_type(n), "size": size}
        for n, size in sorted(dumps.items())
        if media_type(n)
    ]
    graphs = len({q.graph_name.value for q in quads})
    triples = len({(q.subject, q.predicate, q.object) for q in quads})
    write_file(
        folder / "index.html",
        env.get_template("index.html")
        .render(
            title=info.title,
            description=info.description,
            meta=meta,
            license=info.license,
            url=url,
            root="",
            downloads=downloads,
            classes=classes,
            sources=sources,
            graphs=graphs,
            triples=triples,
        )
        .encode("utf-8"),
    )
    return pages


def _labels(quads: list[pyoxigraph.Quad]) -> dict[str, str]:
    """The best label of every resource: rdfs:label, then skos:prefLabel, then a document's
    headline; English first."""
    order = {RDFS + "label": 0, SKOS + "prefLabel": 1, SCHEMA + "headline": 2}
    ranked: dict[str, tuple[int, str]] = {}
    for q in quads:
        if q.predicate.value not in order:
            continue
        lang = getattr(q.object, "language", None)
        rank = order[q.predicate.value] * 2 + (0 if lang == "en" else 1)
        current = ranked.get(q.subject.value)
        if current is None or (rank, q.object.value) < current:
            ranked[q.subject.value] = (rank, q.object.value)
    return {k: v[1] for k, v in ranked.items()}


def _resource_page(
    env: Environment,
    subject: str,
    page: str,
    by_subject: dict[str, list[pyoxigraph.Quad]],
    by_object: dict[str, set[tuple[str, str]]],
    paths: Paths,
    label,
    curie,
) -> str:
    from kgbuild.namespaces import PROV

    graphs: dict[str, list[pyoxigraph.Quad]] = defaultdict(list)
    for q in by_subject[subject]:
        graphs[q.graph_name.value].append(q)
    sections = []
    for graph, rows in sorted(graphs.items(), key=lambda kv: kv[0]):
        source = next(
            (
                q.object.value
                for q in by_subject.get(graph, [])
                if q.predicate.value == PROV + "wasDerivedFrom"
            ),
            None,
        )
        section = {
            "anchor": graph.rsplit("/", 1)[-1],
            "source": source,
            "source_href": paths.href(source, page) if source else None,
            "title": label(source) if source else f"{label(graph)} ({curie(graph)})",
            "rows": [],
            "evidence": [],
        }
        for q in sorted(rows, key=lambda q: (str(q.predicate), str(q.object))):
            value = q.object
            row = {
                "property": curie(q.predicate.value),
                "property_href": paths.href(q.predicate.value, page),
                "href": None,
            }
            if isinstance(value, pyoxigraph.NamedNode):
                row["value"] = label(value.value)
                row["href"] = paths.href(value.value, page)
            else:
                text = value.value
                row["value"] = text if len(text) < 600 else text[:599] + "…"
            section["rows"].append(row)
            if q.predicate.value == KG + "evidence":
                section["evidence"].append(_evidence(value.value, by_subject, paths, page))
        if "/mention/" in subject:  # a mention's page shows its own quote
            section["evidence"].append(_evidence(subject, by_subject, paths, page))
        sections.append(section)
    incoming = sorted(
        (
            {"href": paths.href(s, page), "label": label(s), "property": curie(p)}
            for s, p in by_object.get(subject, ())
            if paths.page(s) and s != subject
        ),
        key=lambda r: (r["label"].lower(), r["property"], r["href"]),  # href: labels tie
    )[:500]
    types = [
        {"href": paths.href(q.object.value, page), "label": label(q.object.value)}
        for q in sorted(by_subject[subject], key=lambda q: str(q.object))
        if q.predicate.value == RDF + "type"
    ]
    types = list({t["href"]: t for t in types}.values())
    stem = posixpath.basename(page).removesuffix(".html")
    root = posixpath.relpath(".", posixpath.dirname(page)) + "/"
    return env.get_template("resource.html").render(
        title=label(subject),
        label=label(subject),
        iri=subject,
        types=types,
        graphs=sections,
        incoming=incoming,
        ttl=f"{stem}.ttl",
        jsonld=f"{stem}.jsonld",
        root=root,
        alternates=[
            {"type": "text/turtle", "href": f"{stem}.ttl"},
            {"type": "application/ld+json", "href": f"{stem}.jsonld"},
        ],
    )


def _evidence(
    mention: str,
    by_subject: dict[str, list[pyoxigraph.Quad]],
    paths: Paths,
    page: str,
) -> dict[str, object]:
    """A mention's quote inside its sentence (from kg:sentence, so no full text is needed)."""
    values: dict[str, str] = {}
    for q in by_subject.get(mention, []):
        values.setdefault(q.predicate.value, q.object.value)
    for selector in (mention + "/quote", mention + "/position"):
        for q in by_subject.get(selector, []):
            values.setdefault(q.predicate.value, q.object.value)
    quote = values.get(OA + "exact", "")
    sentence = values.get(KG + "sentence", quote)
    before, _, after = sentence.partition(quote) if quote in sentence else ("", "", "")
    return {
        "quote": quote,
        "before": before,
        "after": after,
        "start": values.get(OA + "start", "?"),
        "end": values.get(OA + "end", "?"),
        "href": paths.href(mention, page),
    }


def _description(
    subject: str, by_subject: dict[str, list[pyoxigraph.Quad]]
) -> list[pyoxigraph.Triple]:
    """The resource's own triples (and its selectors, for a mention), each once, sorted."""
    quads = list(by_subject[subject])
    if "/mention/" in subject:
        for selector in (subject + "/quote", subject + "/position"):
            quads += by_subject.get(selector, [])
    triples = {
        str(t): t for t in (pyoxigraph.Triple(q.subject, q.predicate, q.object) for q in quads)
    }
    return [triples[k] for k in sorted(triples)]
