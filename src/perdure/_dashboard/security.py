"""Who may see and act on the dashboard, and how its forms are protected.

The dashboard admits whom the API admits (`Gate`, built by the composition root from
the API's credentials):

- A server with credentials: a person logs in once with the server's bearer token (or
  an access key's secret) on the login page, and gets a session cookie: HttpOnly (page
  scripts cannot read it), SameSite=Strict (no other site's page or link sends it),
  Path=/ui, Secure over https. The cookie holds no secret, only an expiry and an HMAC
  of it under a key derived from the server's credentials, so every server process
  sharing those credentials accepts it and changing them ends every session. A request
  with `Authorization: Bearer <token>` is admitted too (scripts, tests).
- A server without credentials listens on loopback only, and like the API it serves
  only requests whose `Host` names loopback (a page that re-points its own host name at
  127.0.0.1, DNS rebinding, never does) and whose `Origin`, if any, is loopback.

Every form carries a CSRF token: an HMAC, under the same key, of a random value kept in
a second HttpOnly, SameSite=Strict cookie; a post whose token does not match, or whose
`Origin` is not this server's own or whose `Sec-Fetch-Site` says it came from another
site, is refused before it does anything. A page elsewhere can neither read the cookie
nor compute the token.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from perdure._dashboard.requests import Request

SESSION_COOKIE = "perdure_session"
CSRF_COOKIE = "perdure_csrf"
SESSION_SECONDS = 12 * 60 * 60
_NO_CREDENTIALS_KEY = b"perdure-dashboard-csrf"


class Refused(Exception):
    """The request may not be served; the message says why (shown on a 403 page)."""


@dataclass(frozen=True)
class Gate:
    """What the dashboard needs of the server's credentials.

    `required`: credentials are configured and must be presented. `accepts(secret)`:
    whether a secret typed on the login page, or sent as a bearer token, is one of
    them (compared in constant time, as the API compares them). `key`: the key that
    signs sessions and CSRF tokens, derived from the credentials. `is_loopback(host)`:
    the API's test of a host name."""

    required: bool
    accepts: Callable[[str], bool]
    key: bytes
    is_loopback: Callable[[str], bool]
    now: Callable[[], float]  # the wall clock, in seconds: sessions expire by it


def session_key(secrets_: list[str]) -> bytes:
    """A key derived from every configured secret: the same on every process that has
    them, another as soon as one changes."""
    digest = hashlib.sha256(b"perdure-dashboard-session\0")
    for secret in sorted(secrets_):
        digest.update(hashlib.sha256(secret.encode("utf-8")).digest())
    return digest.digest()


def open_gate(is_loopback: Callable[[str], bool], now: Callable[[], float]) -> Gate:
    """The gate of a server without credentials (loopback only)."""
    return Gate(False, lambda _secret: False, _NO_CREDENTIALS_KEY, is_loopback, now)


def _mac(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).hexdigest()


def new_session(gate: Gate) -> str:
    expires = int(gate.now()) + SESSION_SECONDS
    return f"{expires}.{_mac(gate.key, f'session|{expires}')}"


def session_valid(gate: Gate, value: str | None) -> bool:
    if not value:
        return False
    expires, _, mac = value.partition(".")
    if not expires.isdigit() or len(expires) > 12:
        return False
    if not hmac.compare_digest(mac, _mac(gate.key, f"session|{expires}")):
        return False
    return int(expires) > gate.now()


def _bearer(request: Request) -> str | None:
    header = request.header("authorization")
    if header is None:
        return None
    scheme, _, token = header.strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def signed_in(gate: Gate, request: Request) -> bool:
    """Whether the request may see the dashboard (always, on a server without
    credentials once `check_host` passed)."""
    if not gate.required:
        return True
    bearer = _bearer(request)
    if bearer is not None:
        return gate.accepts(bearer)
    return session_valid(gate, request.cookies.get(SESSION_COOKIE))


def _host_name(host: str) -> str:
    host = host.strip()
    if host.startswith("["):
        return host[: host.find("]") + 1] if "]" in host else host
    return host.rsplit(":", 1)[0] if host.count(":") == 1 else host


def _origin_host(origin: str) -> str | None:
    scheme, sep, rest = origin.partition("://")
    if not sep or scheme not in ("http", "https") or not rest:
        return None
    return rest.split("/", 1)[0]


def check_host(gate: Gate, request: Request) -> None:
    """On a server without credentials, refuse a request not addressed to loopback,
    or sent by a page that is not on loopback."""
    if gate.required:
        return
    host = request.header("host")
    if host is None or not gate.is_loopback(_host_name(host)):
        raise Refused(
            "This server has no credentials, so it serves only requests addressed to "
            "127.0.0.1 or localhost; open the dashboard at such an address."
        )
    origin = request.header("origin")
    if origin is not None and origin != "null":
        origin_host = _origin_host(origin)
        if origin_host is None or not gate.is_loopback(_host_name(origin_host)):
            raise Refused("A page on another site may not use this dashboard.")


def csrf_seed(request: Request) -> tuple[str, bool]:
    """The request's CSRF cookie value, and whether it is new (to be set)."""
    seed = request.cookies.get(CSRF_COOKIE)
    if seed and 16 <= len(seed) <= 128 and seed.isalnum():
        return seed, False
    return secrets.token_hex(16), True


def csrf_token(gate: Gate, seed: str) -> str:
    return _mac(gate.key, f"csrf|{seed}")


def check_post(gate: Gate, request: Request) -> None:
    """Refuse a form post that another site's page could have made: it must carry the
    CSRF token of its cookie and, when the browser says where it came from, come from
    this server's own pages. A bearer-token request needs no token (no browser sends
    one by itself)."""
    if gate.required and _bearer(request) is not None:
        return
    site = request.header("sec-fetch-site")
    if site is not None and site not in ("same-origin", "none"):
        raise Refused("A form on another site may not act on this dashboard.")
    origin = request.header("origin")
    host = request.header("host")
    if origin is not None and origin != "null" and _origin_host(origin) != host:
        raise Refused("A form on another site may not act on this dashboard.")
    seed = request.cookies.get(CSRF_COOKIE)
    sent = request.field("csrf", max_len=128)
    if not seed or not sent or not hmac.compare_digest(sent, csrf_token(gate, seed)):
        raise Refused(
            "This form has expired or did not come from this dashboard; reload the page "
            "and send it again."
        )


def cookie(name: str, value: str, *, secure: bool, max_age: int | None = None) -> str:
    """A Set-Cookie value: HttpOnly, SameSite=Strict, for the dashboard's paths only."""
    parts = [f"{name}={value}", "Path=/ui", "HttpOnly", "SameSite=Strict"]
    if max_age is not None:
        parts.append(f"Max-Age={max_age}")
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


def secret_gate(
    secrets_: list[str], is_loopback: Callable[[str], bool], now: Callable[[], float]
) -> Gate:
    """The gate of a server with credentials: `secrets_` are its bearer tokens and its
    access keys' secrets, any of which logs a person in. A presented secret is compared
    with every one of them through their SHA-256 digests, without stopping at a match,
    so the time taken says neither which matched nor how long they are."""
    digests = [hashlib.sha256(s.encode("utf-8")).digest() for s in secrets_]

    def accepts(presented: str) -> bool:
        mine = hashlib.sha256(presented.encode("utf-8", "surrogatepass")).digest()
        matches = [hmac.compare_digest(mine, known) for known in digests]
        return bool(presented) and any(matches)

    return Gate(True, accepts, session_key(secrets_), is_loopback, now)
