"""Raw responses (``with_raw_response``) and streamed byte downloads."""

from __future__ import annotations

import os
from types import TracebackType
from typing import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generic,
    Iterator,
    Optional,
    Type,
    TypeVar,
    Union,
)

import httpx

from . import _behaviour as b

_R = TypeVar("_R")

__all__ = ["APIResponse", "AsyncAPIResponse", "BinaryResponse", "AsyncBinaryResponse"]


def _header(response: httpx.Response, name: str) -> Optional[str]:
    value: Optional[str] = response.headers.get(name)
    return value


class APIResponse(Generic[_R]):
    """The HTTP response of a call made through ``client.with_raw_response``: status, headers,
    and :meth:`parse` for what the method would have returned.

    Example::

        raw = client.with_raw_response.cache.get("k")
        print(raw.status_code, raw.headers["x-request-id"])
        entry = raw.parse()
    """

    def __init__(
        self, http_response: httpx.Response, parse: Callable[[], _R], retries_taken: int = 0
    ) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        """How many times the call was retried before this answer."""
        self._parse = parse
        self._parsed: Optional[_R] = None
        self._done = False

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> Optional[str]:
        return _header(self.http_response, b.REQUEST_ID_HEADER)

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_response.request.method

    def parse(self) -> _R:
        """What the method returns: the model, None, the stream or the download."""
        if not self._done:
            self._parsed = self._parse()
            self._done = True
        return self._parsed  # type: ignore[return-value]

    def read(self) -> bytes:
        """The body (read once; not for streams)."""
        return self.http_response.read()

    def text(self) -> str:
        self.read()
        return self.http_response.text

    def json(self) -> object:
        self.read()
        return self.http_response.json()

    def __repr__(self) -> str:
        return f"<APIResponse [{self.status_code}] {self.method} {self.url}>"


class AsyncAPIResponse(Generic[_R]):
    """The async :class:`APIResponse`; ``await raw.parse()``."""

    def __init__(
        self,
        http_response: httpx.Response,
        parse: Callable[[], Awaitable[_R]],
        retries_taken: int = 0,
    ) -> None:
        self.http_response = http_response
        self.retries_taken = retries_taken
        self._parse = parse
        self._parsed: Optional[_R] = None
        self._done = False

    @property
    def status_code(self) -> int:
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def request_id(self) -> Optional[str]:
        return _header(self.http_response, b.REQUEST_ID_HEADER)

    @property
    def url(self) -> httpx.URL:
        return self.http_response.url

    @property
    def method(self) -> str:
        return self.http_response.request.method

    async def parse(self) -> _R:
        """What the method returns: the model, None, the stream or the download."""
        if not self._done:
            self._parsed = await self._parse()
            self._done = True
        return self._parsed  # type: ignore[return-value]

    async def read(self) -> bytes:
        return await self.http_response.aread()

    async def text(self) -> str:
        await self.read()
        return self.http_response.text

    async def json(self) -> object:
        await self.read()
        return self.http_response.json()

    def __repr__(self) -> str:
        return f"<AsyncAPIResponse [{self.status_code}] {self.method} {self.url}>"


class _BinaryBase:
    http_response: httpx.Response

    @property
    def status_code(self) -> int:
        """200, 206 for a range, 304 when ``If-None-Match`` matched (no content)."""
        return self.http_response.status_code

    @property
    def headers(self) -> httpx.Headers:
        return self.http_response.headers

    @property
    def content_type(self) -> Optional[str]:
        return _header(self.http_response, "content-type")

    @property
    def content_length(self) -> Optional[int]:
        value = _header(self.http_response, "content-length")
        return int(value) if value and value.isdigit() else None

    @property
    def etag(self) -> Optional[str]:
        return _header(self.http_response, "etag")

    @property
    def request_id(self) -> Optional[str]:
        return _header(self.http_response, b.REQUEST_ID_HEADER)


class BinaryResponse(_BinaryBase):
    """A byte download, streamed: read it with :meth:`iter_bytes`, :meth:`read` or
    :meth:`write_to_file`, and close it (or use ``with``).

    Example::

        with client.fixtures.download("report", range="bytes=0-99") as download:
            print(download.status_code, download.headers.get("content-range"))
            for chunk in download.iter_bytes():
                sink.write(chunk)
    """

    def __init__(self, http_response: httpx.Response) -> None:
        self.http_response = http_response

    def iter_bytes(self, chunk_size: Optional[int] = None) -> Iterator[bytes]:
        """The body in chunks as they arrive."""
        try:
            yield from self.http_response.iter_bytes(chunk_size)
        finally:
            self.http_response.close()

    def read(self) -> bytes:
        """The whole body."""
        try:
            return self.http_response.read()
        finally:
            self.http_response.close()

    def write_to_file(self, path: Union[str, "os.PathLike[str]"]) -> int:
        """Stream the body into the file at ``path``; returns the number of bytes written."""
        written = 0
        with open(path, "wb") as file:
            for chunk in self.iter_bytes():
                written += file.write(chunk)
        return written

    def close(self) -> None:
        self.http_response.close()

    def __enter__(self) -> BinaryResponse:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncBinaryResponse(_BinaryBase):
    """The async :class:`BinaryResponse`: ``async for chunk in download.iter_bytes()``."""

    def __init__(self, http_response: httpx.Response) -> None:
        self.http_response = http_response

    async def iter_bytes(self, chunk_size: Optional[int] = None) -> AsyncIterator[bytes]:
        """The body in chunks as they arrive."""
        try:
            async for chunk in self.http_response.aiter_bytes(chunk_size):
                yield chunk
        finally:
            await self.http_response.aclose()

    async def read(self) -> bytes:
        try:
            return await self.http_response.aread()
        finally:
            await self.http_response.aclose()

    async def write_to_file(self, path: Union[str, "os.PathLike[str]"]) -> int:
        written = 0
        with open(path, "wb") as file:
            async for chunk in self.iter_bytes():
                written += file.write(chunk)
        return written

    async def close(self) -> None:
        await self.http_response.aclose()

    async def __aenter__(self) -> AsyncBinaryResponse:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()
