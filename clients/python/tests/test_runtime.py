"""The runtime against httpx's MockTransport (no platform): what goes on the wire for omitted
and null arguments, idempotency keys, raw responses, invalid answers, event streams that resume,
downloads and uploads — sync and async."""

from __future__ import annotations

import io
import json
import re
from typing import Any, AsyncIterator, Callable, Dict, Iterator, List

import httpx
import pytest

import fixture_client as fx
from aerostack import (
    NOT_GIVEN,
    Aerostack,
    APIConnectionError,
    APIResponseValidationError,
    AsyncAerostack,
    BinaryResponse,
    NotFoundError,
)
from aerostack.models import AiMessage

Handler = Callable[[httpx.Request], httpx.Response]

ENTRY = {"key": "k", "value": 1, "expiresAt": None}


def sync_client(handler: Handler, **kwargs: Any) -> Aerostack:
    return Aerostack(
        "http://platform",
        secret_key="sk_test",
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


def async_client(handler: Handler, **kwargs: Any) -> AsyncAerostack:
    return AsyncAerostack(
        "http://platform",
        secret_key="sk_test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(handler)),
        **kwargs,
    )


class Recorder:
    def __init__(self, *responses: httpx.Response) -> None:
        self.responses = list(responses)
        self.requests: List[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        request.read()
        self.requests.append(request)
        return self.responses.pop(0)

    def bodies(self) -> List[Any]:
        return [json.loads(r.content) if r.content else None for r in self.requests]


def test_omitted_and_null_arguments_differ() -> None:
    seen = Recorder(httpx.Response(200, json=ENTRY), httpx.Response(200, json=ENTRY))
    client = sync_client(seen)
    client.cache.set("k", value=None)
    client.cache.set("k", value=1, ttl_seconds=NOT_GIVEN)
    assert seen.bodies() == [{"value": None}, {"value": 1}]
    assert seen.requests[0].headers["authorization"] == "Bearer sk_test"
    assert seen.requests[0].headers["content-type"] == "application/json"


def test_an_optional_body_with_nothing_set_is_not_sent() -> None:
    seen = Recorder(httpx.Response(200, json={"key": "n", "value": 1, "expiresAt": None}))
    sync_client(seen).cache.increment("n")
    assert seen.requests[0].content == b""
    assert "idempotency-key" not in seen.requests[0].headers


def test_a_declared_idempotency_key_is_generated_once_per_call() -> None:
    unavailable = httpx.Response(
        503, headers={"Retry-After": "0"}, json={"code": "internal/unexpected"}
    )
    created = {
        "project": {"id": "prj_x", "name": "x", "createdAt": "2026-01-01T00:00:00Z"},
        "secretKey": {
            "id": "key_s",
            "type": "secret",
            "projectId": "prj_x",
            "hint": "sk_…",
            "createdAt": "2026-01-01T00:00:00Z",
            "revokedAt": None,
            "key": "sk_x",
        },
        "publishableKey": {
            "id": "key_p",
            "type": "publishable",
            "projectId": "prj_x",
            "hint": "pk_…",
            "createdAt": "2026-01-01T00:00:00Z",
            "revokedAt": None,
            "key": "pk_x",
        },
    }
    seen = Recorder(
        unavailable, httpx.Response(201, json=created), httpx.Response(201, json=created)
    )
    client = sync_client(seen)
    result = client.projects.create(name="x")
    assert result.project.created_at.year == 2026
    keys = [r.headers["idempotency-key"] for r in seen.requests]
    assert keys[0] == keys[1] and re.fullmatch(r"idk_[0-9a-f]{32}", keys[0])
    client.projects.create(name="x", idempotency_key="mine")
    assert seen.requests[2].headers["idempotency-key"] == "mine"


def test_raw_response_and_errors() -> None:
    seen = Recorder(
        httpx.Response(200, json=ENTRY, headers={"X-Request-Id": "req_1"}),
        httpx.Response(
            404, json={"code": "cache/not-found", "title": "Not found", "requestId": "req_2"}
        ),
    )
    client = sync_client(seen)
    raw = client.with_raw_response.cache.get("k")
    assert raw.status_code == 200 and raw.request_id == "req_1"
    assert raw.parse().value == 1
    with pytest.raises(NotFoundError) as caught:
        client.cache.with_raw_response.get("missing")
    assert (caught.value.code, caught.value.status_code, caught.value.request_id) == (
        "cache/not-found",
        404,
        "req_2",
    )


def test_a_2xx_that_is_not_the_declared_json_is_invalid_response() -> None:
    client = sync_client(
        Recorder(httpx.Response(200, text="<html>"), httpx.Response(200, json={"nope": 1}))
    )
    for _ in range(2):
        with pytest.raises(APIResponseValidationError) as caught:
            client.cache.get("k")
        assert caught.value.code == "client/invalid-response"
        assert caught.value.status_code == 200


def test_no_answer_is_a_connection_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    with pytest.raises(APIConnectionError) as caught:
        sync_client(refuse, max_retries=0).cache.get("k")
    assert caught.value.code == "client/network"
    assert caught.value.status_code == 0


def test_per_call_options_and_env_defaults(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AEROSTACK_URL", "http://from-env:1234")
    monkeypatch.setenv("AEROSTACK_SECRET_KEY", "sk_env")
    seen = Recorder(httpx.Response(200, json=ENTRY))
    client = Aerostack(http_client=httpx.Client(transport=httpx.MockTransport(seen)))
    client.cache.get("a/b", extra_headers={"X-Trace": "t"}, extra_query={"debug": True})
    request = seen.requests[0]
    assert str(request.url) == "http://from-env:1234/v1/cache/a%2Fb?debug=true"
    assert request.headers["authorization"] == "Bearer sk_env"
    assert request.headers["x-trace"] == "t"
    assert Aerostack(secret_key=None)._auth_header() is None


def _sse(*frames: str) -> bytes:
    return "".join(frames).encode()


def _tick(n: int) -> str:
    return f"id: {n}\nevent: tick\ndata: {json.dumps({'n': n})}\n\n"


class DroppingStream(httpx.SyncByteStream, httpx.AsyncByteStream):
    """Sends its chunks, then breaks the connection."""

    def __init__(self, chunks: List[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> Iterator[bytes]:
        yield from self.chunks
        raise httpx.ReadError("connection reset")

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        raise httpx.ReadError("connection reset")


def _events_handler(seen: List[Dict[str, str]]) -> Handler:
    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        last = request.headers.get("last-event-id")
        headers = {"Content-Type": "text/event-stream"}
        if last is None:
            first = _sse("retry: 1\n\n", ": heartbeat\n\n", _tick(1), _tick(2))
            return httpx.Response(200, headers=headers, stream=DroppingStream([first]))
        if last == "2":
            return httpx.Response(200, headers=headers, content=_sse(_tick(3)))
        return httpx.Response(204)

    return handler


def test_an_event_stream_resumes_with_last_event_id() -> None:
    seen: List[Dict[str, str]] = []
    client = fx.Aerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.Client(transport=httpx.MockTransport(_events_handler(seen))),
    )
    with client.fixtures.events(count=3) as stream:
        events = [(e.event, e.id, e.data.n) for e in stream]
    assert events == [("tick", "1", 1), ("tick", "2", 2), ("tick", "3", 3)]
    assert [h.get("last-event-id") for h in seen] == [None, "2", "3"]
    assert seen[0]["accept"] == "text/event-stream"
    assert stream.last_event_id == "3"


@pytest.mark.anyio
async def test_an_async_event_stream_resumes_with_last_event_id() -> None:
    seen: List[Dict[str, str]] = []
    client = fx.AsyncAerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(_events_handler(seen))),
    )
    stream = await client.fixtures.events(count=3)
    assert [e.data.n async for e in stream] == [1, 2, 3]
    assert [h.get("last-event-id") for h in seen] == [None, "2", "3"]


def _generation_handler(seen: List[Dict[str, str]]) -> Handler:
    """An AI generation: each request starts one over, with ids, and the server closes it."""

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(dict(request.headers))
        if len(seen) > 1:  # a reconnection (a test that fails rather than loops)
            return httpx.Response(204)
        body = _sse(
            'id: 1\nevent: start\ndata: {"model": "m"}\n\n',
            'id: 2\nevent: delta\ndata: {"text": "Hi"}\n\n',
            'id: 3\nevent: done\ndata: {"finishReason": "stop",'
            ' "usage": {"inputTokens": 1, "outputTokens": 1}}\n\n',
        )
        return httpx.Response(200, headers={"Content-Type": "text/event-stream"}, content=body)

    return handler


def test_a_stream_that_cannot_resume_ends_when_the_server_closes_it() -> None:
    # ai.chatStream takes no Last-Event-ID: a reconnection would ask the model again.
    seen: List[Dict[str, str]] = []
    client = Aerostack(
        "http://platform",
        secret_key="sk_test",
        http_client=httpx.Client(transport=httpx.MockTransport(_generation_handler(seen))),
    )
    with client.ai.chat_stream(messages=[AiMessage(role="user", content="Hello")]) as stream:
        assert [e.event for e in stream] == ["start", "delta", "done"]
    assert len(seen) == 1


@pytest.mark.anyio
async def test_an_async_stream_that_cannot_resume_ends_when_the_server_closes_it() -> None:
    seen: List[Dict[str, str]] = []
    client = AsyncAerostack(
        "http://platform",
        secret_key="sk_test",
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(_generation_handler(seen))),
    )
    stream = await client.ai.chat_stream(messages=[AiMessage(role="user", content="Hello")])
    assert [e.event async for e in stream] == ["start", "delta", "done"]
    assert len(seen) == 1


def test_an_error_event_raises_the_problem() -> None:
    problem = {"code": "fixtures/not-found", "status": 404, "title": "Not found"}
    body = _sse(_tick(1), f"event: error\ndata: {json.dumps(problem)}\n\n")
    client = fx.Aerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.Client(
            transport=httpx.MockTransport(
                lambda r: httpx.Response(
                    200, headers={"Content-Type": "text/event-stream"}, content=body
                )
            )
        ),
    )
    received: List[int] = []
    with pytest.raises(NotFoundError) as caught:
        for event in client.fixtures.events():
            received.append(event.data.n)
    assert received == [1] and caught.value.code == "fixtures/not-found"


