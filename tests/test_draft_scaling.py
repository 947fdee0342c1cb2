"""Drafting costs work in proportion to the text: twice the text, about twice the function
calls (counted by cProfile, so the test is about the algorithm and not the machine's speed).
The texts are the own texts with every sentence told apart (benchmarks/draft.py), as they
are and with no full stop or line break at all (one "sentence" of the whole text, which made
several steps quadratic); and a text that repeats a sentence word for word is refused at
once (its quotes could not be told apart)."""

from __future__ import annotations

import cProfile
import pstats
from pathlib import Path

import pytest
from draft import long_article

from kgbuild.drafting import draft_text
from kgbuild.drafting.files import read_input
from kgbuild.errors import InputError
from kgbuild.project import Project
from tests.conftest import committed


def calls(project: Project, text: str) -> int:
    profile = cProfile.Profile()
    profile.enable()
    draft_text(project, text, doc_id="scaling", language="en", published="2023-11-05")
    profile.disable()
    return pstats.Stats(profile).total_calls  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.parametrize("shape", ["sentences", "no full stops"])
def test_twice_the_text_costs_about_twice_the_work(shape: str) -> None:
    project = Project.at(committed())
    texts = [long_article(kb * 1000) for kb in (12, 24)]
    if shape == "no full stops":
        texts = [t.replace(".", " ").replace("\n", " ") for t in texts]
    calls(project, "Police arrested a man in Subotica.")  # load the lexicons first
    small, large = (calls(project, t) for t in texts)
    assert large / small < 2.4, f"{small} calls for 12 KB, {large} for 24 KB"


def test_a_text_that_repeats_a_sentence_is_refused_early(tmp_path: Path) -> None:
    sentence = "Serbian police arrested two smugglers near Subotica and seized rifles. "
    path = tmp_path / "copies.txt"
    path.write_text(sentence * 200, encoding="utf-8")
    with pytest.raises(InputError) as refused:
        read_input(path, None)
    assert "200 times word for word" in str(refused.value)
    assert "remove the repeated copies" in str(refused.value)
