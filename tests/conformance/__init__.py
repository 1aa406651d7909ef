"""Conformance harness: runs AWS's language-neutral durable-execution requirements against
Perdure's local test runner, with our own handlers and our own implementation of the suite's
matching rules. The requirement files are read from outside the repository, never copied in."""
