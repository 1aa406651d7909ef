"""The decision scratch pad (`perdure._engine.draft`): reads see the decision's own
changes, the state itself is never touched, and `finish` numbers what changed."""

from __future__ import annotations

import dataclasses

from perdure._engine.draft import Draft
from perdure._model import EventType
from perdure._model.state import TimerKind
from tests.unit.engine.engine_states import EXECUTION_ID, T0, A, checkpoint, running, step

NOW = T0 + 10


def test_reads_see_the_drafts_own_changes_and_leave_the_state_alone() -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    recorded = state.ops["s"]
    draft = Draft(state, NOW)
    draft.put(dataclasses.replace(recorded, name="changed"))
    seen = draft.get("s")
    assert seen is not None and seen.name == "changed"
    assert state.ops["s"] is recorded
    assert draft.get("nothing") is None


def test_a_change_to_operations_counts_as_one_step_of_the_sequence() -> None:
    state = running()
    seq = state.record.seq
    draft = Draft(state, NOW)
    draft.put(dataclasses.replace(state.ops[EXECUTION_ID], name="again"))
    assert draft.finish().record.seq == seq + 1
    assert Draft(state, NOW).finish().record.seq == seq  # nothing changed


def test_new_operations_get_positions_after_the_recorded_ones_in_start_order() -> None:
    state = running()
    checkpoint(state, step("a", A.START))
    draft = Draft(state, NOW)
    for op_id in ("c", "b"):
        draft.put(dataclasses.replace(state.ops["a"], operation_id=op_id))
    draft.put(dataclasses.replace(state.ops["a"], name="updated"))
    assert draft.finish().positions == {"c": 2, "b": 3}


def test_events_continue_the_historys_numbering() -> None:
    state = running()
    draft = Draft(state, NOW)
    draft.event(EventType.STEP_STARTED, {})
    draft.event(EventType.STEP_SUCCEEDED, {})
    t = draft.finish()
    first = state.record.event_count + 1
    assert [e.event_id for e in t.events] == [first, first + 1]
    assert t.record.event_count == first + 1


def test_cancelling_a_timer_set_in_the_same_draft_unsets_it() -> None:
    draft = Draft(running(), NOW)
    draft.set_timer("w", TimerKind.WAIT_END, NOW + 5)
    draft.cancel_timer("w", TimerKind.WAIT_END)
    t = draft.finish()
    assert t.timers_set == []
    assert t.timers_cancelled == [("w", TimerKind.WAIT_END)]


def test_cancelling_a_timer_that_does_not_exist_records_nothing() -> None:
    draft = Draft(running(), NOW)
    draft.cancel_timer("w", TimerKind.WAIT_END)
    assert draft.finish().timers_cancelled == []


def test_finishing_as_seen_marks_the_new_sequence_seen() -> None:
    state = running()
    checkpoint(state, step("s", A.START))
    draft = Draft(state, NOW)
    draft.put(dataclasses.replace(state.ops["s"], name="x"))
    record = draft.finish(seen=True, token="next").record
    assert (record.token_seen_seq, record.token) == (record.seq, "next")
