"""The credentials `perdure server` and `perdure dev` require of their callers, from the
command line and the environment.

Two kinds, because callers differ: a bearer token (`--token`, `PERDURE_TOKEN`) for
curl, `perdure` commands and `perdure worker`; and an AWS access key
(`--access-key-id` or `PERDURE_ACCESS_KEY_ID`, with its secret in
`PERDURE_SECRET_ACCESS_KEY` or a file named by `--secret-access-key-file`) for boto3,
the AWS CLI and anything else that signs requests with SigV4 and cannot send a bearer
token. Either, or both, may be configured.

No option takes the secret access key itself: a command line is visible to every user
of the machine (`ps`, /proc), and `perdure dev` even passes its own to the process it
restarts. Nothing here logs or prints a secret.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from perdure._cli.context import CliContext
from perdure._cli.errors import UsageError

if TYPE_CHECKING:  # the app is imported only by the commands that serve it
    from perdure._api.auth import AuthConfig

WAYS = (
    "Set PERDURE_TOKEN (or pass --token) for a bearer token, and/or PERDURE_ACCESS_KEY_ID "
    "with PERDURE_SECRET_ACCESS_KEY (or --access-key-id with --secret-access-key-file) "
    "for an AWS access key that boto3 and the AWS CLI sign with"
)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--access-key-id",
        metavar="ID",
        help="an AWS access key id clients may sign requests with (SigV4: boto3, the AWS "
        "CLI); default $PERDURE_ACCESS_KEY_ID. Its secret comes from "
        "$PERDURE_SECRET_ACCESS_KEY or --secret-access-key-file, never the command line",
    )
    parser.add_argument(
        "--secret-access-key-file",
        metavar="PATH",
        help="file holding the secret access key of --access-key-id (default: the "
        "secret is $PERDURE_SECRET_ACCESS_KEY)",
    )


@dataclass(frozen=True)
class Credentials:
    """What a server requires (`auth`, None for nothing), and where the token came from
    (`token_source`: "--token", "PERDURE_TOKEN" or None), for banners that must say how
    to pass it without showing it."""

    auth: AuthConfig | None
    token_source: str | None
    access_key_id: str | None

    @property
    def required(self) -> bool:
        return self.auth is not None


def server_credentials(ctx: CliContext, host: str, port: int) -> Credentials:
    """The credentials a server listening on `host` requires: whatever is configured,
    on loopback too; beyond loopback, something must be (`perdure._app.server_auth`)."""
    from perdure._app import server_auth

    given_token: str | None = getattr(ctx.args, "token", None)
    token = given_token or ctx.settings.token
    token_source = None if not token else "--token" if given_token else "PERDURE_TOKEN"
    key_id = getattr(ctx.args, "access_key_id", None) or ctx.settings.access_key_id
    secret = _secret(ctx, key_id)
    access_key = (key_id, secret) if key_id and secret else None
    auth = server_auth(host, port, token=token, access_key=access_key, ways=WAYS)
    if auth is None:
        return Credentials(None, None, None)
    return Credentials(auth, token_source, key_id)


def _secret(ctx: CliContext, key_id: str | None) -> str | None:
    path: str | None = getattr(ctx.args, "secret_access_key_file", None)
    secret: str | None
    if path is not None:
        secret = _read_secret(path)
    else:
        secret = ctx.settings.secret_access_key
    if key_id and not secret:
        raise UsageError(
            f"access key {key_id} has no secret: set PERDURE_SECRET_ACCESS_KEY or pass "
            "--secret-access-key-file PATH"
        )
    if secret and not key_id:
        source = "--secret-access-key-file" if path is not None else "PERDURE_SECRET_ACCESS_KEY"
        raise UsageError(
            f"{source} gives a secret access key but no access key id: set "
            "PERDURE_ACCESS_KEY_ID or pass --access-key-id"
        )
    return secret


def _read_secret(path: str) -> str:
    try:
        text = Path(path).read_text("utf-8")
    except OSError as exc:
        raise UsageError(
            f"--secret-access-key-file: cannot read {path}: {exc.strerror or exc}"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"--secret-access-key-file: {path} is not UTF-8 text") from None
    secret = text.strip()
    if not secret or any(c.isspace() for c in secret):
        raise UsageError(
            f"--secret-access-key-file: {path} must hold the secret access key alone, on one line"
        )
    return secret


# -- what banners say ---------------------------------------------------------------------


def describe(creds: Credentials) -> str:
    """What the server requires, for its banner: the kinds of credential and the access
    key id, never a secret."""
    if not creds.required:
        return "no credentials: answers loopback clients only"
    kinds = []
    if creds.token_source == "--token":
        kinds.append("bearer token from --token (visible in `ps`: prefer PERDURE_TOKEN)")
    elif creds.token_source is not None:
        kinds.append(f"bearer token from {creds.token_source}")
    if creds.access_key_id is not None:
        kinds.append(f"SigV4 access key {creds.access_key_id}")
    return "credentials required: " + ", ".join(kinds)


def token_setup(creds: Credentials) -> str | None:
    """The shell line that gives another terminal the token `perdure` commands and
    workers need, without the token itself, or None when none is needed."""
    if creds.token_source is None:
        return None
    where = "PERDURE_TOKEN here" if creds.token_source == "PERDURE_TOKEN" else "--token"
    return f"export PERDURE_TOKEN=...  # the value of {where} (not shown)"


def worker_hint(creds: Credentials) -> str:
    """Said after the command that starts a worker: workers present a bearer token."""
    if not creds.required:
        return ""
    if creds.token_source is None:
        return "  (workers present a bearer token: set PERDURE_TOKEN for this server too)"
    return "  (with PERDURE_TOKEN set to the server's token)"
