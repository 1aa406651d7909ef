"""`Operation`, `OperationUpdate` and `ErrorObject` in AWS's PascalCase JSON.

The service writes operations to HTTP responses (seconds) and to the invocation envelope
(milliseconds), and the SDK reads them back from both; `time_unit` picks the unit. Absent
members are omitted, never sent as null, because the SDK and the conformance matcher tell
"absent" from "empty".

`update_from_json` is the service's gate for checkpoint input. It checks everything the
botocore model declares but botocore does not enforce client-side: patterns, lengths,
ranges and enum membership. What is *legal in the current state* (START on an existing
op, RETRY without StepOptions, ...) is the engine's business, not this module's.
"""

from __future__ import annotations

import re
from typing import Any

from perdure._model import (
    CallbackDetails,
    CallbackOptions,
    ChainedInvokeDetails,
    ChainedInvokeOptions,
    ContextDetails,
    ContextOptions,
    ErrorObject,
    ExecutionDetails,
    Operation,
    OperationAction,
    OperationStatus,
    OperationType,
    OperationUpdate,
    StepDetails,
    StepOptions,
    WaitDetails,
    WaitOptions,
)
from perdure._wire.timestamps import TimeUnit, parse_timestamp, render_timestamp
from perdure._wire.validation import (
    WireFormatError,
    check_enum,
    check_str,
    opt_bool,
    opt_int,
    opt_object,
    opt_str,
    opt_str_list,
    require_object,
    required,
)

OPERATION_ID_RE = re.compile(r"[a-zA-Z0-9_-]{1,64}")
OPERATION_NAME_RE = re.compile(r"[\x20-\x7E]{1,256}")
SUB_TYPE_RE = re.compile(r"[a-zA-Z0-9_-]{1,32}")
TENANT_ID_RE = re.compile(r"[a-zA-Z0-9._:/=+\-@ ]{1,256}")
MAX_DURATION_SECONDS = 31_622_400  # 366 days
MAX_CALLBACK_TIMEOUT_SECONDS = 99_999_999
MAX_FUNCTION_NAME_CHARS = 256

_ID_HINT = "1-64 characters from [a-zA-Z0-9-_]"
_NAME_HINT = "1-256 printable ASCII characters; non-ASCII names are not accepted"
_SUB_TYPE_HINT = "1-32 characters from [a-zA-Z0-9-_], such as Step or RunInChildContext"
_TYPES = OperationType._value2member_map_


# ---------------------------------------------------------------------------- ErrorObject


def error_to_json(e: ErrorObject) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if e.message is not None:
        out["ErrorMessage"] = e.message
    if e.type is not None:
        out["ErrorType"] = e.type
    if e.data is not None:
        out["ErrorData"] = e.data
    if e.stack_trace is not None:
        out["StackTrace"] = list(e.stack_trace)
    return out


def error_from_json(d: object, *, path: str = "Error") -> ErrorObject:
    """An `ErrorObject`; `{}` is valid and means "failed, nothing known" (reference §5.15)."""
    obj = require_object(d, path)
    return ErrorObject(
        message=opt_str(obj, "ErrorMessage", path),
        type=opt_str(obj, "ErrorType", path),
        data=opt_str(obj, "ErrorData", path),
        stack_trace=opt_str_list(obj, "StackTrace", path),
    )


def _opt_error(d: dict[str, Any], path: str) -> ErrorObject | None:
    value = d.get("Error")
    return None if value is None else error_from_json(value, path=f"{path}.Error")


def _put(out: dict[str, Any], key: str, value: Any) -> None:
    if value is not None:
        out[key] = value


def _result_and_error(out: dict[str, Any], result: str | None, error: ErrorObject | None) -> None:
    _put(out, "Result", result)
    if error is not None:
        out["Error"] = error_to_json(error)


# ------------------------------------------------------------------------------ Operation


