"""The HTTP layer under both clients: credentials, per-call options, retries with the shared
rules (``_retry``), idempotency keys, error mapping, JSON / event-stream / byte responses."""

from __future__ import annotations

import asyncio
import io
import os
import random
import time
from functools import wraps
from types import TracebackType
from typing import (
    IO,
    Any,
    AsyncIterable,
    AsyncIterator,
    Awaitable,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
    cast,
)

import httpx
import pydantic
from typing_extensions import Literal, ParamSpec, Self

from . import _behaviour as b
from ._models import construct, to_wire
from ._response import APIResponse, AsyncAPIResponse, AsyncBinaryResponse, BinaryResponse
from ._retry import Outcome, is_retryable, new_idempotency_key, retry_delay_ms
from ._serde import format_datetime
from ._streaming import AsyncStream, Stream
from ._types import NOT_GIVEN, Headers, NotGiven, Query, Timeout
from ._version import __version__
from .errors import (
    APIConnectionError,
    APIResponseValidationError,
    APITimeoutError,
    error_from_problem,
)

__all__ = [
    "SyncAPIClient",
    "AsyncAPIClient",
    "SyncAPIResource",
    "AsyncAPIResource",
    "RequestOptions",
    "to_raw_response_wrapper",
    "async_to_raw_response_wrapper",
    "DEFAULT_TIMEOUT",
]

_P = ParamSpec("_P")
_R = TypeVar("_R")

DEFAULT_TIMEOUT = 30.0
"""Seconds each attempt may take (connect, write, and each read), unless told otherwise."""

RAW_RESPONSE_HEADER = "X-Aerostack-Raw-Response"
"""Set by ``with_raw_response`` on a call (never sent): return the raw response."""

Credential = Union[str, Callable[[], Optional[str]]]
"""A key, or a function returning the credential to send on each attempt (None: send none)."""

ResponseKind = Literal["json", "empty", "events", "bytes"]


class RequestOptions:
    """One call of an operation, as the generated methods describe it."""

    def __init__(
        self,
        method: str,
        path: str,
        *,
        query: Optional[Mapping[str, object]] = None,
        headers: Optional[Mapping[str, object]] = None,
        json: object = NOT_GIVEN,
        content: object = NOT_GIVEN,
        multipart: Optional[Mapping[str, object]] = None,
        content_type: Optional[str] = None,
        accept: str = "application/json",
        auth: bool = True,
        idempotency_key: bool = False,
        extra_headers: Optional[Headers] = None,
        extra_query: Optional[Query] = None,
        extra_body: object = None,
        timeout: Union[Timeout, NotGiven] = NOT_GIVEN,
    ) -> None:
        self.method = method.upper()
        self.path = path
        self.query = query or {}
        self.headers = headers or {}
        self.json = json
        self.content = content
        self.multipart = multipart
        self.content_type = content_type
        self.accept = accept
        self.auth = auth
        self.idempotency_key = idempotency_key
        self.extra_headers = extra_headers or {}
        self.extra_query = extra_query or {}
        self.extra_body = extra_body
        self.timeout = timeout

    def raw(self) -> bool:
        return RAW_RESPONSE_HEADER in self.extra_headers


def _text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    from datetime import datetime

    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def _query_pairs(
    query: Mapping[str, object],
) -> List[Tuple[str, Union[str, int, float, bool, None]]]:
    """Query parameters: omitted and None ones left out, lists repeated, booleans lower-case."""
    pairs: List[Tuple[str, Union[str, int, float, bool, None]]] = []
    for name, value in query.items():
        if isinstance(value, NotGiven) or value is None:
            continue
        if isinstance(value, (list, tuple)):
            pairs.extend((name, _text(v)) for v in cast("List[object]", value))
        else:
            pairs.append((name, _text(value)))
    return pairs


