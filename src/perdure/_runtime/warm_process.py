"""What the Python and Node.js warm environments share: a handler process in its own
process group, killed as a whole, whose pipes and helpers are released exactly once.

Each environment starts its process its own way (`lambda_invoker`, `lambda_node`); how it
ends is the same for both, and a timeout or a crash must leave no process of the
handler's behind, whichever runtime it had.
"""

from __future__ import annotations

import os
import signal
import subprocess

# How long a closed process may take to exit before it is killed.
EXIT_GRACE_SECONDS = 2.0


class WarmProcess:
    """A handler process in a process group of its own (`start_new_session=True`).

    Subclasses set `_proc` when they start it and release their own resources (pipes,
    a Runtime API server) in `_release`, which may be called more than once."""

    _proc: subprocess.Popen[bytes]

    @property
    def pid(self) -> int:
        return self._proc.pid

    @property
    def alive(self) -> bool:
        return self._proc.poll() is None

    def kill(self) -> None:
        """Kill the process and everything it started (its process group)."""
        try:
            os.killpg(self._proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self._proc.wait()
        self._release()

    def _wait_exit(self) -> int | None:
        """The exit status of a process that is ending, killed if it takes longer than
        the grace period."""
        try:
            return self._proc.wait(EXIT_GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.kill()
            return self._proc.returncode
        finally:
            self._release()

    def _release(self) -> None:
        raise NotImplementedError
