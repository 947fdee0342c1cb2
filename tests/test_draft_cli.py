"""kgbuild draft and kgbuild review in a copy of the project: drafts in four languages build and
validate, bad input gets a clear message and leaves nothing behind, output is deterministic."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from kgbuild.cli import main
from tests.conftest import ROOT, committed, committed_copy

TEXTS = ROOT / "tests" / "fixtures" / "draft" / "texts"
GOLD = {
    stem: reading
    for stem, reading in yaml.safe_load(
        (ROOT / "tests" / "fixtures" / "draft" / "gold.yaml").read_text("utf-8")
    ).items()
    if not stem.startswith("_")  # the _links map
}


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    committed_copy(tmp_path)
    return tmp_path


def draft(copy: Path, *args: str, input: bytes | None = None):
    return CliRunner().invoke(main, ["draft", *args, "--project", str(copy)], input=input)


@pytest.mark.parametrize("stem", sorted(GOLD))
def test_draft_in_each_language_builds_and_validates(copy: Path, stem: str) -> None:
    published = GOLD[stem].get("published")
    args = [str(TEXTS / f"{stem}.txt"), "--id", stem]
    if published:
        args += ["--published", published]
    result = draft(copy, *args)
    assert result.exit_code == 0, result.output
    assert f"({GOLD[stem]['language']}, detected)" in result.output
    assert "next:" in result.output
    curated = yaml.safe_load((copy / "data" / "documents" / f"{stem}.yaml").read_text("utf-8"))
    assert curated["document"]["curationStatus"] == "draft"
    assert (copy / "data" / "documents" / f"{stem}.txt").read_bytes() == (
        TEXTS / f"{stem}.txt"
    ).read_bytes()
    built = CliRunner().invoke(main, ["build", "--project", str(copy)])
    assert built.exit_code == 0, built.output
    checked = CliRunner().invoke(
        main,
        ["validate", str(copy / "data" / "documents" / f"{stem}.yaml"), "--project", str(copy)],
    )
    assert checked.exit_code == 0, checked.output


def test_draft_marker_is_a_triple_a_query_can_find(copy: Path) -> None:
    assert draft(copy, str(TEXTS / "en-kelebija.txt"), "--id", "marked").exit_code == 0
    assert CliRunner().invoke(main, ["build", "--project", str(copy)]).exit_code == 0
    result = CliRunner().invoke(
        main,
        [
            "query",
            "ASK { ?s kg:curationStatus <https://w3id.org/kgbuild/vocab/status/draft> }",
            "--project",
            str(copy),
        ],
    )
    assert result.output.strip() == "true"


def test_same_input_gives_the_same_bytes(copy: Path, tmp_path_factory) -> None:
    other = tmp_path_factory.mktemp("other")
    committed_copy(other)
    for project in (copy, other):
        assert draft(project, str(TEXTS / "sr-horgos.txt")).exit_code == 0
    names = sorted(p.name for p in (copy / "data" / "documents").glob("004_*"))
    assert names and names == sorted(p.name for p in (other / "data" / "documents").glob("004_*"))
    for name in names:
        assert (copy / "data" / "documents" / name).read_bytes() == (
            other / "data" / "documents" / name
        ).read_bytes()
    page = next((copy / "dist" / "review").glob("004_*.html")).name
    assert (copy / "dist" / "review" / page).read_bytes() == (
        other / "dist" / "review" / page
    ).read_bytes()


def test_id_follows_the_next_number_and_the_texts_sha256(copy: Path) -> None:
    import hashlib

    result = draft(copy, str(TEXTS / "de-subotica.txt"))
    assert result.exit_code == 0, result.output
    digest = hashlib.sha256((TEXTS / "de-subotica.txt").read_bytes()).hexdigest()[:16]
    assert (copy / "data" / "documents" / f"004_{digest}.yaml").exists()


def test_standard_input_is_read_with_a_dash(copy: Path) -> None:
    data = (TEXTS / "en-kelebija.txt").read_bytes()
    result = draft(copy, "-", "--id", "from-stdin", input=data)
    assert result.exit_code == 0, result.output
    assert (copy / "data" / "documents" / "from-stdin.txt").read_bytes() == data


def _nothing_new(copy: Path) -> bool:
    return (
        sorted(p.name for p in (copy / "data" / "documents").iterdir())
        == sorted(p.name for p in (committed() / "data" / "documents").iterdir())
        and not (copy / "dist" / "review").exists()
    )


@pytest.mark.parametrize(
    ("content", "words"),
    [
        (b"", "empty"),
        (b"  \n\n ", "empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR", "binary"),
        ("Polisen grep två män".encode("utf-16"), "binary"),
        ("Policija je uhapsila krijumčara".encode("cp1250"), "not UTF-8"),
        (b"x" * 1_000_001, "over the limit"),
    ],
    ids=["empty", "blank", "binary", "utf-16", "cp1250", "oversized"],
)
def test_bad_input_is_refused_with_the_file_and_a_fix(
    copy: Path, tmp_path: Path, content: bytes, words: str
) -> None:
    path = tmp_path / "article.txt"
    path.write_bytes(content)
    result = draft(copy, str(path), "--id", "bad")
    assert result.exit_code == 2, result.output
    assert words in result.output and "article.txt" in result.output and "fix:" in result.output
    assert _nothing_new(copy)
    # a fix never names an option that `kgbuild draft` does not have
    options = set(
        re.findall(r"--[a-z][a-z-]+", CliRunner().invoke(main, ["draft", "--help"]).output)
    )
    named = set(re.findall(r"--[a-z][a-z-]+", result.output))
    assert named <= options, f"the fix names {sorted(named - options)}"


def test_existing_id_is_not_overwritten_without_force(copy: Path) -> None:
    existing = "000_465a521d4ac3798f"
    before = (copy / "data" / "documents" / f"{existing}.yaml").read_bytes()
    result = draft(copy, str(TEXTS / "en-kelebija.txt"), "--id", existing)
    assert (
        result.exit_code == 2 and "exists already" in result.output and "--force" in result.output
    )
    assert (copy / "data" / "documents" / f"{existing}.yaml").read_bytes() == before
    forced = draft(copy, str(TEXTS / "en-kelebija.txt"), "--id", "again", "--force")
    assert forced.exit_code == 0, forced.output


def test_bad_id_and_bad_date_are_refused(copy: Path) -> None:
    assert "not a document id" in draft(copy, str(TEXTS / "en-kelebija.txt"), "--id", "A/B").output
    result = draft(copy, str(TEXTS / "en-kelebija.txt"), "--published", "9 Nov 2023")
    assert result.exit_code == 2 and "YYYY-MM-DD" in result.output
    assert _nothing_new(copy)


def test_text_with_no_facts_gives_an_empty_draft_that_validates(copy: Path, tmp_path: Path) -> None:
    path = tmp_path / "quiet.txt"
    path.write_text("The weather was mild and the roads were quiet.\n", encoding="utf-8")
    assert draft(copy, str(path), "--id", "quiet").exit_code == 0
    curated = yaml.safe_load((copy / "data" / "documents" / "quiet.yaml").read_text("utf-8"))
    assert curated["facts"] == []
    assert CliRunner().invoke(main, ["build", "--project", str(copy)]).exit_code == 0


def test_unknown_language_is_said_and_language_free_rules_still_run(
    copy: Path, tmp_path: Path
) -> None:
    path = tmp_path / "fr.txt"
    path.write_text(
        "Le 2024-03-14, la police a arrêté des passeurs près de Subotica.\n", encoding="utf-8"
    )
    result = draft(copy, str(path), "--id", "french")
    assert result.exit_code == 0, result.output
    assert "could not be told" in result.output
    curated = yaml.safe_load((copy / "data" / "documents" / "french.yaml").read_text("utf-8"))
    assert curated["document"]["inLanguage"] == "und"
    assert any(f["id"] == "place/subotica" for f in curated["facts"])
    assert CliRunner().invoke(main, ["build", "--project", str(copy)]).exit_code == 0


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[str, str] = {}  # id -> class
        self.records: set[str] = set()
        self.links: list[str] = []
        self.external: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "mark":
            self.marks[a["id"] or ""] = a["class"] or ""
        if tag == "li" and a.get("id", "").startswith("r-"):
            self.records.add(a["id"] or "")
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
        if tag in ("script", "link", "img") or (a.get("src") or "").startswith("http"):
            self.external.append(tag)


def test_review_page_highlights_every_kind_and_links_records(copy: Path) -> None:
    assert draft(copy, str(TEXTS / "en-kelebija.txt"), "--id", "page").exit_code == 0
    page = _Page()
    page.feed((copy / "dist" / "review" / "page.html").read_text("utf-8"))
    kinds = set(page.marks.values())
    assert {"entity-linked", "entity-new", "figure", "date", "trigger"} <= kinds
    targets = {link[1:] for link in page.links}
    assert page.records <= targets | {r for r in page.records}
    assert all(link.startswith("#") for link in page.links)
    assert all(link[1:] in page.marks or link[1:] in page.records for link in page.links)
    assert not page.external
    result = CliRunner().invoke(main, ["review", "page", "--project", str(copy)])
    assert result.exit_code == 0 and "page.html" in result.output


@pytest.mark.slow
def test_drafts_are_counted_by_the_build_and_left_out_of_a_release_unless_asked(
    copy: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Four drafts (en, sv, sr, de) build; the summary counts them; `kgbuild publish` leaves
    their graphs out, `--include-drafts` keeps them; a curator's one-field change publishes."""
    import pyoxigraph

    stems = sorted(GOLD)
    for stem in stems:
        assert draft(copy, str(TEXTS / f"{stem}.txt"), "--id", stem).exit_code == 0
    built = CliRunner().invoke(main, ["build", "--project", str(copy)])
    assert built.exit_code == 0, built.output
    assert f"from {4 + len(stems)} sources ({len(stems)} drafts)" in built.output

    def graphs_in_release(*extra: str) -> set[str]:
        out = tmp_path_factory.mktemp("release") / "release"
        done = CliRunner().invoke(
            main, ["publish", "--project", str(copy), "--out", str(out), *extra]
        )
        assert done.exit_code == 0, done.output
        dump = out / "kgbuild.nq"
        return {
            q.graph_name.value
            for q in pyoxigraph.parse(path=str(dump), format=pyoxigraph.RdfFormat.N_QUADS)
        }

    base = "https://w3id.org/kgbuild/id/graph/"
    drafted = {base + stem for stem in stems}
    assert not graphs_in_release() & drafted
    assert graphs_in_release("--include-drafts") >= drafted
    # the curator reviews one draft: one field changes, and it is published
    reviewed = copy / "data" / "documents" / f"{stems[0]}.yaml"
    text = reviewed.read_text("utf-8")
    assert "curationStatus: draft" in text
    reviewed.write_text(text.replace("curationStatus: draft", "curationStatus: reviewed"), "utf-8")
    assert graphs_in_release() & drafted == {base + stems[0]}


