"""What a build leaves for the next one: enough to redo only what changed.

Beside its outputs, every build generation holds ``build-state.msgpack``: the digest of each
document's inputs, each graph's summary (graph/assemble.py), where each graph's bytes are in
dataset.nq, the validation problems and the number of distinct triples. The next build into
the same folder takes an unchanged document's chunk from that dataset.nq and its summary from
here (a document whose files keep the size, modification and change times, inode and device
they had, long enough before the state was written, is not even read again, as git decides
a file is unchanged: see BuildState.unchanged_input), and updates
the store, the inferred graph and the validation report around what changed (see update.py),
so that adding one document costs about one document's work.

The state is only used when everything that shapes the whole build is unchanged: the reading
rules (context, ontology, vocabularies, base IRI, kgbuild version) and the shapes. The state
is data with a checksum (kgbuild/serial.py, never pickle), and it holds the size and SHA-256
of the dataset.nq its spans point into: a damaged, foreign or missing state, or a dataset.nq
that is not the one it was written with, means a full build (with one line saying so), never
a wrong one.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgbuild import __version__
from kgbuild.atomic import write_file
from kgbuild.errors import Location
from kgbuild.graph.assemble import Assembly, Summary
from kgbuild.serial import Damaged, decode, encode
from kgbuild.validation.report import Problem

STATE_FILE = "build-state.msgpack"
FORMAT = 4  # bumped when what the state holds changes
RACY_NS = 2_000_000_000  # files modified this close before a state was written are hashed
TIMES = (1, 2, 6, 7)  # the times in assemble.input_stat: both files' mtime and ctime


@dataclass
class BuildState:
    """The last build's state (see the module doc)."""

    fingerprint: str
    shapes: str  # digest of the shapes files
    inputs: dict[str, str]  # document id -> digest of its inputs
    doc_graphs: dict[str, str]  # document id -> its graph
    raw_summaries: dict[str, Summary]
    raw_chunks: dict[str, bytes]
    spans: dict[str, tuple[int, int]]  # graph -> its bytes in dataset.nq
    problems: list[Any]  # the validation problems (validation.report.Problem)
    triples: int
    folder: Path | None = field(default=None, compare=False)
    _nq: bytes | None = field(default=None, repr=False, compare=False)
    _view: memoryview | None = field(default=None, repr=False, compare=False)
    digests: dict[str, str] = field(default_factory=dict)  # graph -> SHA-256 of its chunk
    input_stats: dict[str, tuple[int, ...]] = field(default_factory=dict)  # assemble.input_stat
    written_ns: int = 0  # when the state was written (time.time_ns)
    nq_size: int = 0  # the size and SHA-256 of the dataset.nq that ``spans`` point into
    nq_sha256: str = ""

    def unchanged_input(self, doc_id: str, stat: tuple[int, ...]) -> str | None:
        """The digest of a document's inputs without reading them, when both files have what
        they had for the last build (assemble.input_stat: size, modification and change
        times, inode, device) and were last changed well before it (a file written in the
        same instant as the state could change unseen: git's "racy clean" case); None means:
        read and hash them."""
        if not stat or self.input_stats.get(doc_id) != stat:
            return None
        if max(stat[i] for i in TIMES) > self.written_ns - RACY_NS:
            return None
        return self.inputs.get(doc_id)

    @property
    def nquads(self) -> bytes:
        """The last build's dataset.nq (read once, by load_state)."""
        if self._nq is None:
            assert self.folder is not None
            self._nq = (self.folder / "dataset.nq").read_bytes()
        return self._nq

    def chunk(self, graph: str) -> memoryview:
        """A graph's chunk as the last build wrote it (a view into its dataset.nq)."""
        if self._view is None:
            self._view = memoryview(self.nquads)
        start, end = self.spans[graph]
        return self._view[start:end]

    def document(self, doc_id: str, key: str) -> tuple[bytes | memoryview, Summary] | None:
        """A document's chunk and summary as read, if its inputs still have digest ``key``."""
        if self.inputs.get(doc_id) != key:
            return None
        graph = self.doc_graphs[doc_id]
        raw = self.raw_chunks.get(graph)
        try:
            return (raw if raw is not None else self.chunk(graph)), self.raw_summaries[graph]
        except (OSError, KeyError):
            return None


def save_state(
    folder: Path,
    assembly: Assembly,
    doc_graphs: dict[str, str],
    shapes: str,
    problems: list[Any],
    triples: int,
    digests: dict[str, str],
) -> None:
    """Write the state of the build whose generation is ``folder`` (dataset.nq written)."""
    spans: dict[str, tuple[int, int]] = {}
    at = 0
    for name, chunk in assembly.chunks.items():
        spans[name] = (at, at + len(chunk))
        at += len(chunk)
    state = BuildState(
        fingerprint=assembly.fingerprint,
        shapes=shapes,
        inputs=assembly.inputs,
        doc_graphs=doc_graphs,
        raw_summaries={g: assembly.raw_summaries[g] for g in doc_graphs.values()},
        raw_chunks=assembly.raw_chunks,
        spans=spans,
        problems=problems,
        triples=triples,
        digests=digests,
        input_stats=assembly.input_stats,
        written_ns=time.time_ns(),
        nq_size=len(assembly.nquads),
        nq_sha256=hashlib.sha256(assembly.nquads).hexdigest(),
    )
    write_file(folder / STATE_FILE, encode("build-state", KEY, state))


KEY = f"v{FORMAT}-{__version__}"  # a state of another format or kgbuild version is not read
TYPES = (BuildState, Summary, Location, Problem)


def load_state(
    folder: Path | None,
    fingerprint: str,
    shapes: str,
    notify: Callable[[str], None] | None = None,
) -> BuildState | None:
    """The state a build left in ``folder`` if it was made under the same reading rules and
    shapes, with the dataset.nq beside it; None otherwise. A state that is damaged, foreign
    or does not match its dataset.nq is discarded, and ``notify`` hears one line."""
    if folder is None:
        return None
    path = folder / STATE_FILE
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except OSError as exc:
        return _discarded(path, f"it cannot be read ({exc.strerror})", notify)
    try:
        state = decode(data, "build-state", KEY, TYPES)
    except Damaged as exc:
        if exc.reason.startswith("it is the entry build-state/"):  # another version's
            return None
        return _discarded(path, exc.reason, notify)
    if not isinstance(state, BuildState):
        return _discarded(path, "it holds no build state", notify)
    if (state.fingerprint, state.shapes) != (fingerprint, shapes):
        return None
    state.folder, state._nq, state._view = folder, None, None
    try:
        nquads = (folder / "dataset.nq").read_bytes()
    except OSError:
        return _discarded(path, "the dataset.nq beside it cannot be read", notify)
    if len(nquads) != state.nq_size or hashlib.sha256(nquads).hexdigest() != state.nq_sha256:
        return _discarded(path, "the dataset.nq beside it is not the one it describes", notify)
    state._nq = nquads
    return state


def _discarded(path: Path, reason: str, notify: Callable[[str], None] | None) -> None:
    if notify is not None:
        notify(f"discarded the build state {path}: {reason}; building everything again")
