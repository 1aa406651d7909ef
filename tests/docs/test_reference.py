"""Every command and option of `perdure`, every HTTP route, every environment variable and
every public SDK name has an entry in the reference pages, so what the code offers cannot
go undocumented. What is offered is read from the code itself (tests/docs/reference.py):
the argparse parser, the API's route table, the source's `PERDURE_*` names and the public
modules' `__all__`."""

from __future__ import annotations

import re

from tests.docs.blocks import ROOT
from tests.docs.reference import cli_commands, environment_variables, http_routes, sdk_names

CLI = ROOT / "docs" / "cli.md"
HTTP = ROOT / "docs" / "http-api.md"
CONFIGURATION = ROOT / "docs" / "configuration.md"
SDK = ROOT / "docs" / "sdk.md"


def _command_pattern(command: str) -> str:
    """`perdure executions pause` as itself or among alternatives, as in a heading such
    as `perdure executions stop|pause|resume|delete ARN`."""
    *parent, last = command.split()
    alternatives = rf"(?:[\w-]+\|)*{re.escape(last)}(?:\|[\w-]+)*"
    return rf"{re.escape(' '.join(parent))} {alternatives}\b"


def _sections(text: str) -> list[tuple[str, str]]:
    """The page's `##` and `###` sections as (heading, body)."""
    parts = re.split(r"(?m)^(#{2,3} .*)$", text)
    return list(zip(parts[1::2], parts[2::2], strict=True))


def _entry(sections: list[tuple[str, str]], command: str) -> str:
    """What documents `command`: the sections whose heading names it, else the
    paragraphs and list items that name it."""
    pattern = _command_pattern(command)
    headed = [heading + body for heading, body in sections if re.search(pattern, heading)]
    if headed:
        return "\n".join(headed)
    blocks = re.split(r"\n\s*\n|\n(?=- )", "\n".join(body for _, body in sections))
    return "\n".join(block for block in blocks if re.search(pattern, block))


def test_every_cli_command_and_option_has_a_reference_entry() -> None:
    """Each command has an entry, and each of its options is described in that entry (or
    among the conventions every command shares), not merely somewhere on the page."""
    sections = _sections(CLI.read_text("utf-8"))
    shared = "\n".join(
        body
        for heading, body in sections
        if heading.startswith(("## Conventions", "### "))
        and any(word in heading for word in ("Conventions", "Exit codes", "Environment"))
    )
    missing = []
    for command, options in cli_commands().items():
        entry = _entry(sections, command) if command != "perdure" else shared
        if not entry:
            missing.append(command)
        missing += [
            f"{command} {o}"
            for o in options
            if not re.search(rf"(?<![\w-]){o}(?![\w-])", entry + "\n" + shared)
        ]
    assert not missing, f"not in {CLI.name} under their command: {missing}"


def test_every_http_route_has_a_reference_entry() -> None:
    text = HTTP.read_text("utf-8")
    missing = [
        f"{method} {path} ({operation})"
        for method, path, operation in http_routes()
        if f"`{method} {path}`" not in text or operation not in text
    ]
    assert not missing, f"not in {HTTP.name}: {missing}"


def test_every_environment_variable_has_a_reference_entry() -> None:
    text = CONFIGURATION.read_text("utf-8")
    missing = sorted(n for n in environment_variables() if f"`{n}`" not in text)
    assert not missing, f"not in {CONFIGURATION.name}: {missing}"


def test_every_public_sdk_name_has_a_reference_entry() -> None:
    text = SDK.read_text("utf-8")
    missing = [
        f"{module}.{name}"
        for module, names in sdk_names().items()
        for name in names
        if not re.search(rf"`(?:[\w.]+\.)?{re.escape(name)}(?:\(|`| |\[)", text)
    ]
    modules = [m for m in sdk_names() if f"`{m}`" not in text]
    assert not missing and not modules, f"not in {SDK.name}: {modules + missing}"
