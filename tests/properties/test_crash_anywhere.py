"""Property: an invocation that dies at any checkpoint changes nothing but the record of
its death.

Hypothesis draws a durable program (crash_programs.py). It runs once without crashes:
that is the reference history, and the number of checkpoint calls it made. Then it runs
again, dying at one to three checkpoint calls, each either before the call reached the
service or after the service committed it; the first falls within the reference's
calls, so every example crashes. The crashed execution must end with the same status
and result, and its whole history must be the reference's, event for event with all
details, once the events the crashes account for are taken out (history_comparison.py).
No at-most-once step body may run twice in one attempt.

Most examples crash an in-process invocation (its service client dies for good, so no
thread it leaves behind writes again); a fifth SIGKILL a real child process and rely on
the runtime to record the dead process and run the invocation again.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.properties.crash_injection import InvokerKind, When
from tests.properties.crash_programs import Program, programs
from tests.properties.crash_runs import run_crashed, run_reference
from tests.properties.history_comparison import (
    check_event_ids,
    history_difference,
    remove_crash_events,
)

# PERDURE_PROPERTY_EXAMPLES=1000 for a long hunt; the process share is a fifth of it.
EXAMPLES = int(os.environ.get("PERDURE_PROPERTY_EXAMPLES", "40"))
PROCESS_EXAMPLES = max(2, EXAMPLES // 5)


@pytest.fixture(scope="module")
def journal_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="perdure-crash-") as d:
        yield Path(d)


def check_crash_property(
    program: Program, data: st.DataObject, kind: InvokerKind, journal: Path
) -> None:
    reference, calls = run_reference(program, journal)
    assert reference.status == "SUCCEEDED", reference.history[-1]
    # Drawn as fractions of the reference's calls: what Hypothesis draws must not depend
    # on the call count, which varies a little from run to run.
    fractions = data.draw(
        st.lists(st.floats(0, 1, exclude_max=True), min_size=1, max_size=3), label="crashes"
    )
    whens: list[When] = data.draw(
        st.lists(st.sampled_from(["before", "after"]), min_size=3, max_size=3), label="when"
    )
    first = 1 + int(fractions[0] * calls)
    # Later crashes may also fall among the calls the crashed invocations' retries add.
    points = [first, *(first + 1 + int(f * calls) for f in fractions[1:])]
    crashed, plan = run_crashed(program, journal, dict(zip(points, whens, strict=False)), kind)
    context = f"\nprogram: {program}\ncrashes: {plan.fired}"

    assert (crashed.status, crashed.result) == (reference.status, reference.result), context
    check_event_ids(reference.history)
    check_event_ids(crashed.history)
    kept = remove_crash_events(crashed.history, plan.fired, kind)
    difference = history_difference(reference.history, kept)
    assert difference is None, difference + context
    for (key, attempt), runs in crashed.body_runs.items():
        if _is_once(program, key):
            assert runs == 1, f"{key} ran {runs} times in attempt {attempt}" + context


def _is_once(program: Program, key: str) -> bool:
    """Whether the body journalled as `key` (like `r.2.0.1`) is an at-most-once step."""
    node: Any = program
    parts = [int(p) for p in key.split(".")[1:]]
    while parts:
        op = node[parts.pop(0)]
        if op[0] == "child":
            node = op[1]
        elif op[0] == "map":
            parts.pop(0)  # the item
            node = op[3]
        elif op[0] == "parallel":
            node = op[1][parts.pop(0)]
        else:
            return bool(op[0] == "once" and not parts)
    return False


# Examples are whole executions, two each: slow by Hypothesis's measure, and by design.
_settings = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])


@settings(_settings, max_examples=EXAMPLES)
@given(program=programs, data=st.data())
def test_a_crashed_thread_invocation_leaves_the_history_of_an_uncrashed_one(
    program: Program, data: st.DataObject, journal_dir: Path
) -> None:
    check_crash_property(program, data, "thread", journal_dir / "journal")


@settings(_settings, max_examples=PROCESS_EXAMPLES)
@given(program=programs, data=st.data())
def test_a_killed_child_process_leaves_the_history_of_an_uncrashed_one(
    program: Program, data: st.DataObject, journal_dir: Path
) -> None:
    check_crash_property(program, data, "process", journal_dir / "journal")
