"""Everything the drafter takes from the rest of kgbuild, in one place: the drafting package
sits beside the pipeline and uses only these of its parts."""

from __future__ import annotations

from kgbuild.errors import EXIT_BAD_INPUT, InputError, KGBuildError, Location, OutputError
from kgbuild.namespaces import KG, VOCAB
from kgbuild.project import Project
from kgbuild.sources.files import check_size
from kgbuild.sources.timespec import DateSpecError, parse_spec

__all__ = [
    "EXIT_BAD_INPUT",
    "KG",
    "VOCAB",
    "DateSpecError",
    "InputError",
    "KGBuildError",
    "Location",
    "OutputError",
    "Project",
    "check_size",
    "parse_spec",
]