def operation_to_json(op: Operation, *, time_unit: TimeUnit) -> dict[str, Any]:
    """The API `Operation` shape; timestamps in seconds (HTTP) or milliseconds (envelope)."""
    out: dict[str, Any] = {"Id": op.operation_id}
    _put(out, "ParentId", op.parent_id)
    _put(out, "Name", op.name)
    out["Type"] = op.operation_type.value
    _put(out, "SubType", op.sub_type)
    out["StartTimestamp"] = render_timestamp(op.start_timestamp, time_unit)
    if op.end_timestamp is not None:
        out["EndTimestamp"] = render_timestamp(op.end_timestamp, time_unit)
    out["Status"] = op.status.value

    if (ex := op.execution_details) is not None:
        details: dict[str, Any] = {}
        _put(details, "InputPayload", ex.input_payload)
        out["ExecutionDetails"] = details
    if (ctx := op.context_details) is not None:
        details = {"ReplayChildren": ctx.replay_children}
        _result_and_error(details, ctx.result, ctx.error)
        out["ContextDetails"] = details
    if (step := op.step_details) is not None:
        details = {"Attempt": step.attempt}
        if step.next_attempt_timestamp is not None:
            details["NextAttemptTimestamp"] = render_timestamp(
                step.next_attempt_timestamp, time_unit
            )
        _result_and_error(details, step.result, step.error)
        out["StepDetails"] = details
    if (wait := op.wait_details) is not None:
        details = {}
        if wait.scheduled_end_timestamp is not None:
            details["ScheduledEndTimestamp"] = render_timestamp(
                wait.scheduled_end_timestamp, time_unit
            )
        out["WaitDetails"] = details
    if (cb := op.callback_details) is not None:
        details = {}
        _put(details, "CallbackId", cb.callback_id)
        _result_and_error(details, cb.result, cb.error)
        out["CallbackDetails"] = details
    if (inv := op.chained_invoke_details) is not None:
        details = {}
        _result_and_error(details, inv.result, inv.error)
        out["ChainedInvokeDetails"] = details
    return out


def _opt_ts(d: dict[str, Any], key: str, path: str, unit: TimeUnit) -> int | None:
    value = d.get(key)
    return None if value is None else parse_timestamp(value, unit, field=f"{path}.{key}")


def operation_from_json(d: object, *, time_unit: TimeUnit, path: str = "Operation") -> Operation:
    """Inverse of `operation_to_json`. Numeric timestamps are read in `time_unit`; ISO-8601
    strings are accepted in either unit. Raises `WireFormatError` on a malformed member."""
    plain = _plain_operation(d, time_unit)
    if plain is not None:
        return plain
    obj = require_object(d, path)
    op_id = check_str(required(obj, "Id", path, _ID_HINT), f"{path}.Id")
    op_type = check_enum(
        OperationType, required(obj, "Type", path, "the operation type"), f"{path}.Type"
    )
    status = check_enum(
        OperationStatus, required(obj, "Status", path, "the operation status"), f"{path}.Status"
    )
    start = parse_timestamp(
        required(obj, "StartTimestamp", path, "when the operation started"),
        time_unit,
        field=f"{path}.StartTimestamp",
    )

    execution_details = None
    if (ex := opt_object(obj, "ExecutionDetails", path)) is not None:
        execution_details = ExecutionDetails(
            input_payload=opt_str(ex, "InputPayload", f"{path}.ExecutionDetails")
        )
    context_details = None
    if (ctx := opt_object(obj, "ContextDetails", path)) is not None:
        p = f"{path}.ContextDetails"
        context_details = ContextDetails(
            replay_children=bool(opt_bool(ctx, "ReplayChildren", p)),
            result=opt_str(ctx, "Result", p),
            error=_opt_error(ctx, p),
        )
    step_details = None
    if (step := opt_object(obj, "StepDetails", path)) is not None:
        p = f"{path}.StepDetails"
        step_details = StepDetails(
            attempt=opt_int(step, "Attempt", p, lo=0) or 0,
            next_attempt_timestamp=_opt_ts(step, "NextAttemptTimestamp", p, time_unit),
            result=opt_str(step, "Result", p),
            error=_opt_error(step, p),
        )
    wait_details = None
    if (wait := opt_object(obj, "WaitDetails", path)) is not None:
        wait_details = WaitDetails(
            scheduled_end_timestamp=_opt_ts(
                wait, "ScheduledEndTimestamp", f"{path}.WaitDetails", time_unit
            )
        )
    callback_details = None
    if (cb := opt_object(obj, "CallbackDetails", path)) is not None:
        p = f"{path}.CallbackDetails"
        callback_details = CallbackDetails(
            callback_id=opt_str(cb, "CallbackId", p),
            result=opt_str(cb, "Result", p),
            error=_opt_error(cb, p),
        )
    chained_invoke_details = None
    if (inv := opt_object(obj, "ChainedInvokeDetails", path)) is not None:
        p = f"{path}.ChainedInvokeDetails"
        chained_invoke_details = ChainedInvokeDetails(
            result=opt_str(inv, "Result", p), error=_opt_error(inv, p)
        )

    return Operation(
        operation_id=op_id,
        operation_type=op_type,
        status=status,
        start_timestamp=start,
        parent_id=opt_str(obj, "ParentId", path),
        name=opt_str(obj, "Name", path),
        sub_type=opt_str(obj, "SubType", path),
        end_timestamp=_opt_ts(obj, "EndTimestamp", path, time_unit),
        execution_details=execution_details,
        context_details=context_details,
        step_details=step_details,
        wait_details=wait_details,
        callback_details=callback_details,
        chained_invoke_details=chained_invoke_details,
    )


