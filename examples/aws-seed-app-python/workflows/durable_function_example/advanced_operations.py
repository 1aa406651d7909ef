"""The external system the workflow polls, and the isolated work of its child context."""

from __future__ import annotations

from typing import Any

from aws_durable_execution_sdk_python import DurableContext


def check_system_readiness(state: dict[str, Any], _check: Any) -> dict[str, Any]:
    """The system reports ready on the third check."""
    attempt = int(state["attempts"]) + 1
    ready = attempt >= 3
    note = f"System ready after {attempt} attempts" if ready else f"System not ready ({attempt})"
    return {
        "ready": ready,
        "attempts": attempt,
        "lastCheck": {"ready": ready, "attempt": attempt, "note": note},
    }


def run_isolated_operations(child: DurableContext) -> dict[str, Any]:
    metadata = child.step(
        lambda _: {"version": "1.0.0", "processingNode": "child-context", "isolated": True},
        name="metadata",
    )
    validation = child.step(
        lambda _: {"valid": True, "configVersion": "2.1.0"}, name="validate-config"
    )
    return {"metadata": metadata, "validation": validation}
