"""Server-sent event streams as (async) iterators of typed events, resuming with Last-Event-ID."""

from __future__ import annotations

import asyncio
import json
import time
from types import TracebackType
from typing import (
    Any,
    AsyncIterator,
    Awaitable,
    Callable,
    Generic,
    Iterator,
    List,
    Mapping,
    Optional,
    Type,
    TypeVar,
)

import httpx

from ._models import construct
from ._retry import retry_delay_ms
from .errors import (
    APIConnectionError,
    APIError,
    APIResponseValidationError,
    APITimeoutError,
    error_from_problem,
)

_T = TypeVar("_T")

__all__ = ["ServerSentEvent", "Stream", "AsyncStream"]


class ServerSentEvent(Generic[_T]):
    """One event of a stream: its ``event`` name, ``id`` (the resume point) and typed ``data``."""

    __slots__ = ("event", "id", "data", "retry")

    def __init__(
        self, *, event: str, id: Optional[str], data: _T, retry: Optional[int] = None
    ) -> None:
        self.event = event
        self.id = id
        self.data = data
        self.retry = retry

    def __repr__(self) -> str:
        return f"ServerSentEvent(event={self.event!r}, id={self.id!r}, data={self.data!r})"


class _Message:
    __slots__ = ("event", "id", "data")

    def __init__(self, event: str, id: Optional[str], data: str) -> None:
        self.event = event
        self.id = id
        self.data = data


class _Parser:
    """The SSE wire format, line by line (comments and events without data are skipped)."""

    def __init__(self) -> None:
        self.retry_ms: Optional[int] = None
        self._event = ""
        self._data: List[str] = []
        self._id: Optional[str] = None
        self._seen_id = False

    def feed(self, line: str) -> Optional[_Message]:
        if line == "":
            if not self._data:
                self._event = ""
                return None
            message = _Message(
                self._event or "message", self._id if self._seen_id else None, "\n".join(self._data)
            )
            self._event = ""
            self._data = []
            self._seen_id = False
            return message
        if line.startswith(":"):
            return None
        name, _, value = line.partition(":")
        if value.startswith(" "):
            value = value[1:]
        if name == "event":
            self._event = value
        elif name == "data":
            self._data.append(value)
        elif name == "id" and "\0" not in value:
            self._id = value
            self._seen_id = True
        elif name == "retry" and value.isdigit():
            self.retry_ms = int(value)
        return None


def _decode(
    types: Mapping[str, Any], message: _Message, response: httpx.Response
) -> Optional[ServerSentEvent[Any]]:
    """The typed event, None for an event kind the operation does not declare; raises the
    platform's problem for an ``error`` event."""
    try:
        data: object = json.loads(message.data)
    except ValueError as error:
        raise APIResponseValidationError(
            response, message.data, f"event data is not JSON: {error}"
        ) from error
    if message.event == "error" and "error" not in types:
        status = data.get("status") if isinstance(data, dict) else None
        code = status if isinstance(status, int) and 400 <= status <= 599 else 500
        fake = httpx.Response(
            code, headers=response.headers, content=message.data.encode(), request=response.request
        )
        raise error_from_problem(fake, message.data)
    type_ = types.get(message.event)
    if type_ is None:
        return None
    try:
        value = construct(type_, data)
    except ValueError as error:
        raise APIResponseValidationError(
            response, data, f"event {message.event}: {error}"
        ) from error
    return ServerSentEvent(event=message.event, id=message.id, data=value)


def _reconnectable(error: BaseException) -> bool:
    if isinstance(error, (APIConnectionError, httpx.TransportError)):
        return True
    if isinstance(error, APIError) and not isinstance(error, APIResponseValidationError):
        status = error.status_code
        return status in (408, 409, 429) or status >= 500
    return False


