"""Fuzz every route from the OpenAPI document with schemathesis: whatever it sends, the
API answers without a server error, with a status the document lists, and every error in
the AWS shape. Bounded: a few examples per operation, loopback only."""

from __future__ import annotations

import os
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error, status_code_conformance

from perdure._api.openapi import openapi_document
from tests.api.server import Served

schema = schemathesis.openapi.from_dict(openapi_document())


@schema.parametrize()
@settings(
    max_examples=int(os.environ.get("PERDURE_FUZZ_EXAMPLES", "4")),
    deadline=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
    derandomize=True,
)
def test_no_route_fails_on_any_input(case: Any, served: Served) -> None:
    response = case.call(base_url=served.base_url, timeout=10)
    case.validate_response(response, checks=[not_a_server_error, status_code_conformance])
    if response.status_code >= 400 and response.status_code != 503:
        assert response.headers.get("x-amzn-errortype"), response.text
        body = response.json()
        assert body["Type"] == "User"
        assert body.get("message") or body.get("Message")