class _Body:
    """What an attempt sends; ``replayable`` is False for a one-shot stream of chunks."""

    def __init__(self, options: RequestOptions, async_: bool) -> None:
        self.replayable = True
        self.json: object = None
        self.has_json = False
        self.files: Optional[List[Tuple[str, Any]]] = None
        self.data: Optional[Dict[str, str]] = None
        self.content_type = options.content_type
        self.content_length: Optional[int] = None
        self._source: object = NOT_GIVEN
        self._start = 0
        self._async = async_
        if not isinstance(options.json, NotGiven):
            body = to_wire(options.json)
            if isinstance(options.extra_body, Mapping) and isinstance(body, dict):
                body = {
                    **cast("Dict[str, Any]", body),
                    **cast("Mapping[str, Any]", options.extra_body),
                }
            self.json, self.has_json = body, True
        elif options.multipart is not None:
            self._source = options.multipart
        elif not isinstance(options.content, NotGiven):
            source = options.content
            self._source = source
            if isinstance(source, (bytes, bytearray)):
                self.content_length = len(source)
            elif isinstance(source, os.PathLike):
                self.content_length = os.stat(cast("os.PathLike[str]", source)).st_size
            elif isinstance(source, io.IOBase) and source.seekable():
                self._start = source.tell()
                self.content_length = source.seek(0, io.SEEK_END) - self._start
                source.seek(self._start)
            else:
                self.replayable = False

    def multipart_parts(self) -> Tuple[Dict[str, str], List[Tuple[str, Any]]]:
        data: Dict[str, str] = {}
        files: List[Tuple[str, Any]] = []
        for name, value in cast("Mapping[str, object]", self._source).items():
            if isinstance(value, NotGiven) or value is None:
                continue
            if isinstance(value, (bytes, bytearray, io.IOBase, os.PathLike, tuple)):
                files.append((name, _file_part(name, value)))
            elif isinstance(value, (dict, list)):
                import json

                data[name] = json.dumps(to_wire(value))
            else:
                data[name] = _text(value)
        return data, files

    def content(self) -> Any:
        """The content of one attempt (a fresh stream for a path or a seekable file)."""
        source = self._source
        if isinstance(source, (bytes, bytearray)):
            return bytes(source)
        if isinstance(source, os.PathLike):
            return self._chunks(open(cast("os.PathLike[str]", source), "rb"), close=True)
        if isinstance(source, io.IOBase):
            if source.seekable():
                source.seek(self._start)
            return self._chunks(cast("IO[bytes]", source), close=False)
        if self._async and not isinstance(source, AsyncIterable):
            return _async_iter(cast("Iterable[bytes]", source))
        return source

    def _chunks(self, file: IO[bytes], *, close: bool) -> Any:
        def sync() -> Iterator[bytes]:
            try:
                while chunk := file.read(65536):
                    yield chunk
            finally:
                if close:
                    file.close()

        return _async_iter(sync()) if self._async else sync()


async def _async_iter(chunks: Iterable[bytes]) -> AsyncIterator[bytes]:
    for chunk in chunks:
        yield chunk


def _file_part(name: str, value: object) -> Any:
    """A multipart file part for httpx: ``(file_name, content, content_type)``."""
    file_name: Optional[str] = None
    content_type: Optional[str] = None
    content: object = value
    if isinstance(value, tuple):
        parts: Tuple[Any, ...] = value
        file_name, content = parts[0], parts[1]
        content_type = parts[2] if len(parts) > 2 else None
    if isinstance(content, os.PathLike):
        path = cast("os.PathLike[str]", content)
        file_name = file_name or os.path.basename(os.fspath(path))
        with open(path, "rb") as file:
            content = file.read()
    elif isinstance(content, io.IOBase):
        file_name = file_name or os.path.basename(str(getattr(content, "name", name)))
    return (file_name or name, content, content_type or "application/octet-stream")


def _outcome(error: httpx.TransportError) -> Outcome:
    if isinstance(error, (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)):
        return "connect"
    if isinstance(error, httpx.TimeoutException):
        return "timeout"
    return "network"


def _transport_error(error: httpx.TransportError, request: httpx.Request) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(str(error) or "Request timed out.", request=request)
    return APIConnectionError(str(error) or type(error).__name__, request=request)


