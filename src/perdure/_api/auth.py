"""Who may call the API: bearer tokens, and AWS Signature Version 4 with configured keys.

A server reachable only over loopback is the developer's own machine, so it needs no
credentials; one listening beyond loopback can start executions, read their payloads
and settle callbacks for anyone who can reach it, so it must refuse strangers.
`auth_required_for(host)` states that rule for whoever builds the server (the CLI);
this module only enforces an `AuthConfig`.

Loopback is not quite the developer alone: every web page open in their browser can
send requests to 127.0.0.1. A `text/plain` POST is a CORS "simple request", sent without
asking, so a page could start executions; and through DNS rebinding (a host name of the
page's that it re-points at 127.0.0.1) it could read the answers too. So a server with
no credentials admits a request only when its `Host` names loopback (127.0.0.0/8,
`localhost`, `[::1]`, any port), which a rebound name never does, and its `Origin`, if
any, is a loopback web origin, which a page elsewhere cannot forge. Credentials make
both checks unnecessary: a browser never attaches a bearer token or a SigV4 signature
on its own, and a server behind a proxy sees the proxy's host names.

Two ways in, because there are two kinds of caller:

- `Authorization: Bearer <token>`: for curl, scripts and Perdure's own clients. The
  token is compared with every configured token in constant time (their SHA-256
  digests, so neither the content nor the length of a token leaks through timing).
- `Authorization: AWS4-HMAC-SHA256 Credential=AKID/date/region/service/aws4_request,
  SignedHeaders=..., Signature=...`: what boto3, the AWS CLI and AWS's own durable SDK
  send on their own (reference §3.4, §4.0). The server recomputes the signature with
  the secret configured for AKID, exactly as botocore computes it, and accepts the
  request only if they match and `X-Amz-Date` is within 15 minutes of the server's
  clock. Region and service are not checked: they are part of the signing key, so a
  signature made for another region still proves the caller holds the secret, and a
  self-hosted server has no region of its own.

Refusals are 403s shaped as AWS shapes them (`X-Amzn-ErrorType` plus
`{"Type": "User", "message": ...}`), with the codes AWS uses, so boto3 users see the
`ClientError` they would see from Lambda: MissingAuthenticationTokenException,
IncompleteSignatureException, UnrecognizedClientException, InvalidSignatureException;
a bearer token that is not configured, and a foreign `Host` or `Origin` on a server
without credentials, are AccessDeniedException. A malformed header is a refusal, never
a 500: every parse below fails into one of these.

What SigV4 does not give here: replay protection within the 15-minute window (AWS has
none either) and confidentiality; beyond a trusted network, put TLS in front. A proxy in
front must pass the path, query and Host header through unchanged: they are signed.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import hmac
import ipaddress
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from urllib.parse import quote, unquote_to_bytes, urlsplit

from perdure._api.http import Request, Response
from perdure._clock import Clock, SystemClock
from perdure.errors import ApiError

log = logging.getLogger("perdure.api")

# Operations anyone may call: a load balancer's health probe carries no credentials.
OPEN_OPERATIONS = frozenset({"Health"})

SIGV4_ALGORITHM = "AWS4-HMAC-SHA256"
MAX_CLOCK_SKEW_MS = 15 * 60 * 1000
_AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
_UNRESERVED = "-_.~"  # RFC 3986 unreserved, besides letters and digits


# -- configuration -----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class AuthConfig:
    """The credentials a server accepts, and whether it demands them.

    `tokens` are bearer tokens; `access_keys` maps an AWS access key id to its secret
    access key. With `required=False` nothing is checked (a loopback server). With
    `required=True` at least one credential must be configured: a server that demands
    credentials nobody can present is a misconfiguration, caught at startup rather than
    as a 403 on every request.

    Secrets never appear in `repr`, so a config can be logged."""

    tokens: frozenset[str] = field(default=frozenset(), repr=False)
    access_keys: Mapping[str, str] = field(default_factory=dict, repr=False)
    required: bool

    def __post_init__(self) -> None:
        object.__setattr__(self, "tokens", frozenset(self.tokens))
        object.__setattr__(self, "access_keys", MappingProxyType(dict(self.access_keys)))
        for token in self.tokens:
            if not token or token != token.strip() or any(c.isspace() for c in token):
                raise ValueError("A bearer token must be non-empty and contain no whitespace.")
        for key_id, secret in self.access_keys.items():
            if not key_id or "/" in key_id or any(c.isspace() for c in key_id):
                raise ValueError("An access key id must be non-empty, without '/' or whitespace.")
            if not secret:
                raise ValueError(f"The secret for access key {key_id} is empty.")
        if self.required and not self.tokens and not self.access_keys:
            raise ValueError(
                "Authentication is required but no bearer token or access key is configured."
            )

    def __hash__(self) -> int:
        return hash((self.tokens, tuple(sorted(self.access_keys.items())), self.required))

    def __str__(self) -> str:
        if not self.required:
            return "AuthConfig(not required)"
        keys = ", ".join(sorted(self.access_keys)) or "none"
        return f"AuthConfig(required, {len(self.tokens)} token(s), access keys: {keys})"


def auth_required_for(host: str) -> bool:
    """Whether a server listening on `host` must require credentials: True unless `host`
    is a loopback address (127.0.0.0/8, ::1) or `localhost`. A wildcard such as 0.0.0.0
    or ::, a LAN address and any other host name are beyond loopback."""
    return not is_loopback_name(host)


@functools.lru_cache(maxsize=256)
def is_loopback_name(host: str) -> bool:
    """Whether `host` (an address, bracketed or not, or a name) can only mean this
    machine: 127.0.0.0/8, ::1 (also IPv4-mapped), `localhost`. Remembered per name: a
    server without credentials asks it of every request, and a client sends the same
    `Host` each time."""
    name = host.strip().lower()
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    if name in ("localhost", "localhost."):
        return True
    try:
        address = ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


CONFIGURE_CREDENTIALS = (
    "Configure a bearer token or an access key (id and secret) for clients to present"
)


def missing_credentials_message(
    host: str, port: int | None = None, ways: str = CONFIGURE_CREDENTIALS
) -> str:
    """The startup error for a server asked to listen beyond loopback with no
    credentials configured; says what the risk is and the ways out. `ways` says how to
    configure credentials in the caller's terms (the CLI names its options)."""
    where = f"{host}:{port}" if port is not None else host
    return (
        f"Refusing to listen on {where} without credentials: that address is reachable "
        "from other machines, and anyone who can reach the API can start executions, "
        f"read their payloads and settle their callbacks. {ways}, or listen on "
        "127.0.0.1 (loopback needs no credentials)."
    )


