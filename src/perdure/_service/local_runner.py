"""The port through which a new execution hands its first invocation straight to a
runner of this process that has a thread free (the embedded dispatcher).

Why: started the ordinary way, an execution costs a commit to create it (its first
invocation queued) and another for a runner to claim that invocation, and the claim
waits for the dispatcher's thread to wake, look for due work and hand it to a pool
thread. When the runner has room (a free thread, or a bounded place in its queue), the
start reserves it, creates the execution with the invocation already RUNNING under this
process's lease in the same commit (`Store.create_execution` with a lease) and hands it
over.

Nothing is weaker for it. The history is the same (beginning an invocation writes no
event). A crash after that commit leaves a leased invocation that never reports, which
is what a crash just after an ordinary claim leaves: the lease runs out (or the dead
process's leases are released) and the invocation is recorded as failed and retried.
When the runner has no room, or the start finds the name taken, the reservation is
given back and the execution is started and queued as before.
"""

from __future__ import annotations

from typing import Protocol

from perdure._model import InvocationInput


class Reservation(Protocol):
    """A thread held for one invocation: `run` it or `release` it, exactly once."""

    @property
    def owner(self) -> str:
        """The lease owner the invocation is claimed for."""
        ...

    @property
    def lease_ms(self) -> int: ...

    def run(self, arn: str, request_id: str, inp: InvocationInput) -> None:
        """Run the invocation just claimed under this reservation's lease."""
        ...

    def release(self) -> None:
        """Give the thread back unused."""
        ...


class LocalRunner(Protocol):
    def reserve(self, function_name: str) -> Reservation | None:
        """A free thread for an invocation of `function_name`, or None."""
        ...
