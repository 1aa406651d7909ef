"""One kept-alive HTTP/1.1 connection: a request written in one `sendall`, the answer
read through a buffer that lives as long as the connection.

Why not `http.client`: a remote worker pays one request per step, and `http.client`
spends more CPU on it than the step's checkpoint costs the server to commit: a new file
object per answer, the `email` package to parse headers, a `send` per header line.
This does the little Perdure needs (a body with Content-Length or chunked, keep-alive,
TLS through `ssl`) with the standard library only.

A connection is used by one thread at a time (the pool in `http_transport` sees to
that). `ConnectionClosedError` means the server closed the connection before any answer
began, so the request was not processed and may be sent again on a new connection.
"""

from __future__ import annotations

import socket
import ssl
from dataclasses import dataclass

__all__ = ["ConnectionClosedError", "HttpConnection", "ProtocolError", "Reply"]

_MAX_LINE = 65536
_MAX_HEAD = 4 * _MAX_LINE
_MAX_HEADERS = 200
_CRLF = b"\r\n"
_HEAD_END = b"\r\n\r\n"


class ConnectionClosedError(ConnectionError):
    """The server closed the connection before answering (a kept-alive connection it
    had timed out): the request did not run."""


class ProtocolError(ConnectionError):
    """The answer was not HTTP/1.x as this client reads it."""


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]  # names in lower case
    body: bytes
    will_close: bool


class HttpConnection:
    """A connection to `host:port`, opened on first use."""

    def __init__(
        self, host: str, port: int | None, *, https: bool, timeout: float, host_header: str
    ) -> None:
        self._address = (host, port or (443 if https else 80))
        self._https = https
        self._timeout = timeout
        self._host_line = b"Host: " + host_header.encode("idna") + _CRLF
        self._sock: socket.socket | None = None
        self._buffer = b""

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def close(self) -> None:
        sock, self._sock, self._buffer = self._sock, None, b""
        if sock is not None:
            sock.close()

    def _open(self, timeout: float) -> socket.socket:
        sock = socket.create_connection(self._address, timeout)
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            if self._https:
                context = ssl.create_default_context()
                sock = context.wrap_socket(sock, server_hostname=self._address[0])
        except BaseException:
            sock.close()
            raise
        self._sock = sock
        self._timeout = timeout
        return sock

    def exchange(
        self, method: str, target: str, headers: bytes, body: bytes | None, timeout: float
    ) -> Reply:
        """Send a request (`headers`: encoded header lines, each ending in CRLF, without
        Host and Content-Length) and read its answer."""
        sock = self._sock
        if sock is None:
            sock = self._open(timeout)
        elif timeout != self._timeout:
            sock.settimeout(timeout)
            self._timeout = timeout
        head = f"{method} {target} HTTP/1.1\r\n".encode("ascii") + self._host_line + headers
        if body is not None or method in ("POST", "PUT", "PATCH"):
            head += b"Content-Length: %d\r\n" % len(body or b"")
        head += _CRLF
        try:
            sock.sendall(head + body if body else head)
        except (BrokenPipeError, ConnectionResetError) as exc:
            raise ConnectionClosedError(str(exc)) from exc
        return self._read_reply(method)

    # -- reading ------------------------------------------------------------------------

    def _fill(self) -> bool:
        assert self._sock is not None
        chunk = self._sock.recv(65536)
        if not chunk:
            return False
        self._buffer += chunk
        return True

    def _head(self) -> list[str]:
        """The status line and header lines of the next answer, read as a whole: the
        head of an answer is a few hundred bytes, usually in the buffer at once."""
        searched = 0
        while True:
            end = self._buffer.find(_HEAD_END, searched)
            if end >= 0:
                head, self._buffer = self._buffer[:end], self._buffer[end + 4 :]
                return head.decode("latin-1").split("\r\n")
            if len(self._buffer) > _MAX_HEAD:
                raise ProtocolError("an answer's status line and headers exceed 256 KiB")
            searched = max(0, len(self._buffer) - 3)
            try:
                more = self._fill()
            except ConnectionResetError as exc:
                if not self._buffer:
                    raise ConnectionClosedError(str(exc)) from exc
                raise
            if not more:
                if not self._buffer:
                    raise ConnectionClosedError("the server closed the connection")
                raise ProtocolError("the connection closed in the middle of an answer")

    def _line(self) -> bytes:
        while True:
            end = self._buffer.find(_CRLF)
            if end >= 0:
                line, self._buffer = self._buffer[:end], self._buffer[end + 2 :]
                return line
            if len(self._buffer) > _MAX_LINE:
                raise ProtocolError("an answer line is longer than 64 KiB")
            if not self._fill():
                raise ProtocolError("the connection closed in the middle of an answer")

    def _exactly(self, size: int) -> bytes:
        if len(self._buffer) < size:  # gathered in a list: one copy however large
            assert self._sock is not None
            parts, have = [self._buffer], len(self._buffer)
            while have < size:
                chunk = self._sock.recv(max(65536, size - have))
                if not chunk:
                    raise ProtocolError("the connection closed in the middle of an answer")
                parts.append(chunk)
                have += len(chunk)
            self._buffer = b"".join(parts)
        data, self._buffer = self._buffer[:size], self._buffer[size:]
        return data

    def _read_reply(self, method: str) -> Reply:
        while True:
            lines = self._head()
            version, _, rest = lines[0].partition(" ")
            code = rest[:3]
            if not version.startswith("HTTP/1.") or not code.isdigit() or not code.isascii():
                raise ProtocolError(f"not an HTTP/1.x answer: {lines[0][:80].encode('latin-1')!r}")
            status = int(code)
            headers = _headers(lines)
            if status >= 200 or status == 101:
                break  # 1xx interim answers (100 Continue) come before the real one
        will_close = version == "HTTP/1.0" or "close" in headers.get("connection", "").lower()
        if method == "HEAD" or status in (204, 304) or 100 <= status < 200:
            body = b""
        elif "chunked" in headers.get("transfer-encoding", "").lower():
            body = self._chunked()
        elif "content-length" in headers:
            try:
                size = int(headers["content-length"])
            except ValueError:
                raise ProtocolError("Content-Length is not a number") from None
            body = self._exactly(size)
        else:  # the body runs to the end of the connection
            while self._fill():
                pass
            body, self._buffer, will_close = self._buffer, b"", True
        if will_close:
            self.close()
        return Reply(status, headers, body, will_close)

    def _chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size_line = self._line().split(b";", 1)[0].strip()
            try:
                size = int(size_line, 16)
            except ValueError:
                raise ProtocolError(f"malformed chunk size: {size_line[:40]!r}") from None
            if size == 0:
                while self._line():  # trailers, up to the empty line
                    pass
                return b"".join(parts)
            parts.append(self._exactly(size))
            if self._exactly(2) != _CRLF:
                raise ProtocolError("a chunk does not end with CRLF")


def _headers(lines: list[str]) -> dict[str, str]:
    """The header lines after the status line, names in lower case; a header sent
    more than once has its values joined with ", "."""
    if len(lines) > _MAX_HEADERS + 1:
        raise ProtocolError(f"more than {_MAX_HEADERS} header lines")
    headers: dict[str, str] = {}
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ProtocolError(f"malformed header line: {line[:80].encode('latin-1')!r}")
        key = name.strip().lower()
        text = value.strip()
        headers[key] = f"{headers[key]}, {text}" if key in headers else text
    return headers
