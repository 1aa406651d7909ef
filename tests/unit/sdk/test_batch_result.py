"""BatchResult with AWS SDK 3.0 semantics (3.0 §1.6)."""

from __future__ import annotations

from typing import Any

import pytest

from perdure._model import ErrorObject
from perdure._sdk.batch_result import BatchItem, BatchResult
from perdure._sdk.config import CompletionConfig
from perdure._sdk.values import (
    BatchItemStatus,
    CompletionOutcome,
    CompletionReason,
    CompletionStatus,
    complete_batch,
    continue_batch,
)
from perdure.concurrency.models import BatchCompletionError
from perdure.errors import (
    ChildContextError,
    SerDesError,
    StepError,
    qualified_name,
)

OK = BatchItemStatus.SUCCEEDED
FAIL = BatchItemStatus.FAILED
RUN = BatchItemStatus.STARTED
STEP_ERR = ErrorObject("bad", qualified_name(StepError), "d", ["t"])


def make(*items: BatchItem[Any], reason: CompletionReason = CompletionReason.ALL_COMPLETED) -> Any:
    return BatchResult(all=list(items), completion_reason=reason)


def test_none_results_are_kept() -> None:
    r = make(BatchItem(0, OK, None), BatchItem(1, OK, 2), BatchItem(2, FAIL, error=STEP_ERR))
    assert r.get_results() == [None, 2]
    assert [i.index for i in r.succeeded()] == [0, 1]
    assert r.success_count == 2


def test_failed_includes_items_without_error_and_get_errors_keeps_none() -> None:
    r = make(BatchItem(0, FAIL), BatchItem(1, FAIL, error=STEP_ERR))
    assert r.failure_count == 2
    assert r.get_errors() == [None, STEP_ERR]


def test_counts_and_started() -> None:
    r = make(BatchItem(0, OK, 1), BatchItem(1, RUN), BatchItem(2, FAIL, error=STEP_ERR))
    assert (r.success_count, r.failure_count, r.started_count, r.total_count) == (1, 1, 1, 3)
    assert [i.index for i in r.started()] == [1]
    assert r.has_failure


def test_status_failed_if_any_failure() -> None:
    assert make(BatchItem(0, OK, 1)).status is OK
    assert make(BatchItem(0, OK, 1), BatchItem(1, FAIL)).status is FAIL


def test_custom_reason_decides_status() -> None:
    failed_items: tuple[BatchItem[Any], ...] = (BatchItem(0, FAIL, error=STEP_ERR),)
    assert make(*failed_items, reason=CompletionReason.CUSTOM_COMPLETION_SUCCEEDED).status is OK
    assert make(BatchItem(0, OK, 1), reason=CompletionReason.CUSTOM_COMPLETION_FAILED).status is (
        FAIL
    )


def test_throw_if_error_raises_child_context_error_with_typed_cause() -> None:
    r = make(BatchItem(0, OK, 1), BatchItem(1, FAIL, error=STEP_ERR))
    with pytest.raises(ChildContextError) as info:
        r.throw_if_error()
    assert info.value.error_type == qualified_name(StepError)
    assert info.value.message == "bad"
    assert (info.value.data, info.value.stack_trace) == ("d", ["t"])
    assert type(info.value.__cause__) is StepError


def test_throw_if_error_without_error_object() -> None:
    with pytest.raises(ChildContextError, match=r"Batch item 3 failed without an ErrorObject\."):
        make(BatchItem(3, FAIL)).throw_if_error()


def test_throw_if_error_serdes_item_raises_serdes_error() -> None:
    err = ErrorObject("x", qualified_name(SerDesError))
    with pytest.raises(SerDesError):
        make(BatchItem(0, FAIL, error=err)).throw_if_error()


def test_throw_if_error_custom_failed_raises_batch_completion_error() -> None:
    r = make(BatchItem(0, OK, 1), reason=CompletionReason.CUSTOM_COMPLETION_FAILED)
    with pytest.raises(BatchCompletionError) as info:
        r.throw_if_error()
    assert info.value.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED


def test_item_failure_wins_over_custom_failed() -> None:
    r = make(BatchItem(0, FAIL, error=STEP_ERR), reason=CompletionReason.CUSTOM_COMPLETION_FAILED)
    with pytest.raises(ChildContextError):
        r.throw_if_error()


def test_throw_if_error_is_silent_on_success() -> None:
    make(BatchItem(0, OK, 1)).throw_if_error()


def test_dict_round_trip_and_wire_keys() -> None:
    r = make(BatchItem(0, OK, {"a": 1}), BatchItem(1, FAIL, error=STEP_ERR))
    d = r.to_dict()
    assert d == {
        "all": [
            {"index": 0, "status": "SUCCEEDED", "result": {"a": 1}, "error": None},
            {
                "index": 1,
                "status": "FAILED",
                "result": None,
                "error": {
                    "ErrorMessage": "bad",
                    "ErrorType": qualified_name(StepError),
                    "ErrorData": "d",
                    "StackTrace": ["t"],
                },
            },
        ],
        "completionReason": "ALL_COMPLETED",
    }
    assert BatchResult.from_dict(d) == r


def test_from_dict_without_reason_infers_it() -> None:
    d = {
        "all": [{"index": 0, "status": "SUCCEEDED", "result": 1}, {"index": 1, "status": "STARTED"}]
    }
    r = BatchResult.from_dict(d, CompletionConfig.first_successful())
    assert r.completion_reason is CompletionReason.MIN_SUCCESSFUL_REACHED


def test_from_items_infers_reasons() -> None:
    assert (
        BatchResult.from_items([BatchItem(0, OK, 1), BatchItem(1, OK, 2)]).completion_reason
        is CompletionReason.ALL_COMPLETED
    )
    assert (
        BatchResult.from_items([BatchItem(0, FAIL), BatchItem(1, RUN)]).completion_reason
        is CompletionReason.FAILURE_TOLERANCE_EXCEEDED
    )


def test_from_items_calls_predicate() -> None:
    seen: list[CompletionStatus] = []

    def predicate(s: CompletionStatus) -> Any:
        seen.append(s)
        if s.success_count >= 1:
            return complete_batch(CompletionOutcome.FAILED)
        return continue_batch()

    r = BatchResult.from_items(
        [BatchItem(1, RUN), BatchItem(0, OK, 1)], CompletionConfig(should_complete=predicate)
    )
    assert r.completion_reason is CompletionReason.CUSTOM_COMPLETION_FAILED
    # As AWS's SDK: the items keep the order given, the predicate sees them in it.
    assert [i.index for i in r.all] == [1, 0]
    assert [i.status for i in seen[0].items] == [RUN, OK]
