"""The connection layer's own HTTP/1.1 reading, against a server that answers with the
exact bytes each test gives: every way a body may be framed (Content-Length, chunked,
to the end of the connection), interim answers, kept-alive connections the server
closed, and requests that would smuggle in a header or a second request line."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import ExitStack, closing, contextmanager

import pytest

from perdure._sdk.transport.http_transport import HttpTransport, TransportError
from perdure.errors import ResourceNotFoundError


class RawServer:
    """Answers the n-th request with `answers[n]` (raw bytes); `None` closes the
    connection instead. After `close_after` answers on one connection it closes it."""

    def __init__(self, answers: list[bytes | None], close_after: int = 0, piece: int = 0) -> None:
        self.answers = answers
        self.close_after = close_after
        self.piece = piece  # send answers `piece` bytes at a time (0: all at once)
        self.requests: list[bytes] = []
        self.connections = 0

    def serve(self, conn: socket.socket) -> None:
        with conn:
            buffered = b""
            answered = 0
            while self.answers:
                while b"\r\n\r\n" not in buffered:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    buffered += chunk
                head, _, buffered = buffered.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(buffered) < length:
                    buffered += conn.recv(65536)
                self.requests.append(head + b"\r\n\r\n" + buffered[:length])
                buffered = buffered[length:]
                answer = self.answers.pop(0)
                if answer is None:
                    return
                if self.piece:
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    for at in range(0, len(answer), self.piece):
                        conn.sendall(answer[at : at + self.piece])
                        time.sleep(0.001)
                else:
                    conn.sendall(answer)
                answered += 1
                if self.close_after and answered >= self.close_after:
                    return


@contextmanager
def raw_server(server: RawServer) -> Iterator[str]:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    stop = threading.Event()

    listener.settimeout(0.05)  # so the loop sees `stop`: closing does not end accept()

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            conn.settimeout(None)
            server.connections += 1
            threading.Thread(target=server.serve, args=(conn,), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        listener.close()
        thread.join(5)


def ok(body: bytes, *headers: bytes) -> bytes:
    lines = [b"HTTP/1.1 200 OK", b"Content-Type: application/json", *headers]
    return b"\r\n".join(lines) + b"\r\nContent-Length: %d\r\n\r\n" % len(body) + body


def test_a_content_length_body_and_keep_alive() -> None:
    server = RawServer([ok(b'{"n":1}'), ok(b'{"n":2}')])
    with ExitStack() as stack, raw_server(server) as url:
        transport = stack.enter_context(closing(HttpTransport(url, retries=0)))
        assert transport.call("GET", "/one") == (200, {"n": 1})
        assert transport.call("POST", "/two", {"x": 1}) == (200, {"n": 2})
    assert server.connections == 1
    assert server.requests[0].startswith(b"GET /one HTTP/1.1\r\nHost: 127.0.0.1:")
    assert server.requests[1].endswith(b'Content-Length: 7\r\n\r\n{"x":1}')


def test_an_answer_that_arrives_in_small_pieces_is_read_whole() -> None:
    answers: list[bytes | None] = [ok(b'{"n":1}', b"X-Many: a", b"X-Many: b"), ok(b"[]")]
    server = RawServer(answers, piece=3)
    with ExitStack() as stack, raw_server(server) as url:
        transport = stack.enter_context(closing(HttpTransport(url, retries=0)))
        answer = transport.request("GET", "/")
        assert (answer.status, answer.json()) == (200, {"n": 1})
        assert answer.header("X-Many") == "a, b"
        assert transport.call("GET", "/") == (200, [])
    assert server.connections == 1


def test_a_header_line_without_a_colon_is_a_transport_error() -> None:
    server = RawServer([b"HTTP/1.1 200 OK\r\nno colon here\r\nContent-Length: 0\r\n\r\n"])
    with raw_server(server) as url, closing(HttpTransport(url, retries=0)) as transport:
        with pytest.raises(TransportError) as refused:
            transport.call("GET", "/")
    assert refused.value.reason == "unreadable answer (malformed header line: b'no colon here')"


def test_a_chunked_body_is_joined() -> None:
    chunked = (
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
        b'4;ext=1\r\n{"a"\r\n5\r\n:[1,2\r\n2\r\n]}\r\n0\r\nX-Trailer: t\r\n\r\n'
    )
    server = RawServer([chunked, ok(b"[]")])
    with ExitStack() as stack, raw_server(server) as url:
        transport = stack.enter_context(closing(HttpTransport(url, retries=0)))
        assert transport.call("GET", "/") == (200, {"a": [1, 2]})
        assert transport.call("GET", "/") == (200, [])  # the connection stayed usable
    assert server.connections == 1


def test_a_body_that_runs_to_the_end_of_the_connection() -> None:
    server = RawServer([b'HTTP/1.0 200 OK\r\n\r\n{"old":true}', ok(b"{}")], close_after=1)
    with ExitStack() as stack, raw_server(server) as url:
        transport = stack.enter_context(closing(HttpTransport(url, retries=0)))
        assert transport.call("GET", "/") == (200, {"old": True})
        assert transport.call("GET", "/") == (200, {})
    assert server.connections == 2


def test_an_interim_answer_is_skipped() -> None:
    server = RawServer([b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b'"done"')])
    with raw_server(server) as url, closing(HttpTransport(url, retries=0)) as transport:
        assert transport.call("POST", "/", {}) == (200, "done")


def test_a_kept_alive_connection_the_server_closed_is_replaced() -> None:
    server = RawServer([ok(b"1"), ok(b"2")], close_after=1)
    with ExitStack() as stack, raw_server(server) as url:
        transport = stack.enter_context(closing(HttpTransport(url, retries=0)))
        assert transport.call("GET", "/") == (200, 1)
        # The server hung up the idle connection: the request goes out again on a new one.
        assert transport.call("POST", "/", {}) == (200, 2)
    assert server.connections == 2


def test_error_answers_are_decoded_and_connection_close_is_honoured() -> None:
    refusal = (
        b"HTTP/1.1 404 Not Found\r\nX-Amzn-ErrorType: ResourceNotFoundException\r\n"
        b"Connection: close\r\nContent-Length: 37\r\n\r\n"
        b'{"Type":"User","message":"not there"}\n'
    )
    server = RawServer([refusal, ok(b"{}")], close_after=1)
    with ExitStack() as stack, raw_server(server) as url:
        transport = stack.enter_context(closing(HttpTransport(url, retries=0)))
        with pytest.raises(ResourceNotFoundError, match="not there"):
            transport.call("GET", "/")
        assert transport.call("GET", "/") == (200, {})


def test_an_answer_that_is_not_http_is_a_transport_error() -> None:
    server = RawServer([b"SSH-2.0-OpenSSH\r\n\r\n"])
    with raw_server(server) as url, closing(HttpTransport(url, retries=0)) as transport:
        with pytest.raises(TransportError) as refused:
            transport.call("GET", "/")
    assert refused.value.reason.startswith("unreadable answer (not an HTTP/1.x answer")


def test_a_connection_closed_mid_answer_is_a_transport_error() -> None:
    server = RawServer([b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n{"], close_after=1)
    with raw_server(server) as url, closing(HttpTransport(url, retries=0)) as transport:
        with pytest.raises(TransportError) as failed:
            transport.call("GET", "/")
    assert (
        failed.value.reason
        == "unreadable answer (the connection closed in the middle of an answer)"
    )


@pytest.mark.parametrize(
    "headers",
    [{"X-Name": "a\r\nX-Evil: 1"}, {"X-Name": "a\nb"}, {"X-Bad\r\nName": "v"}, {"X:Y": "v"}],
)
def test_a_header_that_would_smuggle_in_another_is_refused(headers: dict[str, str]) -> None:
    transport = HttpTransport("http://127.0.0.1:9", retries=0)
    with pytest.raises(ValueError, match="Invalid header"):
        transport.request("GET", "/", headers=headers)


@pytest.mark.parametrize("path", ["/a b", "/a\r\nHost: x", "/\x00"])
def test_a_target_with_spaces_or_controls_is_refused(path: str) -> None:
    transport = HttpTransport("http://127.0.0.1:9", retries=0)
    with pytest.raises(ValueError, match="spaces or controls"):
        transport.request("GET", path)
