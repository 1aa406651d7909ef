"""Self-tests for our implementation of the conformance matching rules (pure, no engine)."""

from __future__ import annotations

import random
import re
from typing import Any

from tests.conformance import matcher
from tests.conformance.matcher import (
    MISSING,
    callback_name_matches,
    check_logs,
    check_result,
    generate_variables,
    inherit_wait_for_callback_names,
    match_history,
    match_value,
    status_from_history,
    substitute,
)


def _event(event_id: int, event_type: str, **fields: Any) -> dict[str, Any]:
    return {"EventId": event_id, "EventType": event_type, "EventTimestamp": 1.0, **fields}


# ----------------------------------------------------------------------------- variables


def test_gen_str_makes_lowercase_alphanumerics_of_the_given_length() -> None:
    bound = generate_variables({"A": "${GEN_STR:8}", "B": "${GEN_STR:12}"}, random.Random(1))
    assert re.fullmatch(r"[a-z0-9]{8}", bound["A"])
    assert re.fullmatch(r"[a-z0-9]{12}", bound["B"])


def test_non_string_variables_are_stringified() -> None:
    bound = generate_variables({"DELAY": 1, "FLAG": True, "NAME": "x"}, random.Random(0))
    assert bound == {"DELAY": "1", "FLAG": "True", "NAME": "x"}


def test_substitution_keeps_type_for_whole_placeholders_and_stringifies_inside_text() -> None:
    bindings = {"N": 5, "S": "abc"}
    assert substitute("${N}", bindings) == 5
    assert substitute('"${S}"', bindings) == '"abc"'
    assert substitute("Hello, ${S}! ${UNBOUND}", bindings) == "Hello, abc! ${UNBOUND}"
    assert substitute({"a": ["${S}", "${/re/}", "*"]}, bindings) == {"a": ["abc", "${/re/}", "*"]}


# ----------------------------------------------------------------------------- values


def test_placeholder_binds_then_must_be_equal() -> None:
    bindings: dict[str, Any] = {}
    assert match_value("${ID1}", "op-1", bindings, "Id") is None
    assert bindings == {"ID1": "op-1"}
    assert match_value("${ID1}", "op-1", bindings, "Id") is None
    mismatch = match_value("${ID1}", "op-2", bindings, "Id")
    assert mismatch is not None
    assert mismatch.path == "Id"
    assert (mismatch.expected, mismatch.actual) == ("op-1", "op-2")


def test_bound_placeholder_comparison_is_type_sensitive() -> None:
    assert match_value("${N}", 1, {"N": "1"}, "x") is not None
    assert match_value("${N}", True, {"N": 1}, "x") is not None
    assert match_value("${N}", 1, {"N": 1}, "x") is None


def test_placeholders_bind_in_yaml_order_within_a_single_event() -> None:
    bindings: dict[str, Any] = {}
    expected = {"Id": "${X}", "ParentId": "${X}"}
    assert match_value(expected, {"Id": "a", "ParentId": "b"}, bindings, "e") is not None
    assert bindings == {"X": "a"}


def test_regex_placeholder_searches_str_of_actual() -> None:
    assert match_value("${/^[0-5]$/}", 3, {}, "d") is None
    assert match_value("${/^[0-5]$/}", 7, {}, "d") is not None
    assert match_value("${/.*TransientError$/}", "pkg.mod.TransientError", {}, "t") is None
    assert match_value("${/wrapped/}", '{"wrapped": "x"}', {}, "p") is None


def test_star_accepts_anything_but_the_key_must_exist() -> None:
    assert match_value({"A": "*"}, {"A": None}, {}, "e") is None
    missing = match_value({"A": "*"}, {"B": 1}, {}, "e")
    assert missing is not None
    assert missing.path == "e.A"
    assert missing.actual is MISSING
    assert missing.reason == "key missing in actual event"


def test_empty_dict_means_dont_care_but_the_key_must_exist() -> None:
    assert match_value({"D": {}}, {"D": {"x": 1}}, {}, "e") is None
    assert match_value({"D": {}}, {"D": "anything"}, {}, "e") is None
    assert match_value({"D": {}}, {}, {}, "e") is not None


