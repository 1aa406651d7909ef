"""Perdure writes and reads checkpoint payloads exactly as AWS's SDK 3.0.0 does.

A corpus of values goes through every serdes entry point both SDKs offer (the extended-type
serdes that step results use by default, the plain JSON serdes, the pass-through serdes,
the type codec, the module-level functions): the same string byte for byte, each SDK reads
the other's string to an equal value, and what one refuses the other refuses with the same
error class and message. Hand-written strings (malformed, unknown tags, lenient nesting)
are read the same way too. Then a map and a parallel run on both SDKs' local runners, and
the batch result each checkpoints is the same bytes.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime as dt
import enum
import importlib
import inspect
import math
import re
import types
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

pytest.importorskip("aws_durable_execution_sdk_python", reason="the dev extra installs it")

AWS = "aws_durable_execution_sdk_python"


def _sdk(package: str) -> types.SimpleNamespace:
    """The modules of one SDK a test needs, by their common names."""

    def mod(name: str) -> types.ModuleType:
        return importlib.import_module(f"{package}.{name}")

    return types.SimpleNamespace(
        name=package,
        serdes=mod("serdes"),
        models=mod("concurrency.models"),
        config=mod("config"),
        execution=mod("execution"),
        retries=mod("retries"),
    )


SDKS = {"aws": _sdk(AWS), "perdure": _sdk("perdure")}


# --- the corpus --------------------------------------------------------------------------


class Color(enum.StrEnum):
    RED = "red"


class Level(enum.IntEnum):
    HIGH = 3


class Flags(enum.IntFlag):
    A = 1
    B = 2


class Plain(enum.Enum):
    X = "x"


@dataclasses.dataclass
class Point:
    x: int
    y: int


Pair = collections.namedtuple("Pair", "left right")


def batch(sdk: types.SimpleNamespace, inner: Any = None) -> Any:
    """A BatchResult of `sdk` with every kind of item: results of several types, failures
    with full and empty error objects, a branch still running, a None result."""
    m, status, error = sdk.models, sdk.config.BatchItemStatus, sdk.models.ErrorObject
    items = [
        m.BatchItem(0, status.SUCCEEDED, {"id": 7, "raw": b"\x01", "on": dt.date(2024, 2, 29)}),
        m.BatchItem(1, status.FAILED, None, error("boom", "ValueError", "{}", ["at f", "at g"])),
        m.BatchItem(2, status.STARTED),
        m.BatchItem(3, status.FAILED, None, error(None, None, None, None)),
        m.BatchItem(4, status.SUCCEEDED, None),
        m.BatchItem(5, status.SUCCEEDED, (1, [2.5, None], Decimal("0.1"))),
    ]
    if inner is not None:
        items.append(m.BatchItem(6, status.SUCCEEDED, inner))
    return m.BatchResult(items, m.CompletionReason.MIN_SUCCESSFUL_REACHED)


def _same(value: Any) -> Callable[[types.SimpleNamespace], Any]:
    return lambda sdk: value


CORPUS: dict[str, Callable[[types.SimpleNamespace], Any]] = {
    "none": _same(None),
    "true": _same(True),
    "false": _same(False),
    "zero": _same(0),
    "int": _same(-42),
    "big int": _same(2**100),
    "big negative int": _same(-(2**70) - 1),
    "float": _same(1.5),
    "negative zero": _same(-0.0),
    "float max": _same(1e308),
    "float min subnormal": _same(5e-324),
    "nan": _same(math.nan),
    "infinity": _same(math.inf),
    "minus infinity": _same(-math.inf),
    "empty string": _same(""),
    "string escapes": _same('quote " backslash \\ newline \n tab \t nul \x00 del \x7f'),
    "string unicode": _same("héllo wörld — 日本語 😀 \u2028 \ud83d"),
    "empty list": _same([]),
    "flat list": _same([1, "a", None, True, 2.5]),
    "nested lists": _same([[1, [2, [3]]], [], ["x"]]),
    "list with a dict": _same([1, {"a": 1}]),
    "list with nan": _same([math.nan, -0.0]),
    "empty dict": _same({}),
    "nested dict": _same({"a": {"b": [1, {"c": None}]}, "d": "e"}),
    "dict key order": _same({"z": 1, "a": 2, "m": 3}),
    "dict with int keys": _same({1: "a", 2: "b"}),
    "dict with float key": _same({1.5: "x"}),
    "dict with bool key": _same({True: "x"}),
    "dict with None key": _same({None: "x"}),
    "dict with mixed keys": _same({"1": "s", 1: "i"}),
    "dict with tuple key": _same({(1, 2): "x"}),
    "dict with frozenset key": _same({frozenset({1}): "x"}),
    "dict with uuid key": _same({uuid.UUID(int=1): "x"}),
    "dict with a dict value under an int key": _same({3: {"k": b"v"}}),
    "tuple": _same((1, "a", None)),
    "empty tuple": _same(()),
    "nested tuple": _same((1, (2, (3,)), [4])),
    "namedtuple": _same(Pair(1, "r")),
    "set": _same({1, 2}),
    "frozenset": _same(frozenset({"a"})),
    "set in a list": _same([{1}]),
    "bytes": _same(b"\x00\xff binary"),
    "empty bytes": _same(b""),
    "bytearray": _same(bytearray(b"ab")),
    "memoryview": _same(memoryview(b"xy")),
    "datetime naive": _same(dt.datetime(2024, 1, 2, 3, 4, 5, 678901)),
    "datetime utc": _same(dt.datetime(2024, 1, 2, 3, 4, 5, tzinfo=dt.UTC)),
    "datetime offset": _same(
        dt.datetime(2024, 1, 2, 3, 4, tzinfo=dt.timezone(dt.timedelta(hours=-5, minutes=-30)))
    ),
    "date": _same(dt.date(1999, 12, 31)),
    "time": _same(dt.time(1, 2, 3)),
    "time with tz": _same(dt.time(1, 2, tzinfo=dt.UTC)),
    "timedelta": _same(dt.timedelta(seconds=5)),
    "decimal": _same(Decimal("3.14159265358979323846264338327950288")),
    "decimal exponent": _same(Decimal("1E+3")),
    "decimal nan": _same(Decimal("NaN")),
    "uuid": _same(uuid.UUID("12345678-1234-5678-1234-567812345678")),
    "str enum": _same(Color.RED),
    "int enum": _same(Level.HIGH),
    "int flag": _same(Flags.A | Flags.B),
    "plain enum": _same(Plain.X),
    "enums in a list": _same([Color.RED, Level.HIGH]),
    "enums in a dict": _same({"c": Color.RED, "l": Level.HIGH}),
    "dataclass": _same(Point(1, 2)),
    "object": _same(object()),
    "everything nested": _same(
        {
            "ids": [uuid.UUID(int=9), uuid.UUID(int=10)],
            "money": {"total": Decimal("10.00"), "parts": (Decimal("4.5"), Decimal("5.50"))},
            "when": [dt.datetime(2020, 5, 17, 12, tzinfo=dt.UTC), dt.date(2020, 5, 18)],
            "blob": b"\x89PNG",
            "flags": [True, False, None],
        }
    ),
    "batch result": lambda sdk: batch(sdk),
    "nested batch result": lambda sdk: batch(sdk, inner=batch(sdk)),
    "batch result in a dict": lambda sdk: {"outer": batch(sdk)},
    "empty batch result": lambda sdk: sdk.models.BatchResult(
        [], sdk.models.CompletionReason.ALL_COMPLETED
    ),
}


# --- outcomes: what a call returned or raised, comparable across the two SDKs ------------

_PACKAGE_PATH = re.compile(rf"\b({AWS}|perdure)(\.\w+)*\.")


def neutral(value: Any) -> Any:
    """A value as plain data, the same whichever SDK's classes it is made of; types are
    kept (1, 1.0 and True differ), NaN equals NaN, -0.0 differs from 0.0."""
    name = type(value).__name__
    if name == "BatchResult":
        return (name, [neutral(i) for i in value.all], value.completion_reason.value)
    if name == "BatchItem":
        return (name, value.index, value.status.value, neutral(value.result), neutral(value.error))
    if name == "ErrorObject":
        return (name, value.message, value.type, value.data, neutral(value.stack_trace))
    if name == "EncodedValue":
        return (name, str(value.tag), neutral(value.value))
    if isinstance(value, float):
        return ("float", "nan" if math.isnan(value) else repr(value))
    if isinstance(value, list | tuple):
        return (name, [neutral(v) for v in value])
    if isinstance(value, dict):
        return (name, [(neutral(k), neutral(v)) for k, v in value.items()])
    if isinstance(value, str | int | bytes | type(None)) or isinstance(value, enum.Enum):
        return (name, value)
    return (name, repr(value))


def outcome(call: Callable[..., Any], *args: Any) -> tuple[Any, ...]:
    """What `call(*args)` returned, or the error it raised, comparable across the SDKs."""
    try:
        return ("returned", neutral(call(*args)))
    except Exception as e:
        return ("raised", type(e).__qualname__, _PACKAGE_PATH.sub("", str(e)))


def _writers(sdk: types.SimpleNamespace) -> dict[str, Callable[[Any], Any]]:
    s = sdk.serdes
    ctx = s.SerDesContext("op-1", "arn:exec")
    return {
        "EXTENDED_TYPES_SERDES.serialize": lambda v: s.EXTENDED_TYPES_SERDES.serialize(v, ctx),
        "ExtendedTypeSerDes().serialize without context": lambda v: (
            s.ExtendedTypeSerDes().serialize(v)
        ),
        "DEFAULT_JSON_SERDES.serialize": lambda v: s.DEFAULT_JSON_SERDES.serialize(v, ctx),
        "JsonSerDes().serialize": lambda v: s.JsonSerDes().serialize(v, ctx),
        "PassThroughSerDes().serialize": lambda v: s.PassThroughSerDes().serialize(v, ctx),
        "TYPE_CODEC.encode": lambda v: s.TYPE_CODEC.encode(v),
        "serialize(None, ...)": lambda v: s.serialize(None, v, "op-1", "arn:exec"),
        "serialize(JsonSerDes(), ...)": lambda v: s.serialize(s.JsonSerDes(), v, "op", "arn"),
    }


def _readers(sdk: types.SimpleNamespace) -> dict[str, Callable[[str], Any]]:
    s = sdk.serdes
    ctx = s.SerDesContext("op-1", "arn:exec")
    return {
        "EXTENDED_TYPES_SERDES.deserialize": lambda d: s.EXTENDED_TYPES_SERDES.deserialize(d, ctx),
        "ExtendedTypeSerDes().deserialize without context": lambda d: (
            s.ExtendedTypeSerDes().deserialize(d)
        ),
        "DEFAULT_JSON_SERDES.deserialize": lambda d: s.DEFAULT_JSON_SERDES.deserialize(d, ctx),
        "PassThroughSerDes().deserialize": lambda d: s.PassThroughSerDes().deserialize(d, ctx),
        "deserialize(None, ...)": lambda d: s.deserialize(None, d, "op-1", "arn:exec"),
        "deserialize(JsonSerDes(), ...)": lambda d: s.deserialize(s.JsonSerDes(), d, "o", "a"),
    }


WRITERS = list(_writers(SDKS["aws"]))
READERS = list(_readers(SDKS["aws"]))
# The writer whose strings each reader is fed, in the round trip.
STRING_WRITERS = {
    "EXTENDED_TYPES_SERDES.serialize": [r for r in READERS if "JsonSerDes" not in r],
    "DEFAULT_JSON_SERDES.serialize": ["DEFAULT_JSON_SERDES.deserialize"],
    "serialize(None, ...)": ["deserialize(None, ...)", "EXTENDED_TYPES_SERDES.deserialize"],
    "serialize(JsonSerDes(), ...)": ["deserialize(JsonSerDes(), ...)"],
}


def test_the_comparison_uses_every_serdes_entry_point_of_awss_sdk() -> None:
    s = SDKS["aws"].serdes
    offered = {
        name
        for name, v in vars(s).items()
        if (isinstance(v, type) and issubclass(v, s.SerDes) and v is not s.SerDes)
        or isinstance(v, s.SerDes | s.TypeCodec)
        or (inspect.isfunction(v) and v.__module__ == s.__name__)
    }
    used = " ".join([*WRITERS, *READERS])
    assert {n for n in offered if n not in used} == set()


def _differences(found: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The entries whose outcomes are not all the same, for a readable failure."""
    return {key: seen for key, seen in found.items() if len({repr(v) for v in seen.values()}) > 1}


