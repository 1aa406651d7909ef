"""Route functions for callback results sent by outside systems. The callback id alone
names the execution and operation (reference §5.16); it arrives percent-encoded in one
path segment (an id ending in `=` comes as `%3D`) and is decoded before it gets here."""

from __future__ import annotations

from perdure._api.context import ApiContext
from perdure._api.http import Request, Response, optional_json
from perdure._service import callbacks
from perdure._wire.operations import error_from_json


def succeed(api: ApiContext, req: Request) -> Response:
    # The body is the raw result blob (no JSON wrapper); empty means no result.
    callbacks.send_success(api.ctx, req.params["CallbackId"], req.body or None)
    return Response.json(200, {})


def fail(api: ApiContext, req: Request) -> Response:
    # The body is the ErrorObject itself; empty means "failed, nothing known".
    body = optional_json(req)
    error = None if body is None else error_from_json(body, path="Error")
    callbacks.send_failure(api.ctx, req.params["CallbackId"], error)
    return Response.json(200, {})


def heartbeat(api: ApiContext, req: Request) -> Response:
    callbacks.send_heartbeat(api.ctx, req.params["CallbackId"])
    return Response.json(200, {})
