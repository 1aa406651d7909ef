"""The README's test command is the one CI runs: `.ci/run` ends by running what the
README's quick start tells a reader to run, so "it passes here" means "it passes in CI"."""

from __future__ import annotations

import re

from tests.docs.blocks import ROOT, blocks


def _commands(text: str) -> list[str]:
    """The commands of a shell text, comments and blank lines left out."""
    lines = (re.sub(r"\s+#.*$", "", line).strip() for line in text.splitlines())
    return [line for line in lines if line and not line.startswith("#")]


def test_ci_runs_the_readme_s_test_command() -> None:
    quick_start = [
        command
        for block in blocks("README.md")
        if block.lang == "sh"
        for command in _commands(block.body)
        if command.startswith("./scripts/test")
    ]
    assert quick_start == ["./scripts/test"], "the README names one test command"
    ci = _commands((ROOT / ".ci" / "run").read_text("utf-8"))
    assert ci[-1] == "./scripts/test", ".ci/run must end by running the README's test command"
    assert "./scripts/check" in ci
