"""The handler side: what runs inside a durable function's process.

It may import only `perdure._model`, `perdure._wire` and the leaves, never server code,
so a worker that only runs handlers loads none of the engine, store or API.
"""
