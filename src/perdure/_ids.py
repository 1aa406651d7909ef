"""The only door to randomness and identifiers."""

from __future__ import annotations

import random
import secrets
import uuid


def execution_id() -> str:
    return str(uuid.uuid4())


def request_id() -> str:
    return str(uuid.uuid4())


def callback_id() -> str:
    """An unguessable callback id: 160 random bits in hex, which is URL-safe and fits
    the API's base64 pattern."""
    return secrets.token_hex(20)


def checkpoint_token() -> str:
    return secrets.token_hex(16)


def jitter() -> float:
    """A uniform draw in [0, 1) for retry and polling jitter."""
    return random.random()


def random_string(length: int, alphabet: str = "abcdefghijklmnopqrstuvwxyz0123456789") -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))
