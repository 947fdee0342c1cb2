"""A drafted report joins the events the dataset already holds, so its figures meet the other
sources' figures; undoing a link is one edit; a batch links its articles to each other; a
release names no draft.

Each test works in a copy of the committed project (tests/conftest.py committed_copy). The
report drafted is tests/fixtures/draft/texts/en-border-sweep.txt: the nationwide operation of
2023 in other words and with other figures (4,700 migrants, seven assault rifles, six pistols).
"""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph
import pytest
import yaml
from click.testing import CliRunner

import kgbuild
from kgbuild.cli import main
from kgbuild.namespaces import prefixes
from tests.conftest import ROOT, committed_copy

TEXTS = ROOT / "tests" / "fixtures" / "draft" / "texts"
SWEEP = TEXTS / "en-border-sweep.txt"
ID = "https://w3id.org/kgbuild/id/"

pytestmark = pytest.mark.slow


def cli(*args: str) -> object:
    return CliRunner().invoke(main, list(args))


def drafted(project: Path, *files: Path, extra: tuple[str, ...] = ()) -> object:
    result = cli("draft", *map(str, files), "--project", str(project), *extra)
    assert result.exit_code == 0, result.output
    return result


def built(project: Path) -> None:
    result = cli("build", "--project", str(project))
    assert result.exit_code == 0, result.output


def draft_rows(project: Path, doc: str) -> list[dict[str, str]]:
    rows = kgbuild.query(project, "disagreements").records()
    return [r for r in rows if doc in (r.get("sourceA"), r.get("sourceB"))]


def doc_id(result: object) -> str:
    match = re.search(r"^drafted (\S+) ", result.output, re.M)  # type: ignore[attr-defined]
    assert match, result.output  # type: ignore[attr-defined]
    return match.group(1)


