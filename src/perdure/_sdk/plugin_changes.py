"""The change thread of an invocation's plugins: `on_operation_change` runs here, off the
checkpoint path.

Why a thread of its own: checkpoint responses are merged on whichever thread sends the
batch (the checkpoint thread, or a caller sending its own batch), and no plugin code may
run there. Why coalesce: a slow hook must not queue one notification per response; what
piles up meanwhile is delivered as one notification holding the latest state per
operation.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence

from perdure._model import Operation

__all__ = ["ChangeDispatcher"]

_log = logging.getLogger("perdure.plugins")


class ChangeDispatcher:
    """The change thread: runs `on_operation_change` off the checkpoint path. Changes that
    arrive while a hook runs are coalesced into one notification (latest per id)."""

    def __init__(self, deliver: Callable[[Mapping[str, Operation]], None]) -> None:
        self._deliver = deliver
        self._cond = threading.Condition()
        self._pending: dict[str, Operation] = {}
        self._closed = False
        self._thread: threading.Thread | None = None

    def notify(self, ops: Sequence[Operation]) -> None:
        with self._cond:
            if self._closed:
                return
            for op in ops:
                self._pending[op.operation_id] = op
            if self._thread is None:
                self._thread = threading.Thread(
                    target=self._run, name="perdure-plugin-changes", daemon=True
                )
                self._thread.start()
            self._cond.notify()

    def close(self) -> None:
        """Deliver what is pending, then stop the thread."""
        with self._cond:
            self._closed = True
            self._cond.notify()
            thread = self._thread
        if thread is not None:
            thread.join()

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if not self._pending:
                    return
                changed, self._pending = self._pending, {}
            try:
                self._deliver(changed)
            except Exception:  # building infos must not kill the thread
                _log.exception("Delivering operation changes to plugins failed")
