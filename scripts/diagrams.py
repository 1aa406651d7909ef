"""Render the docs' diagrams as SVG, from the sources they depict.

- docs/images/architecture.svg: the layers of the import-linter contracts in
  pyproject.toml (the package's layers top to bottom, and the handler-side SDK beside
  them with its own layers), so the picture changes when the contract does.
- docs/images/replay.svg: one execution as a sequence of invocations replaying the
  operations recorded before them, drawn from INVOCATIONS below.

Standard library only. `python scripts/diagrams.py` writes the files;
`python scripts/diagrams.py --check` exits 1 when a committed file differs from what
would be written now. tests/docs/test_diagrams.py makes the same check.
"""

from __future__ import annotations

import sys
import textwrap
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

ROOT = Path(__file__).resolve().parents[1]
IMAGES = ROOT / "docs" / "images"

FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"'


def _svg(width: int, height: int, body: list[str], title: str) -> str:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img">'
    )
    return "\n".join(
        [
            head,
            f"<title>{escape(title)}</title>",
            f'<rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>',
            *body,
            "</svg>",
            "",
        ]
    )


def _text(x: float, y: float, s: str, size: int = 13, **attrs: str) -> str:
    extra = "".join(f' {k.replace("_", "-")}="{v}"' for k, v in attrs.items())
    return f'<text x="{x:g}" y="{y:g}" font-size="{size}" {FONT}{extra}>{escape(s)}</text>'


def _rect(x: float, y: float, w: float, h: float, fill: str, stroke: str = "#555") -> str:
    return (
        f'<rect x="{x:g}" y="{y:g}" width="{w:g}" height="{h:g}" rx="4" '
        f'fill="{fill}" stroke="{stroke}"/>'
    )


# --- architecture -------------------------------------------------------------------


def _contracts() -> list[dict[str, Any]]:
    with (ROOT / "pyproject.toml").open("rb") as f:
        data = tomllib.load(f)
    contracts: list[dict[str, Any]] = data["tool"]["importlinter"]["contracts"]
    return contracts


def _layers(contracts: list[dict[str, Any]], container: str | None) -> list[list[str]]:
    """The layers (top first) of the layers contract over `container` (None: the root)."""
    for c in contracts:
        if c["type"] == "layers" and (c.get("containers") or [None])[0] == container:
            return [
                [m.strip() for m in layer.replace(":", "|").split("|")] for layer in c["layers"]
            ]
    raise LookupError(f"no layers contract for {container!r}")


def _forbidden(contracts: list[dict[str, Any]], source: str) -> list[str]:
    for c in contracts:
        if c["type"] == "forbidden" and c["source_modules"] == [source]:
            return [str(m) for m in c["forbidden_modules"]]
    raise LookupError(f"no forbidden contract for {source!r}")


def architecture() -> str:
    contracts = _contracts()
    main = _layers(contracts, None)
    sdk = _layers(contracts, "perdure._sdk")
    never = _forbidden(contracts, "perdure._sdk")

    body: list[str] = []
    left, main_w, row_h, gap, top = 20, 560, 38, 10, 60
    body.append(_text(left, 30, "Perdure's layers: a layer imports only the layers below it", 16))
    body.append(
        _text(left, 48, "(from the import-linter contracts in pyproject.toml)", 11, fill="#666")
    )
    y = top
    for layer in main:
        n = len(layer)
        cell_w = (main_w - (n - 1) * 6) / n
        for i, module in enumerate(layer):
            x = left + i * (cell_w + 6)
            body.append(_rect(x, y, cell_w, row_h, "#e8f0fb"))
            size = 13 if len(module) * 8 < cell_w else 11
            body.append(_text(x + cell_w / 2, y + 24, module, size, text_anchor="middle"))
        y += row_h + gap
    main_bottom = y - gap
    arrow_x = left + main_w + 18
    body.append(
        f'<line x1="{arrow_x}" y1="{top}" x2="{arrow_x}" y2="{main_bottom - 8}" '
        'stroke="#888" stroke-width="2"/>'
    )
    body.append(
        f'<polygon points="{arrow_x - 6},{main_bottom - 10} {arrow_x + 6},{main_bottom - 10} '
        f'{arrow_x},{main_bottom}" fill="#888"/>'
    )

    sx, sw = left + main_w + 50, 300
    body.append(_rect(sx, top, sw, 0, "none"))  # replaced below with the real height
    sdk_body: list[str] = [
        _text(
            sx + sw / 2,
            top + 22,
            "perdure._sdk (handler side)",
            14,
            text_anchor="middle",
            font_weight="bold",
        )
    ]
    sy = top + 34
    for layer in sdk:
        lines = textwrap.wrap("  ".join(layer), 38) or [""]
        h = 8 + 15 * len(lines)
        sdk_body.append(_rect(sx + 10, sy, sw - 20, h, "#eef7ea"))
        for j, line in enumerate(lines):
            sdk_body.append(_text(sx + sw / 2, sy + 16 + 15 * j, line, 11, text_anchor="middle"))
        sy += h + 6
    note = textwrap.wrap(
        "never imports " + ", ".join(m.removeprefix("perdure.") for m in never), 44
    )
    for j, line in enumerate(note):
        sdk_body.append(_text(sx + 12, sy + 14 + 14 * j, line, 11, fill="#a33"))
    sy += 14 * len(note) + 12
    body[-1] = _rect(sx, top, sw, sy - top, "#fafafa", "#999")
    body.extend(sdk_body)

    height = int(max(main_bottom, sy)) + 20
    return _svg(sx + sw + 20, height, body, "Perdure's layers and the handler-side SDK")


