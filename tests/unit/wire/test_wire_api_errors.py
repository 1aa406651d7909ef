"""The error codec: what the API encodes, a client decodes back into the same refusal."""

from __future__ import annotations

import json

import pytest

from perdure._wire.api_errors import (
    DECODED_CLASSES,
    ERROR_SHAPES,
    ERROR_TYPE_HEADER,
    ErrorAnswer,
    InvalidRequestContentError,
    MethodNotAllowedError,
    UnexpectedResponseError,
    UnknownOperationError,
    decode_error,
    encode_error,
    unreadable_answer,
)
from perdure.errors import (
    ApiError,
    BotoClientError,
    DurableApiErrorCategory,
    InvalidParameterValueError,
    ResourceNotFoundError,
    ServiceError,
    TemporarilyUnavailableError,
    TooManyRequestsError,
)


def sent(error: ApiError) -> ApiError:
    """`error` through the encoder, as bytes on the wire, and back through the decoder."""
    answer = encode_error(error)
    headers = dict(answer.headers)
    return decode_error(answer.status, headers[ERROR_TYPE_HEADER], json.dumps(answer.body).encode())


@pytest.mark.parametrize("cls", [cls for _, cls in sorted(DECODED_CLASSES.items())])
def test_every_decoded_refusal_comes_back_as_its_own_class(cls: type[ApiError]) -> None:
    back = sent(cls("what went wrong"))
    assert type(back) is cls
    assert (back.code, back.status, back.message) == (cls.code, cls.status, "what went wrong")


def test_every_shape_is_encoded_with_its_header_type_and_message_casing() -> None:
    for cls, shape in ERROR_SHAPES.items():
        error = MethodNotAllowedError("m", ["GET"]) if cls is MethodNotAllowedError else cls("m")
        answer = encode_error(error)
        assert answer.status == error.status
        assert (ERROR_TYPE_HEADER, error.code) in answer.headers
        assert answer.body == {
            "Type": "User" if error.status < 500 else "Service",
            shape.message_key: "m",
        }


def test_throttling_and_outages_say_when_to_retry_and_a_wrong_method_what_is_allowed() -> None:
    assert ("retry-after", "1") in encode_error(TooManyRequestsError("slow down")).headers
    assert ("retry-after", "1") in encode_error(TemporarilyUnavailableError("locked")).headers
    answer = encode_error(MethodNotAllowedError("no", ["GET", "POST"]))
    assert ("allow", "GET, POST") in answer.headers


def test_an_outage_decodes_as_a_service_error_that_keeps_its_503() -> None:
    back = sent(TemporarilyUnavailableError("the database is locked"))
    assert isinstance(back, ServiceError)
    assert (back.code, back.status, back.message) == (
        "ServiceException",
        503,
        "the database is locked",
    )
    assert ServiceError.status == 500  # the class default is untouched


def test_codes_only_http_knows_decode_as_unexpected_answers_with_code_and_status() -> None:
    for error in (UnknownOperationError("no route"), MethodNotAllowedError("no", ["GET"])):
        back = sent(error)
        assert isinstance(back, UnexpectedResponseError)
        assert (back.error_code, back.http_status, back.message) == (
            error.code,
            error.status,
            error.message,
        )
        assert (back.code, back.status) == (error.code, error.status)


def test_an_invalid_invoke_payload_is_an_invalid_parameter_to_callers() -> None:
    back = sent(InvalidRequestContentError("The invocation payload is not valid JSON"))
    assert isinstance(back, InvalidRequestContentError)
    assert isinstance(back, InvalidParameterValueError)
    assert back.code == "InvalidRequestContentException"


@pytest.mark.parametrize(
    "header",
    [
        "ResourceNotFoundException:http://internal.amazon.com/",
        "#ResourceNotFoundException",
        "aws#ResourceNotFoundException",
    ],
)
def test_the_code_is_read_as_botocore_reads_the_header(header: str) -> None:
    back = decode_error(404, header, b'{"Message": "gone"}')
    assert type(back) is ResourceNotFoundError and back.message == "gone"


def test_without_a_header_the_body_type_names_the_code() -> None:
    back = decode_error(404, None, b'{"__type": "ResourceNotFoundException", "message": "gone"}')
    assert type(back) is ResourceNotFoundError


def test_an_answer_that_names_no_code_is_unexpected_with_its_text() -> None:
    back = decode_error(502, None, b"<html>Bad Gateway</html>")
    assert isinstance(back, UnexpectedResponseError)
    assert back.error_code is None and back.http_status == 502
    assert back.message == "<html>Bad Gateway</html>"
    assert (back.code, back.status) == ("Http502", 502)
    empty = decode_error(500, None, b"")
    assert empty.message == "HTTP 500"


def test_refused_credentials_fail_the_execution_a_garbled_answer_only_the_invocation() -> None:
    refused = decode_error(403, "AccessDeniedException", b'{"Message": "no"}')
    assert isinstance(refused, UnexpectedResponseError)
    assert BotoClientError.classify(refused.code, refused.message, refused.status) is (
        DurableApiErrorCategory.EXECUTION
    )
    garbled = unreadable_answer(b"{not json")
    assert (garbled.code, garbled.status) == ("ServiceException", 502)
    assert BotoClientError.classify(garbled.code, garbled.message, garbled.status) is (
        DurableApiErrorCategory.INVOCATION
    )


def test_an_answer_is_a_value() -> None:
    answer = encode_error(ResourceNotFoundError("gone"))
    assert answer == ErrorAnswer(
        404,
        ((ERROR_TYPE_HEADER, "ResourceNotFoundException"),),
        {"Type": "User", "Message": "gone"},
    )