class Stream(Generic[_T]):
    """An event stream: iterate it for :class:`ServerSentEvent` items with typed ``data``.

    After a dropped connection — or the server closing the stream — it reconnects with
    ``Last-Event-ID`` (waiting the server's ``retry:`` or a backoff) and carries on; it ends when
    the server answers 204 (nothing after that id), or when it closes a stream whose events had
    no ids. An ``error`` event raises the platform's problem as an :class:`aerostack.APIError`;
    event kinds the spec does not declare are skipped. Close it (or use ``with``) to stop early.

    Example::

        with client.fixtures.events(count=3) as stream:
            for event in stream:
                print(event.event, event.id, event.data)
    """

    response: Optional[httpx.Response]
    """The HTTP response of the current connection (None once ended)."""

    def __init__(
        self,
        *,
        response: Optional[httpx.Response],
        types: Mapping[str, Any],
        reconnect: Callable[[str], Optional[httpx.Response]],
        last_event_id: Optional[str] = None,
        max_reconnects: int = 2,
    ) -> None:
        self.response = response
        self.last_event_id = last_event_id
        """The id of the last event received: where a new call resumes."""
        self._types = types
        self._reconnect = reconnect
        self._max_reconnects = max_reconnects
        self._iterator = self._run()
        self._closed = False

    def _run(self) -> Iterator[ServerSentEvent[_T]]:
        quiet = 0
        retry_ms: Optional[int] = None
        while self.response is not None:
            response = self.response
            failure: Optional[BaseException] = None
            parser = _Parser()
            try:
                for line in response.iter_lines():
                    message = parser.feed(line)
                    retry_ms = parser.retry_ms if parser.retry_ms is not None else retry_ms
                    if message is None:
                        continue
                    event = _decode(self._types, message, response)
                    if message.id is not None:
                        self.last_event_id = message.id
                    quiet = 0
                    if event is not None:
                        yield event
                    if self._closed:
                        return
            except (httpx.TransportError, APIError) as error:
                if not _reconnectable(error):
                    raise
                failure = error
            finally:
                response.close()
            self.response = None
            if self._closed or self.last_event_id is None:
                if failure is not None:
                    raise _as_api_error(failure)
                return
            if quiet >= self._max_reconnects:
                if failure is not None:
                    raise _as_api_error(failure)
                return
            time.sleep(max(retry_ms or 0, retry_delay_ms(quiet, None, 0, 0.5)) / 1000)
            quiet += 1
            # The call retries on its own; a 204 (nothing after that id) ends the stream.
            self.response = self._reconnect(self.last_event_id)

    def __iter__(self) -> Iterator[ServerSentEvent[_T]]:
        return self._iterator

    def __next__(self) -> ServerSentEvent[_T]:
        return next(self._iterator)

    def close(self) -> None:
        """Stop: close the connection; the iteration ends."""
        self._closed = True
        if self.response is not None:
            self.response.close()

    def __enter__(self) -> Stream[_T]:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()


class AsyncStream(Generic[_T]):
    """The async :class:`Stream`: ``async for event in stream``.

    Example::

        async with await client.fixtures.events(count=3) as stream:
            async for event in stream:
                print(event.id, event.data)
    """

    response: Optional[httpx.Response]

    def __init__(
        self,
        *,
        response: Optional[httpx.Response],
        types: Mapping[str, Any],
        reconnect: Callable[[str], Awaitable[Optional[httpx.Response]]],
        last_event_id: Optional[str] = None,
        max_reconnects: int = 2,
    ) -> None:
        self.response = response
        self.last_event_id = last_event_id
        self._types = types
        self._reconnect = reconnect
        self._max_reconnects = max_reconnects
        self._iterator = self._run()
        self._closed = False

    async def _run(self) -> AsyncIterator[ServerSentEvent[_T]]:
        quiet = 0
        retry_ms: Optional[int] = None
        while self.response is not None:
            response = self.response
            failure: Optional[BaseException] = None
            parser = _Parser()
            try:
                async for line in response.aiter_lines():
                    message = parser.feed(line)
                    retry_ms = parser.retry_ms if parser.retry_ms is not None else retry_ms
                    if message is None:
                        continue
                    event = _decode(self._types, message, response)
                    if message.id is not None:
                        self.last_event_id = message.id
                    quiet = 0
                    if event is not None:
                        yield event
                    if self._closed:
                        return
            except (httpx.TransportError, APIError) as error:
                if not _reconnectable(error):
                    raise
                failure = error
            finally:
                await response.aclose()
            self.response = None
            if self._closed or self.last_event_id is None:
                if failure is not None:
                    raise _as_api_error(failure)
                return
            if quiet >= self._max_reconnects:
                if failure is not None:
                    raise _as_api_error(failure)
                return
            await asyncio.sleep(max(retry_ms or 0, retry_delay_ms(quiet, None, 0, 0.5)) / 1000)
            quiet += 1
            self.response = await self._reconnect(self.last_event_id)

    def __aiter__(self) -> AsyncIterator[ServerSentEvent[_T]]:
        return self._iterator

    async def __anext__(self) -> ServerSentEvent[_T]:
        return await self._iterator.__anext__()

    async def close(self) -> None:
        """Stop: close the connection; the iteration ends."""
        self._closed = True
        if self.response is not None:
            await self.response.aclose()

    async def __aenter__(self) -> AsyncStream[_T]:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()


def _as_api_error(error: BaseException) -> BaseException:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(str(error) or "Request timed out.")
    if isinstance(error, httpx.TransportError):
        return APIConnectionError(str(error) or type(error).__name__)
    return error