@pytest.mark.parametrize("case", list(CORPUS))
def test_both_sdks_write_the_same_string_or_refuse_alike(case: str) -> None:
    found = {
        writer: {
            name: outcome(_writers(sdk)[writer], CORPUS[case](sdk)) for name, sdk in SDKS.items()
        }
        for writer in WRITERS
    }
    assert _differences(found) == {}


@pytest.mark.parametrize("case", list(CORPUS))
def test_each_sdk_reads_the_others_string_to_an_equal_value(case: str) -> None:
    found: dict[str, dict[str, Any]] = {}
    for writer, readers in STRING_WRITERS.items():
        strings = {}
        for name, sdk in SDKS.items():
            try:
                strings[name] = _writers(sdk)[writer](CORPUS[case](sdk))
            except Exception:  # a refusal: compared in the writing test
                continue
        for reader in readers:
            found[f"{writer} -> {reader}"] = {
                f"{reader_sdk} reads {written_by}'s": outcome(_readers(sdk)[reader], data)
                for reader_sdk, sdk in SDKS.items()
                for written_by, data in strings.items()
            }
    assert _differences(found) == {}


FOREIGN_STRINGS = [
    "42",
    "-0.0",
    "NaN",
    "-Infinity",
    '"text"',
    "[1, [2, 3], null]",
    '{"a": 1}',
    '[1, {"a": 1}]',
    "[]",
    "{}",
    '{"t": "i"}',
    '{"t": "zz", "v": 1}',
    '{"t": ["x"], "v": 1}',
    '{"t": "l", "v": [{"t": "zz", "v": 1}]}',
    '{"t": "l", "v": [1, "plain", {"x": 1}, {"t": "i", "v": 2}]}',
    '{"t": "l", "v": 5}',
    '{"t": "m", "v": []}',
    '{"t": "m", "v": {"1": {"t": "s", "v": "a"}}}',
    '{"t": "i", "v": "12"}',
    '{"t": "i", "v": "twelve"}',
    '{"t": "f", "v": "1e400"}',
    '{"t": "b", "v": "false"}',
    '{"t": "n", "v": 5}',
    '{"t": "s", "v": 5}',
    '{"t": "B", "v": 5}',
    '{"t": "B", "v": "not base64!"}',
    '{"t": "u", "v": "not-a-uuid"}',
    '{"t": "d", "v": "x"}',
    '{"t": "dt", "v": "2024-01-02T03:04:05Z"}',
    '{"t": "dt", "v": "2024-01-02T03:04:05.5+02:00"}',
    '{"t": "dt", "v": 5}',
    '{"t": "D", "v": "2024-13-01"}',
    '{"t": "t", "v": [{"t": "i", "v": 1}, 2]}',
    '{"t": "br", "v": {}}',
    '{"t": "br", "v": {"all": {"t": "l", "v": []}}}',
    '{"t": "br", "v": {"all": [], "completionReason": "ALL_COMPLETED"}}',
    '{"t": "br", "v": {"all": [], "completionReason": "NOT_A_REASON"}}',
    '{"t": "br", "v": {"all": [{"index": 0, "status": "SUCCEEDED", "result": 1, "error": {}}],'
    ' "completionReason": "ALL_COMPLETED"}}',
    '{"t": "br", "v": {"all": [{"index": 1, "status": "FAILED"}, {"index": 0, "status":'
    ' "SUCCEEDED", "result": {"t": "B", "v": "eA=="}}]}}',
    "not json",
    "",
]


