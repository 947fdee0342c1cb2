"""A synthetic corpus in the project's own formats, for benchmarks and scale tests.

N documents, each a text and its curated YAML, written with the real ontology, vocabularies,
shapes and context, so that the whole real pipeline runs on them (evidence located in the
texts, shapes validated). Documents reuse a shared population of people, organisations and
places; some report an event another document already reported, with a different figure, so
that disagreements exist; every event class of the ontology occurs. The same seed gives the
same bytes.
"""

from __future__ import annotations

import random
import shutil
from dataclasses import dataclass
from pathlib import Path

import yaml

from kgbuild.graph.assemble import event_classes
from kgbuild.namespaces import KG
from kgbuild.project import Project

MEASURES = ["detained", "arrested", "killed", "seized", "searched", "victims-identified"]
ITEMS = {
    "seized": ["pistol", "assault-rifle", "machine-gun", "passport", "drugs"],
    "searched": ["car", "home"],
}
QUALIFIERS = ["exact", "approximately", "more-than", "nearly"]
ROLES = ["interior-minister", "head-of-unit", "director", "adviser"]
ORG_TYPES = [
    "Ministry",
    "LawEnforcementAgency",
    "PoliceUnit",
    "NGO",
    "NewsOutlet",
    "CriminalGroup",
    "InternationalOrganisation",
]


@dataclass(frozen=True)
class CorpusShape:
    documents: int
    people: int
    organisations: int
    places: int


