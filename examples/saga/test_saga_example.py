"""The saga example on the local runner: a failure undoes exactly the bookings made, last
first, and a trip that books cleanly is never compensated."""

from __future__ import annotations

from typing import Any

from saga import book_trip

from perdure.testing import DurableTestRunner


def steps_started(result: Any) -> list[str]:
    return [e["Name"] for e in result.history if e["EventType"] == "StepStarted"]


def test_a_trip_that_books_cleanly_is_never_compensated() -> None:
    with DurableTestRunner(book_trip) as runner:
        result = runner.run(input={"tripId": "t1"})
    assert result.status == "SUCCEEDED"
    assert result.result == {
        "tripId": "t1",
        "status": "booked",
        "bookings": {"flight": "flight-t1", "hotel": "hotel-t1", "car": "car-t1"},
    }
    assert steps_started(result) == ["book-flight", "book-hotel", "book-car"]


def test_a_failed_car_undoes_the_hotel_then_the_flight() -> None:
    with DurableTestRunner(book_trip) as runner:
        result = runner.run(input={"tripId": "t2", "failAt": "car"})
    assert result.result["status"] == "rolled back"
    assert result.result["failed"] == "car"
    assert result.result["compensations"] == ["cancelled hotel-t2", "cancelled flight-t2"]
    assert steps_started(result) == [
        "book-flight",
        "book-hotel",
        "book-car",
        "cancel-hotel",
        "cancel-flight",
    ]


def test_a_failed_first_booking_has_nothing_to_undo() -> None:
    with DurableTestRunner(book_trip) as runner:
        result = runner.run(input={"tripId": "t3", "failAt": "flight"})
    assert result.result["compensations"] == []
    assert "no flight available for t3" in result.result["reason"]
    assert steps_started(result) == ["book-flight"]


def test_the_failed_booking_is_recorded_as_a_failed_step_and_not_retried() -> None:
    with DurableTestRunner(book_trip) as runner:
        result = runner.run(input={"tripId": "t4", "failAt": "hotel"})
    failed = [e["Name"] for e in result.history if e["EventType"] == "StepFailed"]
    assert failed == ["book-hotel"]
