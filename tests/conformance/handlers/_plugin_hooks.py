"""The recording plugins of the ``plugin`` suite (10-x), one class per record shape.

Each logs exactly the JSON records its requirement's prose names (through
``RecordingPlugin.emit``); operation and user-function records are filtered to the
operation type the requirement names.
"""

from __future__ import annotations

from perdure.plugin import (
    InvocationEndInfo,
    InvocationStartInfo,
    OperationChangeInfo,
    OperationEndInfo,
    OperationStartInfo,
    UserFunctionEndInfo,
    UserFunctionStartInfo,
)
from tests.conformance.handlers._plugin_support import (
    TERMINAL,
    RecordingPlugin,
    dump_invocation,
    dump_operation,
    error_message,
    is_step,
    is_wait,
    opt,
    token,
)


class InvocationHooks(RecordingPlugin):
    """invocation-start {first} / invocation-end {status} (10-1, 10-5, 10-6, 10-7)."""

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self.emit("invocation-end", status=token(info.status))


class StepOperationHooks(RecordingPlugin):
    """operation-start {op} / operation-end {op, status} for steps (10-2)."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_step(info):
            self.emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self.emit("operation-end", op=info.operation_id, status=token(info.status))


class StepAttemptHooks(RecordingPlugin):
    """attempt-start/-end {n, op, outcome} around step bodies, plus operation-end (10-3,
    10-15)."""

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if is_step(info):
            self.emit("attempt-start", n=info.attempt, op=info.operation_id)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if is_step(info):
            outcome = token(info.outcome)
            self.emit("attempt-end", n=info.attempt, outcome=outcome, op=info.operation_id)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self.emit("operation-end", op=info.operation_id, status=token(info.status))


class FaultyPlugin(RecordingPlugin):
    """Every hook logs its name, then raises (10-4, 10-17)."""

    label = "CONFPLUGIN-FAULTY"

    def _fail(self, hook: str) -> None:
        self.emit(hook)
        raise RuntimeError(f"faulty plugin: {hook}")

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self._fail("invocation-start")

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self._fail("invocation-end")

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_step(info):
            self._fail("operation-start")

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self._fail("operation-end")

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if is_step(info):
            self._fail("attempt-start")

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if is_step(info):
            self._fail("attempt-end")


class HealthyPlugin(RecordingPlugin):
    """The healthy twin of FaultyPlugin (10-17)."""

    label = "CONFPLUGIN-HEALTHY"

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self.emit("invocation-end", status=token(info.status))

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_step(info):
            self.emit("operation-start", op=info.operation_id)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self.emit("operation-end", op=info.operation_id, status=token(info.status))

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if is_step(info):
            self.emit("attempt-start", op=info.operation_id)

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if is_step(info):
            self.emit("attempt-end", op=info.operation_id, outcome=token(info.outcome))


class ChangeHooks(RecordingPlugin):
    """operation-change {op, status, in_full_map} per updated step (10-8)."""

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        for op_id, op in info.updated_operations.items():
            if is_step(op):
                status = token(op.status)
                self.emit(
                    "operation-change",
                    op=op_id,
                    status=status,
                    in_full_map=op_id in info.operations,
                )


class UpdatedOnInvoke(RecordingPlugin):
    """updated-on-invoke {op, status, first} per wait the service changed (10-9)."""

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        for op_id, op in info.updated_operations.items():
            if is_wait(op):
                first = info.is_first_invocation
                self.emit("updated-on-invoke", op=op_id, status=token(op.status), first=first)


class WaitOperationHooks(RecordingPlugin):
    """operation-start {op, type} / operation-end {op, type, status} for waits (10-10)."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_wait(info):
            self.emit("operation-start", op=info.operation_id, type=token(info.operation_type))

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_wait(info):
            kind = token(info.operation_type)
            self.emit("operation-end", op=info.operation_id, type=kind, status=token(info.status))


