"""The service-shape names a user's tests reach in AWS's `lambda_service` module.

AWS's module is the SDK's client of the Lambda API and is not mirrored; what a test
imports from it is here: `ErrorObject` (to fail a callback, to read a result's error),
the operation enums a result's operations carry, and `OperationPayload` (a payload is
the string the service stored). They are the objects Perdure's runners hand back, so
`op.status is OperationStatus.SUCCEEDED` holds.
"""

from __future__ import annotations

from perdure._model import ErrorObject, OperationStatus, OperationSubType, OperationType

OperationPayload = str

__all__ = [
    "ErrorObject",
    "OperationPayload",
    "OperationStatus",
    "OperationSubType",
    "OperationType",
]
