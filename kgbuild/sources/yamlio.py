"""YAML reading that keeps line numbers and refuses what YAML would silently accept."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from kgbuild.errors import InputError, Location


class Mapping(dict):
    """A YAML mapping that remembers the file and line it starts at."""

    path: Path
    line: int

    def where(self, record: str | None = None) -> Location:
        return Location(self.path, self.line, record)


# libyaml's C scanner and parser when PyYAML has it (about 10 times faster), else pure Python.
_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class _Loader(_Base):
    path: Path


# Dates stay strings: "2023-10-27" is parsed by kgbuild.timespec, not turned into a datetime.
_Loader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _construct_mapping(loader: _Loader, node: yaml.MappingNode) -> Mapping:
    out = Mapping()
    out.path = loader.path
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise InputError(
                Location(loader.path, key_node.start_mark.line + 1),
                f"key {key!r} is not a string",
                hint="keys are names from data/context.jsonld",
            )
        if key in out:
            raise InputError(
                Location(loader.path, key_node.start_mark.line + 1),
                f"duplicate key {key!r} in one record",
                hint="give each key once; use a list for several values",
            )
        out[key] = loader.construct_object(value_node, deep=True)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def read_yaml(path: Path, text: str | None = None) -> Any:
    """Parse a YAML file (or ``text`` attributed to it); errors name the file and line."""
    if text is None:
        try:
            text = path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            raise InputError(
                path, f"not UTF-8 ({exc.reason} at byte {exc.start})", hint="save the file as UTF-8"
            ) from None
        except OSError as exc:
            raise InputError(path, f"cannot read: {exc.strerror}") from None
    loader = _Loader(text)
    loader.path = path
    try:
        return loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        column = f", column {mark.column + 1}" if mark else ""
        raise InputError(
            Location(path, line),
            f"YAML syntax error{column}: {exc.problem or exc.context}",
            hint="check indentation and quoting on that line",
        ) from None
    except yaml.YAMLError as exc:
        raise InputError(path, f"YAML error: {exc}") from None
    finally:
        loader.dispose()
