"""Our implementation of the conformance suite's matching rules.

The rules are those of AWS's runner (reference/testing-and-conformance.md §2.2-§2.4): expected
events pair with actual events by exact ``EventId``; dicts match as subsets whose listed keys
must exist; ``'*'`` and ``{}`` accept anything (key still required); ``${NAME}`` binds on first
sight and must then be equal type-sensitively, in YAML order; ``${/re/}`` is ``re.search`` on
``str(actual)``; lists match in length and order; any other string is compared after
substituting bound ``${NAME}`` occurrences. Every check returns the *first* `Mismatch`, with a
path such as ``EventId 6 (StepSucceeded).StepSucceededDetails.RetryDetails.CurrentAttempt``, so
a failure report points at the exact field.
"""

from __future__ import annotations

import json
import random
import re
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

Bindings = dict[str, Any]

_PLACEHOLDER = re.compile(r"^\$\{([A-Za-z0-9_]+)\}$")
_REGEX_PLACEHOLDER = re.compile(r"^\$\{/(.*)/\}$", re.DOTALL)
_INLINE_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_GEN_STR = re.compile(r"^\$\{GEN_STR:(\d+)\}$")
_GEN_ALPHABET = string.ascii_lowercase + string.digits

TERMINAL_EVENTS = {
    "ExecutionSucceeded": "SUCCEEDED",
    "ExecutionFailed": "FAILED",
    "ExecutionTimedOut": "TIMED_OUT",
    "ExecutionStopped": "STOPPED",
}


class _Missing:
    """Marks a key absent from the actual data (distinct from a present ``None``)."""

    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


@dataclass(frozen=True)
class Mismatch:
    """The first place where actual data departs from the expectation."""

    path: str
    expected: Any
    actual: Any
    reason: str

    def describe(self) -> str:
        return (
            f"{self.path}: {self.reason}\n"
            f"    expected: {_show(self.expected)}\n"
            f"    actual:   {_show(self.actual)}"
        )


def _show(value: Any, limit: int = 400) -> str:
    text = value if isinstance(value, _Missing) else json.dumps(value, default=repr)
    text = str(text)
    return text if len(text) <= limit else text[:limit] + f"... ({len(text)} chars)"


# ----------------------------------------------------------------------------- variables


def generate_variables(spec: Mapping[str, Any] | None, rng: random.Random) -> Bindings:
    """Bind a requirement's ``Variables``: ``${GEN_STR:n}`` -> n chars of ``[a-z0-9]``.

    Any other value is bound literally, and non-strings are ``str()``-ed, as the suite does
    (so ``LONG_DELAY_SECONDS: 1`` binds the string ``"1"``).
    """
    bound: Bindings = {}
    for name, value in (spec or {}).items():
        generated = _GEN_STR.match(value) if isinstance(value, str) else None
        if generated:
            size = int(generated.group(1))
            bound[str(name)] = "".join(rng.choice(_GEN_ALPHABET) for _ in range(size))
        else:
            bound[str(name)] = value if isinstance(value, str) else str(value)
    return bound


def substitute(value: Any, bindings: Mapping[str, Any]) -> Any:
    """Replace bound placeholders in `value`, recursively.

    A string that is exactly ``${NAME}`` becomes the bound value itself (keeping its type);
    ``${NAME}`` inside a longer string is replaced by ``str(bound)``. Unbound names, regex
    placeholders and ``'*'`` are left as they are.
    """
    if isinstance(value, str):
        whole = _PLACEHOLDER.match(value)
        if whole and whole.group(1) in bindings:
            return bindings[whole.group(1)]
        return _INLINE_PLACEHOLDER.sub(
            lambda m: str(bindings[m.group(1)]) if m.group(1) in bindings else m.group(0), value
        )
    if isinstance(value, Mapping):
        return {key: substitute(item, bindings) for key, item in value.items()}
    if isinstance(value, list):
        return [substitute(item, bindings) for item in value]
    return value


# ----------------------------------------------------------------------------- values


def _same(a: Any, b: Any) -> bool:
    """Type-sensitive equality for bound placeholders (``"1"`` != ``1``, ``True`` != ``1``)."""
    return type(a) is type(b) and bool(a == b)


