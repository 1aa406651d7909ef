"""Store faults from outside the Perdure processes: a database lock held past SQLite's
busy timeout, a disk that fills up, and clock jumps.

Each is a context manager: the fault lasts while the block runs and is gone when it
ends, whatever happens inside, so a failing check never leaves a lock or a full disk
behind.
"""

from __future__ import annotations

import errno
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Perdure's SQLite connections wait 10 s for a lock; the fault outlasts that.
LOCK_SECONDS = 15.0


@contextmanager
def exclusive_lock(db_path: Path) -> Iterator[None]:
    """Hold `BEGIN EXCLUSIVE` on the database from another connection (another thread
    of this process, which is all SQLite sees: a second connection) until the block
    ends. Taking the lock waits for a write under way, at most 30 s."""
    taken = threading.Event()
    release = threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            db = sqlite3.connect(str(db_path), timeout=30, isolation_level=None)
        except sqlite3.Error as exc:
            failure.append(exc)
            taken.set()
            return
        try:
            db.execute("BEGIN EXCLUSIVE")
            taken.set()
            release.wait(120)  # bounded even if the block never ends
            db.execute("ROLLBACK")
        except sqlite3.Error as exc:
            failure.append(exc)
            taken.set()
        finally:
            db.close()

    holder = threading.Thread(target=hold, name="chaos-lock", daemon=True)
    holder.start()
    taken.wait(40)
    if failure:
        raise RuntimeError(f"could not lock {db_path}: {failure[0]}")
    try:
        yield
    finally:
        release.set()
        holder.join(30)


class SmallDisk:
    """A small tmpfs of its own (the database lives on it) that can be filled up and
    freed. Needs root and a kernel that lets this process mount; `available()` says."""

    def __init__(self, size_mb: int = 64) -> None:
        self.size_mb = size_mb
        self.path = Path(tempfile.mkdtemp(prefix="perdure-chaos-disk-"))
        self._mounted = False
        self._filler = self.path / "filler"

    @staticmethod
    def available() -> bool:
        probe = SmallDisk(size_mb=1)
        try:
            probe.mount()
            return True
        except OSError:
            return False
        finally:
            probe.close()

    def mount(self) -> None:
        done = subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={self.size_mb}m", "tmpfs", str(self.path)],
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise OSError(f"cannot mount a tmpfs here: {done.stderr.strip() or done.stdout}")
        self._mounted = True

    def fill(self) -> int:
        """Write a filler file until the disk is full; the bytes it took."""
        written = 0
        chunk = b"\0" * (1 << 20)
        fd = os.open(self._filler, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
        try:
            for size in (1 << 20, 1 << 12, 1):  # big pieces, then the last crumbs
                piece = chunk[:size]
                while True:
                    try:
                        written += os.write(fd, piece)
                    except OSError as exc:
                        if exc.errno != errno.ENOSPC:
                            raise
                        break
        finally:
            os.close(fd)
        return written

    def free(self) -> None:
        self._filler.unlink(missing_ok=True)

    @contextmanager
    def full(self) -> Iterator[int]:
        try:
            yield self.fill()
        finally:
            self.free()

    def close(self) -> None:
        self.free()
        if self._mounted:
            subprocess.run(["umount", "-l", str(self.path)], capture_output=True, check=False)
            self._mounted = False
        shutil.rmtree(self.path, ignore_errors=True)


class ClockControl:
    """The offset file `tests.chaos.skewed_clock` processes follow."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.set(0)

    def set(self, offset_ms: int) -> None:
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(str(offset_ms), encoding="utf-8")
        tmp.replace(self.path)  # atomic: a reader never sees a half-written number

    @contextmanager
    def jumped(self, offset_ms: int) -> Iterator[None]:
        """The clock of every process jumps by `offset_ms` for the block, then back."""
        self.set(offset_ms)
        try:
            yield
        finally:
            self.set(0)
