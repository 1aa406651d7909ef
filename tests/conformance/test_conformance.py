"""One test per conformance requirement id: ``test_requirement[1-11]`` and so on.

Ids are collected from the requirement files themselves (the nine core suites and plugin). When the
files are absent the tests skip with the reason, except under CI (``$CI`` set), where a
missing requirements directory is a failure: CI must not pass by testing nothing.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from tests.conformance import harness, requirements

ROOT = requirements.requirements_dir()
IDS = list(requirements.discover(ROOT)) if ROOT else []


def _param(requirement_id: str) -> Any:
    marks = []
    if requirement_id in harness.EXPECTED_FAILURES:
        marks.append(
            pytest.mark.xfail(strict=True, reason=harness.EXPECTED_FAILURES[requirement_id])
        )
    return pytest.param(requirement_id, id=requirement_id, marks=marks)


def test_requirements_are_available() -> None:
    """Guards against a green run that tested nothing."""
    if ROOT is None:
        if os.environ.get("CI"):
            pytest.fail(requirements.missing_reason())
        pytest.skip(requirements.missing_reason())
    assert IDS, f"no requirement files under {ROOT}"


def test_every_requirement_has_a_handler() -> None:
    """Each collected id maps to ``tests.conformance.handlers.<suite>:handler_<a>_<b>``."""
    if ROOT is None:
        pytest.skip(requirements.missing_reason())
    missing = []
    for requirement_id in IDS:
        reference = harness.handler_reference(requirements.load_id(requirement_id, ROOT))
        try:
            harness.resolve(reference)
        except (ImportError, AttributeError) as error:
            missing.append(f"{requirement_id}: {reference} ({error})")
    assert not missing, "requirements without a handler:\n" + "\n".join(missing)


@pytest.mark.parametrize("requirement_id", [_param(i) for i in IDS])
def test_requirement(requirement_id: str) -> None:
    verdict = harness.run_requirement(requirement_id, root=ROOT)
    if not verdict.passed:
        pytest.fail(verdict.report(), pytrace=False)


@pytest.mark.parametrize("requirement_id", [_param(i) for i in IDS])
def test_requirement_on_postgres(requirement_id: str, empty_postgres_url: str) -> None:
    """The same requirement on an empty PostgreSQL database (skipped without
    PERDURE_TEST_POSTGRES_URL): the history must not depend on the backend."""
    verdict = harness.run_requirement(requirement_id, root=ROOT, db=empty_postgres_url)
    if not verdict.passed:
        pytest.fail(verdict.report(), pytrace=False)
