"""Who holds a lease: one owner id per process, and telling when a local owner is gone.

An owner id is `host:pid:random`, unique per process and readable in lease records.
A runner that starts after another on the same machine was killed can see from the
id that the pid is no longer alive and give up on its leases at once, instead of
waiting for them to expire: that is what makes a restarted `perdure dev` resume within
seconds. The random part keeps ids unique when a pid is reused; a reused pid only
makes the check answer "alive", and then the lease's expiry still applies.
"""

from __future__ import annotations

import os
import socket

from perdure import _ids


def process_owner_id() -> str:
    """An owner id for this process: host:pid:random."""
    return f"{socket.gethostname()}:{os.getpid()}:{_ids.random_string(6)}"


def is_dead_local_owner(owner: str) -> bool:
    """Whether `owner` names a process on this machine that no longer exists. False
    for anything else: another machine's owner, an id of another shape, a live pid, or
    one this process may not signal (alive, owned by another user)."""
    host, sep, rest = owner.partition(":")
    pid_text, sep2, _ = rest.partition(":")
    if not sep or not sep2 or host != socket.gethostname() or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    if pid <= 1 or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return _is_zombie(pid)


def _is_zombie(pid: int) -> bool:
    """A killed child its parent has not reaped yet still answers signal 0; on Linux
    its state says it is dead."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return False
    end = stat.rfind(b")")
    return end >= 0 and stat[end + 2 : end + 3] == b"Z"
