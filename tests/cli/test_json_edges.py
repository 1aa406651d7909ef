"""The CLI refuses `--input` that is not JSON (NaN, Infinity, lone surrogates) before it
reaches the server, and prints stored payloads holding a lone surrogate without failing,
on a UTF-8 stdout as strict as a real one."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from perdure import DurableContext, durable_execution
from perdure._cli.console import Console
from perdure._cli.errors import OK, USAGE
from perdure._cli.main import main
from tests.api.server import Served, serve


@durable_execution
def odd_text(event: Any, context: DurableContext) -> Any:
    return context.step(lambda _: {"note": "caf\u00e9 \ud800"}, name="odd")


@pytest.fixture(scope="module")
def edges(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    db = Path(tmp_path_factory.mktemp("cli-edges")) / "perdure.sqlite"
    with serve(str(db), {"odd-text": odd_text}) as running:
        yield running


def strict_stream(encoding: str = "utf-8") -> io.TextIOWrapper:
    """A stream that fails on what it cannot encode, as sys.stdout does."""
    return io.TextIOWrapper(io.BytesIO(), encoding=encoding, errors="strict")


def written(stream: io.TextIOWrapper) -> str:
    stream.flush()
    buffer = stream.buffer
    assert isinstance(buffer, io.BytesIO)
    return buffer.getvalue().decode(stream.encoding)


def run(edges: Served, *argv: str) -> tuple[int, str, str]:
    out, err = strict_stream(), io.StringIO()
    code = main([*argv, "--endpoint", edges.base_url], stdout=out, stderr=err)
    return code, written(out), err.getvalue()


@pytest.mark.parametrize(
    ("given", "says"),
    [
        ('{"x": NaN}', "NaN is not a JSON number"),
        ("[-Infinity]", "-Infinity is not a JSON number"),
        ('"\\ud800"', "lone UTF-16 surrogate"),
    ],
)
def test_input_that_is_not_json_is_a_usage_error(edges: Served, given: str, says: str) -> None:
    code, out, err = run(edges, "invoke", "odd-text", "--input", given)
    assert code == USAGE
    assert says in err
    assert "nested" not in err
    assert out == ""


def test_a_stored_lone_surrogate_is_printed_escaped_not_a_crash(edges: Served) -> None:
    code, out, err = run(edges, "invoke", "odd-text", "--input", "{}")
    assert code == OK, err
    assert "caf\u00e9 \\ud800" in out
    code, out, _ = run(edges, "--json", "invoke", "odd-text", "--input", "{}")
    assert code == OK
    doc = json.loads(out)  # still JSON: the surrogate is a JSON escape
    assert json.loads(doc["Result"]) == {"note": "caf\u00e9 \ud800"}


def test_console_output_never_fails_on_text_the_stream_cannot_encode() -> None:
    out, err = strict_stream("ascii"), strict_stream("ascii")
    console = Console(out, err)
    console.print("caf\u00e9 \ud800")
    console.note("\ud800")
    console.json({"note": "caf\u00e9 \ud800"})
    text = written(out)
    assert text.startswith("caf\\xe9 \\ud800\n")
    assert json.loads(text[text.index("{") :]) == {"note": "caf\u00e9 \ud800"}
    assert written(err) == "\\ud800\n"
