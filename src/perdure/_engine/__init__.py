"""The service's rules as pure functions.

Each function takes the current `ExecutionState`, the request and `now`, and returns a
`Transition`: the changed operations, the history events to append, timers to set or
cancel, and effects for the runtime (invoke, start a child execution, notify a parent).
Nothing here reads a clock, touches a database or opens a socket.
"""
