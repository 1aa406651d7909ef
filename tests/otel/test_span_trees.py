"""perdure.otel's spans for a handler with steps, a wait, a child context, a map and a
failing step, run by perdure.testing's runner: names, parents, kinds, statuses,
attributes, links and ids; and the same trees as AWS's plugin gives under AWS's SDK and
its local runner."""

from __future__ import annotations

import importlib
from collections import Counter

import pytest

from perdure.otel import (
    derive_execution_root_span_id,
    derive_workflow_span_id,
    operation_id_to_span_id,
)
from tests.otel.scenario import AWS, PERDURE, Run, run_scenario
from tests.otel.trees import by_id, named, tree


@pytest.fixture(scope="module")
def invocation_view() -> Run:
    return run_scenario(PERDURE, "Invocation")


@pytest.fixture(scope="module")
def execution_view() -> Run:
    return run_scenario(PERDURE, "Execution")


def _shape(run: Run) -> Counter[tuple[str, str | None, str]]:
    index = by_id(run.spans)
    shape: Counter[tuple[str, str | None, str]] = Counter()
    for span in run.spans:
        parent = index.get(span.parent.span_id) if span.parent else None
        shape[(span.name, parent.name if parent else None, span.status.status_code.name)] += 1
    return shape


def _arn(run: Run) -> str:
    return str(named(run.spans, "Invocation")[0].attributes["durable.execution.arn"])  # type: ignore[index]


def test_the_invocation_view_hangs_each_invocations_operations_under_its_invocation_span(
    invocation_view: Run,
) -> None:
    assert (invocation_view.status, invocation_view.result) == ("SUCCEEDED", 3)
    assert _shape(invocation_view) == Counter(
        {
            ("DurableExecutionRoot", None, "UNSET"): 2,  # re-exported by each invocation
            ("Invocation", "DurableExecutionRoot", "OK"): 2,
            ("Workflow", "DurableExecutionRoot", "OK"): 1,
            ("fetch", "Invocation", "OK"): 1,
            ("fetch attempt 1", "fetch", "OK"): 1,
            ("pause", "Invocation", "UNSET"): 1,  # the wait began, then the invocation ended
            ("pause", "Invocation", "OK"): 1,  # and ended in the next one
            ("child", "Invocation", "OK"): 1,
            ("inner", "child", "OK"): 1,
            ("inner attempt 1", "inner", "OK"): 1,
            ("each", "Invocation", "OK"): 1,
            ("map-item-0", "each", "OK"): 1,
            ("map-item-1", "each", "OK"): 1,
            ("double", "map-item-0", "OK"): 1,
            ("double", "map-item-1", "OK"): 1,
            ("double attempt 1", "double", "OK"): 2,
            ("charge", "Invocation", "ERROR"): 1,
            ("charge attempt 1", "charge", "ERROR"): 1,
        }
    )


def test_the_execution_view_hangs_operations_under_workflow_and_records_each_once(
    execution_view: Run,
) -> None:
    assert _shape(execution_view) == Counter(
        {
            ("DurableExecutionRoot", None, "UNSET"): 2,
            ("Invocation", "DurableExecutionRoot", "OK"): 2,
            ("Workflow", "DurableExecutionRoot", "OK"): 1,
            ("fetch", "Workflow", "OK"): 1,
            ("fetch attempt 1", "fetch", "OK"): 1,
            ("pause", "Workflow", "OK"): 1,  # one span across both invocations
            ("child", "Workflow", "OK"): 1,
            ("inner", "child", "OK"): 1,
            ("inner attempt 1", "inner", "OK"): 1,
            ("each", "Workflow", "OK"): 1,
            ("map-item-0", "each", "OK"): 1,
            ("map-item-1", "each", "OK"): 1,
            ("double", "map-item-0", "OK"): 1,
            ("double", "map-item-1", "OK"): 1,
            ("double attempt 1", "double", "OK"): 2,
            ("charge", "Workflow", "ERROR"): 1,
            ("charge attempt 1", "charge", "ERROR"): 1,
        }
    )
    workflow = named(execution_view.spans, "Workflow")[0].context
    for span in named(execution_view.spans, "fetch"):  # linked to the invocation that ran it
        assert [link.context.span_id for link in span.links] == [
            named(execution_view.spans, "Invocation")[0].context.span_id
        ]
    assert workflow.span_id == derive_workflow_span_id(_arn(execution_view))