class ParentLinkage(RecordingPlugin):
    """operation-end {op, parent, status} for every operation (10-11)."""

    def on_operation_end(self, info: OperationEndInfo) -> None:
        parent = opt(info.parent_id)
        self.emit("operation-end", op=info.operation_id, parent=parent, status=token(info.status))


class BranchFunctionHooks(RecordingPlugin):
    """fn-start/-end {op, parent, outcome} around parallel branch bodies (10-12)."""

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if info.sub_type == "ParallelBranch":
            self.emit("fn-start", op=info.operation_id, parent=opt(info.parent_id))

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if info.sub_type == "ParallelBranch":
            parent, outcome = opt(info.parent_id), token(info.outcome)
            self.emit("fn-end", op=info.operation_id, parent=parent, outcome=outcome)


class ReplayFlags(RecordingPlugin):
    """operation-start {op, replay} / operation-end {op, status} for steps (10-13)."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_step(info):
            self.emit("operation-start", op=info.operation_id, replay=info.is_replayed)

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self.emit("operation-end", op=info.operation_id, status=token(info.status))


class TerminalPayloads(RecordingPlugin):
    """operation-end {op, status, result, error} for steps (10-14)."""

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self.emit(
                "operation-end",
                op=info.operation_id,
                status=token(info.status),
                result=opt(info.result),
                error=error_message(info),
            )


class InvocationEndPerInvocation(RecordingPlugin):
    """invocation-end {first, terminal, status}, first read from the end info (10-16)."""

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.emit("invocation-start", first=info.is_first_invocation)

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        status = token(info.status)
        first = info.is_first_invocation
        self.emit("invocation-end", first=first, terminal=status in TERMINAL, status=status)


class WaitReplayFlags(RecordingPlugin):
    """operation-start {type, name, replay, pending} / -end {type, name, status} (10-18)."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_wait(info):
            pending = info.status is None or token(info.status) not in TERMINAL
            self.emit(
                "operation-start",
                type="WAIT",
                name=info.name,
                replay=info.is_replayed,
                pending=pending,
            )

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_wait(info):
            self.emit("operation-end", type="WAIT", name=info.name, status=token(info.status))


class InvocationDump(RecordingPlugin):
    """Canonical dumps of the invocation infos (10-19)."""

    def on_invocation_start(self, info: InvocationStartInfo) -> None:
        self.emit("invocation-start", **dump_invocation(info))

    def on_invocation_end(self, info: InvocationEndInfo) -> None:
        self.emit("invocation-end", **dump_invocation(info))


class StepOperationDump(RecordingPlugin):
    """Canonical dumps of step operation infos (10-20)."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if is_step(info):
            self.emit("operation-start", **dump_operation(info))

    def on_operation_end(self, info: OperationEndInfo) -> None:
        if is_step(info):
            self.emit("operation-end", **dump_operation(info))


class StepAttemptDump(RecordingPlugin):
    """Canonical dumps of step user-function infos (10-21)."""

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if is_step(info):
            self.emit("attempt-start", **dump_operation(info))

    def on_user_function_end(self, info: UserFunctionEndInfo) -> None:
        if is_step(info):
            self.emit("attempt-end", **dump_operation(info))


class ChangeDump(RecordingPlugin):
    """Canonical dumps of each updated step in a change notification (10-22)."""

    def on_operation_change(self, info: OperationChangeInfo) -> None:
        for op_id, op in info.updated_operations.items():
            if is_step(op):
                self.emit(
                    "operation-change",
                    executionArn=info.execution_arn,
                    updatedOperationsCount=len(info.updated_operations),
                    operationsCount=len(info.operations),
                    inFullMap=op_id in info.operations,
                    **dump_operation(op),
                )


class ContextDump(RecordingPlugin):
    """Canonical dumps of context operation-starts and body starts (10-23)."""

    def on_operation_start(self, info: OperationStartInfo) -> None:
        if token(info.operation_type) == "CONTEXT":
            self.emit("operation-start", **dump_operation(info))

    def on_user_function_start(self, info: UserFunctionStartInfo) -> None:
        if token(info.operation_type) == "CONTEXT":
            self.emit("fn-start", **dump_operation(info))