# The members of an operation without details, or with a step's attempt and result
# only: every step a checkpoint answers with. Read here without the general path's
# per-member calls and error paths.
_PLAIN_OPERATION_KEYS = frozenset(
    {"Id", "ParentId", "Name", "Type", "SubType", "StartTimestamp", "EndTimestamp", "Status"}
)
_PLAIN_STEP_KEYS = _PLAIN_OPERATION_KEYS | {"StepDetails"}
_PLAIN_STEP_DETAILS_KEYS = frozenset({"Attempt", "Result"})
_STATUSES = OperationStatus._value2member_map_


def _plain_operation(d: object, time_unit: TimeUnit) -> Operation | None:
    """`d` read as `operation_from_json` reads it, if it is a valid operation of that
    common shape; None for anything else, which the general path then reads (and
    refuses with its precise message, if it must)."""
    if type(d) is not dict or not d.keys() <= _PLAIN_STEP_KEYS:
        return None
    get = d.get
    op_id, op_type, status = get("Id"), get("Type"), get("Status")
    parent_id, name, sub_type = get("ParentId"), get("Name"), get("SubType")
    if (
        type(op_id) is not str
        or type(op_type) is not str
        or type(status) is not str
        or (parent_id is not None and type(parent_id) is not str)
        or (name is not None and type(name) is not str)
        or (sub_type is not None and type(sub_type) is not str)
    ):
        return None
    known_type = _TYPES.get(op_type)
    known_status = _STATUSES.get(status)
    if known_type is None or known_status is None:
        return None
    step_details = None
    raw_step = get("StepDetails")
    if raw_step is not None:
        if type(raw_step) is not dict or not raw_step.keys() <= _PLAIN_STEP_DETAILS_KEYS:
            return None
        attempt, result = raw_step.get("Attempt"), raw_step.get("Result")
        if (attempt is not None and (type(attempt) is not int or attempt < 0)) or (
            result is not None and type(result) is not str
        ):
            return None
        step_details = StepDetails(attempt=attempt or 0, result=result)
    start, end = get("StartTimestamp"), get("EndTimestamp")
    try:
        start_ms = parse_timestamp(start, time_unit)
        end_ms = None if end is None else parse_timestamp(end, time_unit)
    except ValueError:  # the general path names the member
        return None
    return Operation(
        operation_id=op_id,
        operation_type=known_type,  # type: ignore[arg-type]
        status=known_status,  # type: ignore[arg-type]
        start_timestamp=start_ms,
        parent_id=parent_id,
        name=name,
        sub_type=sub_type,
        end_timestamp=end_ms,
        step_details=step_details,
    )


# ------------------------------------------------------------------------ OperationUpdate