@pytest.mark.parametrize("data", FOREIGN_STRINGS)
def test_both_sdks_read_a_hand_written_string_alike(data: str) -> None:
    found = {
        reader: {name: outcome(_readers(sdk)[reader], data) for name, sdk in SDKS.items()}
        for reader in READERS
    }
    assert _differences(found) == {}


# --- map and parallel results as each SDK checkpoints them -------------------------------


def _batch_handler(sdk: types.SimpleNamespace) -> Callable[..., Any]:
    config, retries = sdk.config, sdk.retries
    once = config.StepConfig(
        retry_strategy=retries.create_retry_strategy(retries.RetryStrategyConfig(max_attempts=1))
    )

    def item(ctx: Any, x: str, i: int, items: Any) -> Any:
        if x == "bad":
            raise ValueError("bad item")
        return ctx.step(
            lambda _: {"x": x, "raw": x.encode(), "at": (i, dt.date(2024, 1, i + 1))},
            name=f"item-{i}",
            config=once,
        )

    def handler(event: Any, context: Any) -> Any:
        mapped = context.map(
            ["a", "bad", "c"],
            item,
            name="map",
            config=config.MapConfig(
                max_concurrency=1,
                completion_config=config.CompletionConfig(tolerated_failure_count=1),
            ),
        )
        parallel = context.parallel(
            [lambda c: Decimal("1.5"), lambda c: [1, {"k": None}], lambda c: None],
            name="parallel",
            config=config.ParallelConfig(max_concurrency=1),
        )
        return {"mapped": mapped.success_count, "parallel": len(parallel.get_results())}

    decorated: Callable[..., Any] = sdk.execution.durable_execution(handler)
    return decorated


