"""Translation between `perdure._model` and AWS's durable-execution JSON.

Pure functions only: no I/O and no clock, so the HTTP API, the SDK's client and the
tests all share one definition of every shape. Import the submodule you need:

* `timestamps`: epoch ms (model) against seconds (HTTP bodies) and ms (Lambda envelope);
* `operations`: Operation, OperationUpdate (validated like the service) and ErrorObject;
* `envelope`: the Lambda event a handler gets and the output it returns;
* `checkpoint`: CheckpointDurableExecution and GetDurableExecutionState bodies;
* `events`: history events as the conformance suite expects them;
* `executions`: GetDurableExecution and ListDurableExecutionsByFunction items;
* `arns`: durable execution ARNs;
* `json_text`: JSON documents from outside held to RFC 8259 (no NaN, no lone surrogates);
* `validation`: `WireFormatError` and the field checks behind every parser.
"""
