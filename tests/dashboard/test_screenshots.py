"""scripts/screenshots.py, which takes the dashboard's pictures in docs/images/, still
works: run into a temporary folder, it writes every picture the docs show, each a real
PNG of the size asked for and of a size that holds a page, not a blank one. Like the
other browser tests it needs Debian's Chromium (a skip without it, a failure under CI)."""

from __future__ import annotations

import importlib.util
import shutil
import struct
import subprocess
import sys
from pathlib import Path
from types import ModuleType

from tests.dashboard.chromium import require

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "screenshots.py"


def _script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("perdure_screenshots", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _png_size(path: Path) -> tuple[int, int]:
    """Width and height from a PNG's header (its IHDR chunk comes first)."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR", f"{path} is no PNG"
    width, height = struct.unpack(">II", head[16:24])
    return int(width), int(height)


def test_the_script_writes_every_picture_of_the_docs(tmp_path: Path) -> None:
    for name in ("chromium", "chromedriver"):
        if shutil.which(name) is None and not Path(f"/usr/bin/{name}").exists():
            require(f"{name} on PATH")
    shots: tuple[str, ...] = _script().SHOTS
    width, height = 1024, 700  # not the default, so the size is shown to be the one asked
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(tmp_path), "--width", str(width),
         "--height", str(height)],
        cwd=ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(shots)
    for name in shots:
        path = tmp_path / name
        assert _png_size(path) == (width, height), name
        assert path.stat().st_size > 20_000, f"{name} is too small to show a page"


def test_the_docs_show_the_committed_pictures() -> None:
    shots: tuple[str, ...] = _script().SHOTS
    dashboard = (ROOT / "docs" / "dashboard.md").read_text("utf-8")
    for name in shots:
        assert (ROOT / "docs" / "images" / name).exists(), name
        assert f"images/{name}" in dashboard, f"docs/dashboard.md does not show {name}"