def _parse_json(response: httpx.Response, cast_to: object) -> Any:
    """The body as ``cast_to``; a body that is not that JSON is ``client/invalid-response``."""
    try:
        data = response.json()
    except ValueError as error:
        raise APIResponseValidationError(
            response, response.text, f"the body is not JSON: {error}"
        ) from error
    try:
        return construct(cast("Type[Any]", cast_to), data)
    except pydantic.ValidationError as error:
        raise APIResponseValidationError(
            response, data, f"the body does not match the operation: {error}"
        ) from error


def _events_options(options: RequestOptions) -> RequestOptions:
    """An event-stream call; an idempotency key is chosen now so that resuming reuses it."""
    options.accept = "text/event-stream"
    given = {
        k.lower()
        for k, v in options.headers.items()
        if not isinstance(v, NotGiven) and v is not None
    }
    given |= {k.lower() for k, v in options.extra_headers.items() if v is not None}
    if options.idempotency_key and b.IDEMPOTENCY_HEADER.lower() not in given:
        options.headers = {**options.headers, b.IDEMPOTENCY_HEADER: new_idempotency_key()}
    return options


def _resume(options: RequestOptions, event_id: str) -> RequestOptions:
    """The same call again, resuming after ``event_id`` (``Last-Event-ID``)."""
    return RequestOptions(
        options.method,
        options.path,
        query=options.query,
        headers={**options.headers, "Last-Event-ID": event_id},
        json=options.json,
        accept=options.accept,
        auth=options.auth,
        idempotency_key=options.idempotency_key,
        extra_headers={k: v for k, v in options.extra_headers.items() if k != RAW_RESPONSE_HEADER},
        extra_query=options.extra_query,
        extra_body=options.extra_body,
        timeout=options.timeout,
    )


