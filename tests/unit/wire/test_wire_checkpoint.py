from __future__ import annotations

import json
from typing import Any

import pytest

from perdure._model import CheckpointResponse, StateResponse
from perdure._wire.checkpoint import (
    checkpoint_request_from_json,
    checkpoint_request_to_json,
    checkpoint_response_from_json,
    checkpoint_response_to_json,
    state_response_from_json,
    state_response_to_json,
)
from perdure.errors import InvalidParameterValueError
from tests.unit.wire.wire_samples import T0, sample_operations, sample_updates


def _json(doc: dict[str, Any]) -> Any:
    return json.loads(json.dumps(doc))


def test_request_round_trips() -> None:
    updates = sample_updates()
    body = _json(checkpoint_request_to_json("dG9rZW4=", updates, "client-token-1"))
    assert checkpoint_request_from_json(body) == ("dG9rZW4=", updates, "client-token-1")


def test_request_without_updates_is_a_refresh() -> None:
    assert checkpoint_request_from_json({"CheckpointToken": "dA=="}) == ("dA==", [], None)
    assert checkpoint_request_from_json({"CheckpointToken": "dA==", "Updates": []}) == (
        "dA==",
        [],
        None,
    )
    assert checkpoint_request_to_json("dA==", []) == {"CheckpointToken": "dA==", "Updates": []}


@pytest.mark.parametrize(
    ("doc", "message"),
    [
        ([], r"^request body must be a JSON object, got array\.$"),
        ({}, r"^CheckpointToken is required: send the token of the current invocation"),
        ({"CheckpointToken": ""}, r"CheckpointToken must be at least 1 characters"),
        ({"CheckpointToken": "a" * 2049}, r"CheckpointToken must be at most 2048 characters"),
        ({"CheckpointToken": "not base64!"}, r"CheckpointToken must match \[A-Za-z0-9\+/\]"),
        ({"CheckpointToken": 5}, r"CheckpointToken must be a string, got number"),
        ({"CheckpointToken": "dA==", "Updates": {}}, r"^Updates must be an array of Operation"),
        ({"CheckpointToken": "dA==", "Updates": [5]}, r"^Updates\[0\] must be a JSON object"),
        (
            {"CheckpointToken": "dA==", "Updates": [{"Id": "a", "Type": "STEP", "Action": "GO"}]},
            r"^Updates\[0\]\.Action must be one of",
        ),
        ({"CheckpointToken": "dA==", "ClientToken": ""}, r"^ClientToken must be at least 1"),
        ({"CheckpointToken": "dA==", "ClientToken": "a b"}, r"^ClientToken must match"),
        ({"CheckpointToken": "dA==", "ClientToken": "x" * 65}, r"^ClientToken must be at most 64"),
    ],
)
def test_invalid_requests_name_the_field(doc: object, message: str) -> None:
    with pytest.raises(InvalidParameterValueError, match=message):
        checkpoint_request_from_json(doc)


def test_checkpoint_response_shape_and_round_trip() -> None:
    resp = CheckpointResponse("bmV3", sample_operations(), "7:100")
    wire = checkpoint_response_to_json(resp)
    assert list(wire) == ["CheckpointToken", "NewExecutionState"]
    assert set(wire["NewExecutionState"]) == {"Operations", "NextMarker"}
    assert wire["NewExecutionState"]["Operations"][0]["StartTimestamp"] == T0 / 1000
    assert checkpoint_response_from_json(_json(wire)) == resp


def test_terminal_checkpoint_response_omits_the_token() -> None:
    resp = CheckpointResponse(None, [])
    wire = checkpoint_response_to_json(resp)
    assert wire == {"NewExecutionState": {"Operations": []}}
    assert checkpoint_response_from_json(wire) == resp


def test_state_response_shape_and_round_trip() -> None:
    resp = StateResponse(sample_operations(), "3:200")
    wire = state_response_to_json(resp)
    assert set(wire) == {"Operations", "NextMarker"}
    assert state_response_from_json(_json(wire)) == resp
    last_page = StateResponse(sample_operations()[:1])
    assert "NextMarker" not in state_response_to_json(last_page)
    assert state_response_from_json(state_response_to_json(last_page)) == last_page


def test_empty_marker_reads_as_last_page() -> None:
    assert state_response_from_json({"Operations": [], "NextMarker": ""}).next_marker is None


def test_malformed_responses_raise_value_errors() -> None:
    with pytest.raises(ValueError, match=r"NewExecutionState\.Operations must be an array"):
        checkpoint_response_from_json({"NewExecutionState": {"Operations": "x"}})
    with pytest.raises(ValueError, match=r"Operations\[0\]\.Id is required"):
        state_response_from_json({"Operations": [{}]})


def test_state_member_must_be_an_object_when_present() -> None:
    assert checkpoint_response_from_json({"NewExecutionState": None}) == CheckpointResponse(
        None, []
    )
    with pytest.raises(ValueError, match=r"NewExecutionState must be a JSON object, got array"):
        checkpoint_response_from_json({"NewExecutionState": []})
