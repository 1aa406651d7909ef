"""One small durable handler per conformance requirement id, written from each requirement's
``handler:`` / ``invocations:`` prose. Module = suite folder, attribute = ``handler_<a>_<b>``
for requirement ``<a>-<b>`` (so ``tests.conformance.handlers.step:handler_1_17``)."""
