"""What a build leaves for the next one: enough to redo only what changed.

Beside its outputs, every build generation holds ``build-state.pickle``: the digest of each
document's inputs, each graph's summary (graph/assemble.py), where each graph's bytes are in
dataset.nq, the validation problems and the number of distinct triples. The next build into
the same folder takes an unchanged document's chunk from that dataset.nq and its summary from
here, and updates the store, the inferred graph and the validation report around what changed
(see pipeline.py), so that adding one document costs about one document's work.

The state is only used when everything that shapes the whole build is unchanged: the reading
rules (context, ontology, vocabularies, base IRI, kgbuild version) and the shapes. A damaged
or missing state means a full build, never a wrong one.
"""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kgbuild import __version__
from kgbuild.atomic import write_file
from kgbuild.graph.assemble import Assembly, Summary

STATE_FILE = "build-state.pickle"
FORMAT = 1  # bumped when what the state holds changes


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

    @property
    def nquads(self) -> bytes:
        """The last build's dataset.nq (read once)."""
        if self._nq is None:
            assert self.folder is not None
            self._nq = (self.folder / "dataset.nq").read_bytes()
        return self._nq

    def chunk(self, graph: str) -> bytes:
        """A graph's chunk as the last build wrote it."""
        start, end = self.spans[graph]
        return self.nquads[start:end]

    def document(self, doc_id: str, key: str) -> tuple[bytes, Summary] | None:
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
    state.folder = folder
    return state