def update_to_json(u: OperationUpdate) -> dict[str, Any]:
    """The `OperationUpdate` request shape.

    `StepOptions.NextAttemptDelaySeconds` and `WaitOptions.WaitSeconds` are omitted when 0:
    the model uses 0 for "not given", and the wire minimum is 1. Callback timeouts are
    always sent, since 0 there is a legal value meaning "no timeout".
    """
    out: dict[str, Any] = {"Id": u.operation_id}
    _put(out, "ParentId", u.parent_id)
    _put(out, "Name", u.name)
    out["Type"] = u.operation_type.value
    _put(out, "SubType", u.sub_type)
    out["Action"] = u.action.value
    _put(out, "Payload", u.payload)
    if u.error is not None:
        out["Error"] = error_to_json(u.error)
    if u.context_options is not None:
        out["ContextOptions"] = {"ReplayChildren": u.context_options.replay_children}
    if u.step_options is not None:
        delay = u.step_options.next_attempt_delay_seconds
        out["StepOptions"] = {"NextAttemptDelaySeconds": delay} if delay else {}
    if u.wait_options is not None:
        seconds = u.wait_options.wait_seconds
        out["WaitOptions"] = {"WaitSeconds": seconds} if seconds else {}
    if u.callback_options is not None:
        out["CallbackOptions"] = {
            "TimeoutSeconds": u.callback_options.timeout_seconds,
            "HeartbeatTimeoutSeconds": u.callback_options.heartbeat_timeout_seconds,
        }
    if (inv := u.chained_invoke_options) is not None:
        invoke: dict[str, Any] = {"FunctionName": inv.function_name}
        _put(invoke, "TenantId", inv.tenant_id)
        _put(invoke, "XAmznTraceId", inv.x_amzn_trace_id)
        out["ChainedInvokeOptions"] = invoke
    return out


def update_from_json(d: object, *, path: str = "OperationUpdate") -> OperationUpdate:
    """Validate and read one checkpoint update as the real service would.

    Raises `WireFormatError` (an `InvalidParameterValueError`) naming the member, e.g.
    `Updates[3].WaitOptions.WaitSeconds must be an integer between 1 and 31622400, got 0.`
    """
    plain = _plain_update(d)
    if plain is not None:
        return plain
    obj = require_object(d, path)
    op_id = check_str(
        required(obj, "Id", path, f"give the operation's Id ({_ID_HINT})"),
        f"{path}.Id",
        pattern=OPERATION_ID_RE,
        hint=_ID_HINT,
    )
    op_type = check_enum(
        OperationType, required(obj, "Type", path, "give the operation type"), f"{path}.Type"
    )
    action = check_enum(
        OperationAction, required(obj, "Action", path, "give the action"), f"{path}.Action"
    )
    parent_id = opt_str(obj, "ParentId", path, pattern=OPERATION_ID_RE, hint=_ID_HINT)
    name = opt_str(obj, "Name", path, pattern=OPERATION_NAME_RE, hint=_NAME_HINT)
    sub_type = opt_str(obj, "SubType", path, pattern=SUB_TYPE_RE, hint=_SUB_TYPE_HINT)
    # No length check here: the service holds payloads to its limits (`Limits`), with
    # the same message whether the checkpoint came over HTTP or in-process.
    payload = opt_str(obj, "Payload", path)
    error = _opt_error(obj, path)

    context_options = None
    if (ctx := opt_object(obj, "ContextOptions", path)) is not None:
        replay = opt_bool(ctx, "ReplayChildren", f"{path}.ContextOptions")
        context_options = ContextOptions(replay_children=bool(replay))
    step_options = None
    if (step := opt_object(obj, "StepOptions", path)) is not None:
        delay = opt_int(
            step, "NextAttemptDelaySeconds", f"{path}.StepOptions", lo=1, hi=MAX_DURATION_SECONDS
        )
        step_options = StepOptions(next_attempt_delay_seconds=delay or 0)
    wait_options = None
    if (wait := opt_object(obj, "WaitOptions", path)) is not None:
        seconds = opt_int(wait, "WaitSeconds", f"{path}.WaitOptions", lo=1, hi=MAX_DURATION_SECONDS)
        wait_options = WaitOptions(wait_seconds=seconds or 0)
    callback_options = None
    if (cb := opt_object(obj, "CallbackOptions", path)) is not None:
        p = f"{path}.CallbackOptions"
        hi = MAX_CALLBACK_TIMEOUT_SECONDS
        callback_options = CallbackOptions(
            timeout_seconds=opt_int(cb, "TimeoutSeconds", p, lo=0, hi=hi) or 0,
            heartbeat_timeout_seconds=opt_int(cb, "HeartbeatTimeoutSeconds", p, lo=0, hi=hi) or 0,
        )
    chained_invoke_options = _chained_invoke_options(obj, path, op_type, action)

    return OperationUpdate(
        operation_id=op_id,
        operation_type=op_type,
        action=action,
        parent_id=parent_id,
        name=name,
        sub_type=sub_type,
        payload=payload,
        error=error,
        context_options=context_options,
        step_options=step_options,
        wait_options=wait_options,
        callback_options=callback_options,
        chained_invoke_options=chained_invoke_options,
    )


