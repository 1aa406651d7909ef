from __future__ import annotations

import copy
import json

import pytest

from perdure._model import Event, EventType
from perdure._wire.events import details_key, event_from_json, event_to_json
from tests.unit.wire.wire_samples import T0, sample_events


def _by_id(unit: str = "s", include_data: bool = True) -> dict[int, dict[str, object]]:
    return {
        ev.event_id: event_to_json(ev, include_data=include_data, time_unit=unit)  # type: ignore[arg-type]
        for ev in sample_events()
    }


@pytest.mark.parametrize("unit", ["s", "ms"])
@pytest.mark.parametrize("ev", sample_events(), ids=lambda ev: ev.event_type.value)
def test_event_round_trips(ev: Event, unit: str) -> None:
    wire = json.loads(json.dumps(event_to_json(ev, time_unit=unit)))  # type: ignore[arg-type]
    assert event_from_json(wire, time_unit=unit) == ev  # type: ignore[arg-type]


def test_exact_envelope_keys() -> None:
    events = _by_id()
    assert events[1] == {
        "EventType": "ExecutionStarted",
        "EventId": 1,
        "EventTimestamp": T0 / 1000,
        "Id": "0a1b2c3d-4e5f",
        "Name": "my-exec",
        "ExecutionStartedDetails": {
            "Input": {"Payload": '{"a": 1}', "Truncated": False},
            "ExecutionTimeout": 86400,
        },
    }
    # Unnamed operations carry no Name key at all; ParentId and SubType appear when set.
    assert events[3] == {
        "EventType": "StepStarted",
        "EventId": 3,
        "EventTimestamp": (T0 + 2) / 1000,
        "Id": "step1",
        "ParentId": "ctx1",
        "SubType": "Step",
        "StepStartedDetails": {},
    }


def test_details_object_is_present_even_when_empty() -> None:
    events = _by_id()
    assert events[2]["ContextStartedDetails"] == {}
    assert events[3]["StepStartedDetails"] == {}
    for ev in sample_events():
        assert details_key(ev.event_type) in event_to_json(ev)


def test_every_event_type_has_its_details_member() -> None:
    for event_type in EventType:
        wire = event_to_json(Event(1, event_type, T0, {}, "op"))
        assert wire[f"{event_type.value}Details"] == {}


def test_invocation_completed_has_no_operation_members() -> None:
    ev = Event(7, EventType.INVOCATION_COMPLETED, T0, {}, "op", "name", "parent", "Step")
    wire = event_to_json(ev)
    assert set(wire) == {"EventType", "EventId", "EventTimestamp", "InvocationCompletedDetails"}


def test_empty_strings_are_omitted_like_none() -> None:
    wire = event_to_json(Event(1, EventType.STEP_STARTED, T0, {}, "op", "", "", ""))
    assert set(wire) == {"EventType", "EventId", "EventTimestamp", "Id", "StepStartedDetails"}


@pytest.mark.parametrize(("unit", "scale"), [("s", 1000), ("ms", 1)])
def test_nested_timestamps_follow_the_unit(unit: str, scale: int) -> None:
    events = _by_id(unit)
    assert events[5]["WaitStartedDetails"] == {
        "Duration": 5,
        "ScheduledEndTimestamp": (T0 + 5_004) / scale,
    }
    completed = events[7]["InvocationCompletedDetails"]
    assert isinstance(completed, dict)
    assert completed["StartTimestamp"] == T0 / scale
    assert completed["EndTimestamp"] == (T0 + 6) / scale
    assert completed["RequestId"] == "req-1"
    if unit == "ms":
        assert isinstance(completed["StartTimestamp"], int)


def test_without_execution_data_payloads_are_withheld_and_flagged() -> None:
    events = _by_id(include_data=False)
    assert events[1]["ExecutionStartedDetails"] == {
        "Input": {"Truncated": True},
        "ExecutionTimeout": 86400,
    }
    assert events[4]["StepFailedDetails"] == {
        "Error": {"Truncated": True},
        "RetryDetails": {"CurrentAttempt": 1, "NextAttemptDelaySeconds": 5},
    }
    assert events[9]["ExecutionSucceededDetails"] == {"Result": {"Truncated": True}}
    # Non-data members are untouched, including the callback id and request id.
    assert events[6]["CallbackStartedDetails"] == {"CallbackId": "Y2IxCg==", "Timeout": 300}
    completed = events[7]["InvocationCompletedDetails"]
    assert isinstance(completed, dict) and completed["Error"] == {"Truncated": True}


def test_data_member_without_payload_is_not_flagged() -> None:
    ev = Event(5, EventType.CALLBACK_SUCCEEDED, T0, {"Result": {}}, "cb1")
    assert event_to_json(ev, include_data=False)["CallbackSucceededDetails"] == {"Result": {}}


def test_pause_reason_counts_as_data() -> None:
    ev = Event(
        3,
        EventType.EXECUTION_PAUSED,
        T0,
        {
            "PauseRequestTimestamp": T0,
            "Reason": {"Payload": "maintenance", "Truncated": False},
            "ExecutionTimeoutPaused": True,
        },
    )
    assert event_to_json(ev, include_data=False)["ExecutionPausedDetails"] == {
        "PauseRequestTimestamp": T0 / 1000,
        "Reason": {"Truncated": True},
        "ExecutionTimeoutPaused": True,
    }


def test_rendering_never_mutates_the_model() -> None:
    events = sample_events()
    before = copy.deepcopy([ev.details for ev in events])
    for ev in events:
        event_to_json(ev, include_data=False)
        event_to_json(ev, time_unit="s")
    assert [ev.details for ev in events] == before


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ({"EventId": 1, "EventTimestamp": 1}, r"Event\.EventType is required"),
        ({"EventType": "StepRetried", "EventId": 1, "EventTimestamp": 1}, r"EventType must be"),
        ({"EventType": "StepStarted", "EventId": 0, "EventTimestamp": 1}, r"EventId must be .*>?1"),
        ({"EventType": "StepStarted", "EventId": 1}, r"Event\.EventTimestamp is required"),
        (
            {
                "EventType": "StepStarted",
                "EventId": 1,
                "EventTimestamp": 1,
                "StepStartedDetails": 1,
            },
            r"StepStartedDetails must be a JSON object",
        ),
        (
            {
                "EventType": "WaitStarted",
                "EventId": 1,
                "EventTimestamp": 1,
                "WaitStartedDetails": {"ScheduledEndTimestamp": "later"},
            },
            r"WaitStartedDetails\.ScheduledEndTimestamp must be an ISO-8601",
        ),
    ],
)
def test_malformed_events_are_rejected(doc: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        event_from_json(doc)


def test_missing_details_read_as_empty() -> None:
    ev = event_from_json({"EventType": "StepStarted", "EventId": 2, "EventTimestamp": 1.5})
    assert ev == Event(2, EventType.STEP_STARTED, 1500, {})
