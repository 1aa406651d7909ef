"""The executions page: every execution newest first, filtered by function, status,
name and start time, a page at a time, with counts by status and live refresh.

Filters travel in the query string, so a filtered view is a link to share. Paging is by
key (`older=` / `newer=` name the execution a page ends at), which the service reads
as a range, so the thousandth page costs what the first does.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from perdure._dashboard.formats import duration, iso, when
from perdure._dashboard.layout import Frame, page
from perdure._dashboard.markup import Html, el, join
from perdure._dashboard.requests import BadRequest, Request, url
from perdure._model import ExecutionStatus
from perdure._service import browsing
from perdure._service.browsing import ExecutionFilter, ExecutionSummary, PageKey
from perdure._service.context import ServiceContext

DEFAULT_PAGE = 50
MAX_PAGE = 200
_KEY_SEPARATOR = "~"


def key_text(key: PageKey) -> str:
    return f"{key.start_ms}{_KEY_SEPARATOR}{key.execution_id}"


def parse_key(text: str | None, name: str) -> PageKey | None:
    if text is None:
        return None
    start, sep, execution_id = text.partition(_KEY_SEPARATOR)
    if not sep or not execution_id or not start.isdigit() or len(start) > 15:
        raise BadRequest(f"{name} is not a position in the list; follow the page links.")
    return PageKey(int(start), execution_id)


def parse_time(text: str | None, name: str) -> int | None:
    """Epoch ms of a `datetime-local` value (or any ISO-8601 time), read as UTC when it
    names no zone."""
    if text is None:
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise BadRequest(f"{name} must be a time such as 2025-01-31T12:00 (UTC).") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return int(moment.timestamp() * 1000)


@dataclass(frozen=True)
class Filters:
    """The list's filters as the query string gave them (to put back in links) and as
    the service takes them."""

    function: str | None
    name: str | None
    status: str | None
    start_from: str | None
    start_to: str | None
    size: int

    @classmethod
    def read(cls, req: Request) -> Filters:
        status = req.arg("status", max_len=20)
        if status is not None and status not in ExecutionStatus.__members__:
            raise BadRequest(f"status must be one of {', '.join(ExecutionStatus)}.")
        size_text = req.arg("size", max_len=4)
        size = DEFAULT_PAGE
        if size_text is not None:
            if not size_text.isdigit() or not 1 <= int(size_text) <= MAX_PAGE:
                raise BadRequest(f"size must be a number from 1 to {MAX_PAGE}.")
            size = int(size_text)
        return cls(
            function=req.arg("function", max_len=64),
            name=req.arg("name", max_len=64),
            status=status,
            start_from=req.arg("from", max_len=40),
            start_to=req.arg("to", max_len=40),
            size=size,
        )

    def query(self, *, with_status: bool = True) -> dict[str, str | int | None]:
        return {
            "function": self.function,
            "name": self.name,
            "status": self.status if with_status else None,
            "from": self.start_from,
            "to": self.start_to,
            "size": self.size if self.size != DEFAULT_PAGE else None,
        }

    def where(self, *, with_status: bool = True) -> ExecutionFilter:
        status = self.status if with_status else None
        return ExecutionFilter(
            function_name=self.function,
            name_prefix=self.name,
            statuses=(ExecutionStatus(status),) if status else (),
            started_after=parse_time(self.start_from, "from"),
            started_before=parse_time(self.start_to, "to"),
        )


def status_badge(status: str) -> Html:
    return el("span", {"class": f"status status-{status}"}, status)


def execution_link(arn: str, label: str) -> Html:
    return el("a", {"href": url("/ui/execution", arn=arn)}, label)


def _row(execution: ExecutionSummary, now: int) -> Html:
    ended = execution.end_timestamp
    took = (ended if ended is not None else now) - execution.start_timestamp
    return el(
        "tr",
        None,
        el("td", None, status_badge(execution.status.value)),
        el(
            "td",
            None,
            el(
                "a",
                {"href": url("/ui/executions", function=execution.function_name)},
                execution.function_name,
            ),
        ),
        el("td", {"class": "name"}, execution_link(execution.arn, execution.name)),
        el(
            "td",
            None,
            el(
                "time",
                {"datetime": iso(execution.start_timestamp)},
                when(execution.start_timestamp),
            ),
        ),
        el("td", {"class": "num"}, duration(took) + ("" if ended is not None else " so far")),
    )


def _filter_form(filters: Filters, functions: list[str]) -> Html:
    def box(label: str, name: str, value: str | None, **extra: str) -> Html:
        return el("label", None, label, el("input", {"name": name, "value": value or "", **extra}))

    return el(
        "form",
        {"method": "get", "action": "/ui/executions", "class": "filters", "id": "filters"},
        box("Function", "function", filters.function, list="function-names", placeholder="any"),
        el("datalist", {"id": "function-names"}, *[el("option", {"value": f}) for f in functions]),
        box("Name starts with", "name", filters.name, placeholder="any"),
        el(
            "label",
            None,
            "Status",
            el(
                "select",
                {"name": "status"},
                el("option", {"value": ""}, "any"),
                *[
                    el("option", {"value": s.value, "selected": s.value == filters.status}, s.value)
                    for s in ExecutionStatus
                ],
            ),
        ),
        box("Started from (UTC)", "from", filters.start_from, type="datetime-local", step="1"),
        box("Started until (UTC)", "to", filters.start_to, type="datetime-local", step="1"),
        el("button", {"type": "submit", "class": "primary"}, "Filter"),
        el("a", {"href": "/ui/executions"}, "Clear"),
    )


def _counts(filters: Filters, counts: dict[str, int]) -> Html:
    total = sum(counts.values())
    chips = [
        el(
            "li",
            None,
            el(
                "a",
                {
                    "href": url("/ui/executions", **filters.query(with_status=False)),
                    "aria-current": "true" if filters.status is None else None,
                },
                f"All {total:,}",
            ),
        )
    ]
    for status in ExecutionStatus:
        count = counts.get(status.value, 0)
        if not count and status.value != filters.status:
            continue
        chips.append(
            el(
                "li",
                None,
                el(
                    "a",
                    {
                        "href": url(
                            "/ui/executions", **{**filters.query(), "status": status.value}
                        ),
                        "aria-current": "true" if filters.status == status.value else None,
                        "data-status": status.value,
                    },
                    status_badge(status.value),
                    f" {count:,}",
                ),
            )
        )
    return el("ul", {"class": "counts", "id": "status-counts"}, *chips)


def executions_page(
    ctx: ServiceContext, frame: Frame, req: Request, functions: list[str]
) -> tuple[int, str]:
    problem: str | None = None
    try:
        filters = Filters.read(req)
        where = filters.where()
        everything = filters.where(with_status=False)
        older = parse_key(req.arg("older", max_len=200), "older")
        newer = parse_key(req.arg("newer", max_len=200), "newer")
    except BadRequest as exc:
        problem = str(exc)
        filters = Filters(None, None, None, None, None, DEFAULT_PAGE)
        where = everything = ExecutionFilter()
        older = newer = None
    listing = browsing.browse(ctx, where, older_than=older, newer_than=newer, limit=filters.size)
    counts = browsing.status_counts(ctx, everything)
    now = ctx.now()
    query = filters.query()
    pager = el(
        "div",
        {"class": "pager"},
        el("a", {"href": url("/ui/executions", **query)}, "Newest") if listing.newer else None,
        el(
            "a",
            {"href": url("/ui/executions", **query, newer=key_text(listing.newer)), "rel": "prev"},
            "← Newer",
        )
        if listing.newer
        else None,
        el(
            "a",
            {"href": url("/ui/executions", **query, older=key_text(listing.older)), "rel": "next"},
            "Older →",
        )
        if listing.older
        else None,
    )
    table = (
        el(
            "table",
            {"class": "executions"},
            el(
                "thead",
                None,
                el(
                    "tr",
                    None,
                    *[
                        el("th", None, h)
                        for h in ("Status", "Function", "Name", "Started (UTC)", "Duration")
                    ],
                ),
            ),
            el("tbody", None, *[_row(e, now) for e in listing.executions]),
        )
        if listing.executions
        else el(
            "p",
            {"class": "muted empty"},
            "No execution matches." if any(query.values()) else "No execution yet.",
        )
    )
    body = join(
        el("h1", None, "Executions"),
        el("p", {"class": "problem"}, problem) if problem else None,
        _filter_form(filters, functions),
        el(
            "div",
            {"id": "executions-live", "data-live": True},
            _counts(filters, counts),
            table,
            pager,
        ),
    )
    return (400 if problem else 200), page(
        frame, "Executions", body, section="executions", live=True
    )