def test_dicts_match_as_subsets() -> None:
    assert match_value({"A": 1}, {"A": 1, "B": 2}, {}, "e") is None
    mismatch = match_value({"A": {"B": 2}}, {"A": {"B": 3}}, {}, "e")
    assert mismatch is not None
    assert mismatch.path == "e.A.B"


def test_lists_must_match_in_length_and_order() -> None:
    assert match_value([1, 2], [1, 2], {}, "l") is None
    length = match_value([1, 2], [1, 2, 3], {}, "l")
    assert length is not None
    assert "length" in length.reason
    order = match_value([1, 2], [2, 1], {}, "l")
    assert order is not None
    assert order.path == "l[0]"


def test_literal_strings_are_compared_after_substitution() -> None:
    assert match_value('"${INPUT_1}"', '"abc"', {"INPUT_1": "abc"}, "p") is None
    assert match_value('"${INPUT_1}"', '"abd"', {"INPUT_1": "abc"}, "p") is not None
    assert match_value("2", 2, {}, "p") is not None  # a string never equals an int


# ----------------------------------------------------------------------------- history


def test_history_pairs_by_event_id_and_ignores_unlisted_events() -> None:
    actual = [
        _event(1, "ExecutionStarted"),
        _event(2, "StepStarted", SubType="Step", Id="s1", StepStartedDetails={}),
        _event(3, "StepSucceeded", SubType="Step", Id="s1", StepSucceededDetails={}),
        _event(4, "InvocationCompleted", InvocationCompletedDetails={}),
        _event(5, "ExecutionSucceeded", ExecutionSucceededDetails={}),
    ]
    expected = [
        {"EventType": "StepSucceeded", "EventId": 3, "Id": "${ID1}", "EventTimestamp": "*"},
        {"EventType": "StepStarted", "EventId": 2, "Id": "${ID1}", "StepStartedDetails": {}},
    ]
    bindings: dict[str, Any] = {}
    assert match_history(expected, actual, bindings) is None
    assert bindings == {"ID1": "s1"}


def test_history_reports_missing_event_ids_and_first_mismatching_path() -> None:
    actual = [_event(1, "ExecutionStarted"), _event(2, "WaitStarted", WaitStartedDetails={})]
    missing = match_history([{"EventId": 3, "EventType": "InvocationCompleted"}], actual, {})
    assert missing is not None
    assert missing.path == "EventId 3 (InvocationCompleted)"
    assert "no actual event" in missing.reason

    wrong = match_history(
        [{"EventId": 2, "EventType": "WaitStarted", "WaitStartedDetails": {"Duration": 2}}],
        actual,
        {},
    )
    assert wrong is not None
    assert wrong.path == "EventId 2 (WaitStarted).WaitStartedDetails.Duration"
    assert "EventId 2" in wrong.describe()


def test_wait_for_callback_children_inherit_the_context_name() -> None:
    events = [
        _event(2, "ContextStarted", SubType="WaitForCallback", Id="c", Name="approval"),
        _event(3, "CallbackStarted", SubType="Callback", Id="cb", ParentId="c"),
        _event(4, "StepStarted", SubType="Step", Id="s", ParentId="c", Name="own"),
        _event(5, "WaitStarted", SubType="Wait", Id="w", ParentId="c"),
    ]
    inherited = inherit_wait_for_callback_names(events)
    assert inherited[1]["Name"] == "approval"
    assert inherited[2]["Name"] == "own"
    assert "Name" not in inherited[3]
    assert "Name" not in events[1]  # the input is not mutated


def test_status_from_history_uses_the_last_terminal_event() -> None:
    assert status_from_history([_event(1, "ExecutionStarted")]) is None
    assert status_from_history([_event(1, "ExecutionStarted"), _event(2, "ExecutionFailed")]) == (
        "FAILED"
    )


def test_callback_names_match_literal_star_variable_and_regex() -> None:
    bindings = {"CB_NAME": "abc"}
    assert callback_name_matches("*", None, bindings)
    assert callback_name_matches("approval", "approval", bindings)
    assert not callback_name_matches("approval", "other", bindings)
    assert callback_name_matches("${CB_NAME}", "abc", bindings)
    assert not callback_name_matches("${CB_NAME}", "abd", bindings)
    assert callback_name_matches("${/^a/}", "abc", bindings)
    assert not callback_name_matches("approval", None, bindings)


