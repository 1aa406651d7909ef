"""The health page: what `/health` reports (the store, the loops of this process), the
counts `/metrics` exports, and the workers holding leases on running invocations."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from perdure._dashboard.executions_page import execution_link
from perdure._dashboard.formats import duration, short, when
from perdure._dashboard.layout import Frame, page
from perdure._dashboard.markup import Html, el, join
from perdure._service import browsing, monitoring
from perdure._service.context import ServiceContext


def _status(ok: bool, text: str) -> Html:
    return el("span", {"class": f"status status-{'SUCCEEDED' if ok else 'FAILED'}"}, text)


def _loops(doc: dict[str, Any]) -> Html:
    loops = doc.get("loops") or {}
    if not loops:
        return el("p", {"class": "muted"}, "This process runs no scheduler or dispatcher loop.")
    rows = []
    for name, entry in sorted(loops.items()):
        ok = entry.get("status") == "ok"
        since = entry.get("secondsSinceLastPass")
        rows.append(
            el(
                "tr",
                None,
                el("td", None, name),
                el("td", None, _status(ok, "ok" if ok else "failing")),
                el(
                    "td",
                    {"class": "num"},
                    "" if since is None else duration(int(since * 1000)) + " ago",
                ),
                el("td", None, short(entry.get("error"), 300)),
            )
        )
    return el(
        "table",
        {"class": "loops"},
        el(
            "thead",
            None,
            el(
                "tr",
                None,
                *[el("th", None, h) for h in ("Loop", "Status", "Last good pass", "Error")],
            ),
        ),
        el("tbody", None, *rows),
    )


def _workers(ctx: ServiceContext, now: int) -> Html:
    holdings = browsing.lease_holdings(ctx)
    if not holdings:
        return el("p", {"class": "muted"}, "No invocation is running.")
    by_owner: dict[str, list[browsing.LeaseHolding]] = defaultdict(list)
    for holding in holdings:
        by_owner[holding.owner].append(holding)
    sections = []
    for owner, held in sorted(by_owner.items()):
        sections.append(
            el(
                "div",
                {"class": "card worker"},
                el(
                    "h3",
                    None,
                    owner,
                    el("span", {"class": "muted"}, f" · {len(held)} invocation(s)"),
                ),
                el(
                    "table",
                    None,
                    el(
                        "thead",
                        None,
                        el(
                            "tr",
                            None,
                            *[el("th", None, h) for h in ("Execution", "Function", "Lease ends")],
                        ),
                    ),
                    el(
                        "tbody",
                        None,
                        *[
                            el(
                                "tr",
                                None,
                                el("td", {"class": "arn"}, execution_link(h.arn, h.arn)),
                                el("td", None, h.function_name),
                                el(
                                    "td",
                                    None,
                                    f"in {duration(h.expires_ms - now)}"
                                    if h.expires_ms >= now
                                    else f"expired {duration(now - h.expires_ms)} ago",
                                ),
                            )
                            for h in held
                        ],
                    ),
                ),
            )
        )
    return join(*sections)


def health_page(ctx: ServiceContext, frame: Frame) -> str:
    healthy, doc = monitoring.health_report(ctx)
    now = ctx.now()
    store = doc.get("store")
    store_ok = store == "ok"
    store_text = short(str(store.get("error") if isinstance(store, dict) else store), 500)
    try:
        stats: monitoring.StoreStats | None = monitoring.stats(ctx)
    except Exception:  # the store is failing: the rest of the page says so
        stats = None
    counts = (
        el(
            "dl",
            {"class": "facts"},
            *[
                join(el("dt", None, k), el("dd", None, f"{v:,}"))
                for k, v in (
                    ("Due timers", stats.due_timers),
                    ("Queued invocations", stats.queued_invocations),
                    ("Running invocations", stats.running_invocations),
                    ("Expired leases", stats.expired_leases),
                    *[
                        (f"Executions {s}", n)
                        for s, n in sorted(stats.executions_by_status.items())
                    ],
                )
            ],
        )
        if stats is not None
        else el("p", {"class": "problem"}, "The store did not answer.")
    )
    body = join(
        el("h1", None, "Health"),
        el(
            "div",
            {"id": "health-live", "data-live": True},
            el(
                "div",
                {"class": "card"},
                el(
                    "dl",
                    {"class": "facts"},
                    el("dt", None, "This server"),
                    el(
                        "dd",
                        {"id": "overall"},
                        _status(healthy, "healthy" if healthy else "unavailable"),
                    ),
                    el("dt", None, "Store"),
                    el(
                        "dd",
                        None,
                        _status(store_ok, "ok")
                        if store_ok
                        else el("span", {"class": "problem"}, store_text),
                    ),
                    el("dt", None, "Checked (UTC)"),
                    el("dd", None, when(now)),
                ),
            ),
            el("h2", None, "Scheduler and dispatcher"),
            _loops(doc),
            el("h2", None, "Work"),
            el("div", {"class": "card"}, counts),
            el("h2", None, "Workers holding leases"),
            _workers(ctx, now),
        ),
    )
    # 200 either way: the page is served; what it says is the health (`/health` is the
    # probe that answers 503).
    return page(frame, "Health", body, section="health", live=True)