# -- refusals ----------------------------------------------------------------------------


class AuthenticationError(ApiError):
    """A request without acceptable credentials. Rendered by `refusal_response`, not
    the shared error table: these bodies spell the member `message`, as Lambda does."""

    status = 403


class MissingAuthenticationTokenError(AuthenticationError):
    code = "MissingAuthenticationTokenException"


class AccessDeniedError(AuthenticationError):
    code = "AccessDeniedException"


class IncompleteSignatureError(AuthenticationError):
    code = "IncompleteSignatureException"


class UnrecognizedClientError(AuthenticationError):
    code = "UnrecognizedClientException"


class InvalidSignatureError(AuthenticationError):
    code = "InvalidSignatureException"


MISSING_TOKEN_MESSAGE = "Missing Authentication Token"
UNRECOGNIZED_MESSAGE = "The security token included in the request is invalid."
SIGNATURE_MISMATCH_MESSAGE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)


def refusal_response(error: AuthenticationError) -> Response:
    return Response.json(
        error.status,
        {"Type": "User", "message": error.message},
        [("x-amzn-errortype", error.code)],
    )


# -- checking a request ------------------------------------------------------------------


@dataclass(frozen=True)
class _SigV4Header:
    access_key_id: str
    date: str  # YYYYMMDD from the credential scope
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class Authenticator:
    """Checks requests against one `AuthConfig`. `clock` is the wall clock signatures
    are dated against (not the service's clock, which tests may run virtually)."""

    def __init__(self, config: AuthConfig, clock: Clock | None = None) -> None:
        self.config = config
        self._clock: Clock = clock or SystemClock()
        self._token_digests = tuple(_digest(t) for t in config.tokens)

    def needs_credentials(self, operation: str) -> bool:
        return self.config.required and operation not in OPEN_OPERATIONS

    def admit(self, request: Request, operation: str, *, raw_path: str, raw_query: str) -> None:
        """Return if `request` may run `operation`, else raise an AuthenticationError:
        with credentials required, it must carry them (`check`); without, it must be
        addressed to loopback and come from no web page but a loopback one."""
        if operation in OPEN_OPERATIONS:
            return
        if self.config.required:
            self.check(request, raw_path=raw_path, raw_query=raw_query)
        else:
            check_loopback_request(request)

    def check(self, request: Request, *, raw_path: str, raw_query: str) -> None:
        """Return if `request` carries acceptable credentials, else raise an
        AuthenticationError. `raw_path` and `raw_query` are as received (still
        percent-encoded), because that is what the client signed."""
        authorization = request.header("authorization")
        if authorization is None or not authorization.strip():
            raise MissingAuthenticationTokenError(MISSING_TOKEN_MESSAGE)
        scheme, _, rest = authorization.strip().partition(" ")
        if scheme.lower() == "bearer":
            self._check_bearer(rest.strip())
        elif scheme == SIGV4_ALGORITHM:
            self._check_sigv4(request, rest, raw_path, raw_query)
        else:
            raise IncompleteSignatureError(
                f"Unsupported Authorization type {scheme[:40]!r}: use 'Bearer <token>' "
                f"or an AWS Signature Version 4 ({SIGV4_ALGORITHM}) header."
            )

    def _check_bearer(self, token: str) -> None:
        presented = _digest(token)
        # Compare with every token, without stopping at a match, so the time taken does
        # not say which (or whether an early) token matched.
        matches = [hmac.compare_digest(presented, known) for known in self._token_digests]
        if not token or not any(matches):
            raise AccessDeniedError("The bearer token is not one this server accepts.")

    def _check_sigv4(self, request: Request, params: str, raw_path: str, raw_query: str) -> None:
        header = _parse_sigv4(params)
        secret = self.config.access_keys.get(header.access_key_id)
        if secret is None:
            raise UnrecognizedClientError(UNRECOGNIZED_MESSAGE)
        amz_date = request.header("x-amz-date")
        if amz_date is None:
            raise IncompleteSignatureError(
                "Authorization header requires existence of a 'X-Amz-Date' header."
            )
        signed_at = _parse_amz_date(amz_date)
        if amz_date[:8] != header.date:
            raise InvalidSignatureError(
                "Date in Credential scope does not match YYYYMMDD from ISO-8601 version "
                f"of date from HTTP: {header.date!r} != {amz_date[:8]!r}, from {amz_date!r}."
            )
        payload_hash = _payload_hash(request)
        canonical = canonical_request(
            request.method, raw_path, raw_query, header.signed_headers, request, payload_hash
        )
        expected = signature(secret, amz_date, header.region, header.service, canonical)
        if not hmac.compare_digest(expected.encode("ascii"), header.signature.encode("ascii")):
            log.debug("SigV4 mismatch for %s; canonical request:\n%s", raw_path, canonical)
            raise InvalidSignatureError(SIGNATURE_MISMATCH_MESSAGE)
        self._check_freshness(amz_date, signed_at)

    def _check_freshness(self, amz_date: str, signed_at_ms: int) -> None:
        now_ms = self._clock.now_ms()
        if signed_at_ms < now_ms - MAX_CLOCK_SKEW_MS:
            raise InvalidSignatureError(
                f"Signature expired: {amz_date} is now earlier than "
                f"{_amz_date(now_ms - MAX_CLOCK_SKEW_MS)} ({_amz_date(now_ms)} - 15 min.)"
            )
        if signed_at_ms > now_ms + MAX_CLOCK_SKEW_MS:
            raise InvalidSignatureError(
                f"Signature not yet current: {amz_date} is still later than "
                f"{_amz_date(now_ms + MAX_CLOCK_SKEW_MS)} ({_amz_date(now_ms)} + 15 min.)"
            )


