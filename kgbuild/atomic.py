"""Outputs that change all at once or not at all, even when the process is killed.

A build writes every output (the dumps, validation.json, the store) into a new *generation*
folder, ``dist/.generations/build-*``. Nothing a reader sees has changed until the one commit
step: the symbolic link ``dist/.current`` is pointed at the new generation with ``rename(2)``,
which is atomic. ``dist/graph.ttl``, ``dist/store`` and the rest are fixed links into
``.current``, so every output switches in that same instant. A build that fails or is killed
before the commit leaves the previous generation, and so every previous output, exactly as it
was; its unfinished generation is removed by the next build. One build or publish writes a
folder at a time, and a generation a reader still holds is not removed (locks.py).

A release folder (``kgbuild publish``) is the same idea with one link: ``dist/release`` is a
link to a finished ``.release-*`` folder beside it, swapped by one rename.

Single files (cache entries, drafts, files inside a generation or release folder) are written
by ``write_file``: a temporary file beside the target, renamed over it, so that a reader sees
the old bytes or the new ones, never a part.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from kgbuild.locks import CURRENT, LOCK_FILE, remove_unless_held

GENERATIONS = ".generations"
__all__ = ["CURRENT", "GENERATIONS", "new_generation", "point", "prune", "write_file"]


def write_file(path: Path, data: bytes, *, durable: bool = False) -> None:
    """Write ``data`` to ``path`` whole or not at all (the one atomic-write helper).

    The parent folders are made. ``durable``: fsync the file before the rename, for files that
    must survive a crash (not needed inside a generation that is committed by ``point``).
    Raises OSError; the temporary file never outlives a failure.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        os.chmod(temporary, 0o644)  # mkstemp makes it private; outputs are for everyone
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def new_generation(out: Path) -> Path:
    """A fresh, empty generation folder under ``out/.generations``."""
    folder = out / GENERATIONS
    folder.mkdir(parents=True, exist_ok=True)
    generation = Path(tempfile.mkdtemp(prefix="build-", dir=folder))
    generation.chmod(0o755)  # mkdtemp makes it private; outputs are for everyone to read
    (generation / LOCK_FILE).touch(0o644)  # readers hold it shared (locks.reading)
    return generation


def point(link: Path, target: Path) -> None:
    """Make ``link`` a symbolic link to ``target`` (written relative) in one atomic rename."""
    _link(link, os.path.relpath(target, link.parent))


def link_outputs(out: Path, generation: Path, names: list[str]) -> None:
    """After the commit (``point(out / CURRENT, generation)``): make sure each output is a
    link into ``.current``, and drop older generations."""
    for name in names:
        link = out / name
        if not (link.is_symlink() and os.readlink(link) == f"{CURRENT}/{name}"):
            _link(link, f"{CURRENT}/{name}")
    prune(out, keep=generation)


def _link(link: Path, text: str) -> None:
    """Replace ``link`` with a symbolic link holding ``text``, by one rename.

    If ``link`` is a real folder (a layout from before links were used), it is moved aside
    first and removed afterwards: that once is not atomic.
    """
    temporary = link.with_name(f".{link.name}.{os.getpid()}.link")
    with contextlib.suppress(FileNotFoundError):
        temporary.unlink()
    os.symlink(text, temporary)
    old = None
    if link.is_dir() and not link.is_symlink():
        old = link.with_name(f".{link.name}.{os.getpid()}.old")
        os.replace(link, old)
    os.replace(temporary, link)
    _sync_folder(link.parent)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def swap_folder(staging: Path, folder: Path) -> None:
    """Make ``folder`` a link to the finished ``staging`` folder beside it (one rename), then
    remove the folder it pointed at before."""
    staging.chmod(0o755)
    _link(folder, staging.name)
    # the release shown before, and any left by a killed run: .<name>-* folders beside it
    for sibling in folder.parent.glob(f".{folder.name}-*"):
        if sibling.is_dir() and not sibling.is_symlink() and sibling != staging:
            shutil.rmtree(sibling, ignore_errors=True)


def prune(out: Path, keep: Path) -> None:
    """Remove every generation but ``keep`` that no reader holds (unfinished ones from killed
    builds included); the caller holds ``out``'s writing lock (locks.py), so no other build
    is making one."""
    folder = out / GENERATIONS
    for child in sorted(folder.iterdir()) if folder.is_dir() else []:
        if child.resolve() != keep.resolve():
            remove_unless_held(child, lambda path: shutil.rmtree(path, ignore_errors=True))


def _sync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (best effort where the platform cannot)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
