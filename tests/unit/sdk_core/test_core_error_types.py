"""ErrorTypes recorded for the SDK's own errors are AWS's, under Perdure's package name:
`aws_durable_execution_sdk_python.exceptions.X` is `perdure.exceptions.X`, so a ported
test's expected strings change by the package rename only."""

from __future__ import annotations

from typing import Any

from perdure import StepConfig, durable_execution
from perdure._model import Operation, OperationStatus, OperationType
from perdure._sdk.identifier import operation_id
from perdure.config import StepSemantics
from perdure.exceptions import StepError
from perdure.retries import RetryPresets
from tests.unit.sdk_core._recording import RecordingService


def test_an_interrupted_at_most_once_step_records_awss_error_type_and_message() -> None:
    step_id = operation_id(None, 1)

    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        config = StepConfig(
            retry_strategy=RetryPresets.none(),
            step_semantics=StepSemantics.AT_MOST_ONCE_PER_RETRY,
        )
        try:
            ctx.step(lambda s: "never", name="charge", config=config)
        except StepError as exc:
            return {"type": exc.error_type, "message": exc.message}
        return "unreachable"

    svc = RecordingService()
    # The previous invocation started the step and died before it finished.
    svc.ops[step_id] = Operation(
        step_id, OperationType.STEP, OperationStatus.STARTED, svc.clock.now_ms(),
        name="charge", sub_type="Step",
    )  # fmt: skip
    out = svc.run(handler)
    assert out["Status"] == "SUCCEEDED", out
    expected = (
        '{"type": "perdure.exceptions.StepInterruptedError", '
        f'"message": "Step operation_id={step_id} name=charge was previously interrupted"}}'
    )
    assert out["Result"] == expected
    failed = svc.ops[step_id]
    assert failed.status is OperationStatus.FAILED
    assert failed.step_details is not None and failed.step_details.error is not None
    assert failed.step_details.error.type == "perdure.exceptions.StepInterruptedError"


def test_a_failed_step_surfaces_as_step_error_with_the_bodys_error_type() -> None:
    @durable_execution
    def handler(event: Any, ctx: Any) -> Any:
        try:
            ctx.step(_fail, name="s", config=StepConfig(retry_strategy=RetryPresets.none()))
        except StepError as exc:
            return [type(exc).__module__, exc.error_type, type(exc.__cause__).__name__]
        return "unreachable"

    out = RecordingService().run(handler)
    assert out["Result"] == '["perdure.exceptions", "ValueError", "DurableOperationError"]'


def _fail(_: object) -> None:
    raise ValueError("no")
