"""Ill-typed literals: a value whose lexical form is not in its XSD datatype's lexical space,
such as ``"31st of Octobre"^^xsd:date``.

Neither SHACL engine reports one where no shape constrains the property (a shape's
sh:datatype compares datatype IRIs only), and RDF parsers keep such a literal as it is. This
check runs for new data (`kgbuild validate`, whichever engine) on every literal of a datatype
it knows, on any property. The lexical spaces are Oxigraph's (the oxsdatatypes crate):
a literal is well typed when SPARQL's cast of its string to the datatype succeeds, which is
strict (no "1_000" integer, no "1e5" decimal, no 30 February); the integer types derived by
restriction (xsd:int, xsd:nonNegativeInteger ...) are xsd:integer within their bounds, and
xsd:dateTimeStamp is an xsd:dateTime with a time zone. xsd:string, xsd:anyURI and the other
string types accept any text and are not checked.

Where the shapes say which datatype(s) a property takes, the message says them, and names the
one the value would be valid in ("did you mean "2023-10"^^xsd:gYearMonth?").
"""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph

from kgbuild.errors import Location
from kgbuild.validation.report import Problem

XSD = "http://www.w3.org/2001/XMLSchema#"
SH = "http://www.w3.org/ns/shacl#"

CAST = [  # the datatypes SPARQL casts to (XPath constructor functions) in Oxigraph
    "boolean",
    "decimal",
    "integer",
    "float",
    "double",
    "date",
    "dateTime",
    "time",
    "gYear",
    "gYearMonth",
    "gMonth",
    "gDay",
    "gMonthDay",
    "duration",
    "dayTimeDuration",
    "yearMonthDuration",
]
BOUNDS = {  # xsd:integer restricted: (lowest, highest), None for unbounded
    "long": (-(2**63), 2**63 - 1),
    "int": (-(2**31), 2**31 - 1),
    "short": (-(2**15), 2**15 - 1),
    "byte": (-128, 127),
    "nonNegativeInteger": (0, None),
    "positiveInteger": (1, None),
    "nonPositiveInteger": (None, 0),
    "negativeInteger": (None, -1),
    "unsignedLong": (0, 2**64 - 1),
    "unsignedInt": (0, 2**32 - 1),
    "unsignedShort": (0, 2**16 - 1),
    "unsignedByte": (0, 255),
}
FORMS = {  # how a value of each datatype is written, for the fix
    "boolean": "true or false",
    "decimal": "digits with at most one point, e.g. 12.5 (no exponent)",
    "integer": "digits, e.g. 12",
    "float": "a number, e.g. 1.5 or 1.5E3",
    "double": "a number, e.g. 1.5 or 1.5E3",
    "date": "YYYY-MM-DD, e.g. 2023-10-27",
    "dateTime": "YYYY-MM-DDThh:mm:ss, e.g. 2023-10-27T14:30:00",
    "dateTimeStamp": "YYYY-MM-DDThh:mm:ss with a time zone, e.g. 2023-10-27T14:30:00Z",
    "time": "hh:mm:ss, e.g. 14:30:00",
    "gYear": "YYYY, e.g. 2023",
    "gYearMonth": "YYYY-MM, e.g. 2023-10",
    "gMonth": "--MM, e.g. --10",
    "gDay": "---DD, e.g. ---27",
    "gMonthDay": "--MM-DD, e.g. --10-27",
    "duration": "PnYnMnDTnHnMnS, e.g. P2D or PT3H",
    "dayTimeDuration": "PnDTnHnMnS, e.g. P2D",
    "yearMonthDuration": "PnYnM, e.g. P1Y2M",
}
CHECKED = {XSD + name for name in [*CAST, *BOUNDS, "dateTimeStamp"]}


def _short(datatype: str) -> str:
    return "xsd:" + datatype[len(XSD) :] if datatype.startswith(XSD) else f"<{datatype}>"


