"""The frame every page shares: head, navigation, notices, and the CSRF token that each
form of the page carries.

A notice after an action comes back as a code in the URL (`?done=stopped`), never as
text, so a link made elsewhere cannot make the dashboard say something it did not.
"""

from __future__ import annotations

from dataclasses import dataclass

from perdure._dashboard.markup import Html, el, join, raw
from perdure._dashboard.static import asset_url

NOTICES = {
    "started": "Execution started.",
    "rerun": "Execution started again with the same input.",
    "stopped": "Execution stopped.",
    "paused": "Pause requested: the execution holds at its next checkpoint.",
    "resumed": "Execution resumed.",
    "deleted": "Execution deleted.",
    "succeeded": "Callback answered with success.",
    "failed": "Callback answered with failure.",
    "heartbeat": "Callback heartbeat sent.",
    "unchanged": "Nothing to do: the execution had already ended.",
}


@dataclass(frozen=True)
class Frame:
    """What the frame needs to know about the request it answers."""

    csrf: str
    signed_in: bool  # show "Log out" (only on a server with credentials)
    notice: str | None = None


def hidden_csrf(frame: Frame) -> Html:
    return el("input", {"type": "hidden", "name": "csrf", "value": frame.csrf})


def form(
    frame: Frame,
    action: str,
    *children: object,
    class_: str | None = None,
    confirm: str | None = None,
) -> Html:
    """A POST form to `action` with the CSRF token; `confirm`: a question the browser
    asks before sending it."""
    return el(
        "form",
        {"method": "post", "action": action, "class": class_, "data-confirm": confirm},
        hidden_csrf(frame),
        *children,
    )


def page(
    frame: Frame,
    title: str,
    body: Html,
    *,
    section: str,
    live: bool = False,
) -> str:
    """A whole page. `live`: its `data-live` parts refresh in place while it is open."""
    links = [
        ("executions", "/ui/executions", "Executions"),
        ("functions", "/ui/functions", "Functions"),
        ("health", "/ui/health", "Health"),
    ]
    nav = el(
        "nav",
        None,
        el("a", {"class": "brand", "href": "/ui/executions"}, "Perdure"),
        *[
            el("a", {"href": href, "aria-current": "page" if key == section else None}, label)
            for key, href, label in links
        ],
        el(
            "span",
            {"class": "live-toggle"},
            el("button", {"type": "button", "id": "live-toggle", "hidden": True}, "Pause refresh")
            if live
            else None,
        ),
        form(frame, "/ui/logout", el("button", {"type": "submit"}, "Log out"), class_="logout")
        if frame.signed_in
        else None,
    )
    notice = NOTICES.get(frame.notice or "")
    document = join(
        raw("<!doctype html>"),
        el(
            "html",
            {"lang": "en"},
            el(
                "head",
                None,
                el("meta", {"charset": "utf-8"}),
                el("meta", {"name": "viewport", "content": "width=device-width, initial-scale=1"}),
                el("title", None, f"{title} · Perdure"),
                el("link", {"rel": "stylesheet", "href": asset_url("dashboard.css")}),
                el("script", {"src": asset_url("dashboard.js"), "defer": True}),
            ),
            el(
                "body",
                {"data-refresh": "3000" if live else None},
                el("header", None, nav),
                el(
                    "main",
                    None,
                    el("p", {"class": "notice", "role": "status"}, notice) if notice else None,
                    body,
                ),
            ),
        ),
    )
    return str(document)


def message_page(frame: Frame, title: str, message: str, *, section: str = "") -> str:
    """A page that only says something: an error, a refusal, a missing execution."""
    return page(
        frame,
        title,
        join(
            el("h1", None, title),
            el("p", {"class": "problem"}, message),
            el("p", None, el("a", {"href": "/ui/executions"}, "Back to the executions")),
        ),
        section=section,
    )
