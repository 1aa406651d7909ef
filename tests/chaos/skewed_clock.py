"""Run the `perdure` command with a clock that can be jumped from outside.

    python -m tests.chaos.skewed_clock OFFSET_FILE dev handlers.py --port ...

Perdure reads wall time only through `perdure._clock.SystemClock`, so shifting what
its `now_ms` returns shifts every timer, lease and timestamp of the process, exactly
as a jump of the machine's clock (NTP step, VM resume) would. OFFSET_FILE holds the
offset in milliseconds; a daemon thread re-reads it every 50 ms, so the chaos suite
jumps a running process's clock by rewriting the file. `time.monotonic` and sleeping
are left alone: a real clock step does not change them either.
"""

from __future__ import annotations

import sys
import threading
import time
from pathlib import Path

from perdure import _clock
from perdure._cli.main import main

_POLL_SECONDS = 0.05
_offset_ms = 0


def _read(path: Path) -> int:
    try:
        return int(path.read_text(encoding="utf-8").strip() or 0)
    except (OSError, ValueError):
        return 0


def _follow(path: Path) -> None:
    global _offset_ms
    while True:
        _offset_ms = _read(path)
        time.sleep(_POLL_SECONDS)


def _skewed_now_ms(self: _clock.SystemClock) -> int:
    return time.time_ns() // 1_000_000 + _offset_ms


def run(argv: list[str]) -> int:
    global _offset_ms
    if len(argv) < 2:
        print("usage: python -m tests.chaos.skewed_clock OFFSET_FILE PERDURE_ARGS...")
        return 2
    path = Path(argv[0])
    _offset_ms = _read(path)
    threading.Thread(target=_follow, args=(path,), name="chaos-clock", daemon=True).start()
    _clock.SystemClock.now_ms = _skewed_now_ms  # type: ignore[method-assign]
    return main(argv[1:])


if __name__ == "__main__":
    sys.exit(run(sys.argv[1:]))
