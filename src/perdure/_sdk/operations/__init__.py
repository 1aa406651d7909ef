"""One module per DurableContext operation.

Each module splits an operation into a pure *decision* — given the recorded Operation
(or None), what to do: replay the recorded result, raise the recorded error, suspend
(until a time), or start and execute — and the *effects* that carry it out with a
context. The decisions take only recorded state and `now`, so a future async front-end
can reuse them unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum


class Action(Enum):
    RETURN = "return"  # replay the recorded result
    FAIL = "fail"  # raise the recorded error
    SUSPEND = "suspend"  # end the invocation PENDING (until `resume_at_ms` if known)
    START = "start"  # checkpoint START, then execute
    EXECUTE = "execute"  # execute without a new START
    INTERRUPTED = "interrupted"  # an at-most-once attempt was cut off: retry or fail
    REPLAY_CHILDREN = "replay_children"  # re-run the body over recorded children


@dataclass(frozen=True, slots=True)
class Decision:
    action: Action
    resume_at_ms: int | None = None
    attempt: int = 1


RETURN = Decision(Action.RETURN)
FAIL = Decision(Action.FAIL)
SUSPEND = Decision(Action.SUSPEND)
START = Decision(Action.START)
EXECUTE = Decision(Action.EXECUTE)
