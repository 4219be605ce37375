"""Retries against a local stand-in server that fails transiently (no platform needed)."""

from __future__ import annotations

import json
import re
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Dict, Iterator, List, Tuple

import pytest

from aerostack import Aerostack, InternalServerError

Response = Tuple[int, Dict[str, str], Any]


class FlakyServer:
    """Answers each request with the next scripted response, recording what it received."""

    def __init__(self, responses: List[Response]) -> None:
        self.responses = responses
        self.requests: List[Tuple[str, Dict[str, str]]] = []
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                owner.requests.append((self.command, dict(self.headers)))
                status, headers, body = owner.responses.pop(0)
                data = json.dumps(body).encode()
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            do_GET = do_POST = _answer

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


UNAVAILABLE: Response = (
    503,
    {"Content-Type": "application/problem+json", "Retry-After": "1"},
    {
        "type": "about:blank",
        "title": "Unavailable",
        "status": 503,
        "code": "internal/unexpected",
        "requestId": "req_1",
    },
)
HEALTHY: Response = (200, {"Content-Type": "application/json"}, {"status": "ok", "version": "test"})
CREATED: Response = (
    201,
    {"Content-Type": "application/json"},
    {
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
    },
)


@pytest.fixture
def flaky() -> Iterator[FlakyServer]:
    server = FlakyServer([])
    yield server
    server.close()


def test_a_get_is_retried_after_retry_after(flaky: FlakyServer) -> None:
    flaky.responses[:] = [UNAVAILABLE, HEALTHY]
    started = time.monotonic()
    with Aerostack(flaky.url, secret_key=None) as client:
        assert client.health.check().version == "test"
    assert len(flaky.requests) == 2
    assert time.monotonic() - started >= 0.95


def test_a_post_gets_an_idempotency_key_and_is_retried(flaky: FlakyServer) -> None:
    flaky.responses[:] = [UNAVAILABLE, CREATED]
    with Aerostack(flaky.url, account_key="ak_test") as client:
        created = client.projects.create(name="x")
    assert created.project.id == "prj_x"
    keys = [r[1]["Idempotency-Key"] for r in flaky.requests]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert re.fullmatch(r"idk_[0-9a-f]{32}", keys[0])


def test_a_post_without_a_declared_key_is_not_retried(flaky: FlakyServer) -> None:
    flaky.responses[:] = [UNAVAILABLE, CREATED]
    with Aerostack(flaky.url, account_key="ak_test") as client:
        with pytest.raises(InternalServerError) as caught:
            client.cache.increment("k")
    assert caught.value.status_code == 503
    assert caught.value.request_id == "req_1"
    assert len(flaky.requests) == 1
    assert flaky.requests[0][1]["Authorization"] == "Bearer ak_test"


def test_a_post_with_idempotency_key_is_retried(flaky: FlakyServer) -> None:
    flaky.responses[:] = [UNAVAILABLE, CREATED]
    with Aerostack(flaky.url, account_key="ak_test") as client:
        created = client.projects.create(name="x", idempotency_key="same")
    assert created.project.id == "prj_x"
    assert [r[1]["Idempotency-Key"] for r in flaky.requests] == ["same", "same"]


def test_retries_stop_at_max_retries(flaky: FlakyServer) -> None:
    quick = (503, {"Content-Type": "application/problem+json", "Retry-After": "0"}, UNAVAILABLE[2])
    flaky.responses[:] = [quick, quick, quick]
    with Aerostack(flaky.url, secret_key=None, max_retries=2) as client:
        with pytest.raises(InternalServerError):
            client.health.check()
    assert len(flaky.requests) == 3
