"""Operation payloads in tests: the SDK writes step and callback results with its
extended-type serializer, so read them back with it."""

from aws_durable_execution_sdk_python.serdes import ExtendedTypeSerDes


def decode(payload):
    return None if payload is None else ExtendedTypeSerDes().deserialize(payload)