# -- a server without credentials -------------------------------------------------------

CREDENTIALS_HINT = (
    "give the server credentials (PERDURE_TOKEN, or PERDURE_ACCESS_KEY_ID with "
    "PERDURE_SECRET_ACCESS_KEY) and present them"
)


def check_loopback_request(request: Request) -> None:
    """Refuse a request a web page could have sent to a server without credentials:
    one whose `Host` does not name loopback (DNS rebinding) or whose `Origin` is a web
    origin other than a loopback one (a cross-site request from a page)."""
    host = request.header("host")
    name = _host_name(host) if host is not None else None
    if name is None or not is_loopback_name(name):
        shown = "missing" if host is None else repr(host[:100])
        port = _host_port(host) if host is not None else None
        url = f"http://127.0.0.1:{port}" if port else "http://127.0.0.1 or http://localhost"
        raise AccessDeniedError(
            f"Host {shown} is not a loopback address. This server has no credentials "
            "configured, so it answers only requests addressed to 127.0.0.1, localhost "
            "or [::1] (otherwise a web page could reach it through DNS rebinding). "
            f"Send requests to {url}, or {CREDENTIALS_HINT}."
        )
    origin = request.header("origin")
    if origin is not None and not _is_loopback_origin(origin):
        raise AccessDeniedError(
            f"Requests from web pages are refused: Origin {origin[:100]!r} is not a "
            "loopback origin, and this server has no credentials configured, so any page "
            "open in a browser could otherwise start executions and settle callbacks. "
            f"Call the API from outside a browser or from a page served by localhost, or "
            f"{CREDENTIALS_HINT}."
        )