# ----------------------------------------------------------------------------- result


def test_result_status_must_match_and_result_is_json_decoded_only_on_success() -> None:
    assert check_result({"ExecutionStatus": "SUCCEEDED", "Result": 5}, "SUCCEEDED", "5", {}) is None
    assert check_result({"ExecutionStatus": "FAILED"}, "SUCCEEDED", "1", {}) is not None
    # A failed execution's result is never compared.
    assert check_result({"ExecutionStatus": "FAILED", "Result": 1}, "FAILED", None, {}) is None
    wrong = check_result({"ExecutionStatus": "SUCCEEDED", "Result": [1]}, "SUCCEEDED", "[2]", {})
    assert wrong is not None
    assert wrong.path == "ExpectedResult.Result"


def test_result_substitutes_variables_and_falls_back_to_raw_text() -> None:
    bindings = {"INPUT_1": "abc"}
    expected = {"ExecutionStatus": "SUCCEEDED", "Result": "Hello, ${INPUT_1}!"}
    assert check_result(expected, "SUCCEEDED", '"Hello, abc!"', bindings) is None
    assert check_result(
        {"ExecutionStatus": "SUCCEEDED", "Result": None}, "SUCCEEDED", "null", {}
    ) is (None)
    raw = {"ExecutionStatus": "SUCCEEDED", "Result": "not json"}
    assert check_result(raw, "SUCCEEDED", "not json", {}) is None
    quoted = {"ExecutionStatus": "SUCCEEDED", "Result": '"HELLO"'}
    assert check_result(quoted, "SUCCEEDED", '"\\"HELLO\\""', {}) is None


# ----------------------------------------------------------------------------- logs


def test_logs_count_with_regex_and_substitution() -> None:
    records = [
        {"message": "Greeting step started for: abc"},
        {"message": "Greeting step completed with: Hello, abc!"},
    ]
    bindings = {"INPUT_1": "abc"}
    expected = [
        {"match": {"message": "/Greeting step started for: ${INPUT_1}/"}, "count": 1},
        {"match": {"message": "/\\[ERROR\\]/"}, "count": 0},
        {"match": {"message": "/abc/"}, "min_count": 2, "max_count": 2},
    ]
    assert check_logs(expected, records, bindings) is None
    too_many = check_logs([{"match": {"message": "/abc/"}, "count": 1}], records, bindings)
    assert too_many is not None
    assert too_many.actual["count"] == 2


def test_logs_default_to_min_count_one_and_require_the_field() -> None:
    assert check_logs([{"match": {"message": "/x/"}}], [{"message": "y"}], {}) is not None
    assert check_logs([{"match": {"level": "INFO"}}], [{"message": "x"}], {}) is not None
    assert check_logs([{"match": {"level": "INFO"}}], [{"level": "INFO"}], {}) is None


def test_log_anchors_order_records() -> None:
    records = [{"message": "start"}, {"message": "body"}, {"message": "end"}]
    after_ok = [{"match": {"message": "body"}, "after": [{"message": "start"}]}]
    after_bad = [{"match": {"message": "body"}, "after": [{"message": "end"}]}]
    before_ok = [{"match": {"message": "body"}, "before": [{"message": "end"}]}]
    assert check_logs(after_ok, records, {}) is None
    assert check_logs(after_bad, records, {}) is not None
    assert check_logs(before_ok, records, {}) is None
    same_time = [{"message": "a", "timestamp": 5}, {"message": "b", "timestamp": 5}]
    concurrent = [{"match": {"message": "a"}, "after": [{"message": "b"}]}]
    assert check_logs(concurrent, same_time, {}) is None


def test_mismatch_description_names_path_expected_and_actual() -> None:
    text = matcher.Mismatch("EventId 3 (X).Y", 1, MISSING, "key missing").describe()
    assert text.splitlines()[0] == "EventId 3 (X).Y: key missing"
    assert "expected: 1" in text
    assert "actual:   <missing>" in text
