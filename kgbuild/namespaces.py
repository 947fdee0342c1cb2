"""Every namespace and prefix the project uses, defined once."""

from __future__ import annotations

import functools

KG = "https://w3id.org/kgbuild/ontology#"
ONTOLOGY_IRI = "https://w3id.org/kgbuild/ontology"
VOCAB = "https://w3id.org/kgbuild/vocab/"
DEFAULT_BASE = "https://w3id.org/kgbuild/id/"

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
OWL = "http://www.w3.org/2002/07/owl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
SCHEMA = "http://schema.org/"
PROV = "http://www.w3.org/ns/prov#"
DCTERMS = "http://purl.org/dc/terms/"
SEM = "http://semanticweb.cs.vu.nl/2009/11/sem/"
TIME = "http://www.w3.org/2006/time#"
ORG = "http://www.w3.org/ns/org#"
OA = "http://www.w3.org/ns/oa#"
GAF = "http://groundedannotationframework.org/gaf#"
SH = "http://www.w3.org/ns/shacl#"
VANN = "http://purl.org/vocab/vann/"
VOID = "http://rdfs.org/ns/void#"
DCAT = "http://www.w3.org/ns/dcat#"

# Prefixes known to every query and used in every serialization (besides the data base).
STANDARD_PREFIXES: dict[str, str] = {
    "kg": KG,
    "item": VOCAB + "item/",
    "measure": VOCAB + "measure/",
    "qualifier": VOCAB + "qualifier/",
    "modality": VOCAB + "modality/",
    "role": VOCAB + "role/",
    "part": VOCAB + "part/",
    "rdf": RDF,
    "rdfs": RDFS,
    "owl": OWL,
    "xsd": XSD,
    "skos": SKOS,
    "schema": SCHEMA,
    "prov": PROV,
    "dcterms": DCTERMS,
    "sem": SEM,
    "time": TIME,
    "org": ORG,
    "oa": OA,
    "gaf": GAF,
    "sh": SH,
    "vann": VANN,
    "void": VOID,
    "dcat": DCAT,
}

# Prefixes for the data IRIs, relative to the configured base.
DATA_PREFIX_PATHS: dict[str, str] = {
    "event": "event/",
    "person": "person/",
    "organisation": "org/",
    "place": "place/",
    "group": "group/",
    "quantity": "quantity/",
    "membership": "membership/",
    "source": "source/",
    "date": "time/",
    "graph": "graph/",
}


def prefixes(base: str) -> dict[str, str]:
    """All prefixes for a dataset minted from ``base``: the standard ones and the data ones."""
    out = dict(STANDARD_PREFIXES)
    out.update({name: base + path for name, path in DATA_PREFIX_PATHS.items()})
    return out


@functools.lru_cache(maxsize=8)
def _by_length(base: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted(prefixes(base).items(), key=lambda kv: (-len(kv[1]), kv[0])))


def shorten(value: str, base: str, *, brackets: bool = True) -> str:
    """An IRI as ``prefix:local`` (the one IRI shortener of kgbuild).

    A prefix whose local part has no '/' is preferred (``event:x`` rather than
    ``graph:../x``); otherwise the longest namespace that matches. An IRI no prefix covers is
    returned as ``<iri>``, or as it is when ``brackets`` is false.
    """
    ordered = _by_length(base)
    for name, ns in ordered:
        if value.startswith(ns) and len(value) > len(ns) and "/" not in value[len(ns) :]:
            return f"{name}:{value[len(ns) :]}"
    for name, ns in ordered:
        if value.startswith(ns) and len(value) > len(ns):
            return f"{name}:{value[len(ns) :]}"
    return f"<{value}>" if brackets else value