class _ClientBase:
    default_base_url = "http://localhost:8787"

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        secret_key: Union[str, None, NotGiven] = NOT_GIVEN,
        account_key: Optional[str] = None,
        publishable_key: Optional[str] = None,
        credential: Optional[Callable[[], Optional[str]]] = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = b.RETRY_MAX_RETRIES,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> None:
        """``base_url`` defaults to ``$AEROSTACK_URL``. Give at most one credential: a
        ``secret_key`` (``sk_``, default ``$AEROSTACK_SECRET_KEY``; None sends none), an
        ``account_key`` (``ak_``), a ``publishable_key`` (``pk_``) or a ``credential`` function
        asked on every attempt. ``timeout`` bounds each attempt (seconds or ``httpx.Timeout``);
        ``max_retries`` is how often a retryable call is retried."""
        given = [k for k in (account_key, publishable_key, credential) if k is not None]
        if isinstance(secret_key, str):
            given.append(secret_key)
        if len(given) > 1:
            raise ValueError(
                "pass only one of secret_key, account_key, publishable_key or credential"
            )
        if isinstance(secret_key, NotGiven) and not given:
            secret_key = os.environ.get("AEROSTACK_SECRET_KEY")
        self._key: Optional[str] = (
            secret_key if isinstance(secret_key, str) else account_key or publishable_key
        )
        self._credential = credential
        self._init_args: Dict[str, Any] = {
            "secret_key": secret_key if isinstance(secret_key, str) else None,
            "account_key": account_key,
            "publishable_key": publishable_key,
            "credential": credential,
        }
        url = base_url or os.environ.get("AEROSTACK_URL") or self.default_base_url
        self.base_url = httpx.URL(url.rstrip("/") + "/")
        self.timeout: Timeout = timeout
        self.max_retries = max(max_retries, 0)
        self._default_headers: Dict[str, str] = dict(default_headers or {})

    def _auth_header(self) -> Optional[str]:
        token = self._credential() if self._credential is not None else self._key
        return f"Bearer {token}" if token else None

    def _url(self, path: str) -> httpx.URL:
        return self.base_url.join(path.lstrip("/"))

    def _headers(self, options: RequestOptions) -> Tuple[Dict[str, str], bool]:
        headers: Dict[str, str] = {
            "Accept": options.accept,
            "User-Agent": f"aerostack-python/{__version__}",
            **self._default_headers,
        }
        if options.auth and self._credential is None and self._key:
            headers["Authorization"] = f"Bearer {self._key}"
        for name, value in options.headers.items():
            if not isinstance(value, NotGiven) and value is not None:
                headers[name] = _text(value)
        lower = {k.lower(): k for k in headers}
        for name, extra in options.extra_headers.items():
            if name == RAW_RESPONSE_HEADER:
                continue
            existing = lower.get(name.lower())
            if existing is not None:
                del headers[existing]
            if extra is not None:
                headers[name] = extra
                lower[name.lower()] = name
        key_header = b.IDEMPOTENCY_HEADER.lower()
        has_key = any(k.lower() == key_header for k in headers)
        if options.idempotency_key and not has_key:
            headers[b.IDEMPOTENCY_HEADER] = new_idempotency_key()
            has_key = True
        return headers, has_key

    def _timeout(self, options: RequestOptions) -> Timeout:
        return self.timeout if isinstance(options.timeout, NotGiven) else options.timeout

    def _build(
        self, http: httpx.Client | httpx.AsyncClient, options: RequestOptions, body: _Body
    ) -> httpx.Request:
        headers, _ = self._headers(options)
        return self._build_with(http, options, body, headers)

    def _build_with(
        self,
        http: httpx.Client | httpx.AsyncClient,
        options: RequestOptions,
        body: _Body,
        headers: Dict[str, str],
    ) -> httpx.Request:
        params = _query_pairs({**options.query, **options.extra_query})
        kwargs: Dict[str, Any] = {}
        if body.has_json:
            kwargs["json"] = body.json
            headers.setdefault("Content-Type", body.content_type or "application/json")
        elif options.multipart is not None:
            data, files = body.multipart_parts()
            kwargs["data"] = data
            kwargs["files"] = files
        elif not isinstance(options.content, NotGiven):
            kwargs["content"] = body.content()
            headers.setdefault("Content-Type", body.content_type or "application/octet-stream")
            if body.content_length is not None:
                headers.setdefault("Content-Length", str(body.content_length))
        timeout = self._timeout(options)
        return http.build_request(
            options.method,
            self._url(options.path),
            params=params,
            headers=headers,
            timeout=timeout if isinstance(timeout, httpx.Timeout) else httpx.Timeout(timeout),
            **kwargs,
        )

    def _ok(self, response: httpx.Response, ok_statuses: Optional[Iterable[int]]) -> bool:
        status = response.status_code
        return 200 <= status < 300 or (ok_statuses is not None and status in ok_statuses)

    def _delay(self, attempt: int, response: Optional[httpx.Response]) -> float:
        header = response.headers.get("retry-after") if response is not None else None
        return retry_delay_ms(attempt, header, time.time() * 1000, random.random()) / 1000

    def _client_args(self) -> Dict[str, Any]:
        return {
            "base_url": str(self.base_url),
            "timeout": self.timeout,
            "max_retries": self.max_retries,
            "default_headers": self._default_headers,
            **self._init_args,
        }


