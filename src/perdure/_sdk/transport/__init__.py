"""How the handler side talks to the durable-execution service, kept apart from the replay
operations so those never depend on a wire or a connection.

`service_client` is the port (`DurableServiceClient`, and the `EmbeddedInvocation` an
in-process runtime delivers); `http_transport` is Perdure's one HTTP connection layer;
`http_client` and `boto_client` implement the port over it and over boto3;
`invocation_input` holds AWS's names for the invocation event a Lambda-style handler gets.
"""
