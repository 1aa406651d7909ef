"""`perdure.filesystem_serdes` and `perdure.preview` write what AWS's SDK 3.0.0 writes (the
checkpoint envelope, the file, the preview) and read what it wrote, and a step whose
value lives in a file replays from it."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, StepConfig, durable_execution
from perdure.config import Duration
from perdure.filesystem_serdes import (
    FileSystemPathEncoding,
    FileSystemSerDes,
    FileSystemSerDesConfig,
    FileSystemSerDesMode,
)
from perdure.preview import FieldMatchMode, PreviewConfig, PreviewField, PreviewMode, build_preview
from perdure.serdes import SerDesContext
from perdure.testing import DurableTestRunner

aws_fs = pytest.importorskip("aws_durable_execution_sdk_python.filesystem_serdes")
aws_preview = pytest.importorskip("aws_durable_execution_sdk_python.preview")
aws_serdes = pytest.importorskip("aws_durable_execution_sdk_python.serdes")

ARN = "arn:aws:lambda:us-east-1:123456789012:function:orders:$LATEST/durable-execution/o-1/inv-7"
ORDER = {
    "id": "o-1",
    "customer": {"name": "Ada", "email": "ada@example.com", "card": {"last4": "4242"}},
    "lines": [{"sku": "a", "qty": 2}, {"sku": "b", "qty": 1, "note": "gift"}],
    "total": 30,
    "x.y": "dotted keys are skipped",
}

PREVIEWS: list[dict[str, Any]] = [
    {"mode": "INCLUDE_ALL"},
    {"mode": "INCLUDE_ALL", "exclude": [("customer", "ANYWHERE")], "mask": [("sku", "ANYWHERE")]},
    {"mode": "EXCLUDE_ALL", "include": [("id", "PATH"), ("qty", "ANYWHERE")]},
    {"mode": "EXCLUDE_ALL", "mask": [("customer.email", "PATH")], "mask_string": "<hidden>"},
    {"mode": "EXCLUDE_ALL", "include": [("card", "ANYWHERE")]},
    {"mode": "INCLUDE_ALL", "mask": [("customer", "ANYWHERE")], "exclude": [("customer", "PATH")]},
    {"mode": "INCLUDE_ALL", "max_preview_bytes": 40},
    {"mode": "INCLUDE_ALL", "max_preview_bytes": 3},
    {"mode": "EXCLUDE_ALL"},
]  # fmt: skip


def _config(module: Any, spec: dict[str, Any]) -> Any:
    def fields(key: str) -> list[Any]:
        return [
            module.PreviewField(name, module.FieldMatchMode(match))
            for name, match in spec.get(key, [])
        ]

    extra = {k: spec[k] for k in ("mask_string", "max_preview_bytes") if k in spec}
    return module.PreviewConfig(
        module.PreviewMode(spec["mode"]),
        include=fields("include"),
        exclude=fields("exclude"),
        mask=fields("mask"),
        **extra,
    )


@pytest.mark.parametrize("spec", PREVIEWS)
def test_a_preview_is_the_one_awss_sdk_builds(spec: dict[str, Any]) -> None:
    import perdure.preview as ours

    values: list[Any] = [ORDER, [ORDER], "text", {"empty": {}}]
    for value in values:
        expected = aws_preview.build_preview(value, _config(aws_preview, spec))
        assert build_preview(value, _config(ours, spec)) == expected


def test_preview_names_and_defaults() -> None:
    config = PreviewConfig(PreviewMode.EXCLUDE_ALL, include=[PreviewField("id")])
    assert config.include[0].match is FieldMatchMode.ANYWHERE
    assert (config.mask_string, config.max_preview_bytes) == ("***", 4096)


VALUES: list[Any] = [
    {"order": "o-1", "amount": Decimal("12.50"), "at": dt.datetime(2025, 1, 2, 3, 4, 5)},
    [1, "two", None, 3.5],
    "x" * 300_000,  # over the inline limit
]

SETTINGS = [
    (mode, encoding, arn, op_id)
    for mode in ("ALWAYS", "OVERFLOW")
    for encoding in ("URI", "HASH")
    for arn, op_id in ((ARN, "c4ca4238a0b923820dcc509a6f75849b"), ("not-an-arn/x", "a b/c"))
]


def _pair(mode: str, encoding: str, root: Path, generate: Any = None) -> tuple[Any, Any]:
    theirs = aws_fs.FileSystemSerDes(
        str(root / "aws"),
        aws_fs.FileSystemSerDesConfig(
            aws_fs.FileSystemSerDesMode(mode),
            aws_fs.FileSystemPathEncoding(encoding),
            generate_preview=generate,
        ),
    )
    ours = FileSystemSerDes(
        str(root / "perdure"),
        FileSystemSerDesConfig(
            FileSystemSerDesMode(mode), FileSystemPathEncoding(encoding), generate_preview=generate
        ),
    )
    return theirs, ours


@pytest.mark.parametrize(("mode", "encoding", "arn", "op_id"), SETTINGS)
def test_envelopes_and_files_match_awss_and_each_side_reads_the_other(
    tmp_path: Path, mode: str, encoding: str, arn: str, op_id: str
) -> None:
    theirs, ours = _pair(mode, encoding, tmp_path)
    their_context = aws_serdes.SerDesContext(op_id, arn)
    our_context = SerDesContext(op_id, arn)
    for value in VALUES:
        their_envelope = theirs.serialize(value, their_context)
        our_envelope = ours.serialize(value, our_context)
        aws_root, our_root = str(tmp_path / "aws"), str(tmp_path / "perdure")
        assert our_envelope.replace(our_root, aws_root) == their_envelope
        pointer = json.loads(our_envelope).get("file")
        if pointer is not None:
            their_file = Path(pointer.replace(our_root, aws_root))
            assert Path(pointer).read_text() == their_file.read_text()
        assert ours.deserialize(their_envelope, our_context) == value
        assert theirs.deserialize(our_envelope, their_context) == value


def test_a_small_value_stays_inline_in_overflow_mode(tmp_path: Path) -> None:
    serdes = FileSystemSerDes(str(tmp_path), FileSystemSerDesConfig(FileSystemSerDesMode.OVERFLOW))
    assert serdes.serialize([1, 2], SerDesContext("op", ARN)) == '{"data": "[1,2]"}'
    assert not any(tmp_path.iterdir())


def test_a_preview_rides_beside_the_file_pointer_as_on_aws(tmp_path: Path) -> None:
    config = PreviewConfig(
        PreviewMode.EXCLUDE_ALL, include=[PreviewField("id", FieldMatchMode.PATH)]
    )
    theirs, ours = _pair("ALWAYS", "URI", tmp_path, lambda v: build_preview(v, config))
    envelope = ours.serialize(ORDER, SerDesContext("op-1", ARN))
    their_envelope = theirs.serialize(ORDER, aws_serdes.SerDesContext("op-1", ARN))
    assert json.loads(envelope)["preview"] == {"id": "o-1"}
    assert envelope.replace("perdure", "aws") == their_envelope
    assert envelope.startswith('{"file": "' + str(tmp_path / "perdure" / "orders" / "o-1"))


def test_a_step_value_kept_in_a_file_replays_from_it(tmp_path: Path) -> None:
    calls: list[int] = []
    files = FileSystemSerDes(str(tmp_path))

    @durable_execution
    def handler(event: Any, context: DurableContext) -> dict[str, Any]:
        def charge(_: object) -> dict[str, Any]:
            calls.append(1)
            return {"charged": Decimal("9.99")}

        value = context.step(charge, name="charge", config=StepConfig(serdes=files))
        context.wait(Duration.from_seconds(30))
        return {"charged": str(value["charged"])}

    with DurableTestRunner(handler) as runner:
        result = runner.run({})
    assert result.status == "SUCCEEDED", result.error
    assert result.result == {"charged": "9.99"}
    assert calls == [1]
    details = result.get_step("charge").step_details
    assert details is not None and details.result is not None
    stored = json.loads(details.result)
    assert Path(stored["file"]).read_text() == '{"t":"m","v":{"charged":{"t":"d","v":"9.99"}}}'