INVISIBLE = "\u202e\u200b\u2066\u00ad\ufeff"  # an override, a zero width, an isolate ...
SPOOFED = "Serbi\u0430"  # "Serbia" with a Cyrillic а


def test_invisible_and_look_alike_characters_never_reach_a_label_or_id(
    copy: Path, tmp_path: Path
) -> None:
    text = (
        f"Police in {SPOOFED} arrested two smugglers near Subo\u202etica on 27 October.\n\n"
        "The Ser\u200bbian interior ministry said twelve rifles were seized in Hor\u00adgos.\n"
    )
    path = tmp_path / "article.txt"
    path.write_text(text, encoding="utf-8")
    result = draft(copy, str(path), "--id", "hidden", "--published", "2023-11-01")
    assert result.exit_code == 0, result.output
    assert "3 invisible formatting character(s) (U+202E RIGHT-TO-LEFT OVERRIDE at line 1" in (
        result.output
    )
    assert f"the name '{SPOOFED}' mixes Latin and Cyrillic letters" in result.output
    curated_text = (copy / "data" / "documents" / "hidden.yaml").read_text("utf-8")
    curated = yaml.safe_load(curated_text)

    def labels(value: object, key: str = "") -> list[str]:
        if isinstance(value, dict):
            return [x for k, v in value.items() for x in labels(v, k)]
        if isinstance(value, list):
            return [x for v in value for x in labels(v, key)]
        keep = key in ("id", "label", "altLabel", "statedAs", "headline", "en") or "/" in key
        return [value] if isinstance(value, str) and keep else []

    for value in labels(curated):
        assert not any(c in value for c in INVISIBLE), f"an invisible character in {value!r}"
    serbia = next(f for f in curated["facts"] if f["id"] == "place/serbia")
    assert "check" in serbia and SPOOFED not in str(serbia.get("altLabel", ""))
    # the quotes keep the text as it is, so the build finds them; the graph's labels are clean
    built = CliRunner().invoke(main, ["build", "--project", str(copy)])
    assert built.exit_code == 0, built.output
    nquads = (copy / "dist" / "dataset.nq").read_text("utf-8")
    for line in nquads.splitlines():
        if "#label>" in line or "#altLabel>" in line or "statedAs>" in line:
            assert not any(c in line for c in INVISIBLE), line
        if line.startswith("<https://w3id.org/kgbuild/id/place/serbia>"):
            assert SPOOFED not in line, f"the look-alike became a label of place/serbia: {line}"
    assert "\u202e" in nquads  # in the source's quotes (oa:exact), as the text has it
    review = (copy / "dist" / "review" / "hidden.html").read_text("utf-8")
    assert "mixes Latin and Cyrillic letters" in review
