"""One lock per execution, so a process decides and commits many executions at once.

Within a process, the decisions on one execution must take turns: each is made on the
cached state and folded into it after its commit. Across executions nothing is shared
but the cache's index, so one process-wide lock held across each commit would only make
commits queue; on PostgreSQL concurrent commits share WAL flushes (group commit), so
letting them overlap is what makes a server's throughput grow with its workers.
Correctness across processes never rested on a lock: every commit is guarded by the
row version, and a checkpoint by its token.

The locks are striped: an execution's ARN picks one of a fixed set of re-entrant locks,
so no table grows with the executions seen, and two executions rarely share one. Since
two may share one, code must never hold one execution's lock while taking another's
(it never needs to: a parent is settled after its child's commit, not during it).
Where waiting is forbidden (`perdure._store.waiting`), a held lock refuses at once.
"""

from __future__ import annotations

from perdure._store.waiting import WaitAwareLock

STRIPES = 256


class ExecutionLocks:
    def __init__(self, stripes: int = STRIPES) -> None:
        self._locks = tuple(WaitAwareLock() for _ in range(stripes))

    def __call__(self, arn: str) -> WaitAwareLock:
        """The lock that orders this process's decisions on `arn`."""
        return self._locks[hash(arn) % len(self._locks)]