# --- replay ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Invocation:
    """One invocation: why it started, what each operation did in it, how it ended.

    `ops[i]` is what operation i did: "replay" (its recorded result returned), "run" (its
    body ran and its result was recorded), "suspend" (started or still pending: the
    invocation ends) or "" (not reached)."""

    cause: str
    ops: tuple[str, ...]
    outcome: str


OPERATIONS = (
    "step validate",
    "wait 1 day",
    "step charge",
    "callback approval",
    "step ship",
)

INVOCATIONS = (
    Invocation("execution started", ("run", "suspend", "", "", ""), "suspends: timer set"),
    Invocation("timer fired", ("replay", "replay", "run", "suspend", ""), "suspends: callback"),
    Invocation(
        "callback answered", ("replay", "replay", "replay", "replay", "run"), "returns the result"
    ),
)

_STYLE = {
    "run": ("#cfe8c8", "#2e7d32", "ran, recorded"),
    "replay": ("#e4e4e4", "#777777", "replayed from its checkpoint"),
    "suspend": ("#fde2b8", "#c77700", "pending: the invocation suspends"),
}


def replay() -> str:
    body: list[str] = []
    left, label_w, cell_w, cell_h, gap, top = 20, 160, 118, 40, 8, 90
    body.append(
        _text(left, 30, "One execution, three invocations: each replays what was recorded", 16)
    )
    body.append(_text(left, 48, "and runs on until an operation has to wait", 16))
    x0 = left + label_w
    for i, op in enumerate(OPERATIONS):
        body.append(
            _text(x0 + i * (cell_w + gap) + cell_w / 2, top - 10, op, 12, text_anchor="middle")
        )
    y = top
    for n, inv in enumerate(INVOCATIONS, 1):
        body.append(_text(left, y + 17, f"Invocation {n}", 13, font_weight="bold"))
        body.append(_text(left, y + 33, inv.cause, 11, fill="#666"))
        for i, what in enumerate(inv.ops):
            x = x0 + i * (cell_w + gap)
            if not what:
                continue
            fill, stroke, _ = _STYLE[what]
            body.append(_rect(x, y, cell_w, cell_h, fill, stroke))
            body.append(_text(x + cell_w / 2, y + 25, what, 12, text_anchor="middle"))
        end_x = x0 + len(OPERATIONS) * (cell_w + gap) + 4
        body.append(_text(end_x, y + 25, inv.outcome, 12))
        y += cell_h + gap * 2
    y += 6
    for i, (fill, stroke, meaning) in enumerate(_STYLE.values()):
        x = left + i * 250
        body.append(_rect(x, y, 18, 18, fill, stroke))
        body.append(_text(x + 26, y + 14, meaning, 12))
    width = x0 + len(OPERATIONS) * (cell_w + gap) + 160
    return _svg(width, y + 40, body, "Invocations replaying checkpoints")


def render_all() -> dict[Path, str]:
    """Each diagram's path and the SVG text it should hold."""
    return {IMAGES / "architecture.svg": architecture(), IMAGES / "replay.svg": replay()}


def main(argv: list[str]) -> int:
    check = "--check" in argv
    stale = []
    for path, svg in render_all().items():
        current = path.read_text("utf-8") if path.exists() else None
        if current == svg:
            continue
        if check:
            stale.append(str(path.relative_to(ROOT)))
        else:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(svg, "utf-8", newline="\n")
            print(f"wrote {path.relative_to(ROOT)}")
    if stale:
        print("out of date (run python scripts/diagrams.py): " + ", ".join(stale))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
