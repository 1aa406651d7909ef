"""The basic durable handler: two steps around a durable wait.

`hello` fetches a user in a step, waits 5 seconds durably (no process is held; the
execution is suspended and replayed when the timer fires) and greets the user in a second
step. On the replay after the wait, the first step is not run again: its checkpointed
result is returned. `greet` is the smallest durable function there is: one step.

The handlers are plain AWS-style durable code (only the imports say `perdure`).

    perdure dev examples/hello/hello_workflow.py                # serve both functions
    perdure invoke hello --input '{"userId": "u-42"}'            # prints the greeting
    python examples/hello/hello_workflow.py                      # ./scripts/demo: no server
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration
from perdure.testing import DurableTestRunner

COOL_OFF_SECONDS = 5


@durable_step
def fetch_user(step_ctx: StepContext, user_id: str) -> dict[str, str]:
    step_ctx.logger.info("fetching user %s", user_id)
    return {"id": user_id, "name": "Ada"}


@durable_step
def say_hello(step_ctx: StepContext, user: dict[str, str]) -> str:
    return f"Hello, {user['name']}!"


@durable_execution
def hello(event: dict[str, Any], context: DurableContext) -> dict[str, object]:
    user = context.step(fetch_user(str(event["userId"])))
    context.wait(duration=Duration.from_seconds(COOL_OFF_SECONDS), name="cool-off")
    message = context.step(say_hello(user))
    return {"success": True, "message": message}


@durable_execution
def greet(event: dict[str, Any] | None, context: DurableContext) -> str:
    """The smallest durable function: one step, answered at once."""
    name = str((event or {}).get("name", "world"))
    return context.step(lambda _: f"Hello, {name}!", name="greet")


def main() -> int:
    """Run `hello` once on embedded SQLite in real time, with no server (`./scripts/demo`)."""
    started = time.monotonic()
    with DurableTestRunner(hello, time="real", synchronous="FULL") as runner:
        print(f"starting execution (it waits {COOL_OFF_SECONDS} s durably between two steps)...")
        result = runner.run(input={"userId": "u-42"}, timeout=60)
        print(f"status: {result.status}   result: {json.dumps(result.result)}")
        print("history:")
        for event in result.history:
            name = event.get("Name", "")
            print(f"  {event['EventId']:>2}  {event['EventType']:<22} {name}")
    print(f"done in {time.monotonic() - started:.1f} s")
    return 0 if result.status == "SUCCEEDED" else 1


if __name__ == "__main__":
    sys.exit(main())
