"""The one set of limits every mode enforces: the test runner, `perdure dev`, `perdure
server` and its workers all take a `Limits` (through `ServiceSettings.limits`) and check
it in the service layer, so a payload refused in production is refused in tests too.

The defaults are AWS's documented values (the Lambda API model, botocore `lambda`
2015-03-31): an `Invoke` payload of 6 MB synchronous and 1 MB asynchronous; operation
payloads (`OperationUpdate.Payload`) of 1 MB, except an EXECUTION result of a
synchronously invoked execution, 6 MB; 1 MB for the combined fields of an error and for
a callback result; pages of at most 1000 items. AWS's "MB" here is 2**20 bytes (the
model's `BinaryOperationPayload` maximum is 1048576), and sizes are counted in UTF-8
bytes. AWS documents no number of operations per execution; the default, 25,000, is
the figure third-party SDK documentation gives, far above what a workflow that is not
looping by mistake records.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, fields

from perdure._model.operations import ErrorObject

MIB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """Sizes in UTF-8 bytes. Change one by passing `Limits(operation_payload=...)` to
    `ServiceSettings(limits=...)` (or `DurableTestRunner(limits=...)`)."""

    invoke_payload_sync: int = 6 * MIB
    """Input of an execution started synchronously (Invoke `RequestResponse`)."""
    invoke_payload_async: int = MIB
    """Input of an execution started asynchronously: Invoke `Event`, `perdure invoke`,
    `DurableClient.start`, the test runner."""
    operation_payload: int = MIB
    """A checkpointed result: STEP, CONTEXT, CALLBACK, WAIT and CHAINED_INVOKE payloads
    (a chained invoke's input included), and the result of an asynchronous execution."""
    execution_result_sync: int = 6 * MIB
    """The result of an execution started synchronously."""
    error_payload: int = MIB
    """An error's type, message, data and stack trace together."""
    callback_result: int = MIB
    """What `SendDurableExecutionCallbackSuccess` may carry."""
    operations_per_execution: int = 25_000
    """Operations one execution may record, the EXECUTION operation included."""
    page_max_items: int = 1000
    """The most items one history, state or list page may ask for."""
    page_default_items: int = 100
    """Items in a page when the caller asks for none in particular."""

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"Limits.{f.name} must be a positive integer, got {value!r}")
        if self.page_default_items > self.page_max_items:
            raise ValueError("Limits.page_default_items may not exceed page_max_items")

    def invoke_payload(self, synchronous: bool) -> int:
        return self.invoke_payload_sync if synchronous else self.invoke_payload_async

    def execution_result(self, synchronous: bool) -> int:
        return self.execution_result_sync if synchronous else self.operation_payload

    @property
    def largest_payload(self) -> int:
        """The largest single payload any request may legitimately carry."""
        return max(
            self.invoke_payload_sync,
            self.invoke_payload_async,
            self.operation_payload,
            self.execution_result_sync,
            self.error_payload,
            self.callback_result,
        )

    @property
    def request_body(self) -> int:
        """The most an HTTP request body may hold. JSON escaping can make a payload up to
        six times longer (`\\u0000`), so this leaves room for six times the largest
        payload: any request whose payloads are within their limits reaches the service,
        which then refuses or accepts it exactly as it does an embedded caller's."""
        return 6 * self.largest_payload + MIB


DEFAULT_LIMITS = Limits()


def utf8_size(text: str) -> int:
    """The UTF-8 length of `text`, without encoding it when that cannot matter."""
    if text.isascii():
        return len(text)
    return len(text.encode("utf-8", "surrogatepass"))


def error_size(error: ErrorObject) -> int:
    """The combined UTF-8 size of an error's fields, as AWS counts its 1 MB limit."""
    parts: Iterable[str | None] = (error.type, error.message, error.data)
    total = sum(utf8_size(p) for p in parts if p)
    if error.stack_trace:
        total += sum(utf8_size(line) for line in error.stack_trace)
    return total
