"""Replay-aware logger: extras, suppression, derived loggers and the structured sink."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import pytest

from perdure._sdk.context import ExecutionContext
from perdure._sdk.identifier import OperationIdentifier
from perdure._sdk.logger import Logger, LogInfo


class Recorder:
    def __init__(self) -> None:
        self.calls: list[tuple[str, object, tuple[object, ...], Mapping[str, object] | None]] = []

    def _rec(self, level: str, msg: object, args: tuple[object, ...], extra: Any) -> None:
        self.calls.append((level, msg, args, extra))

    def debug(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        self._rec("debug", msg, args, extra)

    def info(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        self._rec("info", msg, args, extra)

    def warning(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None:
        self._rec("warning", msg, args, extra)

    def error(self, msg: object, *args: object, extra: Mapping[str, object] | None = None) -> None:
        self._rec("error", msg, args, extra)

    def exception(
        self, msg: object, *args: object, extra: Mapping[str, object] | None = None
    ) -> None:
        self._rec("exception", msg, args, extra)


EXECUTION = ExecutionContext("arn:x")
INFO = LogInfo(EXECUTION, parent_id="p1")


def test_extras_are_merged_and_none_fields_omitted() -> None:
    rec = Recorder()
    log = Logger.from_log_info(rec, INFO)
    log.info("hi %s", "bob", extra={"k": 1})
    assert rec.calls == [
        ("info", "hi %s", ("bob",), {"executionArn": "arn:x", "parentId": "p1", "k": 1})
    ]


def test_every_level_is_forwarded() -> None:
    rec = Recorder()
    log = Logger(rec, {})
    log.debug("d")
    log.info("i")
    log.warning("w")
    log.error("e")
    log.exception("x")
    assert [c[0] for c in rec.calls] == ["debug", "info", "warning", "error", "exception"]


def test_nothing_is_logged_while_replaying() -> None:
    rec = Recorder()
    sunk: list[Mapping[str, Any]] = []
    replaying = [True]
    log = Logger(rec, {}, lambda: replaying[0]).with_sink(sunk.append)
    log.info("skipped")
    replaying[0] = False
    log.info("kept")
    assert [c[1] for c in rec.calls] == ["kept"]
    assert [r["message"] for r in sunk] == ["kept"]


def test_with_log_info_replaces_operation_fields_and_keeps_custom_extras() -> None:
    rec = Recorder()
    base = Logger(rec, {"executionArn": "arn:x", "operationId": "old", "team": "a"})
    step = base.with_log_info(
        LogInfo(EXECUTION, parent_id="p", operation_id="op", name="n", attempt=2)
    )
    step.info("m")
    assert rec.calls[0][3] == {
        "team": "a",
        "executionArn": "arn:x",
        "parentId": "p",
        "operationName": "n",
        "attempt": 2,
        "operationId": "op",
    }


def test_with_is_replaying_rebinds_only_the_replay_source() -> None:
    rec = Recorder()
    log = Logger(rec, {"a": 1}, lambda: True).with_is_replaying(lambda: False)
    log.info("m")
    assert rec.calls == [("info", "m", (), {"a": 1})]


def test_sink_gets_structured_records_and_is_inherited() -> None:
    sunk: list[Mapping[str, Any]] = []
    log = Logger.from_log_info(Recorder(), INFO).with_sink(sunk.append)
    child = log.with_log_info(LogInfo(EXECUTION, operation_id="op1", name="charge", attempt=1))
    child.warning("paid %d of %d", 3, 5, extra={"order": "o-1"})
    log.with_is_replaying(lambda: False).exception("bad")
    assert sunk == [
        {
            "level": "WARNING",
            "message": "paid 3 of 5",
            "executionArn": "arn:x",
            "parentId": None,
            "operationName": "charge",
            "attempt": 1,
            "operationId": "op1",
            "order": "o-1",
        },
        {
            "level": "ERROR",
            "message": "bad",
            "executionArn": "arn:x",
            "parentId": "p1",
            "operationName": None,
            "attempt": None,
            "operationId": None,
        },
    ]


def test_sink_message_formatting_never_raises() -> None:
    sunk: list[Mapping[str, Any]] = []
    log = Logger(Recorder(), {}).with_sink(sunk.append)
    log.info("%(who)s here", {"who": "amy"})
    log.info("no placeholders", 1)
    assert [r["message"] for r in sunk] == ["amy here", "no placeholders 1"]


def test_default_logger_is_the_stdlib_root(caplog: pytest.LogCaptureFixture) -> None:
    log = Logger.from_log_info(None, INFO)
    assert log.logger is logging.getLogger()
    with caplog.at_level(logging.INFO):
        log.info("to root", extra={"attempt": 3})
    record = caplog.records[-1]
    assert record.getMessage() == "to root"
    assert record.executionArn == "arn:x"  # type: ignore[attr-defined]
    assert record.attempt == 3  # type: ignore[attr-defined]


def test_with_logger_swaps_underlying_logger() -> None:
    rec = Recorder()
    Logger.from_log_info(None, INFO).with_logger(rec).info("m")
    assert rec.calls[0][3] == {"executionArn": "arn:x", "parentId": "p1"}


def test_log_info_is_built_from_an_operation_identifier_and_reparented() -> None:
    ident = OperationIdentifier("op", "Step", parent_id="p", name="charge")
    info = LogInfo.from_operation_identifier(EXECUTION, ident, attempt=3)
    assert info == LogInfo(EXECUTION, "p", "op", "charge", 3)
    assert info.with_parent_id("q").parent_id == "q"


def test_get_logger_returns_the_underlying_logger() -> None:
    rec = Recorder()
    assert Logger(rec, {}).get_logger() is rec
