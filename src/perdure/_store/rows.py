"""How an execution and its documents are laid out in rows, shared by every backend.

Both backends store the same logical schema (migrations/{sqlite,postgres}), so turning a
record into column values and back is written once here; the backends differ only in
placeholders, transactions and notification."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from perdure._model import ErrorObject, Execution, ExecutionStatus
from perdure._model.state import ExecutionRecord, InvocationState
from perdure._store.stored_arns import arn_sql
from perdure._wire.operations import error_from_json, error_to_json

_AFTER_ARN = (
    "function_name, name, version, status, start_ms, end_ms, input, result, error, "
    "timeout_s, tenant_id, parent_arn, parent_op, row_version, seq, event_count, token, "
    "token_seen_seq, invocation, invoke_at, request_id, invocation_started, delivered_seq, "
    "failed_invocations, closing_status, closing_result, closing_error, retention_days, "
    "sync_invoke"
)
# What a read selects: the ARN second, derived from the row (`stored_arns`).
EXEC_COLUMNS = f"id, {arn_sql('executions')}, {_AFTER_ARN}"
# What an insert sets: the number of the ARN's prefix in place of the ARN.
INSERT_COLUMNS = f"id, arn_prefix, {_AFTER_ARN}"
EXEC_COLUMN_COUNT = INSERT_COLUMNS.count(",") + 1

# The columns a commit rewrites, in the order of `update_values`.
UPDATE_COLUMNS = (
    "status",
    "end_ms",
    "result",
    "error",
    "seq",
    "event_count",
    "token",
    "token_seen_seq",
    "invocation",
    "invoke_at",
    "request_id",
    "invocation_started",
    "delivered_seq",
    "failed_invocations",
    "closing_status",
    "closing_result",
    "closing_error",
)


def dump_error(error: ErrorObject | None) -> str | None:
    return None if error is None else json.dumps(error_to_json(error))


def load_error(text: str | None) -> ErrorObject | None:
    return None if text is None else error_from_json(json.loads(text))


def insert_values(rec: ExecutionRecord, arn_prefix: int) -> tuple[Any, ...]:
    """The values of `INSERT_COLUMNS` for a new execution (row version 1) whose ARN's
    prefix is numbered `arn_prefix` (`stored_arns.PrefixIds`)."""
    ex = rec.execution
    return (
        ex.execution_id,
        arn_prefix,
        ex.function_name,
        ex.name,
        ex.version,
        ex.status.value,
        ex.start_timestamp,
        ex.end_timestamp,
        ex.input_payload,
        ex.result,
        dump_error(ex.error),
        ex.execution_timeout,
        ex.tenant_id,
        ex.parent_arn,
        ex.parent_operation_id,
        1,
        *update_values(rec)[4:],
        ex.retention_days,
        1 if ex.sync_invoke else 0,
    )


def update_values(rec: ExecutionRecord) -> tuple[Any, ...]:
    """The values of `UPDATE_COLUMNS`: what a decision may change."""
    ex = rec.execution
    return (
        ex.status.value,
        ex.end_timestamp,
        ex.result,
        dump_error(ex.error),
        rec.seq,
        rec.event_count,
        rec.token,
        rec.token_seen_seq,
        rec.invocation.value,
        rec.invoke_at,
        rec.request_id,
        rec.invocation_started,
        rec.delivered_seq,
        rec.failed_invocations,
        rec.closing_status,
        rec.closing_result,
        dump_error(rec.closing_error),
    )


def record_from_row(row: Sequence[Any]) -> tuple[int, ExecutionRecord]:
    """(row version, record) from a row of `EXEC_COLUMNS`."""
    (
        exec_id,
        arn,
        function_name,
        name,
        version,
        status,
        start_ms,
        end_ms,
        input_payload,
        result,
        error,
        timeout_s,
        tenant_id,
        parent_arn,
        parent_op,
        row_version,
        seq,
        event_count,
        token,
        token_seen_seq,
        invocation,
        invoke_at,
        request_id,
        invocation_started,
        delivered_seq,
        failed_invocations,
        closing_status,
        closing_result,
        closing_error,
        retention_days,
        sync_invoke,
    ) = row
    execution = Execution(
        arn=arn,
        execution_id=exec_id,
        name=name,
        function_name=function_name,
        version=version,
        status=ExecutionStatus(status),
        start_timestamp=start_ms,
        input_payload=input_payload,
        result=result,
        error=load_error(error),
        end_timestamp=end_ms,
        execution_timeout=timeout_s,
        tenant_id=tenant_id,
        parent_arn=parent_arn,
        parent_operation_id=parent_op,
        retention_days=int(retention_days),
        sync_invoke=bool(sync_invoke),
    )
    record = ExecutionRecord(
        execution=execution,
        seq=seq,
        event_count=event_count,
        token=token,
        token_seen_seq=token_seen_seq,
        invocation=InvocationState(invocation),
        invoke_at=invoke_at,
        request_id=request_id,
        invocation_started=invocation_started,
        delivered_seq=delivered_seq,
        failed_invocations=failed_invocations,
        closing_status=closing_status,
        closing_result=closing_result,
        closing_error=load_error(closing_error),
    )
    return int(row_version), record
