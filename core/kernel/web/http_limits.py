"""Limits on a request's head, which uvicorn's httptools parser does not set itself.

llhttp accepts a request line and headers of any size, so an unfinished 32 MB header
held 32 MB of the server's memory per connection without signing in. This protocol
counts the head as it arrives and answers ``431`` (and closes) past the limits; a
reverse proxy in front should set its own, lower or equal (docs/operators.md).

It relies on uvicorn's ``HttpToolsProtocol`` callbacks (``on_url``, ``on_header``,
``send_400_response``): hence the upper bound on uvicorn in pyproject.toml.
"""

from __future__ import annotations

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

#: the request line (method, path and query)
MAX_URL_BYTES = 8 * 1024
#: all header names and values together
MAX_HEAD_BYTES = 32 * 1024
MAX_HEADERS = 100


class HeadTooLarge(Exception):
    """Raised inside a parser callback: httptools turns it into a parser error."""


class LimitedHttpToolsProtocol(HttpToolsProtocol):
    _head_bytes = 0
    _too_large = False

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._head_bytes = 0
        self._too_large = False

    def on_url(self, url: bytes) -> None:
        if len(self.url) + len(url) > MAX_URL_BYTES:
            self._refuse()
        super().on_url(url)

    def on_header(self, name: bytes, value: bytes) -> None:
        self._head_bytes += len(name) + len(value)
        if self._head_bytes > MAX_HEAD_BYTES or len(self.headers) >= MAX_HEADERS:
            self._refuse()
        super().on_header(name, value)

    def _refuse(self) -> None:
        self._too_large = True
        raise HeadTooLarge

    def send_400_response(self, msg: str) -> None:
        if not self._too_large:
            super().send_400_response(msg)
            return
        body = b"Request header fields too large."
        self.transport.write(
            b"HTTP/1.1 431 Request Header Fields Too Large\r\n"
            b"content-type: text/plain; charset=utf-8\r\n"
            b"content-length: " + str(len(body)).encode("ascii") + b"\r\n"
            b"connection: close\r\n\r\n" + body
        )
        self.transport.close()