def test_a_failing_step_is_an_error_with_its_message_and_durable_attributes(
    invocation_view: Run,
) -> None:
    (operation,) = named(invocation_view.spans, "charge")
    (attempt,) = named(invocation_view.spans, "charge attempt 1")
    for span in (operation, attempt):
        assert span.status.status_code.name == "ERROR"
        assert span.status.description == "card declined"
        (event,) = span.events
        assert event.name == "exception"
        assert event.attributes is not None
        assert event.attributes["exception.message"] == "card declined"
    attributes = dict(operation.attributes or {})
    op_id = attributes.pop("durable.operation.id")
    assert attributes == {
        "durable.execution.arn": _arn(invocation_view),
        "durable.operation.type": "STEP",
        "durable.operation.subtype": "Step",
        "durable.operation.status": "FAILED",
        "durable.operation.name": "charge",
        "durable.attempt.number": 1,
    }
    assert dict(attempt.attributes or {})["durable.operation.id"] == op_id
    assert dict(attempt.attributes or {})["durable.attempt.outcome"] == "FAILED"
    assert "durable.operation.status" not in (attempt.attributes or {})  # an attempt


def test_invocation_spans_say_which_invocation_and_how_it_ended(invocation_view: Run) -> None:
    first, second = sorted(
        named(invocation_view.spans, "Invocation"), key=lambda s: s.start_time or 0
    )
    assert dict(first.attributes or {}) == {
        "durable.execution.arn": _arn(invocation_view),
        "durable.invocation.first": True,
        "durable.invocation.status": "PENDING",
    }
    assert dict(second.attributes or {})["durable.invocation.first"] is False
    assert dict(second.attributes or {})["durable.invocation.status"] == "SUCCEEDED"
    (workflow,) = named(invocation_view.spans, "Workflow")
    assert dict(workflow.attributes or {})["durable.execution.status"] == "SUCCEEDED"


def test_ids_are_derived_from_the_execution_so_both_invocations_share_one_trace(
    invocation_view: Run,
) -> None:
    arn = _arn(invocation_view)
    spans = invocation_view.spans
    assert len({s.context.trace_id for s in spans}) == 1
    assert {s.kind.name for s in spans} == {"INTERNAL"}
    roots = named(spans, "DurableExecutionRoot")
    assert {r.context.span_id for r in roots} == {derive_execution_root_span_id(arn)}
    assert dict(roots[0].attributes or {})["durable.execution.synthetic_root"] is True
    started, resumed = sorted(named(spans, "pause"), key=lambda s: s.start_time or 0)
    op_id = str(dict(started.attributes or {})["durable.operation.id"])
    # The first span of an operation takes its derived id; the continuation links to it.
    assert started.context.span_id == operation_id_to_span_id(arn, op_id)
    assert resumed.context.span_id != started.context.span_id
    workflow_id = derive_workflow_span_id(arn)
    assert [link.context.span_id for link in resumed.links] == [
        started.context.span_id,
        workflow_id,
    ]
    assert dict(resumed.attributes or {})["durable.operation.status"] == "SUCCEEDED"


def test_the_derived_ids_are_those_of_awss_plugin() -> None:
    aws = importlib.import_module("aws_durable_execution_sdk_python_otel")  # the dev extra
    arn = "arn:aws:lambda:us-east-1:123456789012:function:f:$LATEST/durable-execution/n/1"
    assert derive_workflow_span_id(arn) == aws.derive_workflow_span_id(arn)
    assert derive_execution_root_span_id(arn) == aws.derive_execution_root_span_id(arn)
    assert operation_id_to_span_id(arn, "1ced8f5be2db") == aws.operation_id_to_span_id(
        arn, "1ced8f5be2db"
    )


@pytest.mark.parametrize("view", ["Invocation", "Execution"])
def test_the_span_tree_is_the_one_awss_plugin_records_under_awss_sdk(view: str) -> None:
    ours = run_scenario(PERDURE, view)
    theirs = run_scenario(AWS, view)
    assert (ours.status, ours.result) == (theirs.status, theirs.result)
    assert tree(ours.spans) == tree(theirs.spans)