class SyncAPIClient(_ClientBase):
    """The sync client's HTTP layer (httpx.Client); the generated ``Aerostack`` adds resources."""

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        secret_key: Union[str, None, NotGiven] = NOT_GIVEN,
        account_key: Optional[str] = None,
        publishable_key: Optional[str] = None,
        credential: Optional[Callable[[], Optional[str]]] = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = b.RETRY_MAX_RETRIES,
        default_headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.Client] = None,
    ) -> None:
        """Create a client.

        ``base_url`` defaults to ``$AEROSTACK_URL``. Give at most one credential: ``secret_key``
        (``sk_``; defaults to ``$AEROSTACK_SECRET_KEY``, and None sends none), ``account_key``
        (``ak_``), ``publishable_key`` (``pk_``), or ``credential``, a function asked for the
        token on every attempt (a user's session, say). ``timeout`` bounds each attempt
        (seconds or an ``httpx.Timeout``); ``max_retries`` is how often a retryable call is
        retried; ``default_headers`` go on every request; ``http_client`` is used (and not
        closed) instead of a client of its own.
        """
        super().__init__(
            base_url,
            secret_key=secret_key,
            account_key=account_key,
            publishable_key=publishable_key,
            credential=credential,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_client = http_client is None
        self._http = http_client or httpx.Client()

    def with_options(
        self,
        *,
        base_url: Optional[str] = None,
        timeout: Union[Timeout, NotGiven] = NOT_GIVEN,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> Self:
        """A copy of this client with some options changed, sharing its connections.

        Example::

            client.with_options(max_retries=5, timeout=2.0).cache.get("k")
        """
        args = self._client_args()
        if base_url is not None:
            args["base_url"] = base_url
        if not isinstance(timeout, NotGiven):
            args["timeout"] = timeout
        if max_retries is not None:
            args["max_retries"] = max_retries
        if default_headers is not None:
            args["default_headers"] = {**self._default_headers, **default_headers}
        copy = type(self)(http_client=self._http, **args)
        copy._owns_client = False
        return copy

    def close(self) -> None:
        """Close the connections (unless the httpx client was passed in)."""
        if self._owns_client:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        self.close()

    def _send(
        self, options: RequestOptions, ok_statuses: Optional[Iterable[int]] = None
    ) -> Tuple[httpx.Response, int]:
        """One call with its retries; the response's body is not read yet. Raises the error."""
        body = _Body(options, async_=False)
        headers, has_key = self._headers(options)
        attempt = 0
        while True:
            request = self._build_with(self._http, options, body, dict(headers))
            if (
                options.auth
                and self._credential is not None
                and "authorization" not in request.headers
            ):
                auth = self._auth_header()  # asked on every attempt
                if auth:
                    request.headers["Authorization"] = auth
            can_retry = attempt < self.max_retries
            try:
                response = self._http.send(request, stream=True)
            except httpx.TransportError as error:
                outcome = _outcome(error)
                if (
                    can_retry
                    and is_retryable(options.method, has_key, outcome)
                    and (body.replayable or outcome == "connect")
                ):
                    time.sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise _transport_error(error, request) from error
            if self._ok(response, ok_statuses):
                return response, attempt
            if (
                can_retry
                and body.replayable
                and is_retryable(options.method, has_key, "status", response.status_code)
            ):
                response.close()
                time.sleep(self._delay(attempt, response))
                attempt += 1
                continue
            try:
                text = response.read().decode("utf-8", errors="replace")
            except httpx.TransportError as error:
                raise _transport_error(error, request) from error
            finally:
                response.close()
            raise error_from_problem(response, text)

    def _read(self, response: httpx.Response) -> None:
        try:
            response.read()
        except httpx.TransportError as error:
            raise _transport_error(error, response.request) from error
        finally:
            response.close()

    def request(self, cast_to: object, options: RequestOptions) -> Any:
        """Call an operation answering JSON (``cast_to`` is its type) or nothing (None)."""
        response, retries = self._send(options)
        self._read(response)
        parse: Callable[[], Any] = (
            (lambda: None) if cast_to is None else (lambda: _parse_json(response, cast_to))
        )
        if options.raw():
            return APIResponse(response, parse, retries)
        return parse()

    def request_events(
        self, types: Mapping[str, Any], options: RequestOptions, resumable: bool = True
    ) -> Any:
        """Call an operation answering a ``text/event-stream``: a :class:`Stream` of typed events.
        ``resumable=False`` (an operation without Last-Event-ID, like an AI generation, which a new
        request would start over): never reconnected, the server closing the stream ends it."""
        options = _events_options(options)
        last_event_id = options.headers.get("Last-Event-ID")

        def reconnect(event_id: str) -> Optional[httpx.Response]:
            response, _ = self._send(_resume(options, event_id))
            if response.status_code == 204:
                response.close()
                return None
            return response

        response, retries = self._send(options)

        def parse() -> Stream[Any]:
            first: Optional[httpx.Response] = response
            if response.status_code == 204:
                response.close()
                first = None
            return Stream(
                response=first,
                types=types,
                reconnect=reconnect,
                last_event_id=last_event_id if isinstance(last_event_id, str) else None,
                max_reconnects=max(self.max_retries, 1) if resumable else 0,
            )

        if options.raw():
            return APIResponse(response, parse, retries)
        return parse()

    def request_bytes(self, options: RequestOptions, statuses: Iterable[int]) -> Any:
        """Call an operation answering bytes: a streamed :class:`BinaryResponse`."""
        response, retries = self._send(options, ok_statuses=list(statuses))
        if options.raw():
            return APIResponse(response, lambda: BinaryResponse(response), retries)
        return BinaryResponse(response)


class AsyncAPIClient(_ClientBase):
    """The async client's HTTP layer (httpx.AsyncClient); the generated ``AsyncAerostack`` adds resources."""

    def __init__(
        self,
        base_url: Optional[str] = None,
        *,
        secret_key: Union[str, None, NotGiven] = NOT_GIVEN,
        account_key: Optional[str] = None,
        publishable_key: Optional[str] = None,
        credential: Optional[Callable[[], Optional[str]]] = None,
        timeout: Timeout = DEFAULT_TIMEOUT,
        max_retries: int = b.RETRY_MAX_RETRIES,
        default_headers: Optional[Mapping[str, str]] = None,
        http_client: Optional[httpx.AsyncClient] = None,
    ) -> None:
        """Create an async client (see :class:`SyncAPIClient` for the options).

        ``base_url`` defaults to ``$AEROSTACK_URL``. Give at most one credential: ``secret_key``
        (``sk_``; defaults to ``$AEROSTACK_SECRET_KEY``, and None sends none), ``account_key``
        (``ak_``), ``publishable_key`` (``pk_``), or ``credential``, a function asked for the
        token on every attempt (a user's session, say). ``timeout`` bounds each attempt
        (seconds or an ``httpx.Timeout``); ``max_retries`` is how often a retryable call is
        retried; ``default_headers`` go on every request; ``http_client`` is used (and not
        closed) instead of a client of its own.
        """
        super().__init__(
            base_url,
            secret_key=secret_key,
            account_key=account_key,
            publishable_key=publishable_key,
            credential=credential,
            timeout=timeout,
            max_retries=max_retries,
            default_headers=default_headers,
        )
        self._owns_client = http_client is None
        self._http = http_client or httpx.AsyncClient()

    def with_options(
        self,
        *,
        base_url: Optional[str] = None,
        timeout: Union[Timeout, NotGiven] = NOT_GIVEN,
        max_retries: Optional[int] = None,
        default_headers: Optional[Mapping[str, str]] = None,
    ) -> Self:
        """A copy of this client with some options changed, sharing its connections."""
        args = self._client_args()
        if base_url is not None:
            args["base_url"] = base_url
        if not isinstance(timeout, NotGiven):
            args["timeout"] = timeout
        if max_retries is not None:
            args["max_retries"] = max_retries
        if default_headers is not None:
            args["default_headers"] = {**self._default_headers, **default_headers}
        copy = type(self)(http_client=self._http, **args)
        copy._owns_client = False
        return copy

    async def close(self) -> None:
        """Close the connections (unless the httpx client was passed in)."""
        if self._owns_client:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: Optional[Type[BaseException]],
        exc: Optional[BaseException],
        tb: Optional[TracebackType],
    ) -> None:
        await self.close()

    async def _send(
        self, options: RequestOptions, ok_statuses: Optional[Iterable[int]] = None
    ) -> Tuple[httpx.Response, int]:
        body = _Body(options, async_=True)
        headers, has_key = self._headers(options)
        attempt = 0
        while True:
            request = self._build_with(self._http, options, body, dict(headers))
            if (
                options.auth
                and self._credential is not None
                and "authorization" not in request.headers
            ):
                auth = self._auth_header()  # asked on every attempt
                if auth:
                    request.headers["Authorization"] = auth
            can_retry = attempt < self.max_retries
            try:
                response = await self._http.send(request, stream=True)
            except httpx.TransportError as error:
                outcome = _outcome(error)
                if (
                    can_retry
                    and is_retryable(options.method, has_key, outcome)
                    and (body.replayable or outcome == "connect")
                ):
                    await asyncio.sleep(self._delay(attempt, None))
                    attempt += 1
                    continue
                raise _transport_error(error, request) from error
            if self._ok(response, ok_statuses):
                return response, attempt
            if (
                can_retry
                and body.replayable
                and is_retryable(options.method, has_key, "status", response.status_code)
            ):
                await response.aclose()
                await asyncio.sleep(self._delay(attempt, response))
                attempt += 1
                continue
            try:
                text = (await response.aread()).decode("utf-8", errors="replace")
            except httpx.TransportError as error:
                raise _transport_error(error, request) from error
            finally:
                await response.aclose()
            raise error_from_problem(response, text)

    async def _read(self, response: httpx.Response) -> None:
        try:
            await response.aread()
        except httpx.TransportError as error:
            raise _transport_error(error, response.request) from error
        finally:
            await response.aclose()

    async def request(self, cast_to: object, options: RequestOptions) -> Any:
        """Call an operation answering JSON (``cast_to`` is its type) or nothing (None)."""
        response, retries = await self._send(options)
        await self._read(response)

        async def parse() -> Any:
            return None if cast_to is None else _parse_json(response, cast_to)

        if options.raw():
            return AsyncAPIResponse(response, parse, retries)
        return await parse()

    async def request_events(
        self, types: Mapping[str, Any], options: RequestOptions, resumable: bool = True
    ) -> Any:
        """Call an operation answering a ``text/event-stream``: an :class:`AsyncStream`
        (``resumable=False``: never reconnected, as in the sync client)."""
        options = _events_options(options)
        last_event_id = options.headers.get("Last-Event-ID")

        async def reconnect(event_id: str) -> Optional[httpx.Response]:
            response, _ = await self._send(_resume(options, event_id))
            if response.status_code == 204:
                await response.aclose()
                return None
            return response

        response, retries = await self._send(options)

        async def parse() -> AsyncStream[Any]:
            first: Optional[httpx.Response] = response
            if response.status_code == 204:
                await response.aclose()
                first = None
            return AsyncStream(
                response=first,
                types=types,
                reconnect=reconnect,
                last_event_id=last_event_id if isinstance(last_event_id, str) else None,
                max_reconnects=max(self.max_retries, 1) if resumable else 0,
            )

        if options.raw():
            return AsyncAPIResponse(response, parse, retries)
        return await parse()

    async def request_bytes(self, options: RequestOptions, statuses: Iterable[int]) -> Any:
        """Call an operation answering bytes: a streamed :class:`AsyncBinaryResponse`."""
        response, retries = await self._send(options, ok_statuses=list(statuses))

        async def parse() -> AsyncBinaryResponse:
            return AsyncBinaryResponse(response)

        if options.raw():
            return AsyncAPIResponse(response, parse, retries)
        return AsyncBinaryResponse(response)


class SyncAPIResource:
    """The base of the generated resource classes (``client.cache``, …)."""

    def __init__(self, client: SyncAPIClient) -> None:
        self._client = client


class AsyncAPIResource:
    def __init__(self, client: AsyncAPIClient) -> None:
        self._client = client


def _raw_kwargs(kwargs: Dict[str, Any]) -> None:
    extra = dict(cast("Mapping[str, Any]", kwargs.get("extra_headers") or {}))
    extra[RAW_RESPONSE_HEADER] = "true"
    kwargs["extra_headers"] = extra


def to_raw_response_wrapper(func: Callable[_P, _R]) -> Callable[_P, APIResponse[_R]]:
    """The method ``func`` answering its :class:`APIResponse` instead of its result."""

    @wraps(func)
    def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> APIResponse[_R]:
        _raw_kwargs(kwargs)
        return cast(APIResponse[_R], func(*args, **kwargs))

    return wrapped


def async_to_raw_response_wrapper(
    func: Callable[_P, Awaitable[_R]],
) -> Callable[_P, Awaitable[AsyncAPIResponse[_R]]]:
    """The async method ``func`` answering its :class:`AsyncAPIResponse`."""

    @wraps(func)
    async def wrapped(*args: _P.args, **kwargs: _P.kwargs) -> AsyncAPIResponse[_R]:
        _raw_kwargs(kwargs)
        return cast(AsyncAPIResponse[_R], await func(*args, **kwargs))

    return wrapped
