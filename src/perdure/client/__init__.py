"""Drive durable executions from Python: start, wait, inspect, stop, pause, resume,
delete, and complete callbacks.

    from perdure.client import DurableClient

    with DurableClient.connect("http://127.0.0.1:9014") as client:
        arn = client.start("orders", {"orderId": "o-1"})
        execution = client.wait(arn, timeout=60)
        print(execution.status, execution.result)

`connect` talks to a Perdure server over the Lambda durable-execution API (the same API
boto3's `lambda` client uses); `embedded(app)` calls the service directly inside the
process that runs it. Both raise the same `perdure.errors.ApiError` subclasses, so code
written against one works against the other.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from types import TracebackType
from typing import TYPE_CHECKING, Any

from perdure._clock import monotonic, real_sleep
from perdure._config import Settings, parse_endpoint
from perdure._wire.api_errors import InvalidRequestContentError, UnexpectedResponseError
from perdure.client._embedded import EmbeddedTransport
from perdure.client._transport import RemoteTransport, Transport
from perdure.client._types import (
    ErrorDetails,
    Execution,
    ExecutionFailedError,
    Progress,
    ServiceUnavailableError,
)
from perdure.errors import RequestTooLargeError

if TYPE_CHECKING:
    from perdure._app import EmbeddedApp

__all__ = [
    "DurableClient",
    "ErrorDetails",
    "Execution",
    "ExecutionFailedError",
    "InvalidRequestContentError",
    "Progress",
    "RequestTooLargeError",
    "ServiceUnavailableError",
    "UnexpectedResponseError",
]

_PAGE = 100
# Each long-poll holds the request this long at most (the server's bound is 20 s).
_LONG_POLL = 15.0
# With `on_progress`, a look at least this often.
_PROGRESS_EVERY = 0.25
_FIRST_POLL = 0.02
_MAX_POLL = 0.5
_RECENT_EVENTS = 5


class DurableClient:
    """Start, watch and steer durable executions from application code or scripts.

    Build one with `DurableClient.connect(url, token)` for a Perdure server, or
    `DurableClient.embedded(app)` inside the process that runs the service, rather than
    calling the constructor. Example::

        with DurableClient.connect("http://127.0.0.1:9014") as client:
            arn = client.start("orders", {"orderId": "o-1"}, name="order-o-1")
            execution = client.wait(arn, timeout=60)
        print(execution.status, execution.result)
    """

    def __init__(self, transport: Transport) -> None:
        self._transport = transport

    @classmethod
    def connect(
        cls, url: str | None = None, token: str | None = None, *, timeout: float = 30.0
    ) -> DurableClient:
        """A client of the server at `url` (default `$PERDURE_ENDPOINT`, else
        http://127.0.0.1:9014). `token` (default `$PERDURE_TOKEN`) is sent as
        `Authorization: Bearer <token>`; servers listening beyond loopback require it."""
        if url is None or token is None:
            settings = Settings.from_env()
            url = settings.endpoint if url is None else url
            token = settings.token if token is None else token
        return cls(RemoteTransport(parse_endpoint(url, "url"), token or None, timeout))

    @classmethod
    def embedded(cls, app: EmbeddedApp) -> DurableClient:
        """A client calling the service of `app` (from `perdure._app.build_embedded`)
        directly: no HTTP, no server."""
        return cls(EmbeddedTransport(app))

    @property
    def where(self) -> str:
        """The server URL, or "the embedded service": what to name in an error message
        about a call that did not get through."""
        return self._transport.where

    def close(self) -> None:
        """Close the pooled connections to the server (or nothing, embedded: the app
        belongs to whoever built it). Leaving a `with` block calls it."""
        self._transport.close()

    def __enter__(self) -> DurableClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # -- starting and waiting ---------------------------------------------------------

    def start(
        self,
        function_name: str,
        input: Any = None,
        *,
        name: str | None = None,
        qualifier: str | None = None,
    ) -> str:
        """Start an execution and return its ARN at once. `input` is JSON-encoded (None
        sends no input). A `name` makes the start idempotent: the same name and input
        return the existing execution; a different input raises
        `ExecutionAlreadyStartedError`."""
        try:
            payload = None if input is None else json.dumps(input)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"input must be JSON-serializable: {exc}") from None
        return self.start_raw(function_name, payload, name=name, qualifier=qualifier)

    def start_raw(
        self,
        function_name: str,
        payload: str | None,
        *,
        name: str | None = None,
        qualifier: str | None = None,
    ) -> str:
        """`start` with the input payload given as the JSON text to store, unchanged:
        for input that is already JSON (read from a file or a queue), byte for byte."""
        return self._transport.start(function_name, payload, name, qualifier)

    def invoke(
        self,
        function_name: str,
        input: Any = None,
        *,
        name: str | None = None,
        qualifier: str | None = None,
        timeout: float | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> Any:
        """Start an execution, wait for it to end and return its (decoded) result.
        Raises `ExecutionFailedError` if it ended FAILED, TIMED_OUT or STOPPED, and
        `TimeoutError` if it is still running after `timeout` seconds (it goes on)."""
        arn = self.start(function_name, input, name=name, qualifier=qualifier)
        execution = self.wait(arn, timeout=timeout, on_progress=on_progress)
        if execution.status != "SUCCEEDED":
            raise ExecutionFailedError(execution)
        return execution.result

    def wait(
        self,
        arn: str,
        timeout: float | None = None,
        on_progress: Callable[[Progress], None] | None = None,
    ) -> Execution:
        """Wait until the execution has ended and return it. `on_progress` is called
        after each look (at least every quarter second) with the execution and its
        newest history events. Raises `TimeoutError` after `timeout` seconds (None waits
        for ever).

        Waiting costs no polling: over HTTP each look is a long-poll that the server
        answers the moment the execution ends (or after `_LONG_POLL` seconds), and the
        embedded client sleeps until the service commits."""
        started = monotonic()
        pause_for = _FIRST_POLL  # only for a server that answers a long-poll early
        while True:
            elapsed = monotonic() - started
            window = _LONG_POLL if on_progress is None else _PROGRESS_EVERY
            if timeout is not None:
                window = max(0.0, min(window, timeout - elapsed))
            asked = monotonic()
            execution = Execution.from_wire(self._transport.wait_execution(arn, window))
            if execution.is_terminal:
                return execution
            answered = monotonic()
            elapsed = answered - started
            if on_progress is not None:
                recent = self.history(arn, reverse=True, limit=_RECENT_EVENTS)
                on_progress(Progress(execution, recent, elapsed))
            if timeout is not None and elapsed >= timeout:
                raise TimeoutError(
                    f"execution {execution.name} is still {execution.status} after "
                    f"{timeout:g} s; it goes on"
                )
            if answered - asked < window / 2:
                # Answered long before the wait was up without having ended: a server
                # that does not hold the request (or one that is stopping). Pause, so
                # the loop does not turn into a busy poll.
                left = None if timeout is None else timeout - elapsed
                real_sleep(max(0.0, pause_for if left is None else min(pause_for, left)))
                pause_for = min(pause_for * 1.5, _MAX_POLL)

    # -- reading ----------------------------------------------------------------------

    def get(self, arn: str) -> Execution:
        """The execution as the service last committed it (status, input, result or
        error, times), without waiting: to look at one that may still be running."""
        return Execution.from_wire(self._transport.get_execution(arn))

    def history(
        self, arn: str, *, reverse: bool = False, limit: int | None = None
    ) -> list[dict[str, Any]]:
        """The execution's history events as the history API returns them (every page,
        or the first `limit` events); newest first with `reverse`."""
        events: list[dict[str, Any]] = []
        marker: str | None = None
        while limit is None or len(events) < limit:
            size = 1000 if limit is None else min(1000, limit - len(events))
            page, marker = self._transport.history_page(arn, marker, size, reverse)
            events.extend(page)
            if not marker or not page:
                break
        return events

    def latest_event(self, arn: str) -> dict[str, Any] | None:
        """The newest history event (None if there is none yet): what the execution did
        last, in one request however long its history."""
        page = self.history(arn, reverse=True, limit=1)
        return page[0] if page else None

    def list(
        self,
        function_name: str,
        *,
        statuses: Sequence[str] | None = None,
        name: str | None = None,
        qualifier: str | None = None,
        limit: int | None = None,
    ) -> Iterator[Execution]:
        """The function's executions, newest first, read a page at a time as the
        iterator is consumed. `statuses` filters (e.g. ["RUNNING", "FAILED"])."""
        wanted = [s.upper() for s in statuses or ()]
        seen = 0
        marker: str | None = None
        while limit is None or seen < limit:
            size = _PAGE if limit is None else min(_PAGE, limit - seen)
            page, marker = self._transport.list_page(
                function_name, wanted, name, qualifier, marker, size
            )
            for doc in page:
                seen += 1
                yield Execution.from_wire(doc)
            if not marker or not page:
                return

    # -- acting -----------------------------------------------------------------------

    def stop(self, arn: str, error: ErrorDetails | None = None) -> Execution:
        """Stop a running or paused execution (it ends STOPPED); stopping an ended one
        changes nothing. Returns the execution afterwards."""
        self._transport.stop(arn, None if error is None else error.to_wire())
        return self.get(arn)

    def pause(self, arn: str, reason: str | None = None) -> Execution:
        """Pause: no invocations run until `resume` (timers and callbacks still settle)."""
        self._transport.pause(arn, reason)
        return self.get(arn)

    def resume(self, arn: str, reason: str | None = None) -> Execution:
        """Resume a paused execution: what was held while it was paused runs. A running
        one is left as it is, an ended one refused (ResourceConflictError). Returns the
        execution afterwards."""
        self._transport.resume(arn, reason)
        return self.get(arn)

    def delete(self, arn: str) -> None:
        """Delete an ended execution and its history (ResourceConflictError otherwise)."""
        self._transport.delete(arn)

    # -- callbacks --------------------------------------------------------------------

    def send_callback_success(self, callback_id: str, result: bytes | str | None = None) -> None:
        """Complete a callback, answering the handler that waits on it. `result` is the
        payload (a str is encoded as UTF-8); the handler's callback returns it as text
        unless its config gives a serdes to decode it, so send `json.dumps(value)` for a
        handler that decodes JSON."""
        data = result.encode("utf-8") if isinstance(result, str) else result
        self._transport.callback_success(callback_id, data)

    def send_callback_failure(
        self, callback_id: str, error: ErrorDetails | str | None = None
    ) -> None:
        """Fail a callback: the handler's wait for it raises a CallbackError carrying
        `error` (a string is taken as the error message)."""
        if isinstance(error, str):
            error = ErrorDetails(message=error)
        self._transport.callback_failure(callback_id, None if error is None else error.to_wire())

    def send_callback_heartbeat(self, callback_id: str) -> None:
        """Tell the service the callback is still being worked on, so one with a
        heartbeat timeout does not time out yet."""
        self._transport.callback_heartbeat(callback_id)