@pytest.fixture(scope="module")
def linked(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A copy with the paraphrase drafted (and linked) and built."""
    project = committed_copy(tmp_path_factory.mktemp("linked"))
    built(project)
    doc = doc_id(drafted(project, SWEEP))
    built(project)
    return project, doc


def test_the_paraphrase_takes_the_ids_of_the_events_it_reports(linked: tuple[Path, str]) -> None:
    project, doc = linked
    records = yaml.safe_load((project / "data/documents" / f"{doc}.yaml").read_text("utf-8"))
    links = {r["id"]: r["sameAs"] for r in records["facts"] if "sameAs" in r}
    assert "event/2023-10-27-horgos-shooting" in links
    assert "event/2023-serbia-operation-seizures" in links
    assert "event/2023-serbia-migrant-detentions" in links
    shooting = links["event/2023-10-27-horgos-shooting"]
    assert shooting["score"] >= 0.65 and shooting["unlinked"].startswith(f"event/{doc}/")
    assert any("date 2023-10-27" in reason for reason in shooting["because"])


def test_its_figures_meet_the_curated_figures_in_disagreements(linked: tuple[Path, str]) -> None:
    project, doc = linked
    rows = draft_rows(project, doc)
    assert rows, "the draft's figures meet no curated figure"
    for row in rows:  # each side says whether it is a draft
        side = "A" if row["sourceA"] == doc else "B"
        assert row[f"status{side}"] == "draft"
        other = "B" if side == "A" else "A"
        assert row[f"status{other}"] == "curated"
    rifles = {
        (r["figureA"], r["figureB"], r["kind"])
        for r in rows
        if r["event"] == ID + "event/2023-serbia-operation-seizures"
    }
    assert ("five assault rifles", "seven assault rifles", "incompatible") in rifles
    # the four disagreements among the curated sources are still there, unchanged
    curated = [
        r for r in kgbuild.query(project, "disagreements").records() if doc not in r.values()
    ]
    assert len(curated) == 4


def test_timeline_and_seizures_list_the_draft_as_one_more_source(linked: tuple[Path, str]) -> None:
    project, doc = linked
    timeline = [
        r
        for r in kgbuild.query(project, "timeline").records()
        if r["event"] == ID + "event/2023-10-27-horgos-shooting"
    ]
    assert len(timeline) == 1, "the shooting is one event, not a new one"
    assert doc in timeline[0]["sources"].split(", ")
    seizures = kgbuild.query(project, "seizures").records()
    mine = [r for r in seizures if r["source"] == doc]
    assert mine and {r["event"] for r in mine} == {ID + "event/2023-serbia-operation-seizures"}


def test_undoing_a_link_is_one_edit_and_gives_the_unlinked_draft(
    linked: tuple[Path, str], tmp_path: Path
) -> None:
    _, doc = linked
    undone = committed_copy(tmp_path / "undone")
    drafted(undone, SWEEP)
    path = undone / "data/documents" / f"{doc}.yaml"
    text = path.read_text("utf-8")
    records = yaml.safe_load(text)
    for record in records["facts"]:
        if "sameAs" in record:  # the one edit: the id line back to the unlinked id
            text = text.replace(
                f"  - id: {record['id']}\n", f"  - id: {record['sameAs']['unlinked']}\n", 1
            )
    path.write_text(text, encoding="utf-8")
    built(undone)
    assert draft_rows(undone, doc) == []
    unlinked = committed_copy(tmp_path / "unlinked")
    drafted(unlinked, SWEEP, extra=("--no-link",))
    built(unlinked)
    assert (undone / "dist/dataset.nq").read_bytes() == (unlinked / "dist/dataset.nq").read_bytes()


def test_a_release_names_no_draft_in_its_disagreements(linked: tuple[Path, str]) -> None:
    project, doc = linked
    question = (project / "queries" / "disagreements.rq").read_text("utf-8")
    header = "".join(f"PREFIX {k}: <{v}>\n" for k, v in prefixes(ID).items())
    for extra, expect_draft in (((), False), (("--include-drafts",), True)):
        out = project / ("release-drafts" if expect_draft else "release")
        result = cli("publish", "--project", str(project), "--out", str(out), *extra)
        assert result.exit_code == 0, result.output
        store = pyoxigraph.Store()
        store.load(path=str(out / "kgbuild.nq"), format=pyoxigraph.RdfFormat.N_QUADS)
        rows = [
            {str(v)[1:]: s[v].value for v in r.variables if s[v] is not None}
            for r in [store.query(header + question)]
            for s in r
        ]
        names = {r["sourceA"] for r in rows} | {r["sourceB"] for r in rows}
        statuses = {r["statusA"] for r in rows} | {r["statusB"] for r in rows}
        assert (doc in names) is expect_draft
        assert ("draft" in statuses) is expect_draft
        assert len(rows) >= 4


NEW_EVENT_EN = """Police break up smuggling ring in Novi Pazar

NOVI PAZAR, 3 June 2025 (Balkan Wire) – Serbian police arrested eleven members of a people
smuggling ring in Novi Pazar on Monday, the Interior Ministry said.
Officers seized two pistols and 9,000 euros in cash.
"""
NEW_EVENT_DE = """Schlepperring in Novi Pazar zerschlagen

Novi Pazar, 4. Juni 2025 – Die serbische Polizei hat am Montag in Novi Pazar zwölf Mitglieder
eines Schlepperrings festgenommen, teilte das Innenministerium in Belgrad mit.
Die Beamten stellten zwei Pistolen sicher.
"""


def test_a_batch_drafts_each_file_links_them_and_reports_a_bad_one(tmp_path: Path) -> None:
    project = committed_copy(tmp_path / "p")
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "a-en.txt").write_text(NEW_EVENT_EN, encoding="utf-8")
    (inbox / "b-bad.txt").write_bytes(b"\x00\x01\x02 not text")
    (inbox / "c-de.txt").write_text(NEW_EVENT_DE, encoding="utf-8")
    before = sorted(p.name for p in (project / "data/documents").iterdir())
    result = cli("draft", str(inbox), "--project", str(project))
    assert result.exit_code == 2, result.output
    assert "b-bad.txt" in result.output and "NUL" in result.output
    assert "2 drafted, 1 refused" in result.output
    made = sorted(p.name for p in (project / "data/documents").iterdir())
    assert len(made) == len(before) + 4  # two articles, a .txt and a .yaml each
    first, second = re.findall(r"^drafted (\S+) ", result.output, re.M)
    arrest = next(
        r
        for r in yaml.safe_load((project / "data/documents" / f"{second}.yaml").read_text())[
            "facts"
        ]
        if r.get("type") == "Arrest"
    )
    # the second report of the new arrests takes the first's id: one event, two sources
    assert arrest["id"].startswith(f"event/{first}/") and "sameAs" in arrest
    built(project)


def test_the_same_batch_gives_the_same_files(tmp_path: Path) -> None:
    outputs = []
    for run in ("one", "two"):
        project = committed_copy(tmp_path / run)
        drafted(project, TEXTS / "sr-akcija.txt", TEXTS / "de-grenzeinsatz.txt", SWEEP)
        files = sorted((project / "data/documents").glob("0*_*.*")) + sorted(
            (project / "dist/review").glob("*.html")
        )
        outputs.append({p.relative_to(project).as_posix(): p.read_bytes() for p in files})
    assert outputs[0] == outputs[1]
    assert len(outputs[0]) == 4 * 2 + 3 * 2 + 3  # the seeds', the three drafts', three pages


def test_a_name_a_draft_proposed_is_not_linked_in_the_next_draft(tmp_path: Path) -> None:
    project = committed_copy(tmp_path / "p")
    text = "Police spokesman Marko Ilić said 30 migrants were detained near Subotica.\n"
    (tmp_path / "one.txt").write_text(text, encoding="utf-8")
    (tmp_path / "two.txt").write_text("Marko Ilić said police were searching cars.\n", "utf-8")
    drafted(project, tmp_path / "one.txt")
    second = doc_id(drafted(project, tmp_path / "two.txt"))
    records = yaml.safe_load((project / "data/documents" / f"{second}.yaml").read_text())
    person = next(r for r in records["facts"] if str(r.get("id")).startswith("person/"))
    assert "type" in person and "label" in person  # proposed again: new to the dataset
    assert person["id"] != "person/marko-ilic"  # not the first draft's entity


def test_drafting_reports_its_progress(tmp_path: Path) -> None:
    project = committed_copy(tmp_path / "p")
    steps = []
    kgbuild.draft(project, [TEXTS / "sv-gransavtal.txt", SWEEP], progress=steps.append)
    drafting = [s for s in steps if s.stage == "drafting"]
    assert [s.done for s in drafting] == [0, 1, 2] and {s.total for s in drafting} == {2}
    assert {s.unit for s in drafting} == {"articles"}
