"""A small durable workflow, run end to end on the embedded SQLite store.

Two steps around a 5-second durable wait. The handler is plain AWS-style durable code
(only the imports say `perdure`); the runner stores every checkpoint in SQLite, lets the
wait elapse in real time without holding the handler, replays, and finishes.

Run it with `./scripts/demo`.
"""

from __future__ import annotations

import json
import sys
import time

from perdure import DurableContext, StepContext, durable_execution, durable_step
from perdure.config import Duration
from perdure.testing import DurableTestRunner


@durable_step
def fetch_user(step_ctx: StepContext, user_id: str) -> dict[str, str]:
    step_ctx.logger.info("fetching user %s", user_id)
    return {"id": user_id, "name": "Ada"}


@durable_step
def greet(step_ctx: StepContext, user: dict[str, str]) -> str:
    return f"Hello, {user['name']}!"


@durable_execution
def handler(event: dict[str, str], context: DurableContext) -> dict[str, object]:
    user = context.step(fetch_user(event["userId"]))
    context.wait(duration=Duration.from_seconds(5), name="cool-off")
    message = context.step(greet(user))
    return {"success": True, "message": message}


def main() -> int:
    started = time.monotonic()
    with DurableTestRunner(handler, time="real", synchronous="FULL") as runner:
        print("starting execution (it waits 5 s durably between its two steps)...")
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
