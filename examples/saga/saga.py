"""A saga: book a trip as three bookings, and undo what was done when one fails.

Each booking is a step, and so is each compensation. When a booking fails, the
compensations of the bookings that succeeded run in reverse order (the car is returned
before the hotel is cancelled before the flight), each checkpointed, so a crash in the
middle of undoing resumes the undoing instead of starting over or forgetting it.

`failAt` in the input names a booking that fails ("flight", "hotel" or "car"), so the
rollback can be tried from the command line.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from perdure import DurableContext, StepContext, StepError, durable_execution
from perdure.config import StepConfig
from perdure.retries import RetryPresets

# A booking the provider refuses is not retried here: the saga undoes the others instead.
NO_RETRY = StepConfig(retry_strategy=RetryPresets.none())
BOOKINGS = ("flight", "hotel", "car")


class BookingRefused(Exception):
    """The provider said no: the trip cannot be booked as asked."""


def book(kind: str, trip: dict[str, Any]) -> Callable[[StepContext], str]:
    def run(step_ctx: StepContext) -> str:
        if trip.get("failAt") == kind:
            raise BookingRefused(f"no {kind} available for {trip['tripId']}")
        step_ctx.logger.info("booked %s for %s", kind, trip["tripId"])
        return f"{kind}-{trip['tripId']}"

    return run


def cancel(kind: str, reference: str) -> Callable[[StepContext], str]:
    def run(step_ctx: StepContext) -> str:
        step_ctx.logger.info("cancelled %s %s", kind, reference)
        return f"cancelled {reference}"

    return run


@durable_execution
def book_trip(event: dict[str, Any], context: DurableContext) -> dict[str, Any]:
    done: list[tuple[str, str]] = []  # (kind, reference) of each booking that succeeded
    for kind in BOOKINGS:
        try:
            done.append(
                (kind, context.step(book(kind, event), name=f"book-{kind}", config=NO_RETRY))
            )
        except StepError as error:
            undone = [context.step(cancel(k, ref), name=f"cancel-{k}") for k, ref in reversed(done)]
            return {
                "tripId": event["tripId"],
                "status": "rolled back",
                "failed": kind,
                "reason": str(error),
                "compensations": undone,
            }
    return {"tripId": event["tripId"], "status": "booked", "bookings": dict(done)}
