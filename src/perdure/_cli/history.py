"""History events as one readable line each: what happened, to which operation, and the
one detail that matters (a result, an error, a duration, a callback id).

Payloads are shown as the values they hold: a result the SDK stored with its extended
serdes (`{"t": "m", "v": ...}` envelopes) is unwrapped for display only, so a person
reads `{"orderId": "o-1"}` rather than the envelope. `--json` prints events unchanged.
"""

from __future__ import annotations

import datetime as _dt
import json
from collections.abc import Mapping, Sequence
from typing import Any

from perdure._cli.console import Console, truncate

PAYLOAD_CHARS = 60

_OUTCOME_COLOURS = (
    ("Succeeded", "green"),
    ("Failed", "red"),
    ("TimedOut", "red"),
    ("Stopped", "yellow"),
    ("Cancelled", "yellow"),
    ("Paused", "magenta"),
    ("Resumed", "magenta"),
)


def details_of(event: Mapping[str, Any]) -> Mapping[str, Any]:
    value = event.get(f"{event.get('EventType', '')}Details")
    return value if isinstance(value, Mapping) else {}


def _plain(node: Any) -> Any:
    """An extended-serdes envelope tree as plain JSON values (display only)."""
    if isinstance(node, dict) and set(node) == {"t", "v"} and isinstance(node["t"], str):
        tag, value = node["t"], node["v"]
        if tag in ("l", "t"):
            return [_plain(v) for v in value] if isinstance(value, list) else value
        if tag == "m":
            return {k: _plain(v) for k, v in value.items()} if isinstance(value, dict) else value
        if tag == "br":
            return _plain(value)
        if tag == "B":
            return f"<{len(str(value)) * 3 // 4} bytes>"
        return value
    return node


def show_payload(payload: str | None, limit: int = PAYLOAD_CHARS) -> str:
    if payload is None:
        return "(none)"
    try:
        value = _plain(json.loads(payload))
    except ValueError:
        return truncate(payload, limit)
    return truncate(json.dumps(value, ensure_ascii=False), limit)


def _payload_of(member: Any) -> str | None:
    if isinstance(member, Mapping):
        payload = member.get("Payload")
        return None if payload is None else str(payload)
    return None


def show_error(member: Any) -> str:
    if not isinstance(member, Mapping):
        return str(member)
    payload = member.get("Payload", member)
    if not isinstance(payload, Mapping):
        return truncate(str(payload), PAYLOAD_CHARS)
    kind = payload.get("ErrorType")
    message = payload.get("ErrorMessage")
    text = f"{kind}: {message}" if kind and message else str(kind or message or "(no details)")
    return truncate(text, PAYLOAD_CHARS + 20)


def _seconds(value: Any) -> str:
    try:
        total = int(value)
    except (TypeError, ValueError):
        return str(value)
    return duration_text(float(total))


def duration_text(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f}ms"
    if seconds < 60:
        return f"{seconds:.3g}s" if seconds != int(seconds) else f"{int(seconds)}s"
    minutes, secs = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes}m{secs:02d}s" if secs else f"{minutes}m"
    hours, minutes = divmod(minutes, 60)
    if hours < 48:
        return f"{hours}h{minutes:02d}m" if minutes else f"{hours}h"
    return f"{hours // 24}d{hours % 24:02d}h" if hours % 24 else f"{hours // 24}d"


def summarize(event: Mapping[str, Any]) -> str:
    """The one-line detail of an event, e.g. `Duration=5s` or `Error=ValueError: bad`."""
    details = details_of(event)
    parts: list[str] = []
    if "Input" in details:
        parts.append(f"Input={show_payload(_payload_of(details['Input']))}")
    if "Result" in details:
        parts.append(f"Result={show_payload(_payload_of(details['Result']))}")
    if "Error" in details:
        parts.append(f"Error={show_error(details['Error'])}")
    if "Duration" in details:
        parts.append(f"Duration={_seconds(details['Duration'])}")
    if "CallbackId" in details:
        parts.append(f"CallbackId={details['CallbackId']}")
    if details.get("Timeout"):
        parts.append(f"Timeout={_seconds(details['Timeout'])}")
    if details.get("HeartbeatTimeout"):
        parts.append(f"HeartbeatTimeout={_seconds(details['HeartbeatTimeout'])}")
    if "FunctionName" in details:
        parts.append(f"FunctionName={details['FunctionName']}")
    retry = details.get("RetryDetails")
    if isinstance(retry, Mapping):
        attempt = retry.get("CurrentAttempt")
        if (attempt and attempt > 1) or "NextAttemptDelaySeconds" in retry:
            parts.append(f"Attempt={attempt}")
        if "NextAttemptDelaySeconds" in retry:
            parts.append(f"RetryIn={_seconds(retry['NextAttemptDelaySeconds'])}")
    if event.get("EventType") == "InvocationCompleted":
        start, end = details.get("StartTimestamp"), details.get("EndTimestamp")
        if isinstance(start, int | float) and isinstance(end, int | float):
            parts.append(f"Took={duration_text(max(0.0, float(end) - float(start)))}")
    return "  ".join(parts)


def event_time(event: Mapping[str, Any]) -> _dt.datetime | None:
    value = event.get("EventTimestamp")
    if isinstance(value, int | float):
        return _dt.datetime.fromtimestamp(float(value)).astimezone()
    return None


def render(console: Console, events: Sequence[Mapping[str, Any]]) -> None:
    rows = []
    for event in events:
        when = event_time(event)
        kind = str(event.get("EventType", "?"))
        colour = next((c for suffix, c in _OUTCOME_COLOURS if kind.endswith(suffix)), None)
        rows.append(
            [
                str(event.get("EventId", "")),
                when.strftime("%H:%M:%S.%f")[:-3] if when else "",
                console.style(kind, colour) if colour else kind,
                str(event.get("Name", "")),
                summarize(event),
            ]
        )
    console.table(["ID", "TIME", "TYPE", "NAME", "DETAIL"], rows)


def open_callbacks(events: Sequence[Mapping[str, Any]]) -> list[tuple[str, str]]:
    """(callback id, operation name) of each callback started and not yet settled."""
    started: dict[str, tuple[str, str]] = {}
    settled: set[str] = set()
    for event in events:
        kind = event.get("EventType", "")
        op = str(event.get("Id", ""))
        if kind == "CallbackStarted":
            callback_id = str(details_of(event).get("CallbackId", ""))
            started[op] = (callback_id, str(event.get("Name", "")))
        elif kind in ("CallbackSucceeded", "CallbackFailed", "CallbackTimedOut"):
            settled.add(op)
    return [value for op, value in started.items() if op not in settled]
