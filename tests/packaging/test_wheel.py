"""The wheel a user installs carries every file Perdure reads at run time.

Perdure reads files that are not Python modules (SQL migrations, the Node.js bootstrap,
the dashboard's CSS and JavaScript) through `importlib.resources`; an editable install
finds them in the source tree, so only a built wheel shows whether they ship."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SOURCE = ROOT / "src" / "perdure"
DATA_SUFFIXES = {".sql", ".mjs", ".js", ".css"}


def test_the_wheel_builds_and_carries_every_data_file_once(tmp_path: Path) -> None:
    built = subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--quiet",
            "-w",
            str(tmp_path),
            str(ROOT),
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr[-3000:]
    (wheel,) = tmp_path.glob("perdure-*.whl")
    names = zipfile.ZipFile(wheel).namelist()

    twice = [name for name, count in Counter(names).items() if count > 1]
    assert not twice, twice
    expected = {
        "perdure/" + str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*")
        if path.suffix in DATA_SUFFIXES and "node_modules" not in path.parts
    }
    assert expected, "no data files found in the source tree"
    assert expected <= set(names), sorted(expected - set(names))
    assert "perdure/py.typed" in names
