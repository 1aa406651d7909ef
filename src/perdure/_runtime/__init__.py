"""The long-running shell: a dispatcher that fires due timers and runs due invocations
through an Invoker, acting only through `_service`."""
