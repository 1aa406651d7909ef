"""ErrorObject <-> exception with 3.0 qualified ErrorTypes (3.0 §1.5, §2.3)."""

from __future__ import annotations

import pytest

from perdure._model import ErrorObject
from perdure._sdk.error_mapping import (
    SERDES_ERROR_TYPE,
    error_object_from_dict,
    error_object_from_exception,
    error_object_to_dict,
    raise_as_operation_error,
    reconstruct_operation_error,
    register_operation_error,
)
from perdure.concurrency.models import BatchCompletionError
from perdure.errors import (
    CallbackTimeoutError,
    ChildContextError,
    DurableOperationError,
    SerDesError,
    StepError,
    StepInterruptedError,
    qualified_name,
)


class AppError(Exception):
    pass


class MySerDesError(SerDesError):
    pass


def test_builtin_error_type_is_bare_and_has_no_stack() -> None:
    assert error_object_from_exception(ValueError("x")) == ErrorObject("x", "ValueError")


def test_user_error_type_is_qualified() -> None:
    err = error_object_from_exception(AppError("boom"))
    assert err.type == f"{__name__}.AppError"
    assert err.message == "boom" and err.stack_trace is None


def test_operation_error_keeps_fields_and_is_qualified() -> None:
    exc = StepError("m", "ValueError", "data", ["l1"])
    err = error_object_from_exception(exc)
    assert err == ErrorObject("m", "perdure.exceptions.StepError", "data", ["l1"])


def test_serdes_subclasses_are_pinned() -> None:
    assert error_object_from_exception(MySerDesError("s")).type == SERDES_ERROR_TYPE
    assert SERDES_ERROR_TYPE == "perdure.exceptions.SerDesError"


def test_raise_wraps_with_typed_cause() -> None:
    err = ErrorObject("timed out", qualified_name(CallbackTimeoutError), "d", ["s"])
    with pytest.raises(ChildContextError) as info:
        raise_as_operation_error(err, ChildContextError)
    exc = info.value
    assert (exc.message, exc.error_type, exc.data, exc.stack_trace) == (
        "timed out",
        "perdure.exceptions.CallbackTimeoutError",
        "d",
        ["s"],
    )
    assert type(exc.__cause__) is CallbackTimeoutError


def test_unknown_and_short_names_rebuild_base_error() -> None:
    for name in ("StepError", "ValueError", None):
        cause = reconstruct_operation_error(ErrorObject("m", name))
        assert type(cause) is DurableOperationError
        assert cause.error_type == name or name is None


def test_serdes_type_raises_serdes_error_instead_of_wrapper() -> None:
    with pytest.raises(SerDesError) as info:
        raise_as_operation_error(ErrorObject("bad", SERDES_ERROR_TYPE), StepError)
    assert not isinstance(info.value, StepError)
    # As on AWS: SerDesError is no operation error, so its cause comes back as the base.
    assert type(info.value.__cause__) is DurableOperationError


def test_batch_completion_error_reconstructs() -> None:
    cause = reconstruct_operation_error(ErrorObject("m", qualified_name(BatchCompletionError)))
    assert type(cause) is BatchCompletionError
    assert cause.message == "m"


def test_register_operation_error() -> None:
    class CustomOpError(DurableOperationError):
        pass

    register_operation_error(CustomOpError)
    cause = reconstruct_operation_error(ErrorObject("m", qualified_name(CustomOpError)))
    assert type(cause) is CustomOpError


def test_first_run_and_replay_agree() -> None:
    recorded = error_object_from_exception(StepError("x", "ValueError"))
    with pytest.raises(ChildContextError) as info:
        raise_as_operation_error(recorded, ChildContextError)
    assert info.value.error_type == "perdure.exceptions.StepError"
    assert type(info.value.__cause__) is StepError


def test_sdk_errors_are_recorded_under_awss_module_paths_with_perdures_name() -> None:
    """A port's expected strings change only by the package name:
    `aws_durable_execution_sdk_python.exceptions.StepError` becomes
    `perdure.exceptions.StepError`."""
    expected = {
        StepError("x"): "perdure.exceptions.StepError",
        CallbackTimeoutError("x"): "perdure.exceptions.CallbackTimeoutError",
        SerDesError("x"): "perdure.exceptions.SerDesError",
        StepInterruptedError("x"): "perdure.exceptions.StepInterruptedError",
        BatchCompletionError(): "perdure.concurrency.models.BatchCompletionError",
    }
    for exc, name in expected.items():
        assert error_object_from_exception(exc).type == name
    assert StepError("x").error_type == "perdure.exceptions.StepError"


def test_history_recorded_under_the_old_module_path_still_rebuilds_typed() -> None:
    for old, cls in (
        ("perdure.errors.StepError", StepError),
        ("perdure.errors.BatchCompletionError", BatchCompletionError),
    ):
        cause = reconstruct_operation_error(ErrorObject("m", old))
        assert type(cause) is cls and cause.error_type == old
    with pytest.raises(SerDesError):
        raise_as_operation_error(ErrorObject("m", "perdure.errors.SerDesError"), StepError)


def test_dict_form_omits_absent_fields() -> None:
    assert error_object_to_dict(ErrorObject("m", "T")) == {"ErrorMessage": "m", "ErrorType": "T"}
    full = ErrorObject("m", "T", "d", ["a", "b"])
    assert error_object_from_dict(error_object_to_dict(full)) == full
    assert error_object_from_dict({}) == ErrorObject()
