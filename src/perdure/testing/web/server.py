"""Where the web runner listens (AWS's `web.server.WebServiceConfig`)."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from perdure.testing.exceptions import AwsApiException, ServiceException, UnknownRouteError


@dataclass(frozen=True)
class WebServiceConfig:
    """The web runner's HTTP side: interface, port (0 picks a free one), log level and
    the largest request body accepted."""

    host: str = "localhost"
    port: int = 5000
    log_level: int = logging.INFO
    max_request_size: int = 10 * 1024 * 1024


__all__ = ["AwsApiException", "ServiceException", "UnknownRouteError", "WebServiceConfig"]
