"""The HTTP API: AWS Lambda's durable-execution REST API (and Invoke) as a plain ASGI
application, so boto3's `lambda` client, the AWS CLI and AWS's own SDK work against
Perdure with only `endpoint_url` changed.

`create_app(ctx)` builds it over a `ServiceContext`; every route goes through
`perdure._service`, so the API adds no behaviour of its own, only the wire format.
"""

from __future__ import annotations

from perdure._api.app import PerdureApi, create_app

__all__ = ["PerdureApi", "create_app"]