def _host_name(host: str) -> str | None:
    """The name part of a `Host` value (`name`, `name:port`, `[v6]`, `[v6]:port`), or
    None if the value is not of that form."""
    value = host.strip()
    if value.startswith("["):
        end = value.find("]")
        if end < 0:
            return None
        name, rest = value[1:end], value[end + 1 :]
    else:
        name, sep, port = value.partition(":")
        rest = sep + port
    if rest and not (rest[0] == ":" and all(c in "0123456789" for c in rest[1:])):
        return None
    if not name or "%" in name:
        return None
    return name


def _host_port(host: str) -> str | None:
    _, sep, port = host.strip().rpartition(":")
    return port if sep and port and all(c in "0123456789" for c in port) else None


def _is_loopback_origin(origin: str) -> bool:
    """Whether `Origin` is http(s) on a loopback host; `null` (a sandboxed or file
    page) and every other origin are not."""
    try:
        parts = urlsplit(origin.strip())
        parts.port  # noqa: B018 - raises ValueError for a port out of range
    except ValueError:
        return False
    if parts.scheme not in ("http", "https") or parts.path not in ("", "/"):
        return False
    return parts.hostname is not None and is_loopback_name(parts.hostname)


def _digest(token: str) -> bytes:
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).digest()


def _parse_sigv4(params: str) -> _SigV4Header:
    """`Credential=..., SignedHeaders=..., Signature=...` (any order, commas with or
    without spaces), or IncompleteSignatureError naming what is missing."""
    parts: dict[str, str] = {}
    for item in params.split(","):
        name, sep, value = item.strip().partition("=")
        if not sep or not name:
            raise IncompleteSignatureError(
                f"Authorization header parameter {item.strip()[:40]!r} is not 'Name=value'."
            )
        if name in parts:
            raise IncompleteSignatureError(f"Authorization header repeats {name!r}.")
        parts[name] = value.strip()
    missing = [
        f"Authorization header requires {name!r} parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if not parts.get(name)
    ]
    if missing:
        raise IncompleteSignatureError(" ".join(missing))
    credential = parts["Credential"].split("/")
    if len(credential) != 5 or credential[4] != "aws4_request" or not all(credential):
        raise IncompleteSignatureError(
            "Credential must have the form "
            "<access key id>/<YYYYMMDD>/<region>/<service>/aws4_request."
        )
    signed_headers = tuple(parts["SignedHeaders"].split(";"))
    if not all(signed_headers) or any(h != h.lower() for h in signed_headers):
        raise IncompleteSignatureError("SignedHeaders must be lower-case names joined by ';'.")
    if "host" not in signed_headers:
        raise IncompleteSignatureError("'Host' must be a 'SignedHeader' in the Authorization.")
    sig = parts["Signature"].lower()
    if len(sig) != 64 or any(c not in "0123456789abcdef" for c in sig):
        raise IncompleteSignatureError("Signature must be 64 lower-case hex digits.")
    key_id, date, region, service, _ = credential
    return _SigV4Header(key_id, date, region, service, signed_headers, sig)


