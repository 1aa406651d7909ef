"""The README's Python examples run as written: its durable function, then its testing
example against that function. Only what the README leaves to the reader is defined
here (`payments`, `notify_reviewer`)."""

from __future__ import annotations

import re
import time
from pathlib import Path
from types import SimpleNamespace
from typing import Any

README = Path(__file__).resolve().parents[2] / "README.md"


def python_blocks() -> list[str]:
    return re.findall(r"^```python\n(.*?)^```", README.read_text("utf-8"), re.M | re.S)


def block_defining(name: str) -> str:
    found = [b for b in python_blocks() if re.search(rf"^def {name}\(", b, re.M)]
    assert len(found) == 1, f"README.md should hold one Python block defining {name}()"
    return found[0]


def test_the_readme_testing_example_runs_as_written() -> None:
    notified: list[str] = []
    namespace: dict[str, Any] = {
        "payments": SimpleNamespace(charge=lambda order_id: f"receipt-{order_id}"),
        "notify_reviewer": notified.append,
    }
    exec(compile(block_defining("handler"), "README.md (durable function)", "exec"), namespace)
    exec(compile(block_defining("test_order"), "README.md (testing)", "exec"), namespace)
    started = time.monotonic()
    namespace["test_order"]()
    assert time.monotonic() - started < 10  # the three-day wait is virtual
    assert len(notified) == 1  # the reviewer was told the callback id once
