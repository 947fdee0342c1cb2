"""Who may write an output folder, and which generations someone is still reading.

- A build or a publish holds ``writing(folder)`` for its whole run: an exclusive lock on
  ``<folder>/.lock`` (flock(2), so the kernel drops it when the process ends, however it
  ends). A second run into the same folder waits, after one line saying whom it waits for, or
  with ``wait=False`` stops at once with Busy (exit 3). The holder's pid, command and start
  time are written into the lock file for that line.
- A reader (``kgbuild query``, ``serve``, the library's ``query``) holds ``Reading(dist)``:
  a shared lock on the lock file of the generation that ``dist/.current`` names at that
  moment, for as long as it reads it. Readers never wait for writers: a generation is
  complete before ``.current`` names it (atomic.py).
- A build removes an older generation only if it can lock it exclusively, without waiting,
  that is when no reader holds it (atomic.prune); a held one is removed by a later build.

flock is per open file, so two readers in one process do not block each other, and a
reader in the same process as a build does not block the build's own pruning of other
generations. Plain POSIX, in the standard library: filelock would add only what this module
does not need (Windows, timeouts), and has no shared locks.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from kgbuild.errors import Busy, OutputError

LOCK_FILE = ".lock"  # in an output folder, and in each generation
CURRENT = ".current"


HOLDER_PATIENCE = 1.0  # seconds to wait for a new holder to write its name


def _holder(handle: int) -> str:
    try:
        return os.pread(handle, 4096, 0).decode("utf-8", "replace").strip()
    except OSError:
        return ""


def _try_lock(handle: int) -> str | None:
    """Take the exclusive lock without waiting: None when taken, else who holds it.

    The holder writes its name just after it takes the lock and clears it just before it lets
    go, so an empty name means one of those instants: look again for a moment (the lock may
    come free meanwhile) before calling the holder "another process"."""
    deadline = time.monotonic() + HOLDER_PATIENCE
    while True:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return None
        except BlockingIOError:
            who = _holder(handle)
            if who:
                return who
            if time.monotonic() > deadline:
                return "another process"
            time.sleep(0.01)


@contextlib.contextmanager
def writing(
    folder: Path, *, wait: bool = True, waiting: Callable[[str], None] | None = None
) -> Iterator[None]:
    """Hold the exclusive lock of ``folder`` (made if missing) for the block.

    Busy: ``wait`` is False and someone holds it. Else, if someone holds it, ``waiting``
    hears one line and the call blocks until the lock is free. OutputError: the folder
    cannot be made or the lock file opened.
    """
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError as exc:
        raise OutputError(
            f"{folder}: cannot create the output folder or its lock: {exc.strerror}",
            hint="choose a writable folder with --out",
        ) from None
    try:
        who = _try_lock(handle)
        if who is not None:
            if not wait:
                raise Busy(
                    f"{folder} is being written by {who}",
                    hint="wait for it to finish, or run again without --no-wait to queue behind it",
                ) from None
            if waiting is not None:
                waiting(f"waiting for {who} to finish writing {folder} ...")
            fcntl.flock(handle, fcntl.LOCK_EX)
        stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime())
        command = " ".join([Path(sys.argv[0]).name, *sys.argv[1:]])[:200] if sys.argv else ""
        name = f"pid {os.getpid()} ({command}, since {stamp})".encode()
        os.pwrite(handle, name, 0)  # written, then cut to length: never empty while held
        os.ftruncate(handle, len(name))
        try:
            yield
        finally:
            with contextlib.suppress(OSError):
                os.ftruncate(handle, 0)
    finally:
        os.close(handle)  # releases the lock


def current_generation(dist: Path) -> Path | None:
    """The generation ``dist/.current`` names now (None before a first build)."""
    current = dist / CURRENT
    return current.resolve() if current.is_dir() else None


class Reading:
    """The last build of ``dist`` held for reading: ``folder`` is its generation, which no
    build removes until ``release()`` (or until this object is collected: an answer that
    streams from the store keeps its Reading); ``dist`` itself for a folder laid out without
    generations. Never waits for a build. Also a context manager."""

    def __init__(self, dist: Path) -> None:
        self._handle: int | None = None
        self.folder = dist
        for _ in range(100):
            generation = current_generation(dist)
            if generation is None:
                return
            try:
                handle = os.open(generation / LOCK_FILE, os.O_RDONLY)
            except FileNotFoundError:
                if generation.is_dir():  # made before generations had a lock file
                    self.folder = generation
                    return
                continue  # removed since it was resolved: a newer one is current
            fcntl.flock(handle, fcntl.LOCK_SH)
            try:  # a build may have removed it between resolving and locking
                same = os.path.samestat(os.fstat(handle), os.stat(generation / LOCK_FILE))
            except OSError:
                same = False
            if same:
                self._handle, self.folder = handle, generation
                return
            os.close(handle)
        # builds committing faster than this loop turns: read through the links

    def release(self) -> None:
        if self._handle is not None:
            os.close(self._handle)
            self._handle = None

    def __del__(self) -> None:
        self.release()

    def __enter__(self) -> Reading:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def remove_unless_held(generation: Path, remove: Callable[[Path], None]) -> bool:
    """Call ``remove(generation)`` if no reader holds it (checked without waiting); whether
    it was removed."""
    try:
        handle = os.open(generation / LOCK_FILE, os.O_RDONLY)
    except FileNotFoundError:
        remove(generation)  # an unfinished generation, or one made before readers locked
        return True
    except OSError:
        return False
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        remove(generation)
        return True
    finally:
        os.close(handle)
