"""History events: one append-only record per state transition."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from perdure._model.enums import EventType


@dataclass(frozen=True, slots=True)
class Event:
    """A history event. `details` is the `<EventType>Details` body in wire form
    (PascalCase keys, JSON-ready values). Timestamps inside it (keys ending in
    `Timestamp`) are integer epoch milliseconds like every model time; the wire layer
    renders them, and `timestamp`, in the unit of its transport."""

    event_id: int
    event_type: EventType
    timestamp: int
    details: dict[str, Any]
    operation_id: str | None = None
    name: str | None = None
    parent_id: str | None = None
    sub_type: str | None = None