def _returns_a_batch_result(sdk: types.SimpleNamespace) -> Callable[..., Any]:
    def handler(event: Any, context: Any) -> Any:
        return context.map([1, 2], lambda ctx, x, i, items: x * 10, name="map")

    decorated: Callable[..., Any] = sdk.execution.durable_execution(handler)
    return decorated


def _run(sdk: types.SimpleNamespace, handler: Callable[..., Any]) -> Any:
    testing = importlib.import_module(
        "aws_durable_execution_sdk_python_testing" if sdk.name == AWS else "perdure.testing"
    )
    with testing.DurableFunctionTestRunner(handler=handler) as runner:
        result = runner.run(input=None)
    # AWS's runner stops its scheduler's event loop without closing it; its sockets would
    # otherwise surface as ResourceWarnings in a later test.
    loop = getattr(getattr(runner, "_scheduler", None), "_loop", None)
    if loop is not None and not loop.is_closed():
        loop.close()
    return result


def test_a_map_and_a_parallel_checkpoint_the_same_bytes_on_both_sdks() -> None:
    aws, perdure = (_run(sdk, _batch_handler(sdk)) for sdk in SDKS.values())
    assert perdure.status.value == aws.status.value == "SUCCEEDED"
    assert perdure.result == aws.result
    for name in ("map", "parallel"):
        assert perdure.get_context(name).result == aws.get_context(name).result
    assert aws.get_context("map").result.startswith('{"t":"br","v":{"all":')


def test_a_handler_returning_a_batch_result_fails_the_same_way_on_both_sdks() -> None:
    aws, perdure = (_run(sdk, _returns_a_batch_result(sdk)) for sdk in SDKS.values())
    assert perdure.status.value == aws.status.value == "FAILED"
    assert (perdure.error.type, perdure.error.message) == (aws.error.type, aws.error.message)
    assert perdure.get_context("map").result == aws.get_context("map").result
