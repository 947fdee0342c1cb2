"""A build made by updating the last one: the store, the inferred graph and the report.

:func:`update` is the build's one step that redoes only what changed since ``state``; it
returns None when that is not worth it (more than ``store.INCREMENTAL_SHARE`` of the graphs
changed) or not possible (no store to copy), and the build then starts from scratch.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

import pyoxigraph

from kgbuild.cache import Cache
from kgbuild.graph.assemble import Assembly
from kgbuild.graph.reasoning import Schema
from kgbuild.incremental.inferred import update_inferred
from kgbuild.incremental.state import BuildState
from kgbuild.incremental.store import INCREMENTAL_SHARE, apply_changes, copy_previous
from kgbuild.incremental.validation import revalidate
from kgbuild.project import Project
from kgbuild.validation.engine import Engine, validate_quads
from kgbuild.validation.report import ValidationReport


@dataclass
class Updated:
    """The last build's store brought up to date, the report, the merged graph's size, and the
    IRIs of every node of a quad added to or removed from a named graph."""

    store: pyoxigraph.Store
    report: ValidationReport
    triples: int
    nodes: set[str]


def chunk_digests(
    assembly: Assembly, state: BuildState | None
) -> tuple[dict[str, str], dict[str, tuple[bytes, bytes]]]:
    """Each graph's SHA-256 (kept from ``state`` where its bytes are the same), and the graphs
    whose bytes changed since ``state``: graph -> (old chunk, new chunk; b"" when gone)."""
    changed: dict[str, tuple[bytes, bytes]] = {}
    digests: dict[str, str] = {}
    for name, chunk in assembly.chunks.items():
        if state is not None and name in assembly.kept and name in state.digests:
            digests[name] = state.digests[name]  # the same bytes, by construction
            continue
        old = bytes(state.chunk(name)) if state is not None and name in state.spans else b""
        new = bytes(chunk)  # bytes compare with memcmp; memoryviews element by element
        if state is not None and old == new and name in state.digests:
            digests[name] = state.digests[name]
            continue
        digests[name] = hashlib.sha256(new).hexdigest()
        if state is not None:
            changed[name] = (old, new)
    if state is not None:
        for name in state.spans.keys() - assembly.chunks.keys():
            changed[name] = (bytes(state.chunk(name)), b"")
    return digests, changed


def update(
    state: BuildState | None,
    changed: dict[str, tuple[bytes, bytes]],
    assembly: Assembly,
    target: Path,
    project: Project,
    schema: Schema,
    engine: Engine,
    cache: Cache,
) -> Updated | None:
    """The store at ``target`` as a copy of the last build's, updated by the ``changed``
    graphs, with its inferred graph and the validation report redone around them; None when
    the build must start from scratch (see the module doc)."""
    if state is None or len(changed) > INCREMENTAL_SHARE * len(assembly.chunks):
        return None
    store = copy_previous(state.folder, target)
    if store is None:
        return None
    changes = apply_changes(store, changed, {project.graph_iri("inferred")})
    touched = changes.named_nodes()
    update_inferred(store, touched, schema, project)
    if changed:
        cache.did("graphs reasoned", len(changed))
        cache.did("store graphs replaced", len(changed))
    triples = state.triples + len(changes.merged_added) - len(changes.merged_removed)
    if engine.revalidates:
        checked, redone = revalidate(
            store, state.problems, changes, project, assembly.locations, engine
        )
        if redone:
            cache.did("nodes validated", redone)
    else:
        checked = validate_quads(
            [], project, assembly.locations, engine=engine, store=store, data_nquads=assembly.nquads
        )
    nodes = {n.value for n in touched if isinstance(n, pyoxigraph.NamedNode)}
    return Updated(store, checked, triples, nodes)


def last_report(
    assembly: Assembly, state: BuildState | None, engine: Engine, project: Project
) -> ValidationReport | None:
    """The last build's report when it holds for ``assembly`` (the same graphs, byte for byte,
    and an engine that may reuse results); None: validate."""
    if state is None or not engine.revalidates:
        return None
    same = state.spans.keys() == assembly.chunks.keys() and all(
        name in assembly.kept or bytes(state.chunk(name)) == bytes(chunk)
        for name, chunk in assembly.chunks.items()
    )
    return ValidationReport(problems=state.problems, base=project.base) if same else None
