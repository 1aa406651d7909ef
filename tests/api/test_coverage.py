"""Every durable-execution operation of botocore's `lambda` model (and Invoke) is driven
through boto3 by some test here."""

from __future__ import annotations

# Imported for their @covers marks, which register as the modules load.
from tests.api import test_boto3, test_boto3_control  # noqa: F401
from tests.api.coverage import COVERED, durable_operations


def test_every_durable_operation_of_the_lambda_model_is_covered() -> None:
    operations = durable_operations()
    assert len(operations) == 13
    assert operations - COVERED == set()