def test_downloads_stream_with_status_and_headers() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.headers.get("if-none-match") == '"e1"':
            return httpx.Response(304, headers={"ETag": '"e1"'})
        return httpx.Response(
            206, headers={"ETag": '"e1"', "Content-Range": "bytes 0-3/10"}, content=b"abcd"
        )

    client = fx.Aerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.Client(transport=httpx.MockTransport(handler)),
    )
    with client.fixtures.download("blob", range="bytes=0-3") as download:
        assert isinstance(download, BinaryResponse)
        assert (download.status_code, download.etag) == (206, '"e1"')
        assert b"".join(download.iter_bytes()) == b"abcd"
    assert client.fixtures.download("blob", if_none_match='"e1"').status_code == 304


def test_uploads_take_bytes_files_and_iterators() -> None:
    seen = Recorder(
        *[httpx.Response(200, json={"name": "b", "sizeBytes": 6, "sha256": "x"}) for _ in range(3)]
    )
    client = fx.Aerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.Client(transport=httpx.MockTransport(seen)),
    )
    client.fixtures.upload("b", content=b"abcdef")
    client.fixtures.upload("b", content=io.BytesIO(b"abcdef"))
    client.fixtures.upload("b", content=iter([b"abc", b"def"]))
    assert [r.content for r in seen.requests] == [b"abcdef"] * 3
    assert seen.requests[1].headers["content-length"] == "6"
    assert seen.requests[0].headers["content-type"] == "application/octet-stream"


