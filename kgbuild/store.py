"""The persistent pyoxigraph store that `kgbuild build` leaves for queries.

`dist/store/` holds every named graph of the dataset, their merge (each triple once) as the
default graph, and `<base>graph/inferred` (see reasoning.py).
Queries open it read-only: no dump is re-parsed, so a query process starts in milliseconds.
It is made in a staging folder and swapped in by renaming, so readers never see half a store.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from .errors import KGBuildError, OutputError

STORE_DIR = "store"


class NotBuilt(KGBuildError):
    """There is no built dataset to query yet (exit 2)."""


@dataclass(frozen=True)
class GraphNames:
    """Which named graphs hold asserted data and which the inferred triples."""

    asserted: list[pyoxigraph.NamedNode]
    inferred: pyoxigraph.NamedNode | None


def write_store(
    quads: list[pyoxigraph.Quad],
    merged: list[pyoxigraph.Triple],
    inferred: list[pyoxigraph.Quad],
    out_dir: Path,
) -> Path:
    """Load the named graphs, their ``merged`` triples as the default graph, and the
    ``inferred`` graph into a fresh RocksDB store, and swap it in as ``out_dir/store``."""
    target = out_dir / STORE_DIR
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".store-", dir=out_dir))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot create the store: {exc.strerror}") from None
    old = None
    try:
        store = pyoxigraph.Store(str(staging / STORE_DIR))
        # Serialized then bulk-loaded: much faster than handing over Python objects.
        nq = pyoxigraph.RdfFormat.N_QUADS
        store.bulk_load(pyoxigraph.serialize(quads, format=nq), nq)
        store.bulk_load(
            pyoxigraph.serialize(merged, format=pyoxigraph.RdfFormat.N_TRIPLES),
            pyoxigraph.RdfFormat.N_TRIPLES,
            to_graph=pyoxigraph.DefaultGraph(),
        )
        store.bulk_load(pyoxigraph.serialize(inferred, format=nq), nq)
        store.flush()  # bulk loading writes sorted files directly: no optimize() needed
        del store
        if target.exists():
            old = Path(tempfile.mkdtemp(prefix=".store-old-", dir=out_dir))
            os.replace(target, old / STORE_DIR)
        os.replace(staging / STORE_DIR, target)
        return target
    except OSError as exc:
        if old is not None and not target.exists():
            os.replace(old / STORE_DIR, target)
        raise OutputError(f"{target}: cannot write the store: {exc}") from None
    finally:
        shutil.rmtree(staging, ignore_errors=True)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def open_store(dist: Path) -> pyoxigraph.Store:
    """The last built store, read-only; NotBuilt if there is none."""
    path = dist / STORE_DIR
    if not path.is_dir():
        raise NotBuilt(
            f"nothing is built in {dist} yet (no {STORE_DIR}/ folder)",
            hint="run 'kgbuild build' first (or pass --dist to the folder you built into)",
        )
    try:
        return pyoxigraph.Store.read_only(str(path))
    except OSError as exc:
        raise NotBuilt(
            f"{path}: cannot open the store: {exc}", hint="run 'kgbuild build' again"
        ) from None


def graph_names(store: pyoxigraph.Store, inferred_iri: str) -> GraphNames:
    names = sorted(store.named_graphs(), key=lambda g: g.value)
    asserted = [g for g in names if g.value != inferred_iri]
    inferred = next((g for g in names if g.value == inferred_iri), None)
    return GraphNames(asserted=asserted, inferred=inferred)