# The members of an update that carries no error and no options: most do (every START
# and SUCCEED of a step), and they are read here without the general path's per-member
# calls and error paths.
_PLAIN_UPDATE_KEYS = frozenset({"Id", "ParentId", "Name", "Type", "SubType", "Action", "Payload"})
_ACTIONS = OperationAction._value2member_map_


def _plain_update(d: object) -> OperationUpdate | None:
    """`d` read as `update_from_json` reads it, if it is a valid update without error
    or options; None for anything else, which the general path then reads (and
    refuses with its precise message, if it must)."""
    if type(d) is not dict or not d.keys() <= _PLAIN_UPDATE_KEYS:
        return None
    get = d.get
    op_id, op_type, action = get("Id"), get("Type"), get("Action")
    parent_id, name, sub_type, payload = (
        get("ParentId"),
        get("Name"),
        get("SubType"),
        get("Payload"),
    )
    if (
        type(op_id) is not str
        or OPERATION_ID_RE.fullmatch(op_id) is None
        or type(op_type) is not str
        or type(action) is not str
        or (
            parent_id is not None
            and (type(parent_id) is not str or not OPERATION_ID_RE.fullmatch(parent_id))
        )
        or (name is not None and (type(name) is not str or not OPERATION_NAME_RE.fullmatch(name)))
        or (
            sub_type is not None
            and (type(sub_type) is not str or not SUB_TYPE_RE.fullmatch(sub_type))
        )
        or (payload is not None and type(payload) is not str)
    ):
        return None
    known_type = _TYPES.get(op_type)
    known_action = _ACTIONS.get(action)
    if known_type is None or known_action is None or known_type is OperationType.CHAINED_INVOKE:
        return None
    return OperationUpdate(
        operation_id=op_id,
        operation_type=known_type,  # type: ignore[arg-type]
        action=known_action,  # type: ignore[arg-type]
        parent_id=parent_id,
        name=name,
        sub_type=sub_type,
        payload=payload,
    )


def _chained_invoke_options(
    obj: dict[str, Any], path: str, op_type: OperationType, action: OperationAction
) -> ChainedInvokeOptions | None:
    p = f"{path}.ChainedInvokeOptions"
    inv = opt_object(obj, "ChainedInvokeOptions", path)
    if inv is None:
        if op_type is OperationType.CHAINED_INVOKE and action is OperationAction.START:
            raise WireFormatError(
                f"{p} is required for a CHAINED_INVOKE START: "
                "give ChainedInvokeOptions.FunctionName, the function to invoke."
            )
        return None
    function_name = check_str(
        required(inv, "FunctionName", p, "give the name or ARN of the function to invoke"),
        f"{p}.FunctionName",
        min_len=1,
        max_len=MAX_FUNCTION_NAME_CHARS,
    )
    return ChainedInvokeOptions(
        function_name=function_name,
        tenant_id=opt_str(inv, "TenantId", p, pattern=TENANT_ID_RE),
        x_amzn_trace_id=opt_str(inv, "XAmznTraceId", p),
    )
