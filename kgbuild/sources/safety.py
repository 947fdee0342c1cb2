"""What kgbuild refuses to read: nothing is fetched, nothing outside the inputs is opened.

- RDF/XML: a DTD may declare internal entities that abbreviate text (as Protégé writes them),
  but not external ones (``SYSTEM``/``PUBLIC``: a file or a URL), parameter entities, entities
  that refer to other entities, or entities whose expansion would grow the file more than
  ``MAX_EXPANSION`` times (the "billion laughs" and quadratic blow-up). pyoxigraph's RDF/XML
  parser expands entities as asked, and an entity bomb exhausts memory, so this check runs
  before it.
- JSON-LD: a remote ``@context`` (a URL, or a ``file:`` IRI) is refused; pyoxigraph has no
  document loader, and kgbuild gives it none.
- ``owl:imports``: refused, never followed; the imported terms belong in ontology/ or the file.
- SPARQL: SERVICE, FROM / FROM NAMED of graphs the dataset does not have, and updates (LOAD
  and the rest) are refused in graph/query.py.
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph

from kgbuild.errors import InputError, Location
from kgbuild.namespaces import OWL

MAX_EXPANSION = 10  # entity expansion may make the text at most this many times longer
NEVER_FETCHES = "kgbuild never fetches or opens anything but the files it is given"

_ENTITY = re.compile(
    rb"<!ENTITY\s+(%\s+)?([^\s%]+)\s+(?:(SYSTEM|PUBLIC)\b|\"([^\"]*)\"|'([^']*)')", re.DOTALL
)


def check_xml_entities(data: bytes, path: Path) -> None:
    """Refuse the entity declarations of an RDF/XML file that could fetch or blow up."""
    text = _as_utf8(data)
    if b"<!ENTITY" not in text:
        return
    declared: dict[bytes, bytes] = {}
    for match in _ENTITY.finditer(text):
        parameter, name, external, double, single = match.groups()
        line = text.count(b"\n", 0, match.start()) + 1
        where = Location(path, line)
        shown = name.decode("utf-8", "replace")
        if external:
            raise InputError(
                where,
                f"external entity {shown!r} ({external.decode()}) is refused: {NEVER_FETCHES}",
                hint="remove the DOCTYPE's external entity and write the text in the file",
            )
        if parameter:
            raise InputError(
                where,
                f"parameter entity {shown!r} is refused",
                hint="remove the DOCTYPE's parameter entities",
            )
        value = double if double is not None else single
        if b"&" in value or b"%" in value:
            raise InputError(
                where,
                f"entity {shown!r} refers to other entities (nested entity expansion is how "
                "entity bombs work) and is refused",
                hint="declare each entity with plain text, or remove the DOCTYPE",
            )
        declared[name] = value
    if text.count(b"<!ENTITY") != len(declared):
        raise InputError(path, "an entity declaration could not be read and is refused")
    grows = sum(text.count(b"&" + name + b";") * len(value) for name, value in declared.items())
    if grows > MAX_EXPANSION * max(len(text), 1000):
        raise InputError(
            path,
            f"entity expansion would make the file {grows // max(len(text), 1)} times longer "
            f"(more than {MAX_EXPANSION}): refused",
            hint="write the text out, or remove the DOCTYPE",
        )


def _as_utf8(data: bytes) -> bytes:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", "replace").encode("utf-8")
    return data


def check_jsonld_contexts(document: object, where: Location | Path) -> None:
    """Refuse every @context in a JSON-LD document (top-level, in nodes, in term definitions)
    that is, or holds, a reference to another document."""
    if isinstance(document, dict):
        for key, value in document.items():
            if key == "@context":
                check_jsonld_context(value, where)
            check_jsonld_contexts(value, where)
    elif isinstance(document, list):
        for item in document:
            check_jsonld_contexts(item, where)


def check_jsonld_context(value: object, where: Location | Path) -> None:
    """Refuse an @context that is (or holds) a reference to another document."""
    items = value if isinstance(value, list) else [value]
    for item in items:
        if isinstance(item, str):
            raise InputError(
                where,
                f"the remote JSON-LD @context {item!r} is refused: {NEVER_FETCHES}",
                hint="copy the context's terms into the file's @context object",
            )
        if isinstance(item, dict) and "@import" in item:
            raise InputError(
                where,
                f"@import {item['@import']!r} in the @context is refused: {NEVER_FETCHES}",
                hint="copy the imported terms into the @context object",
            )


def remote_context_message(message: str) -> bool:
    """pyoxigraph's error for a context it would have to load."""
    return "remote context" in message.lower() or "loaddocumentcallback" in message.lower()


def syntax_error(path: Path, exc: SyntaxError) -> InputError:
    """pyoxigraph's syntax error as an InputError at the file's line, column in the message."""
    where = Location(path, exc.lineno) if exc.lineno else Location(path)
    message = re.sub(
        r"^Parser error (at line \d+ (between columns \d+ and \d+|column \d+)|between line "
        r"\d+ column \d+ and line \d+ column \d+): ",
        "",
        str(exc.msg),
    )
    if exc.offset:
        message = f"column {exc.offset}: {message}"
    return InputError(where, f"syntax error: {message}", hint="fix the syntax at that place")


def check_no_imports(quads: list[pyoxigraph.Quad], path: Path) -> None:
    """Refuse owl:imports: it is never followed, and silently ignoring it would mislead."""
    for q in quads:
        if q.predicate.value == OWL + "imports":
            raise InputError(
                path,
                f"owl:imports <{q.object.value}> is refused: {NEVER_FETCHES}",
                hint="put the imported terms into ontology/ (or into the file) and remove "
                "the owl:imports triple",
            )