def _sparql_string(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + escaped.replace("\r", "\\r") + '"'


def valid_forms(pairs: set[tuple[str, str]]) -> set[tuple[str, str]]:
    """The (lexical form, datatype IRI) pairs that are well typed (datatypes in CHECKED)."""
    store = pyoxigraph.Store()
    valid: set[tuple[str, str]] = set()
    by_type: dict[str, list[str]] = {}
    for text, datatype in pairs:
        by_type.setdefault(datatype, []).append(text)
    for datatype, texts in sorted(by_type.items()):
        name = datatype[len(XSD) :]
        cast = "integer" if name in BOUNDS else "dateTime" if name == "dateTimeStamp" else name
        values = " ".join(_sparql_string(t) for t in sorted(set(texts)))
        query = (
            f"SELECT ?text ?value WHERE {{ VALUES ?text {{ {values} }} "
            f"BIND(<{XSD}{cast}>(?text) AS ?value) FILTER(BOUND(?value)) }}"
        )
        for row in store.query(query):
            text, value = row["text"].value, row["value"]
            if name in BOUNDS:
                low, high = BOUNDS[name]
                number = int(value.value)
                if (low is not None and number < low) or (high is not None and number > high):
                    continue
            if name == "dateTimeStamp" and not _has_zone(value.value):
                continue
            valid.add((text, datatype))
    return valid


def _has_zone(text: str) -> bool:
    return text.endswith("Z") or (len(text) > 6 and text[-6] in "+-" and text[-3] == ":")


def expected_datatypes(shapes: Iterable[pyoxigraph.Quad]) -> dict[str, set[str]]:
    """Property IRI -> the datatypes its property shapes allow (sh:datatype, also inside
    sh:or / sh:xone lists)."""
    store = pyoxigraph.Store()
    store.extend(pyoxigraph.Quad(q.subject, q.predicate, q.object) for q in shapes)
    query = f"""
        SELECT ?path ?datatype WHERE {{
          ?shape <{SH}path> ?path .
          {{ ?shape <{SH}datatype> ?datatype }}
          UNION {{ ?shape (<{SH}or>|<{SH}xone>)/<http://www.w3.org/1999/02/22-rdf-syntax-ns#rest>*/
                   <http://www.w3.org/1999/02/22-rdf-syntax-ns#first>/<{SH}datatype> ?datatype }}
          FILTER(isIRI(?path))
        }}"""
    out: dict[str, set[str]] = {}
    for row in store.query(query):
        out.setdefault(row["path"].value, set()).add(row["datatype"].value)
    return out


def ill_typed_problems(
    quads: Iterable[pyoxigraph.Quad],
    expected: dict[str, set[str]],
    locations: dict[str, Location],
) -> list[Problem]:
    """A violation for each literal of a CHECKED datatype whose form is not of that type."""
    typed = [
        q
        for q in quads
        if isinstance(q.object, pyoxigraph.Literal) and q.object.datatype.value in CHECKED
    ]
    pairs = {(q.object.value, q.object.datatype.value) for q in typed}
    wanted = {
        (q.object.value, d)
        for q in typed
        for d in expected.get(q.predicate.value, ())
        if d in CHECKED and d != q.object.datatype.value
    }
    valid = valid_forms(pairs | wanted)
    problems = []
    for q in typed:
        text, datatype = q.object.value, q.object.datatype.value
        if (text, datatype) in valid:
            continue
        name = datatype[len(XSD) :]
        message = f'"{text}" is not a valid {_short(datatype)}'
        allowed = sorted(expected.get(q.predicate.value, ()))
        fits = [d for d in allowed if (text, d) in valid]
        if fits:
            message += f'; did you mean "{text}"^^{_short(fits[0])}?'
        else:
            message += f": write it as {FORMS.get(name, FORMS['integer'])}"
            if allowed and datatype not in allowed:
                shown = " or ".join(_short(d) for d in allowed)
                message += f" (the shapes expect {shown} here)"
        problems.append(
            Problem(
                severity="Violation",
                focus=q.subject.value,
                path=q.predicate.value,
                value=text,
                message=message,
                shape=None,
                where=locations.get(q.subject.value),
            )
        )
    return problems