def match_value(expected: Any, actual: Any, bindings: Bindings, path: str) -> Mismatch | None:
    """Match one expected value against the actual one, binding placeholders as it goes."""
    if isinstance(expected, Mapping) and not expected:
        return None  # {} = don't care (the caller already checked the key exists)
    if isinstance(expected, str):
        return _match_string(expected, actual, bindings, path)
    if isinstance(expected, Mapping):
        if not isinstance(actual, Mapping):
            return Mismatch(path, dict(expected), actual, "expected an object")
        for key, sub in expected.items():
            sub_path = f"{path}.{key}" if path else str(key)
            if key not in actual:
                return Mismatch(sub_path, sub, MISSING, "key missing in actual event")
            found = match_value(sub, actual[key], bindings, sub_path)
            if found:
                return found
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list):
            return Mismatch(path, expected, actual, "expected a list")
        if len(expected) != len(actual):
            return Mismatch(
                path, expected, actual, f"list length {len(actual)}, expected {len(expected)}"
            )
        for index, (sub, item) in enumerate(zip(expected, actual, strict=True)):
            found = match_value(sub, item, bindings, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != actual:
        return Mismatch(path, expected, actual, "values differ")
    return None


def _match_string(expected: str, actual: Any, bindings: Bindings, path: str) -> Mismatch | None:
    if expected == "*":
        return None
    placeholder = _PLACEHOLDER.match(expected)
    if placeholder:
        name = placeholder.group(1)
        if name not in bindings:
            bindings[name] = actual
            return None
        if _same(bindings[name], actual):
            return None
        return Mismatch(
            path, bindings[name], actual, f"${{{name}}} is bound to a different value (or type)"
        )
    pattern = _REGEX_PLACEHOLDER.match(expected)
    if pattern:
        if re.search(pattern.group(1), str(actual)):
            return None
        return Mismatch(path, expected, actual, f"regex /{pattern.group(1)}/ does not match")
    resolved = substitute(expected, bindings)
    if resolved != actual:
        return Mismatch(path, resolved, actual, "values differ")
    return None


# ----------------------------------------------------------------------------- history


def event_label(event: Mapping[str, Any]) -> str:
    return f"EventId {event.get('EventId')} ({event.get('EventType', '?')})"


def match_history(
    expected_events: Sequence[Mapping[str, Any]],
    actual_events: Sequence[Mapping[str, Any]],
    bindings: Bindings,
) -> Mismatch | None:
    """Pair each expected event with the actual event of the same EventId and match it.

    Actual events that no expected event names are ignored, so extra trailing events pass.
    """
    by_id: dict[Any, Mapping[str, Any]] = {}
    for event in actual_events:
        by_id.setdefault(event.get("EventId"), event)
    for index, expected in enumerate(expected_events):
        event_id = expected.get("EventId")
        if event_id is None:
            return Mismatch(
                f"ExpectedExecutionHistory[{index}]", dict(expected), MISSING, "no EventId"
            )
        label = event_label(expected)
        actual = by_id.get(event_id)
        if actual is None:
            return Mismatch(
                label,
                expected.get("EventType"),
                MISSING,
                f"no actual event with EventId {event_id} (history has {len(actual_events)})",
            )
        found = match_value(expected, actual, bindings, label)
        if found:
            return found
    return None


def inherit_wait_for_callback_names(
    events: Sequence[Mapping[str, Any]],
) -> list[dict[str, Any]]:
    """Copy a WaitForCallback context's Name onto its unnamed child events.

    The service omits Name on the CallbackStarted/StepStarted/StepSucceeded events inside a
    wait_for_callback; the suite's runner re-inherits it (async mode only, before callback
    matching), so we do the same.
    """
    names: dict[Any, Any] = {}
    for event in events:
        if event.get("SubType") == "WaitForCallback" and "Name" in event:
            names.setdefault(event.get("Id"), event["Name"])
    inherited: list[dict[str, Any]] = []
    for event in events:
        copy = dict(event)
        if (
            copy.get("EventType") in {"CallbackStarted", "StepStarted", "StepSucceeded"}
            and "Name" not in copy
            and copy.get("ParentId") in names
        ):
            copy["Name"] = names[copy["ParentId"]]
        inherited.append(copy)
    return inherited


def status_from_history(events: Sequence[Mapping[str, Any]]) -> str | None:
    """Terminal status from the last Execution{Succeeded,Failed,TimedOut,Stopped} event."""
    for event in reversed(events):
        status = TERMINAL_EVENTS.get(str(event.get("EventType")))
        if status:
            return status
    return None


def callback_name_matches(pattern: Any, name: Any, bindings: Mapping[str, Any]) -> bool:
    """Whether a CallbackAction's ``CallbackName`` selects a callback with this Name.

    Literal, ``'*'`` (anything, even no Name), ``${VAR}`` (a bound variable) or ``${/re/}``.
    """
    if pattern == "*":
        return True
    if name is None:
        return False
    if isinstance(pattern, str):
        regex = _REGEX_PLACEHOLDER.match(pattern)
        if regex:
            return re.search(regex.group(1), str(name)) is not None
        placeholder = _PLACEHOLDER.match(pattern)
        if placeholder and placeholder.group(1) not in bindings:
            return True  # an unbound placeholder accepts (and would bind) any name
    return bool(substitute(pattern, bindings) == name)


# ----------------------------------------------------------------------------- result


def check_result(
    expected_result: Mapping[str, Any],
    status: str | None,
    raw_result: str | None,
    bindings: Bindings,
) -> Mismatch | None:
    """The suite's result rule.

    The status must equal ``ExecutionStatus``; ``Result`` is compared with
    ``json.loads(raw_result)`` (the raw text when it is not JSON) only when the execution
    SUCCEEDED and the expectation lists ``Result``. Failed executions' errors are judged
    through the history only.
    """
    expected_status = expected_result.get("ExecutionStatus")
    if status != expected_status:
        return Mismatch("ExpectedResult.ExecutionStatus", expected_status, status, "status differs")
    if status != "SUCCEEDED" or "Result" not in expected_result:
        return None
    expected = substitute(expected_result["Result"], bindings)
    try:
        actual: Any = json.loads(raw_result) if raw_result is not None else None
    except ValueError:
        actual = raw_result
    if expected != actual:
        return Mismatch("ExpectedResult.Result", expected, actual, "result differs")
    return None


# ----------------------------------------------------------------------------- logs


def _field_matches(expected: Any, actual: Any) -> bool:
    if actual is MISSING:
        return False
    if isinstance(expected, str):
        if len(expected) >= 2 and expected.startswith("/") and expected.endswith("/"):
            return re.search(expected[1:-1], str(actual)) is not None
        return str(actual) == expected
    return bool(expected == actual)


def record_matches(record: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """A log record matches when every listed field matches (``'/re/'`` or equality)."""
    return all(_field_matches(value, record.get(key, MISSING)) for key, value in spec.items())


def _order(records: Sequence[Mapping[str, Any]]) -> list[float]:
    """Ordering keys: the records' timestamps when all have one, else emission order."""
    stamps = [record.get("timestamp") for record in records]
    if stamps and all(isinstance(stamp, int | float) for stamp in stamps):
        return [float(stamp) for stamp in stamps]  # type: ignore[arg-type]
    return [float(index) for index in range(len(records))]


def check_logs(
    expected_logs: Sequence[Mapping[str, Any]],
    records: Sequence[Mapping[str, Any]],
    bindings: Bindings,
) -> Mismatch | None:
    """The suite's ExpectedLogs rule.

    Each entry counts the records matching ``match`` and checks ``count`` (exact),
    ``min_count`` and ``max_count`` (default: ``min_count=1``). Optional ``before``/``after``
    anchors require each matching record to have some anchor record at-or-after / at-or-before
    it (equal timestamps count as concurrent, hence allowed).
    """
    order = _order(records)
    for index, entry in enumerate(expected_logs):
        spec = substitute(entry.get("match") or {}, bindings)
        matched = [i for i, record in enumerate(records) if record_matches(record, spec)]
        count = len(matched)
        path = f"ExpectedLogs[{index}] match={json.dumps(spec)}"
        constraint = {k: entry[k] for k in ("count", "min_count", "max_count") if k in entry}
        if not constraint:
            constraint = {"min_count": 1}
        failed = (
            ("count" in constraint and count != constraint["count"])
            or ("min_count" in constraint and count < constraint["min_count"])
            or ("max_count" in constraint and count > constraint["max_count"])
        )
        if failed:
            sample = [records[i].get("message") for i in matched[:5]]
            return Mismatch(
                path, constraint, {"count": count, "messages": sample}, "log count differs"
            )
        for relation in ("before", "after"):
            for anchor in entry.get(relation) or []:
                anchor_spec = substitute(anchor, bindings)
                anchors = [
                    order[i] for i, r in enumerate(records) if record_matches(r, anchor_spec)
                ]
                if not anchors:
                    return Mismatch(
                        f"{path}.{relation}", anchor_spec, MISSING, "anchor matched no log record"
                    )
                for i in matched:
                    ok = (
                        min(anchors) <= order[i]
                        if relation == "after"
                        else order[i] <= max(anchors)
                    )
                    if not ok:
                        return Mismatch(
                            f"{path}.{relation}",
                            anchor_spec,
                            records[i].get("message"),
                            f"record is not {relation} its anchor",
                        )
    return None
