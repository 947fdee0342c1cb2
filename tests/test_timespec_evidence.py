"""Dates keep their precision; quotes are found exactly once."""

from __future__ import annotations

from datetime import date

import pytest

from kgbuild.sources.evidence import QuoteError, locate
from kgbuild.sources.timespec import DateSpecError, check_range, parse_plain, parse_spec


@pytest.mark.parametrize(
    ("text", "unit", "bounds"),
    [
        ("2023-10-27", "unitDay", (date(2023, 10, 27), date(2023, 10, 27))),
        ("2023-10", "unitMonth", (date(2023, 10, 1), date(2023, 10, 31))),
        ("2024-02", "unitMonth", (date(2024, 2, 1), date(2024, 2, 29))),
        ("2014", "unitYear", (date(2014, 1, 1), date(2014, 12, 31))),
        ("--10-27", "unitDay", None),
        ("--09", "unitMonth", None),
    ],
)
def test_dates_keep_the_precision_the_text_gives(
    text: str, unit: str, bounds: tuple | None
) -> None:
    spec = parse_plain(text)
    assert spec.unit == unit
    assert spec.bounds() == bounds
    assert spec.key == text


def test_late_october_is_still_the_whole_month() -> None:
    spec, stated = parse_spec(
        {"in": "2023-10", "part": "late", "statedAs": "In late October"}, "doc"
    )
    assert spec.key == "2023-10-late"
    assert spec.bounds() == (date(2023, 10, 1), date(2023, 10, 31))
    assert stated == "In late October"


def test_thursday_relative_to_publication() -> None:
    spec, _ = parse_spec({"relative": "publication", "dayOfWeek": "Thursday"}, "002_x")
    assert spec.key == "002_x/thursday"
    assert spec.bounds() is None


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("2023-02-29", "February has 28 days"),
        ("2023-13", "months are 01 to 12"),
        ("27 October", "is not one of"),
        ({"in": "2023-10-27", "part": "late"}, "applies to a month"),
        ({"relative": "yesterday"}, "counted from the publication"),
        ({"in": "2023", "when": "x"}, "unknown key"),
    ],
)
def test_impossible_or_malformed_dates_are_refused(value: object, words: str) -> None:
    with pytest.raises(DateSpecError, match=words):
        parse_spec(value, "doc")


def test_end_before_start_is_refused() -> None:
    with pytest.raises(DateSpecError, match="lies before"):
        check_range(parse_plain("2014-09-26"), parse_plain("2014-09-23"))
    check_range(parse_plain("2014-09"), parse_plain("2014-09-26"))  # overlapping is fine


TEXT = "Police searched more than 81,000 cars and over 300 homes and seized five pistols."


def test_quote_offsets_are_code_points_end_exclusive() -> None:
    span = locate(TEXT, "over 300 homes")
    assert TEXT[span.start : span.end] == "over 300 homes"
    assert span.prefix.endswith("81,000 cars and ")


def test_missing_and_ambiguous_quotes_are_refused() -> None:
    with pytest.raises(QuoteError, match="not in the document"):
        locate(TEXT, "over 400 homes")
    with pytest.raises(QuoteError, match="occurs 2 times"):
        locate(TEXT, "and")
    span = locate(TEXT, "and", prefix="homes ")
    assert TEXT[span.start - 6 : span.end] == "homes and"
