"""`perdure invoke`'s live status line is cut to the terminal's width; the id of a
callback the execution waits for is printed whole, once, so it can be copied."""

from __future__ import annotations

import datetime as dt
import io

import pytest

from perdure._cli.console import Console
from perdure._cli.invoke import StatusLine
from perdure.client import Progress
from perdure.client._types import Execution

CALLBACK_ID = "Y2FsbGJhY2staWQtdGhhdC1pcy1sb25nZXItdGhhbi1hLW5hcnJvdy10ZXJtaW5hbA" * 2


def _waiting(elapsed: float) -> Progress:
    execution = Execution(
        arn="arn:aws:lambda:us-east-1:000000000000:function:approve:$LATEST/durable-execution/x/y",
        name="x",
        status="RUNNING",
        started_at=dt.datetime(2026, 12, 3, tzinfo=dt.UTC),
    )
    started = {
        "EventType": "CallbackStarted",
        "Id": "op-1",
        "Name": "approval",
        "CallbackStartedDetails": {"CallbackId": CALLBACK_ID},
    }
    return Progress(execution, [started], elapsed)


def test_a_waiting_callbacks_id_is_printed_whole_once_on_a_narrow_terminal(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLUMNS", "60")
    err = io.StringIO()
    line = StatusLine(Console(io.StringIO(), err), "approve")
    for second in range(3):
        line.update(_waiting(float(second)))
    written = err.getvalue()
    whole = [part for part in written.split("\n") if CALLBACK_ID in part]
    assert len(whole) == 1, written
    assert whole[0].endswith(f"waiting for callback {CALLBACK_ID} (approval)")
    # The redrawn line itself stays within the terminal's width.
    last = written.rsplit("\r\033[K", 1)[-1]
    assert CALLBACK_ID not in last
