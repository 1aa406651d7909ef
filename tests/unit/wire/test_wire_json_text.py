"""JSON from outside is held to RFC 8259 with messages that name the problem and the fix;
results rendered as JSON documents never carry Python's NaN or Infinity."""

from __future__ import annotations

import json

import pytest

from perdure._wire.json_text import finite_json, parse_strict
from perdure._wire.validation import WireFormatError


@pytest.mark.parametrize("word", ["NaN", "Infinity", "-Infinity"])
def test_nan_and_infinity_are_refused_as_not_json_numbers(word: str) -> None:
    with pytest.raises(WireFormatError) as caught:
        parse_strict(f'{{"ratio": [1, {word}]}}', "The request body")
    message = caught.value.message
    assert message.startswith(f"The request body is not valid JSON: {word} is not a JSON number")
    assert "send null" in message.lower()
    assert "nested" not in message


@pytest.mark.parametrize(
    "text",
    [
        '"\\ud800"',  # an unpaired high surrogate escape
        '["ok", "x\\uDC00y"]',  # an unpaired low one, upper case
        '{"\\ud83d": 1}',  # in a key
        '"\\ude00\\ud83d"',  # a pair in the wrong order
        '"\ud800"',  # the character itself, from a Python string
    ],
)
def test_lone_surrogates_are_refused_as_not_unicode_text(text: str) -> None:
    with pytest.raises(WireFormatError, match="lone UTF-16 surrogate"):
        parse_strict(text, "The invocation payload")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ('"\\ud83d\\ude00"', "\U0001f600"),  # a proper pair is one character
        ('"\\\\ud800"', "\\ud800"),  # an escaped backslash, then plain letters
        ('{"s": "NaN", "n": 1.5e300}', {"s": "NaN", "n": 1.5e300}),
        ("null", None),
    ],
)
def test_valid_json_is_read_as_json(text: str, value: object) -> None:
    assert parse_strict(text, "x") == value


def test_syntax_errors_say_where() -> None:
    with pytest.raises(WireFormatError, match=r"not valid JSON: Expecting .* line 1 column 2"):
        parse_strict("{oops}", "--input")


def test_deep_nesting_is_reported_as_such() -> None:
    with pytest.raises(WireFormatError, match="nested too deeply"):
        parse_strict("[" * 100_000 + "]" * 100_000, "The request body")


def test_a_result_with_nan_becomes_a_json_document_with_null() -> None:
    text = json.dumps({"ratio": float("nan"), "span": [float("inf"), -float("inf"), 2.5]})
    out = finite_json(text)
    assert json.loads(out, parse_constant=lambda word: pytest.fail(word)) == {
        "ratio": None,
        "span": [None, None, 2.5],
    }


@pytest.mark.parametrize("text", ['{"a": 1}', '"NaN is a word"', "not json at all", ""])
def test_other_results_pass_through_unchanged(text: str) -> None:
    assert finite_json(text) is text
