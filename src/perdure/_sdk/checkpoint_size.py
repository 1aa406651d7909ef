"""The payload size the SDK keeps out of a single checkpoint.

Above it, a child context records a summary and rebuilds its result by replaying its
children, and `FileSystemSerDes` in OVERFLOW mode moves the value into a file. AWS's SDK
uses the same figure (its `constants.CHECKPOINT_SIZE_LIMIT_BYTES`).
"""

from __future__ import annotations

CHECKPOINT_SIZE_LIMIT_BYTES = 256 * 1024
