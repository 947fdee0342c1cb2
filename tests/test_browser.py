"""The website in a real headless browser: Debian's Chromium driven by Selenium."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kgbuild.pipeline import BuildResult
from kgbuild.release.serve import Limits, Server

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory) -> Iterator[object]:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        # On a newcomer's machine the browser tests skip; under CI they must run.
        if os.environ.get("CI") or os.environ.get("KGBUILD_REQUIRE_BROWSER") == "1":
            pytest.fail(
                "the browser tests need Debian's chromium and chromium-driver "
                "(apt-get install chromium chromium-driver; .ci/run installs them)"
            )
        pytest.skip(
            "browser tests skipped: no chromium/chromedriver; to run them: "
            "apt-get install chromium chromium-driver (CI requires them)"
        )
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,1600",
        f"--user-data-dir={tmp_path_factory.mktemp('chromium')}",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def served(built: tuple[BuildResult, Path], release: Path) -> Iterator[str]:
    server = Server(built[1], release, "127.0.0.1", 0, Limits(), "")
    server.start()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server.url
    server.stop()


def test_index_renders_from_disk(browser, release: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get((release / "index.html").as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text == (
        "Western Balkan route migrant smuggling knowledge graph"
    )
    rows = browser.find_elements(By.CSS_SELECTOR, "table tr")
    assert any("person" in r.text and "7" in r.text for r in rows)
    assert "kgbuild developers" in browser.find_element(By.ID, "citation").text


def test_resource_page_shows_evidence_and_links_lead_on(browser, served: str) -> None:
    from selenium.webdriver.common.by import By

    browser.get(f"{served}/id/event/2023-10-27-horgos-shooting")
    assert browser.find_element(By.TAG_NAME, "h1").text.startswith("shooting near Horgos")
    quotes = [q.text for q in browser.find_elements(By.CSS_SELECTOR, "blockquote.evidence")]
    assert any(
        "The decision comes after at least three people were killed in armed clashes" in q
        for q in quotes
    )
    marked = [m.text for m in browser.find_elements(By.CSS_SELECTOR, "blockquote mark")]
    assert "three migrants died in a shootout" in " ".join(marked) or any(
        "three migrants" in m for m in marked
    )
    browser.find_element(By.LINK_TEXT, "Horgos").click()
    assert browser.find_element(By.TAG_NAME, "h1").text == "Horgos"
    assert browser.current_url.endswith("/id/place/horgos.html")
    referring = browser.find_elements(By.CSS_SELECTOR, "h2")
    assert any(h.text == "Referred to by" for h in referring)


def test_every_link_on_a_page_opened_from_disk_resolves(browser, release: Path) -> None:
    from selenium.webdriver.common.by import By

    browser.get((release / "id" / "person" / "bratislav-gasic.html").as_uri())
    hrefs = {a.get_attribute("href") for a in browser.find_elements(By.TAG_NAME, "a")}
    local = [h for h in hrefs if h and h.startswith("file://")]
    assert len(local) > 5
    for href in local:
        path = Path(href.removeprefix("file://").split("#", 1)[0])
        assert path.is_file(), href


def test_review_page_highlights_each_kind_and_links_records_to_them(
    browser, tmp_path: Path
) -> None:
    """`kgbuild draft` writes dist/review/<ID>.html; opened from disk, every kind of drafted
    item is highlighted, and each record's link leads to its highlight in the text."""

    from click.testing import CliRunner
    from selenium.webdriver.common.by import By

    from kgbuild.cli import main
    from tests.conftest import ROOT, committed_copy

    committed_copy(tmp_path)
    article = ROOT / "tests" / "fixtures" / "draft" / "texts" / "en-kelebija.txt"
    done = CliRunner().invoke(
        main, ["draft", str(article), "--id", "review-test", "--project", str(tmp_path)]
    )
    assert done.exit_code == 0, done.output
    page = tmp_path / "dist" / "review" / "review-test.html"
    browser.get(page.as_uri())
    for kind in ("entity-linked", "figure", "date", "trigger"):
        marks = browser.find_elements(By.CSS_SELECTOR, f"#text mark.{kind}")
        assert marks, f"no {kind} highlighted in the review page"
        assert marks[0].is_displayed()
    # a proposed record leads to its words in the text ...
    item = browser.find_element(By.CSS_SELECTOR, "#records li.trigger")
    record = item.find_element(By.CSS_SELECTOR, "a[href^='#']")
    target = record.get_attribute("href").split("#", 1)[1]
    record.click()
    highlighted = browser.find_element(By.ID, target)
    assert highlighted.tag_name == "mark"
    assert item.get_attribute("data-record") in highlighted.get_attribute("title")
    assert browser.execute_script("return location.hash") == f"#{target}"
    # ... and a highlighted figure leads to the record it belongs to
    figure = browser.find_element(By.CSS_SELECTOR, "#text mark.figure a")
    record_id = figure.get_attribute("href").split("#", 1)[1]
    figure.click()
    assert browser.find_element(By.ID, record_id).tag_name == "li"
