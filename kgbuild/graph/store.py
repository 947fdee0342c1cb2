"""The persistent pyoxigraph store that `kgbuild build` leaves for queries.

`dist/store/` holds every named graph of the dataset, their merge (each triple once) as the
default graph, and `<base>graph/inferred` (see reasoning.py).
Queries open it read-only: no dump is re-parsed, so a query process starts in milliseconds.
It is written into the build's new generation folder, which one rename commits (see
atomic.py), so readers never see half a store.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pyoxigraph

from kgbuild.errors import KGBuildError, OutputError

STORE_DIR = "store"


class NotBuilt(KGBuildError):
    """There is no built dataset to query yet (exit 2)."""


GRAPHS_FILE = "store-graphs.json"  # beside the store: the SHA-256 of each named graph in it
INCREMENTAL_SHARE = 0.2  # update the previous store in place when at most this share changed


def write_store(
    quads: list[pyoxigraph.Quad],
    inferred: list[pyoxigraph.Quad],
    out_dir: Path,
    chunks: dict[str, bytes],
    previous: Path | None = None,
) -> tuple[Path, int | None]:
    """Write ``out_dir/store``: the named graphs, their merged triples as the default graph,
    and the ``inferred`` graph.

    If ``previous`` (the folder of the last build's store) holds a store built from mostly the
    same graphs, it is copied as a RocksDB checkpoint (hard links) and only the graphs that
    changed are replaced; otherwise the store is bulk-loaded from scratch. ``out_dir`` is a
    build generation (see atomic.py), so a store is never seen half-written either way.
    ``chunks``: each named graph's N-Quads (see rdf.graph_nquads), whose hashes tell which
    graphs changed. Returns the store's path and how many named graphs were replaced (None: a
    fresh load).
    """
    target = out_dir / STORE_DIR
    digests = {name: hashlib.sha256(data).hexdigest() for name, data in chunks.items()}
    inferred_iri = inferred[0].graph_name.value if inferred else None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        replaced = _update_previous(previous, target, quads, digests, inferred, inferred_iri)
        if replaced is None:
            shutil.rmtree(target, ignore_errors=True)
            _load_fresh(target, quads, inferred)
        (out_dir / GRAPHS_FILE).write_text(json.dumps(digests, indent=1, sort_keys=True))
        return target, replaced
    except OSError as exc:
        raise OutputError(f"{target}: cannot write the store: {exc}") from None


def _load_fresh(
    target: Path, quads: list[pyoxigraph.Quad], inferred: list[pyoxigraph.Quad]
) -> None:
    from kgbuild.graph.dumps import merged_triples

    merged = merged_triples(quads)
    store = pyoxigraph.Store(str(target))
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


def _update_previous(
    previous: Path | None,
    target: Path,
    quads: list[pyoxigraph.Quad],
    digests: dict[str, str],
    inferred: list[pyoxigraph.Quad],
    inferred_iri: str | None,
) -> int | None:
    """Copy the previous store and replace the graphs that changed; None if not worth it."""
    if previous is None or inferred_iri is None:
        return None
    try:
        old_digests = json.loads((previous / GRAPHS_FILE).read_text())
        old = pyoxigraph.Store.read_only(str(previous / STORE_DIR))
    except (OSError, ValueError):
        return None
    changed = {g for g, d in digests.items() if old_digests.get(g) != d}
    changed |= set(old_digests) - set(digests)
    if len(changed) > INCREMENTAL_SHARE * max(len(digests), 1):
        return None
    old.backup(str(target))
    del old
    store = pyoxigraph.Store(str(target))
    replace_graphs(
        store, changed, [q for q in quads if q.graph_name.value in changed], inferred_iri
    )
    graph = pyoxigraph.NamedNode(inferred_iri)
    before = {str(q): q for q in store.quads_for_pattern(None, None, None, graph)}
    after = {str(q): q for q in inferred}
    for key in before.keys() - after.keys():
        store.remove(before[key])
    store.extend(after[key] for key in sorted(after.keys() - before.keys()))
    store.flush()
    return len(changed)


def replace_graphs(
    store: pyoxigraph.Store, names: set[str], quads: list[pyoxigraph.Quad], inferred_iri: str
) -> bool:
    """Drop the named graphs ``names`` and add ``quads`` (to their named graphs and to the
    merged default graph); a dropped triple leaves the merged graph only if no other named
    graph (the inferred one aside) still asserts it. True if any of ``names`` was there."""
    default = pyoxigraph.DefaultGraph()
    gone: dict[str, pyoxigraph.Triple] = {}
    for name in sorted(names):
        graph = pyoxigraph.NamedNode(name)
        for q in store.quads_for_pattern(None, None, None, graph):
            gone[str(q.triple)] = q.triple
        store.remove_graph(graph)
    store.extend(quads)
    store.extend(pyoxigraph.Quad(q.subject, q.predicate, q.object, default) for q in quads)
    for t in gone.values():
        holders = store.quads_for_pattern(t.subject, t.predicate, t.object, None)
        if not any(
            isinstance(h.graph_name, pyoxigraph.NamedNode) and h.graph_name.value != inferred_iri
            for h in holders
        ):
            store.remove(pyoxigraph.Quad(t.subject, t.predicate, t.object, default))
    return bool(gone)


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
