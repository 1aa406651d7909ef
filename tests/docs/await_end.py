"""Wait until an execution has ended, as a reader waits before looking again; exit 0 only
if it SUCCEEDED. The docs tests run it where a page says to wait (`<!-- before: ... -->`).

    python -m tests.docs.await_end ARN [TIMEOUT_SECONDS]
"""

from __future__ import annotations

import sys

from perdure.client import DurableClient


def main(argv: list[str]) -> int:
    timeout = float(argv[1]) if len(argv) > 1 else 120.0
    with DurableClient.connect() as client:
        execution = client.wait(argv[0], timeout=timeout)
    if execution.status != "SUCCEEDED":
        print(f"{argv[0]} ended {execution.status}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