def _parse_amz_date(value: str) -> int:
    """Epoch ms of an X-Amz-Date (`20250101T000000Z`)."""
    try:
        if len(value) != len("20250101T000000Z"):
            raise ValueError(value)
        parsed = dt.datetime.strptime(value, _AMZ_DATE_FORMAT).replace(tzinfo=dt.UTC)
    except ValueError:
        raise IncompleteSignatureError(
            f"X-Amz-Date must be in ISO-8601 basic format (20250101T000000Z), got {value[:40]!r}."
        ) from None
    return int(parsed.timestamp() * 1000)


def _amz_date(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).strftime(_AMZ_DATE_FORMAT)


def _payload_hash(request: Request) -> str:
    """The hash the client signed: `X-Amz-Content-SHA256` when sent, else the body's.
    A sent hash must be the body's: the signature covers the header, not the body, so
    a header that disagrees would let a body be swapped under a valid signature (and
    UNSIGNED-PAYLOAD is refused for the same reason; no Lambda operation uses it)."""
    actual = hashlib.sha256(request.body).hexdigest()
    declared = request.header("x-amz-content-sha256")
    if declared is not None and declared.strip().lower() != actual:
        raise InvalidSignatureError(
            "The provided 'x-amz-content-sha256' header does not match what was computed."
        )
    return declared if declared is not None else actual


def canonical_request(
    method: str,
    raw_path: str,
    raw_query: str,
    signed_headers: tuple[str, ...],
    request: Request,
    payload_hash: str,
) -> str:
    """SigV4's canonical request, computed as botocore computes it for the request it
    sent. The path is the raw path with dot segments and empty segments removed, then
    percent-encoded once more (non-S3 services sign the encoded path encoded again, so
    an ARN's `%2F` is signed as `%252F`). Query names and values are decoded and
    re-encoded with only unreserved characters left bare, then sorted, which leaves
    botocore's already-canonical query unchanged. Each signed header's value is trimmed
    and its inner runs of whitespace collapsed."""
    path = quote((_remove_dot_segments(raw_path) or "/").encode("latin-1"), safe="/~")
    headers = "".join(
        f"{name}:{' '.join((request.header(name) or '').split())}\n" for name in signed_headers
    )
    return "\n".join(
        [
            method.upper(),
            path,
            _canonical_query(raw_query),
            headers,
            ";".join(signed_headers),
            payload_hash,
        ]
    )


def _remove_dot_segments(path: str) -> str:
    """RFC 3986 §5.2.4, plus the removal of empty segments AWS requires (botocore's
    `remove_dot_segments`)."""
    if not path:
        return ""
    out: list[str] = []
    for segment in path.split("/"):
        if not segment or segment == ".":
            continue
        if segment == "..":
            if out:
                out.pop()
        else:
            out.append(segment)
    first = "/" if path.startswith("/") else ""
    last = "/" if path.endswith("/") and out else ""
    return first + "/".join(out) + last


def _canonical_query(raw_query: str) -> str:
    if not raw_query:
        return ""
    pairs = []
    for pair in raw_query.split("&"):
        name, _, value = pair.partition("=")
        pairs.append((_reencode(name), _reencode(value)))
    return "&".join(f"{name}={value}" for name, value in sorted(pairs))


def _reencode(component: str) -> str:
    return quote(unquote_to_bytes(component), safe=_UNRESERVED)


def signature(secret: str, amz_date: str, region: str, service: str, canonical: str) -> str:
    """Hex HMAC-SHA256 of the string to sign, under the key derived from the secret
    through the date, region and service of the credential scope."""
    scope = f"{amz_date[:8]}/{region}/{service}/aws4_request"
    string_to_sign = "\n".join(
        [
            SIGV4_ALGORITHM,
            amz_date,
            scope,
            hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest(),
        ]
    )
    key = f"AWS4{secret}".encode()
    for part in (amz_date[:8], region, service, "aws4_request"):
        key = hmac.new(key, part.encode("utf-8"), hashlib.sha256).digest()
    return hmac.new(key, string_to_sign.encode("utf-8"), hashlib.sha256).hexdigest()
