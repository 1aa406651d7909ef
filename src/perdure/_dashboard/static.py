"""The dashboard's stylesheet and script, served from the package (nothing is loaded
from anywhere else: the Content-Security-Policy allows only this server).

Each is addressed with a digest of its content, so a browser may keep it for a year
and still gets the new one the moment a release changes it.
"""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources

TYPES = {
    "dashboard.css": "text/css; charset=utf-8",
    "dashboard.js": "text/javascript; charset=utf-8",
}


@cache
def asset(name: str) -> bytes:
    return resources.files("perdure._dashboard").joinpath("assets", name).read_bytes()


@cache
def asset_url(name: str) -> str:
    digest = hashlib.sha256(asset(name)).hexdigest()[:12]
    return f"/ui/static/{name}?v={digest}"
