"""Making a process end when the process that started it is gone.

A child left behind by a killed parent keeps what it holds (a listening port, a database,
a lease) with nobody left to stop it. Two mechanisms, because neither is enough alone:

- On Linux the kernel sends a chosen signal when the parent dies
  (`prctl(PR_SET_PDEATHSIG)`), even if the child's Python is busy.
- Everywhere, a lifeline pipe: the parent keeps the write end, the child blocks reading
  the other, and the read returns end-of-file as soon as the parent is gone, however it
  died (the kernel closes its descriptors).
"""

from __future__ import annotations

import ctypes
import logging
import os
import select
import sys
import threading
from collections.abc import Callable

log = logging.getLogger("perdure.lifeline")

_PR_SET_PDEATHSIG = 1


def die_with_parent(signum: int) -> bool:
    """Ask the kernel to send `signum` to this process when its parent exits (Linux
    only; False elsewhere or if the call failed). The parent may already be gone by the
    time this runs: callers that care compare `os.getppid()` with the pid they expect,
    or use a lifeline pipe as well."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return int(libc.prctl(_PR_SET_PDEATHSIG, signum, 0, 0, 0)) == 0
    except (OSError, AttributeError):
        return False


def at_end(fd: int) -> bool:
    """Whether the lifeline `fd` is at end-of-file already (the parent is gone): the
    parent never writes, so readable means closed."""
    readable, _, _ = select.select([fd], [], [], 0)
    return bool(readable)


def watch(fd: int, on_parent_gone: Callable[[], None]) -> threading.Thread:
    """Call `on_parent_gone` (on a daemon thread) once the lifeline `fd` reaches
    end-of-file, i.e. once every holder of its write end has exited."""

    def wait() -> None:
        try:
            while os.read(fd, 1):
                pass  # the parent never writes; tolerate it if it does
        except OSError as exc:
            log.warning("lifeline %d unreadable (%s); treating the parent as gone", fd, exc)
        on_parent_gone()

    thread = threading.Thread(target=wait, name="perdure-lifeline", daemon=True)
    thread.start()
    return thread
