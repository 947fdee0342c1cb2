"""Which literals are ill typed (kgbuild/validation/literals.py): XSD's lexical spaces, as
Oxigraph implements them, with the derived integer types' bounds and dateTimeStamp's zone."""

from __future__ import annotations

import pytest

from kgbuild.validation.literals import XSD, valid_forms

CASES = [
    ("2023-10-27", "date", True),
    ("2023-02-30", "date", False),
    ("31st of Octobre", "date", False),
    ("2023-10", "gYearMonth", True),
    ("2023-10", "date", False),
    ("12", "integer", True),
    ("1_000", "integer", False),
    ("12.5", "decimal", True),
    ("1e5", "decimal", False),
    ("1e5", "double", True),
    ("yes", "boolean", False),
    ("300", "unsignedByte", False),
    ("255", "unsignedByte", True),
    ("-1", "nonNegativeInteger", False),
    ("0", "positiveInteger", False),
    ("2147483648", "int", False),
    ("2023-10-27T10:00:00", "dateTimeStamp", False),
    ("2023-10-27T10:00:00+02:00", "dateTimeStamp", True),
    ("P1D", "yearMonthDuration", False),
    ('say "x"\\ now', "integer", False),  # quotes and backslashes reach the query escaped
]


@pytest.mark.parametrize(("text", "datatype", "valid"), CASES)
def test_a_literal_is_well_typed_exactly_when_xsd_says(
    text: str, datatype: str, valid: bool
) -> None:
    assert ((text, XSD + datatype) in valid_forms({(text, XSD + datatype)})) is valid
