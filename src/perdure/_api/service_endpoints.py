"""Endpoints for operators rather than the Lambda API: `/health`, `/metrics` and the
OpenAPI document."""

from __future__ import annotations

import logging

from perdure._api import metrics as metrics_module
from perdure._api.context import ApiContext
from perdure._api.http import Request, Response
from perdure._api.openapi import openapi_document
from perdure._service import monitoring

log = logging.getLogger("perdure.api")


def health(api: ApiContext, req: Request) -> Response:
    """200 when the store answers and every loop of this process (the scheduler, the
    dispatcher) had a good pass recently; 503 otherwise, naming what is failing."""
    healthy, doc = monitoring.health_report(api.ctx)
    return Response.json(200 if healthy else 503, doc)


def metrics(api: ApiContext, req: Request) -> Response:
    try:
        stats: monitoring.StoreStats | None = monitoring.stats(api.ctx)
    except Exception:
        log.exception("metrics: the store did not answer; serving in-process metrics only")
        stats = None
    return Response.text(200, api.metrics.render(stats), metrics_module.CONTENT_TYPE)


def openapi(api: ApiContext, req: Request) -> Response:
    return Response.json(200, openapi_document())
