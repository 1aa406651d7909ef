"""Everything the CLI writes: tables and colours for people, JSON for scripts.

Results go to stdout and everything else (status lines, progress, errors) to stderr, so
`perdure invoke fn > result.json` captures only the result. Colour is used only when the
stream is a terminal and `NO_COLOR` is unset (https://no-color.org).

Stored payloads may hold text a stream cannot encode (a lone surrogate from a `"\ud800"`
escape, or any non-ASCII character on an ASCII terminal). Output never fails on it:
JSON falls back to ASCII escapes (still the same JSON), other text to backslash escapes.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Mapping, Sequence
from typing import Any, TextIO

_CODES = {
    "bold": "1",
    "dim": "2",
    "red": "31",
    "green": "32",
    "yellow": "33",
    "blue": "34",
    "magenta": "35",
    "cyan": "36",
}

STATUS_COLOURS = {
    "SUCCEEDED": "green",
    "FAILED": "red",
    "TIMED_OUT": "red",
    "STOPPED": "yellow",
    "RUNNING": "cyan",
    "PAUSING": "magenta",
    "PAUSED": "magenta",
}


def wants_colour(stream: TextIO, environ: Mapping[str, str] | None = None) -> bool:
    env = os.environ if environ is None else environ
    if "NO_COLOR" in env or env.get("TERM") == "dumb":
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


class Console:
    def __init__(self, out: TextIO, err: TextIO, *, as_json: bool = False) -> None:
        self.out = out
        self.err = err
        self.as_json = as_json
        self.colour = wants_colour(out)
        self.err_colour = wants_colour(err)
        self.interactive = bool(getattr(err, "isatty", None) and err.isatty())

    # -- styling ----------------------------------------------------------------------

    def style(self, text: str, *styles: str, err: bool = False) -> str:
        if not (self.err_colour if err else self.colour) or not styles:
            return text
        codes = ";".join(_CODES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"

    def status(self, status: str, *, err: bool = False) -> str:
        colour = STATUS_COLOURS.get(status)
        return self.style(status, colour, "bold", err=err) if colour else status

    # -- writing ----------------------------------------------------------------------

    def print(self, text: str = "") -> None:
        self.out.write(encodable(self.out, text) + "\n")
        self.out.flush()

    def note(self, text: str = "") -> None:
        """A message for the person at the terminal, never part of the output."""
        self.err.write(encodable(self.err, text) + "\n")
        self.err.flush()

    def error(self, message: str) -> None:
        self.note(f"{self.style('error:', 'red', 'bold', err=True)} {message}")

    def json(self, doc: Any) -> None:
        text = json.dumps(doc, indent=2, ensure_ascii=False, default=str)
        if encodable(self.out, text) is not text:
            text = json.dumps(doc, indent=2, default=str)
        self.print(text)

    def table(self, headers: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
        """Columns padded to the widest cell; the last column is never padded or cut,
        so long values (ARNs, details) stay whole and can be copied."""
        if not rows:
            return
        widths = [len(h) for h in headers]
        for row in rows:
            for i, cell in enumerate(row[:-1]):
                widths[i] = max(widths[i], visible_len(cell))
        header = "  ".join(h.ljust(widths[i]) for i, h in enumerate(headers[:-1]))
        self.print(self.style(f"{header}  {headers[-1]}".rstrip(), "bold"))
        for row in rows:
            cells = [pad(c, widths[i]) for i, c in enumerate(row[:-1])]
            self.print("  ".join([*cells, row[-1]]).rstrip())

    def fields(self, pairs: Sequence[tuple[str, str]]) -> None:
        width = max((len(k) for k, _ in pairs), default=0)
        for key, value in pairs:
            self.print(f"{self.style(key.ljust(width), 'bold')}  {value}")

    def terminal_width(self) -> int:
        return shutil.get_terminal_size((100, 24)).columns


def encodable(stream: TextIO, text: str) -> str:
    """`text` itself if `stream` can encode it, else a copy with the characters it
    cannot encode written as backslash escapes (`\ud800`, `\xe9`)."""
    encoding = getattr(stream, "encoding", None) or "utf-8"
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return text.encode(encoding, "backslashreplace").decode(encoding)
    except LookupError:
        pass
    return text


def visible_len(text: str) -> int:
    """Length without ANSI colour codes."""
    out = 0
    skipping = False
    for ch in text:
        if ch == "\033":
            skipping = True
        elif skipping:
            if ch == "m":
                skipping = False
        else:
            out += 1
    return out


def pad(text: str, width: int) -> str:
    return text + " " * max(0, width - visible_len(text))


def truncate(text: str, limit: int) -> str:
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: max(0, limit - 1)] + "…"
