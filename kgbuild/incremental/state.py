"""What a build leaves for the next one: enough to redo only what changed.

Beside its outputs, every build generation holds ``build-state.pickle``: the digest of each
document's inputs, each graph's summary (graph/assemble.py), where each graph's bytes are in
dataset.nq, the validation problems and the number of distinct triples. The next build into
the same folder takes an unchanged document's chunk from that dataset.nq and its summary from
here (a document whose files keep the size and modification time they had, long enough before
the state was written, is not even read again: see BuildState.unchanged_input), and updates
the store, the inferred graph and the validation report around what changed (see update.py),
so that adding one document costs about one document's work.

The state is only used when everything that shapes the whole build is unchanged: the reading
rules (context, ontology, vocabularies, base IRI, kgbuild version) and the shapes. A damaged
or missing state means a full build, never a wrong one.
"""

from __future__ import annotations

import pickle
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgbuild import __version__
from kgbuild.atomic import write_file
from kgbuild.graph.assemble import Assembly, Summary

STATE_FILE = "build-state.pickle"
FORMAT = 3  # bumped when what the state holds changes
RACY_NS = 2_000_000_000  # files modified this close before a state was written are hashed


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

    def unchanged_input(self, doc_id: str, stat: tuple[int, ...]) -> str | None:
        """The digest of a document's inputs without reading them, when both files have the
        size and modification time they had for the last build and were last modified well
        before it (a file written in the same instant as the state could change unseen:
        git's "racy clean" case); None means: read and hash them."""
        if not stat or self.input_stats.get(doc_id) != stat:
            return None
        if max(stat[1], stat[3]) > self.written_ns - RACY_NS:
            return None
        return self.inputs.get(doc_id)

    @property
    def nquads(self) -> bytes:
        """The last build's dataset.nq (read once)."""
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
    )
    data = pickle.dumps((FORMAT, __version__, state), protocol=pickle.HIGHEST_PROTOCOL)
    write_file(folder / STATE_FILE, data)


def load_state(folder: Path | None, fingerprint: str, shapes: str) -> BuildState | None:
    """The state a build left in ``folder`` if it was made under the same reading rules and
    shapes; None otherwise (or when it cannot be read)."""
    if folder is None:
        return None
    try:
        with open(folder / STATE_FILE, "rb") as handle:
            version, made_by, state = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ValueError, TypeError):
        return None
    if (version, made_by) != (FORMAT, __version__) or not isinstance(state, BuildState):
        return None
    if (state.fingerprint, state.shapes) != (fingerprint, shapes):
        return None
    state.folder, state._nq, state._view = folder, None, None
    return state
