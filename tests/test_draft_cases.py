"""The drafter's rules, one case per rule and language, from tests/fixtures/draft/cases/."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from kgbuild.drafting import draft_text
from kgbuild.project import Project
from tests.conftest import ROOT

CASES = yaml.safe_load(
    (ROOT / "tests" / "fixtures" / "draft" / "cases" / "cases.yaml").read_text(encoding="utf-8")
)


@pytest.fixture(scope="module")
def project() -> Project:
    return Project.at(ROOT)


@pytest.mark.parametrize("case", CASES, ids=[f"{c['language']}-{c['rule']}" for c in CASES])
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
    dates = [d.value for d in draft.dates]
    for value in case.get("dates", []):
        assert value in dates, dates
    ids = {e.id for e in draft.entities}
    for entity_id in case.get("entities", []):
        assert entity_id in ids, ids
    proposed = {(e.label, e.type) for e in draft.entities if e.new}
    for label, kind in case.get("new", []):
        assert (label, kind) in proposed, proposed
    for label in case.get("not_new", []):
        assert label not in {name for name, _ in proposed}, proposed
    events = [(e.cls, e.modality) for e in draft.events]
    for cls, modality in case.get("events", []):
        assert (cls, modality) in events, events
    for number in case.get("absent", {}).get("numbers", []):
        assert float(number) not in [f.number for f in draft.figures], figures
