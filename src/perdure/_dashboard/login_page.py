"""The login page of a server with credentials: the person types the server's bearer
token (or an access key's secret) once and gets a session cookie (`security`)."""

from __future__ import annotations

from perdure._dashboard.layout import Frame, form, page
from perdure._dashboard.markup import el, join


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a dashboard path only, never another site
    (`//evil.example` and `/ui/../x` are refused)."""
    if (
        target
        and target.startswith("/ui/")
        and not target.startswith("//")
        and "\\" not in target
        and ".." not in target
        and all(32 < ord(c) < 127 for c in target)
    ):
        return target
    return "/ui/executions"


def login_page(frame: Frame, next_path: str, problem: str | None = None) -> str:
    body = el(
        "div",
        {"class": "login card"},
        el("h1", None, "Log in"),
        el(
            "p",
            None,
            "This server requires credentials. Enter its bearer token (PERDURE_TOKEN) or "
            "the secret of one of its access keys.",
        ),
        el("p", {"class": "problem"}, problem) if problem else None,
        form(
            frame,
            "/ui/login",
            el("input", {"type": "hidden", "name": "next", "value": safe_next(next_path)}),
            el("label", {"for": "token"}, "Token"),
            el(
                "input",
                {
                    "type": "password",
                    "name": "token",
                    "id": "token",
                    "autocomplete": "current-password",
                    "required": True,
                    "autofocus": True,
                },
            ),
            el("button", {"type": "submit", "class": "primary"}, "Log in"),
            class_="login-form",
        ),
    )
    return page(frame, "Log in", join(body), section="")
