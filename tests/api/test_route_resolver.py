"""Resolving a request path to its route, with the answers for recent paths kept
(`perdure._api.routes.Resolver`): a kept answer must be the one `resolve` gives, and
refusals are never kept."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from perdure._api import routes
from perdure._wire.api_errors import MethodNotAllowedError, UnknownOperationError

ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/e/1"
CHECKPOINT = f"/2025-12-01/durable-executions/{quote(ARN, safe='')}/checkpoint"


def test_a_kept_answer_is_the_one_resolve_gives() -> None:
    resolver = routes.Resolver()
    first = resolver.resolve("POST", CHECKPOINT)
    again = resolver.resolve("POST", CHECKPOINT)
    assert again is first
    assert first[0].operation == "CheckpointDurableExecution"
    assert (
        dict(first[1])
        == {"DurableExecutionArn": ARN}
        == dict(routes.resolve("POST", CHECKPOINT)[1])
    )


def test_kept_parameters_cannot_be_changed_by_a_route() -> None:
    _, params = routes.Resolver().resolve("POST", CHECKPOINT)
    with pytest.raises(TypeError):
        params["DurableExecutionArn"] = "other"  # type: ignore[index]


def test_the_method_is_part_of_what_is_kept() -> None:
    resolver = routes.Resolver()
    state = CHECKPOINT.removesuffix("/checkpoint") + "/state"
    assert resolver.resolve("GET", state)[0].operation == "GetDurableExecutionState"
    with pytest.raises(MethodNotAllowedError):
        resolver.resolve("POST", state)
    with pytest.raises(MethodNotAllowedError):  # refusals are not kept
        resolver.resolve("POST", state)


def test_unknown_paths_are_refused_every_time() -> None:
    resolver = routes.Resolver()
    for _ in range(2):
        with pytest.raises(UnknownOperationError):
            resolver.resolve("GET", "/nothing/here")


def test_only_the_most_recent_paths_are_kept() -> None:
    resolver = routes.Resolver(remembered=2)
    paths = [CHECKPOINT.replace("%2Fe%2F1", f"%2Fe%2F{i}") for i in range(3)]
    answers = [resolver.resolve("POST", p) for p in paths]
    assert resolver.resolve("POST", paths[2]) is answers[2]
    assert resolver.resolve("POST", paths[0]) is not answers[0]  # resolved again
    assert dict(resolver.resolve("POST", paths[0])[1]) == dict(answers[0][1])
