"""What a build reads back from disk (its state, the cache's entries), as data: never pickle.

A file is ``MAGIC``, the SHA-256 of the rest, then MessagePack of ``[kind, key, value]``:

- the checksum finds a flipped, truncated or appended byte;
- ``kind`` and ``key`` find an entry that is whole but not the one asked for (copied from
  another key, another project, another kind);
- decoding makes only plain data (str, bytes, int, float, bool, None, lists, dicts) and the
  types it knows: tuples, sets, frozensets, paths, and the dataclasses the caller names,
  built field by field. Nothing in a file can name a function to call, so a crafted file can at
  most be refused, never run code (pickle runs whatever the file names).

Any failure is ``Damaged``, with a reason in plain words; callers discard the file and redo
the work. MessagePack (the ``msgpack`` package) rather than JSON: bytes, which the chunks
are, stay bytes, and a 10,000-document state packs and unpacks in a fraction of a second.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgpack

MAGIC = b"KGBUILD\x01"
_HEADER = len(MAGIC) + 32

_TUPLE, _SET, _FROZENSET, _PATH, _RECORD = 1, 2, 3, 4, 5


class Damaged(Exception):
    """A file that is not a whole, matching entry; ``reason`` says what is wrong."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _sorted(items: Any) -> list[Any]:
    try:
        return sorted(items)
    except TypeError:
        return sorted(items, key=repr)


def _default(value: Any) -> msgpack.ExtType:
    if isinstance(value, tuple):
        return msgpack.ExtType(_TUPLE, _pack(list(value)))
    if isinstance(value, frozenset):
        return msgpack.ExtType(_FROZENSET, _pack(_sorted(value)))
    if isinstance(value, set):
        return msgpack.ExtType(_SET, _pack(_sorted(value)))
    if isinstance(value, Path):
        return msgpack.ExtType(_PATH, _pack(str(value)))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = {f.name: getattr(value, f.name) for f in dataclasses.fields(value) if f.compare}
        return msgpack.ExtType(_RECORD, _pack([type(value).__name__, fields]))
    if isinstance(value, memoryview):
        return _default(bytes(value))  # a chunk's view: packed as its bytes
    raise TypeError(f"cannot store a {type(value).__name__}")


def _pack(value: Any) -> bytes:
    # strict_types: tuples and subclasses reach _default, so they come back as they went
    return msgpack.packb(value, default=_default, strict_types=True, use_bin_type=True)


def _ext(code: int, data: bytes, registry: dict[str, type]) -> Any:
    inner = _unpack(data, registry)
    if code == _TUPLE and isinstance(inner, list):
        return tuple(inner)
    if code == _SET and isinstance(inner, list):
        return set(inner)
    if code == _FROZENSET and isinstance(inner, list):
        return frozenset(inner)
    if code == _PATH and isinstance(inner, str):
        return Path(inner)
    if code == _RECORD and isinstance(inner, list) and len(inner) == 2:
        name, fields = inner
        cls = registry.get(name) if isinstance(name, str) else None
        if cls is None or not isinstance(fields, dict):
            raise Damaged(f"it holds an unknown record type {name!r}")
        known = {f.name for f in dataclasses.fields(cls) if f.compare}
        if set(fields) - known:
            raise Damaged(f"its {name} has fields this kgbuild does not know")
        try:
            return cls(**fields)
        except TypeError as exc:
            raise Damaged(f"its {name} is incomplete: {exc}") from None
    raise Damaged(f"it holds an unknown or malformed value (type {code})")


def _unpack(data: bytes, registry: dict[str, type]) -> Any:
    return msgpack.unpackb(
        data,
        raw=False,
        strict_map_key=False,
        ext_hook=lambda code, inner: _ext(code, inner, registry),
    )


def encode(kind: str, key: str, value: Any) -> bytes:
    """The file that holds ``value`` as entry ``key`` of ``kind``."""
    payload = _pack([kind, key, value])
    return MAGIC + hashlib.sha256(payload).digest() + payload


def decode(data: bytes, kind: str, key: str, types: Iterable[type] = ()) -> Any:
    """The value of a file made by ``encode(kind, key, value)``, whose records may be of the
    dataclasses ``types``; Damaged otherwise."""
    if len(data) < _HEADER or not data.startswith(MAGIC):
        raise Damaged("it is not a kgbuild data file (or is cut short)")
    payload = memoryview(data)[_HEADER:]
    if hashlib.sha256(payload).digest() != data[len(MAGIC) : _HEADER]:
        raise Damaged("its checksum does not match its content")
    try:
        entry = _unpack(payload, {cls.__name__: cls for cls in types})
    except Damaged:
        raise
    except Exception as exc:  # msgpack's errors for malformed data have no common base
        raise Damaged(f"it cannot be decoded: {exc}") from None
    if not (isinstance(entry, list) and len(entry) == 3):
        raise Damaged("it is not an entry")
    if entry[0] != kind or entry[1] != key:
        raise Damaged(f"it is the entry {entry[0]}/{entry[1]}, not {kind}/{key}")
    return entry[2]
