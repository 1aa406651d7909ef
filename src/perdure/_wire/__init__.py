"""Translation between `perdure._model` and AWS's durable-execution JSON.

Pure functions only: no I/O and no clock, so the HTTP API, the SDK's client, the
embedded client and the tests all share one definition of every shape. Import the
submodule you need:

* `timestamps`: epoch ms (model) against seconds (HTTP bodies) and ms (Lambda envelope);
* `operations`: Operation, OperationUpdate (validated like the service) and ErrorObject;
* `envelope`: the Lambda event a handler gets and the output it returns;
* `checkpoint`: CheckpointDurableExecution and GetDurableExecutionState bodies;
* `events`: history events as the conformance suite expects them;
* `executions`: the control plane's answers (GetDurableExecution, history, listings,
  stop, delete), rendered here for the API and the embedded client alike;
* `invoke`: the function, version and payload an Invoke names;
* `api_errors`: AWS error answers, encoded by the API and decoded by the HTTP client;
* `arns`: durable execution ARNs;
* `json_text`: JSON documents from outside held to RFC 8259 (no NaN, no lone surrogates);
* `validation`: `WireFormatError` and the field checks behind every parser.
"""
