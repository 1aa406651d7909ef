"""Deliberate differences from AWS's SDK 3.0.0 surface, each with its reason (see
docs/porting.md, "SDK surface"); `a.{B,C}` is `a.B` and `a.C`, and an entry covers all
under it. PENDING is not deliberate: it may only shrink (a stale entry fails the test)."""

ALLOWED = {
    "__version__": "Perdure's own version number",
    "context.DurableContext.wait": "also takes seconds=; duration stays first",
    "{context.OperationType,execution.InvocationStatus}": "Perdure's wire enums are "
    "StrEnums (equal to their strings); no RETRY, which Perdure's SDK never returns",
    "plugin.{OperationStatus,OperationAction}": "Perdure's wire enums are StrEnums",
    "plugin.{PluginHost,PluginExecutor}": "AWS's wiring of plugins into its decorator; "
    "Perdure's is internal",
    "exceptions.TimedSuspendExecution.from_delay": "takes now=: time only via the clock",
    "execution.durable_execution()": "adds durable_config= (timeout, retention)",
    "execution.{Operation,OperationUpdate,ErrorObject,DurableExecutionInvocationOutput,"
    "DurableServiceClient,LambdaClient}": "AWS's lambda_service internals: Perdure's "
    "records keep AWS's fields, not its methods; see perdure.client",
    "concurrency.models.{Branch,BranchEvent,BranchEventKind,BranchStatus,CompletionRecord,"
    "Executable,envelope_summary_generator}": "AWS's executor internals; Perdure has its own",
}

PENDING: dict[str, str] = {}
