"""The crash property's history comparison can fail: each defect a crash could cause
(a duplicated or lost event, a changed payload, name, parent or order, an unexplained
failed invocation) is planted in a real history and must be caught."""

from __future__ import annotations

import copy
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.properties.crash_injection import Crash
from tests.properties.crash_runs import Run, run_crashed, run_reference
from tests.properties.history_comparison import (
    check_event_ids,
    history_difference,
    remove_crash_events,
)

# An at-most-once step, a parallel of two branches, a wait and a callback.
PROGRAM: list[Any] = [
    ["once", 1],
    ["parallel", [[["step", 2], ["step", 3]], [["step", 4]]], None],
    ["wait", 60],
    ["callback", 0],
    ["step", 5],
]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Run, Run, list[Crash]]]:
    journal = Path(tmp_path_factory.mktemp("journal")) / "journal"
    reference, _ = run_reference(PROGRAM, journal)
    # Dies after the at-most-once step's START is committed: the step is interrupted.
    crashed, plan = run_crashed(PROGRAM, journal, {1: "after"}, "thread")
    yield reference, crashed, plan.fired


def _index(history: list[dict[str, Any]], event_type: str, name: str | None = None) -> int:
    return next(
        i
        for i, e in enumerate(history)
        if e["EventType"] == event_type and (name is None or e.get("Name") == name)
    )


def test_a_history_equals_itself_and_its_crashed_twin(
    runs: tuple[Run, Run, list[Crash]],
) -> None:
    reference, crashed, fired = runs
    assert history_difference(reference.history, reference.history) is None
    kept = remove_crash_events(crashed.history, fired, "thread")
    assert history_difference(reference.history, kept) is None


def test_the_crashed_twin_differs_until_its_crash_events_are_accounted_for(
    runs: tuple[Run, Run, list[Crash]],
) -> None:
    reference, crashed, _ = runs
    types = [e["EventType"] for e in crashed.history]
    assert types.count("InvocationCompleted") > types.count("StepFailed") > 0
    assert history_difference(reference.history, crashed.history) is not None


def test_branches_may_interleave_in_any_order(runs: tuple[Run, Run, list[Crash]]) -> None:
    reference = runs[0].history
    second_branch = {"parallel-branch-1", "r.1.1.0"}
    moved = [e for e in reference if e.get("Name") in second_branch]
    rest = [e for e in reference if e.get("Name") not in second_branch]
    start = _index(rest, "ContextStarted", "r.1") + 1
    interleaved = rest[:start] + moved + rest[start:]
    assert interleaved != reference
    assert history_difference(reference, interleaved) is None


def _mutations(history: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    succeeded = _index(history, "StepSucceeded", "r.4")
    out: dict[str, list[dict[str, Any]]] = {}

    duplicate = copy.deepcopy(history[succeeded])
    out["a duplicated StepSucceeded"] = [
        *history[: succeeded + 1],
        duplicate,
        *history[succeeded + 1 :],
    ]
    changed = copy.deepcopy(history)
    changed[succeeded]["StepSucceededDetails"]["Result"]["Payload"] = "6"
    out["a changed payload"] = changed

    out["a lost event"] = history[:succeeded] + history[succeeded + 1 :]

    renamed = copy.deepcopy(history)
    renamed[succeeded]["Name"] = "r.5"
    out["a changed name"] = renamed

    branch = _index(history, "StepSucceeded", "r.1.0.1")
    reparented = copy.deepcopy(history)
    reparented[branch]["ParentId"] = history[_index(history, "StepSucceeded", "r.1.1.0")][
        "ParentId"
    ]
    out["a changed parent"] = reparented

    retyped = copy.deepcopy(history)
    retyped[succeeded]["SubType"] = "Wait"
    out["a changed subtype"] = retyped

    first, second = _index(history, "StepStarted", "r.1.0.0"), branch
    reordered = copy.deepcopy(history)
    reordered[first], reordered[second] = reordered[second], reordered[first]
    out["two events of one branch swapped"] = reordered

    wait_started = _index(history, "WaitStarted")
    suspension = _index(history[wait_started:], "InvocationCompleted") + wait_started
    out["a lost suspension"] = history[:suspension] + history[suspension + 1 :]

    retried = copy.deepcopy(history)
    retried[succeeded]["StepSucceededDetails"]["RetryDetails"]["CurrentAttempt"] = 2
    out["a changed attempt"] = retried
    return out


@pytest.mark.parametrize(
    "mutation",
    [
        "a duplicated StepSucceeded",
        "a changed payload",
        "a lost event",
        "a changed name",
        "a changed parent",
        "a changed subtype",
        "two events of one branch swapped",
        "a lost suspension",
        "a changed attempt",
    ],
)
def test_a_planted_defect_is_caught(runs: tuple[Run, Run, list[Crash]], mutation: str) -> None:
    reference = runs[0].history
    assert history_difference(reference, _mutations(reference)[mutation]) is not None


def test_a_failed_invocation_no_crash_explains_is_caught(
    runs: tuple[Run, Run, list[Crash]],
) -> None:
    crashed = runs[1]
    with pytest.raises(AssertionError, match="no crash explains"):
        remove_crash_events(crashed.history, [], "thread")


def test_a_crash_that_left_no_failed_invocation_is_caught(
    runs: tuple[Run, Run, list[Crash]],
) -> None:
    _, crashed, fired = runs
    phantom = Crash("no-such-request", 99, "before")
    with pytest.raises(AssertionError, match="without a failed InvocationCompleted"):
        remove_crash_events(crashed.history, [*fired, phantom], "thread")


def test_an_invocation_that_ends_twice_is_caught(runs: tuple[Run, Run, list[Crash]]) -> None:
    history = runs[0].history
    ended = _index(history, "InvocationCompleted")
    twice = [*history[: ended + 1], copy.deepcopy(history[ended]), *history[ended + 1 :]]
    for i, e in enumerate(twice):
        e["EventId"] = i + 1
    with pytest.raises(AssertionError, match="ended twice"):
        check_event_ids(twice)
