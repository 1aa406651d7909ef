"""Reading a Markdown page's fenced code blocks with the markers that say how to run them.

A block is run as the page shows it. An HTML comment on the line just before a block
(invisible when the page is rendered) may say what a reader would do around it:

- `<!-- not-runnable: REASON -->`: the block is not run, for the reason given.
- `<!-- file: NAME -->`: a Python block is saved as NAME, so later blocks import it.
- `<!-- background -->`: a shell block that runs until stopped (`perdure dev`, a
  worker); it is started in the background, and the blocks after it run once a server it
  starts answers. `<!-- background: replaces -->` first stops the background blocks
  before it, as a reader presses Ctrl-C in that terminal.
- `<!-- before: SHELL -->`: a shell line run just before the block, standing for what the
  reader does by hand (copying an id from a table, say).

Every other block must be runnable: a block with no way to run it fails the test, so a
new example in the docs is tested from the day it is written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

_FENCE = re.compile(
    r"(?:^<!--\s*(?P<marker>[\w-]+)(?::\s*(?P<value>.*?))?\s*-->\n)?"
    r"^```(?P<lang>[\w-]*)\n(?P<body>.*?)^```[ \t]*$",
    re.M | re.S,
)


@dataclass(frozen=True)
class Block:
    """One fenced block of a page, with its language and the marker before it."""

    page: str
    line: int
    lang: str
    body: str
    marker: str | None
    value: str | None

    @property
    def where(self) -> str:
        return f"{self.page}:{self.line}"


def blocks(page: str) -> list[Block]:
    """The fenced blocks of `page` (relative to the repository root), in order."""
    text = (ROOT / page).read_text("utf-8")
    found = []
    for m in _FENCE.finditer(text):
        line = text.count("\n", 0, m.start("lang")) + 1
        found.append(
            Block(
                page=page,
                line=line,
                lang=m.group("lang"),
                body=m.group("body"),
                marker=m.group("marker"),
                value=m.group("value"),
            )
        )
    return found
