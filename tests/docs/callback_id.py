"""Print the id of the callback an execution waits for, once it waits for one.

The docs' walkthroughs ask the reader to copy a callback id from `perdure executions
history`; the docs tests run this in its place (`<!-- before: ... -->`). It polls, as a
reader would look again, because the callback starts only after the handler's earlier
operations (the order example's cool-off wait) are done.

    python -m tests.docs.callback_id ARN [TIMEOUT_SECONDS]
"""

from __future__ import annotations

import sys
import time

from perdure.client import DurableClient


def main(argv: list[str]) -> int:
    arn = argv[0]
    deadline = time.monotonic() + (float(argv[1]) if len(argv) > 1 else 60.0)
    with DurableClient.connect() as client:
        while time.monotonic() < deadline:
            for event in client.history(arn):
                if event.get("EventType") == "CallbackStarted":
                    print(event["CallbackStartedDetails"]["CallbackId"])
                    return 0
            time.sleep(0.2)
    print(f"no callback started for {arn}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
