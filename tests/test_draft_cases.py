"""The drafter's rules as data: one case per rule and language, in tests/fixtures/draft/cases/
(cases.yaml: the first rules; entities, figures, dates, events and facts.yaml: the classes of
error found on reports the rules were not written for). A case is a text and what its draft
must hold, and must not:

  figures: [[number or null, qualifier, measure]]   units: [[number, unit]]
  figure_count: how many figures in all              absent: {numbers: [...]}
  dates: [curated date values]                       event_dates: [[class, role, value]]
  entities: [ids linked or proposed]                 not_entities: [ids]
  new: [[label, type]] proposed                      not_new: [labels]
  no_person: [labels that must not be a Person]
  events: [[class, modality or null]]                not_events: [classes]
  event_places: [[class, place id]]                  not_event_places: [[class, place id]]
  participants: [[class, agent id]]                  not_participants: [[class, agent id]]
  speakers: [ids]                                    not_speakers: [ids]
  published: the publication date given              published_is: the one drafted
  source_place, primary_source: the dateline's city and agency (ids)
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml

from kgbuild.drafting import draft_text
from kgbuild.project import Project
from tests.conftest import ROOT, committed

FOLDER = ROOT / "tests" / "fixtures" / "draft" / "cases"
CASES = [
    {**case, "_file": path.stem}
    for path in sorted(FOLDER.glob("*.yaml"))
    for case in yaml.safe_load(path.read_text(encoding="utf-8"))
]


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.at(committed())


def test_every_language_has_cases_of_every_file() -> None:
    languages = {c["language"] for c in CASES}
    assert languages == {"en", "sv", "sr", "de"}
    for name in ("entities", "figures", "dates", "events", "facts"):
        assert (FOLDER / f"{name}.yaml").is_file()


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c['_file']}-{c['language']}-{c['rule']}" for c in CASES]
)
def test_draft_rule(case: dict[str, Any], project: Project) -> None:
    draft = draft_text(
        project,
        case["text"],
        doc_id="case",
        language=case["language"],
        published=case.get("published"),
    )
    figures = [(f.number, f.qualifier, f.measure) for f in draft.figures]
    for number, qualifier, measure in case.get("figures", []):
        expected = (None if number is None else float(number), qualifier, measure)
        assert expected in figures, figures
    for number, unit in case.get("units", []):
        assert (float(number), unit) in [(f.number, f.unit) for f in draft.figures], figures
    if "figure_count" in case:
        assert len(draft.figures) == case["figure_count"], figures
    for number in case.get("absent", {}).get("numbers", []):
        assert float(number) not in [f.number for f in draft.figures], figures
    dates = [d.value for d in draft.dates]
    for value in case.get("dates", []):
        assert value in dates, dates
    on_events = [(e.cls, d.role, d.value) for e in draft.events for d in e.dates]
    for cls, role, value in case.get("event_dates", []):
        assert (cls, role, value) in on_events, on_events
    ids = {e.id for e in draft.entities}
    for entity_id in case.get("entities", []):
        assert entity_id in ids, ids
    for entity_id in case.get("not_entities", []):
        assert entity_id not in ids, ids
    proposed = {(e.label, e.type) for e in draft.entities if e.new}
    for label, kind in case.get("new", []):
        assert (label, kind) in proposed, proposed
    for label in case.get("not_new", []):
        assert label not in {name for name, _ in proposed}, proposed
    persons = {e.label for e in draft.entities if e.kind == "person"}
    for label in case.get("no_person", []):
        assert label not in persons, persons
    events = [(e.cls, e.modality) for e in draft.events]
    for cls, modality in case.get("events", []):
        assert (cls, modality) in events, events
    for cls in case.get("not_events", []):
        assert cls not in {c for c, _ in events}, events
    places = [(e.cls, p) for e in draft.events for p in e.places]
    for cls, place in case.get("event_places", []):
        assert (cls, place) in places, places
    for cls, place in case.get("not_event_places", []):
        assert (cls, place) not in places, places
    agents = [(e.cls, a) for e in draft.events for a in e.participants]
    for cls, agent in case.get("participants", []):
        assert (cls, agent) in agents, agents
    for cls, agent in case.get("not_participants", []):
        assert (cls, agent) not in agents, agents
    speakers = [e.speaker for e in draft.events if e.speaker]
    for agent in case.get("speakers", []):
        assert agent in speakers, speakers
    for agent in case.get("not_speakers", []):
        assert agent not in speakers, speakers
    if "published_is" in case:
        assert draft.published == case["published_is"], draft.published
    for key, value in (
        ("source_place", draft.source_place),
        ("primary_source", draft.primary_source),
    ):
        if key in case:
            assert value == case[key], value


def test_the_cases_are_invented_texts() -> None:
    """No case copies a seed's sentence (the seeds are news articles; the cases are ours)."""
    seeds = {
        " ".join(sentence.split())
        for path in sorted((ROOT / "data/documents").glob("*.txt"))
        for sentence in re.split(r"(?<=[.!?])\s+", path.read_text(encoding="utf-8"))
    }
    for case in CASES:
        for sentence in re.split(r"(?<=[.!?])\s+", case["text"]):
            assert " ".join(sentence.split()) not in seeds, sentence
