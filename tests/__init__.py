"""Perdure's tests. A real package so child-process invokers can import handlers by
``"tests.conformance.handlers.<suite>:<attr>"``."""
