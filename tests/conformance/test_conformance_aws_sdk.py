"""The conformance requirements under AWS's own Python SDK (3.0.0): the same handlers,
ported by the package rename (`aws_sdk`), run unchanged through the Lambda-style invoker
and judged by the same rules as `test_conformance.py`: ``test_requirement_on_aws_sdk[1-11]``
and so on.

Each requirement starts Lambda-style handler processes of its own, which costs a
second or so of interpreter and SDK start-up, so the requirements run a few at a time
(`PARALLEL`) when the module's first test asks for its verdict; each test then reports
its own. `AWS_SDK_DIFFERENCES` lists the requirements expected to come out differently
under AWS's SDK, with the reason (docs/aws-code.md keeps the same list); it is empty.
"""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conformance import aws_sdk, harness, requirements

ROOT = requirements.requirements_dir()
IDS = list(requirements.discover(ROOT)) if ROOT else []
PARALLEL = 4

# Requirement id -> why it differs under AWS's SDK. Applied as xfail(strict=True).
AWS_SDK_DIFFERENCES: dict[str, str] = {}


def _param(requirement_id: str) -> Any:
    marks = []
    if requirement_id in AWS_SDK_DIFFERENCES:
        marks.append(pytest.mark.xfail(strict=True, reason=AWS_SDK_DIFFERENCES[requirement_id]))
    return pytest.param(requirement_id, id=requirement_id, marks=marks)


def _selected(session: pytest.Session) -> list[str]:
    """The requirement ids of this module's tests that this run will run."""
    return [
        str(item.callspec.params["requirement_id"])
        for item in session.items
        if isinstance(item, pytest.Function) and item.originalname == "test_requirement_on_aws_sdk"
    ]


@pytest.fixture(scope="module")
def verdicts(request: pytest.FixtureRequest) -> Iterator[dict[str, harness.Verdict]]:
    aws_sdk.install_handlers()
    ids = _selected(request.session)

    def judge(requirement_id: str) -> harness.Verdict:
        return harness.run_requirement(requirement_id, root=ROOT, run=aws_sdk.run)

    with ThreadPoolExecutor(PARALLEL, thread_name_prefix="aws-conformance") as pool:
        yield dict(zip(ids, pool.map(judge, ids), strict=True))


@pytest.mark.parametrize("requirement_id", [_param(i) for i in IDS])
def test_requirement_on_aws_sdk(requirement_id: str, verdicts: dict[str, harness.Verdict]) -> None:
    verdict = verdicts[requirement_id]
    if not verdict.passed:
        pytest.fail(
            "under AWS's SDK through the Lambda-style invoker:\n" + verdict.report(),
            pytrace=False,
        )
