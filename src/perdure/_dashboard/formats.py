"""How values read on a page: times in UTC, durations, and payloads pretty-printed and
capped.

Payloads are user data of up to a few mebibytes and any shape. A page shows at most
`SHOWN_CHARS` of each, says how much it left out, and pretty-prints JSON only when it
is small enough to be worth it and not so deeply nested that printing it would recurse
too far; anything else is shown as the text it is. Escaping is not done here but by
`markup`, whatever the text holds.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache

from perdure._dashboard.markup import Html, el, join
from perdure._model import ErrorObject

SHOWN_CHARS = 16_384
PRETTY_MAX_CHARS = 262_144
MAX_DEPTH = 64
SHORT_CHARS = 120


def when(ms: int | None) -> str:
    """An epoch-ms time as `2025-01-31 12:00:00.000` (UTC), or an empty string."""
    if ms is None:
        return ""
    return _when(ms)


@lru_cache(maxsize=8192)
def _when(ms: int) -> str:
    try:
        moment = dt.datetime.fromtimestamp(ms / 1000, dt.UTC)
    except (OverflowError, OSError, ValueError):
        return str(ms)
    return moment.strftime("%Y-%m-%d %H:%M:%S.") + f"{moment.microsecond // 1000:03d}"


def iso(ms: int) -> str:
    return dt.datetime.fromtimestamp(ms / 1000, dt.UTC).isoformat(timespec="milliseconds")


def duration(ms: int | None) -> str:
    """`850 ms`, `12.3 s`, `4 min 05 s`, `3 h 02 min`, `2 d 4 h`."""
    if ms is None:
        return ""
    if ms < 0:
        ms = 0
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec:02d} s"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours} h {minutes:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _depth(value: object, limit: int) -> int:
    """How deeply `value` nests, counting no further than `limit`, without recursion."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > deepest:
            deepest = depth
            if deepest > limit:
                return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def pretty(payload: str) -> str:
    """JSON text indented for reading, or the text unchanged when it is not JSON, is
    too large to be worth indenting, or nests too deeply."""
    if len(payload) > PRETTY_MAX_CHARS or payload.count("[") + payload.count("{") > 50_000:
        return payload
    try:
        value = json.loads(payload)
    except (ValueError, RecursionError):
        return payload
    if _depth(value, MAX_DEPTH) > MAX_DEPTH:
        return payload
    try:
        return json.dumps(value, indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):
        return payload


def capped(content: str, limit: int = SHOWN_CHARS) -> tuple[str, int]:
    """The first `limit` characters of `content`, and how many were left out."""
    if len(content) <= limit:
        return content, 0
    return content[:limit], len(content) - limit


def payload_block(payload: str | None, *, label: str = "payload") -> Html:
    """A payload pretty-printed in a `<pre>`, capped, with its size."""
    if payload is None:
        return el("p", {"class": "muted"}, f"no {label}")
    shown, left_out = capped(pretty(payload))
    size = len(payload.encode("utf-8", "surrogatepass"))
    note = f"{size:,} bytes" + (f"; the first {len(shown):,} characters shown" if left_out else "")
    return join(
        el(
            "pre",
            {"class": "payload"},
            shown,
            el("span", {"class": "more"}, " …") if left_out else None,
        ),
        el("p", {"class": "size muted"}, note),
    )


def short(value: str | None, limit: int = SHORT_CHARS) -> str:
    """One line of `value`, cut to `limit` characters with an ellipsis."""
    if not value:
        return ""
    line = " ".join(value.split())
    return line if len(line) <= limit else line[: limit - 1] + "…"


def error_block(error: ErrorObject | None) -> Html:
    if error is None:
        return el("p", {"class": "muted"}, "no error")
    parts: list[object] = [
        el(
            "p",
            {"class": "error-line"},
            el("strong", None, error.type or "Error"),
            ": " if error.message else "",
            capped(error.message or "", 2000)[0],
        )
    ]
    if error.data:
        parts.append(el("h4", None, "Data"))
        parts.append(payload_block(error.data, label="data"))
    if error.stack_trace:
        trace = "\n".join(error.stack_trace[:200])
        parts.append(
            el(
                "details",
                None,
                el("summary", None, "Stack trace"),
                el("pre", None, capped(trace)[0]),
            )
        )
    return join(el("div", {"class": "error"}, *parts))
