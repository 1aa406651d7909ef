"""The docs index (docs/README.md) links every page of docs/ and every example, and every
relative link in the docs and the README leads to a file that exists, so a page added or
renamed cannot drop out of reach."""

from __future__ import annotations

import re
from pathlib import Path

from tests.docs.blocks import ROOT

INDEX = ROOT / "docs" / "README.md"
_LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def _links(page: Path) -> set[Path]:
    text = page.read_text("utf-8")
    return {
        (page.parent / target).resolve()
        for target in _LINK.findall(text)
        if "://" not in target and not target.startswith("mailto:")
    }


def test_the_index_links_every_docs_page_and_every_example() -> None:
    linked = _links(INDEX)
    pages = [p for p in (ROOT / "docs").glob("*.md") if p != INDEX]
    pages += list((ROOT / "examples").glob("*/README.md"))
    missing = sorted(str(p.relative_to(ROOT)) for p in pages if p.resolve() not in linked)
    assert not missing, f"docs/README.md does not link {missing}"


def test_the_readme_points_into_the_index() -> None:
    assert INDEX.resolve() in _links(ROOT / "README.md")


def test_every_relative_link_of_the_docs_leads_to_a_file() -> None:
    pages = [ROOT / "README.md", *(ROOT / "docs").glob("*.md")]
    pages += list((ROOT / "examples").glob("*/README.md"))
    broken = [
        f"{page.relative_to(ROOT)} -> {target}"
        for page in pages
        for target in _links(page)
        if not target.exists()
    ]
    assert not broken, f"broken links: {broken}"