def shape_for(documents: int) -> CorpusShape:
    """A population that grows with the corpus, but slower (people recur across reports)."""
    return CorpusShape(
        documents, max(20, documents // 20), max(10, documents // 50), max(15, documents // 30)
    )


def event_kinds(project: Project) -> list[str]:
    """Every event class of the ontology (local names), sorted."""
    from kgbuild.sources.files import turtle_quads

    quads = turtle_quads(project.ontology_file, project.graph_iri("ontology"))
    return sorted(c[len(KG) :] for c in event_classes(quads) if c.startswith(KG))


def generate(project: Project, out: Path, documents: int, seed: int = 1) -> Path:
    """Write a corpus project of ``documents`` documents into ``out`` (replacing it)."""
    rng = random.Random(seed)
    shape = shape_for(documents)
    if out.exists():
        shutil.rmtree(out)
    for folder in ("ontology", "shapes", "queries"):
        shutil.copytree(project.root / folder, out / folder)
    (out / "data" / "documents").mkdir(parents=True)
    shutil.copy(project.context_file, out / "data" / "context.jsonld")
    kinds = event_kinds(project)

    people = [
        (f"person/p{i:05d}", f"Person{i:05d} Surname{i % 97:02d}") for i in range(shape.people)
    ]
    orgs = [
        (f"org/o{i:05d}", f"Organisation {i:05d}", ORG_TYPES[i % len(ORG_TYPES)])
        for i in range(shape.organisations)
    ]
    places = [(f"place/t{i:05d}", f"Town{i:05d}") for i in range(shape.places)]
    entities = [{"id": "place/country-a", "type": "Country", "label": "Country A"}]
    entities += [{"id": pid, "type": "Person", "label": name} for pid, name in people]
    entities += [{"id": oid, "type": kind, "label": name} for oid, name, kind in orgs]
    entities += [{"id": tid, "type": "Town", "label": name} for tid, name in places]
    _dump_yaml(out / "data" / "entities.yaml", {"entities": entities})

    reported: list[tuple[str, str, str]] = []  # (event id, kind, measure) for re-reports
    for n in range(documents):
        doc_id = f"{n:06d}"
        sentences: list[str] = [f"Report {doc_id} on migrant smuggling."]
        facts: list[dict[str, object]] = []
        person_id, person_name = people[rng.randrange(len(people))]
        org_id, org_name, _ = orgs[rng.randrange(len(orgs))]
        place_id, place_name = places[rng.randrange(len(places))]
        kind = kinds[n % len(kinds)]
        measure = MEASURES[rng.randrange(len(MEASURES))]
        value = rng.randrange(1, 5000)
        if reported and rng.random() < 0.2:
            event_id, kind, measure = reported[rng.randrange(len(reported))]
            new_event = False
        else:
            event_id = f"event/e{doc_id}"
            new_event = True
            reported.append((event_id, kind, measure))
        day = f"20{15 + n % 10:02d}-{1 + n % 12:02d}-{1 + n % 28:02d}"
        event_sentence = (
            f"In {place_name}, {org_name} carried out a {kind} on {day}, document {doc_id} says."
        )
        figure = f"{value} people" if measure not in ITEMS else f"{value} items"
        qualifier = QUALIFIERS[n % len(QUALIFIERS)]
        stated = {
            "exact": figure,
            "approximately": f"around {figure}",
            "more-than": f"more than {figure}",
            "nearly": f"nearly {figure}",
        }[qualifier]
        figure_sentence = f"The figure given for {measure} was {stated} in document {doc_id}."
        quote = (
            f"{person_name} said: Smuggling networks in {place_name} are under pressure ({doc_id})."
        )
        sentences += [
            event_sentence,
            figure_sentence,
            quote,
            f"{person_name} works for {org_name} ({doc_id}).",
        ]
        quantity: dict[str, object] = {
            "measure": measure,
            "qualifier": qualifier,
            "statedAs": stated,
            "evidence": figure_sentence,
        }
        if measure in ITEMS:
            quantity["itemKind"] = ITEMS[measure][n % len(ITEMS[measure])]
        number_key = {
            "exact": "value",
            "approximately": "value",
            "more-than": "lowerBound",
            "nearly": "upperBound",
        }[qualifier]
        quantity[number_key] = value
        event: dict[str, object] = {
            "id": event_id,
            "type": kind,
            "date": day,
            "place": place_id,
            "participant": org_id,
            "quantities": [quantity],
            "evidence": event_sentence,
        }
        if new_event:
            event["label"] = f"{kind} in {place_name} ({doc_id})"
        if kind in ("Statement", "Speech"):
            event["speaker"] = person_id
        facts.append(event)
        facts.append(
            {
                "id": f"event/s{doc_id}",
                "type": "Statement",
                "label": f"{person_name} on smuggling in {place_name} ({doc_id})",
                "speaker": person_id,
                "about": event_id,
                "quotation": f"Smuggling networks in {place_name} are under pressure ({doc_id}).",
                "evidence": quote,
            }
        )
        facts.append(
            {
                "id": f"membership/{person_id.split('/')[1]}-{org_id.split('/')[1]}",
                "type": "Membership",
                "label": f"{person_name} at {org_name}",
                "member": person_id,
                "organisation": org_id,
                "role": ROLES[(n + len(person_id)) % len(ROLES)],
                "positionTitle": "official",
                "evidence": f"{person_name} works for {org_name} ({doc_id}).",
            }
        )
        facts.append(
            {
                "id": place_id,
                "altLabel": place_name,
                "evidence": {"quote": place_name, "prefix": "In "},
            }
        )
        document = {
            "document": {
                "type": ["SourceDocument"],
                "inLanguage": "en",
                "datePublished": f"20{15 + n % 10:02d}-12-31",
                "headline": {"en": f"Synthetic report {doc_id}"},
                "evidence": f"Report {doc_id} on migrant smuggling.",
            },
            "facts": facts,
        }
        (out / "data" / "documents" / f"{doc_id}.txt").write_text(
            " ".join(sentences) + "\n", encoding="utf-8"
        )
        _dump_yaml(out / "data" / "documents" / f"{doc_id}.yaml", document)
    return out


def _dump_yaml(path: Path, data: object) -> None:
    path.write_text(
        yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=1000), encoding="utf-8"
    )
