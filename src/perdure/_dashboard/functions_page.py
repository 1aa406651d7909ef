"""The functions page: the functions this server can run (with how they run and their
DurableConfig), the ones workers registered, and a form to start an execution of any
of them with a JSON input."""

from __future__ import annotations

from perdure._dashboard.catalog import FunctionEntry
from perdure._dashboard.formats import duration, when
from perdure._dashboard.layout import Frame, form, page
from perdure._dashboard.markup import Html, el, join
from perdure._dashboard.requests import url
from perdure._service.browsing import RegisteredFunction
from perdure._service.context import ServiceContext


def _config_cells(ctx: ServiceContext, name: str) -> list[Html]:
    """The config an execution of `name` would start with now (own values, then the
    server's defaults)."""
    config = ctx.durable_config(name)
    timeout = config.execution_timeout or 0
    return [
        el("td", {"class": "num"}, f"{timeout:,} s ({duration(timeout * 1000)})"),
        el("td", {"class": "num"}, f"{config.retention_period_in_days} days"),
    ]


def function_names(local: list[FunctionEntry], registered: list[RegisteredFunction]) -> list[str]:
    return sorted({f.name for f in local} | {f.name for f in registered})


def functions_page(
    ctx: ServiceContext,
    frame: Frame,
    local: list[FunctionEntry],
    registered: list[RegisteredFunction],
    *,
    chosen: str | None = None,
    problem: str | None = None,
    typed_input: str | None = None,
) -> str:
    names = function_names(local, registered)
    heads = ("Function", "Runs", "Handler", "Execution timeout", "Retention", "")
    served = (
        el(
            "table",
            {"class": "functions"},
            el("thead", None, el("tr", None, *[el("th", None, h) for h in heads])),
            el(
                "tbody",
                None,
                *[
                    el(
                        "tr",
                        {"data-function": f.name},
                        el("td", None, el("strong", None, f.name)),
                        el("td", None, f.runtime),
                        el("td", {"class": "name"}, f.origin or ""),
                        *_config_cells(ctx, f.name),
                        el(
                            "td",
                            None,
                            el("a", {"href": url("/ui/executions", function=f.name)}, "executions"),
                        ),
                    )
                    for f in local
                ],
            ),
        )
        if local
        else el("p", {"class": "muted"}, "This server runs no handlers itself; its workers do.")
    )
    by_workers = (
        el(
            "table",
            {"class": "registered"},
            el(
                "thead",
                None,
                el(
                    "tr",
                    None,
                    *[
                        el("th", None, h)
                        for h in (
                            "Function",
                            "Registered (UTC)",
                            "Execution timeout",
                            "Retention",
                            "",
                        )
                    ],
                ),
            ),
            el(
                "tbody",
                None,
                *[
                    el(
                        "tr",
                        None,
                        el("td", None, el("strong", None, r.name)),
                        el("td", None, when(r.registered_ms)),
                        *_config_cells(ctx, r.name),
                        el(
                            "td",
                            None,
                            el("a", {"href": url("/ui/executions", function=r.name)}, "executions"),
                        ),
                    )
                    for r in registered
                ],
            ),
        )
        if registered
        else el("p", {"class": "muted"}, "No worker has registered a function with this database.")
    )
    picker = (
        el(
            "select",
            {"name": "function", "id": "start-function"},
            *[el("option", {"value": n, "selected": n == chosen}, n) for n in names],
        )
        if names
        else el(
            "input",
            {
                "name": "function",
                "id": "start-function",
                "value": chosen or "",
                "placeholder": "function name",
            },
        )
    )
    start_form = form(
        frame,
        "/ui/functions/start",
        el("p", {"class": "problem"}, problem) if problem else None,
        el("label", {"for": "start-function"}, "Function "),
        picker,
        " ",
        el(
            "label",
            None,
            "Name (optional) ",
            el("input", {"name": "name", "placeholder": "a unique name", "maxlength": 64}),
        ),
        el("label", {"for": "start-input", "class": "block"}, el("p", None, "Input (JSON)")),
        el(
            "textarea",
            {"name": "input", "id": "start-input", "spellcheck": "false"},
            typed_input if typed_input is not None else "{}",
        ),
        el("button", {"type": "submit", "class": "primary"}, "Start execution"),
        class_="start card",
    )
    body = join(
        el("h1", None, "Functions"),
        el("h2", None, "Served here"),
        served,
        el("h2", None, "Registered by workers"),
        by_workers,
        el("h2", {"id": "start"}, "Start an execution"),
        start_form,
    )
    return page(frame, "Functions", body, section="functions")