def test_multipart_forms_send_text_and_file_parts() -> None:
    seen = Recorder(httpx.Response(200, json={"title": "t", "fileName": "a.txt", "sizeBytes": 2}))
    client = fx.Aerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.Client(transport=httpx.MockTransport(seen)),
    )
    result = client.fixtures.form(title="t", file=("a.txt", b"hi", "text/plain"))
    assert result.file_name == "a.txt"
    body = seen.requests[0].content
    assert b'name="title"' in body and b'filename="a.txt"' in body and b"text/plain" in body


def test_repeated_query_parameters() -> None:
    seen = Recorder(httpx.Response(200, json={"tags": ["a", "b"]}))
    client = fx.Aerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.Client(transport=httpx.MockTransport(seen)),
    )
    client.fixtures.tags(tag=["a", "b"], sort="asc")
    assert seen.requests[0].url.query == b"tag=a&tag=b&sort=asc"


@pytest.mark.anyio
async def test_async_client_calls_and_raw_responses() -> None:
    seen = Recorder(
        httpx.Response(200, json=ENTRY),
        httpx.Response(200, json=ENTRY, headers={"X-Request-Id": "r"}),
    )
    async with async_client(seen) as client:
        assert (await client.cache.set("k", value=1)).value == 1
        raw = await client.with_raw_response.cache.get("k")
        assert raw.request_id == "r" and (await raw.parse()).key == "k"


@pytest.mark.anyio
async def test_async_uploads_take_async_iterators() -> None:
    async def chunks() -> AsyncIterator[bytes]:
        yield b"abc"
        yield b"def"

    seen = Recorder(
        *[httpx.Response(200, json={"name": "b", "sizeBytes": 6, "sha256": "x"}) for _ in range(2)]
    )
    client = fx.AsyncAerostack(
        "http://platform",
        secret_key=None,
        http_client=httpx.AsyncClient(transport=httpx.MockTransport(seen)),
    )
    await client.fixtures.upload("b", content=chunks())
    await client.fixtures.upload("b", content=[b"abc", b"def"])
    assert [r.content for r in seen.requests] == [b"abcdef"] * 2


def test_a_credential_function_is_asked_on_every_attempt() -> None:
    tokens = iter(["t1", "t2"])
    seen = Recorder(
        httpx.Response(503, headers={"Retry-After": "0"}, json={"code": "internal/unexpected"}),
        httpx.Response(200, json=ENTRY),
    )
    client = Aerostack(
        "http://platform",
        credential=lambda: next(tokens),
        http_client=httpx.Client(transport=httpx.MockTransport(seen)),
    )
    client.cache.get("k")
    assert [r.headers["authorization"] for r in seen.requests] == ["Bearer t1", "Bearer t2"]
    with pytest.raises(ValueError):
        Aerostack(secret_key="sk_a", account_key="ak_b")


def test_with_options_copies_the_client() -> None:
    seen = Recorder(httpx.Response(503, json={"code": "internal/unexpected"}))
    client = sync_client(seen, max_retries=3)
    copy = client.with_options(max_retries=0, default_headers={"X-App": "a"})
    with pytest.raises(Exception):
        copy.cache.get("k")
    assert len(seen.requests) == 1 and seen.requests[0].headers["x-app"] == "a"
    assert client.max_retries == 3
