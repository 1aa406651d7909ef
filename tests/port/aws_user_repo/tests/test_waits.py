import json

import pytest
from aws_durable_execution_sdk_python.execution import InvocationStatus
from aws_durable_execution_sdk_python.lambda_service import OperationStatus
from handlers import waits

from tests.payloads import decode

pytestmark = pytest.mark.durable_execution(handler=waits.handler, lambda_function_name="waits")


def test_the_parcel_is_tracked_until_it_is_delivered(durable_runner):
    result = durable_runner.run(input={"cool_off_seconds": 1})

    assert result.status is InvocationStatus.SUCCEEDED
    assert json.loads(result.result) == {"delivered": True, "checks": 3}
    wait = result.get_wait("cool-off")
    assert wait.status is OperationStatus.SUCCEEDED
    assert (wait.scheduled_end_timestamp - wait.start_timestamp).total_seconds() == pytest.approx(
        1, abs=0.01
    )
    track = result.get_step("track")
    assert track.status is OperationStatus.SUCCEEDED
    assert decode(track.result) == {"stage": "delivered", "checks": 3}
