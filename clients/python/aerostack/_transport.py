"""Sends requests: credentials, timeouts, retries with jittered backoff, errors."""

from __future__ import annotations

import random
import time
from email.utils import parsedate_to_datetime
from typing import Any, Dict, Mapping, Optional

import httpx

from ._version import __version__
from .errors import APIConnectionError, APITimeoutError, AerostackError, error_from_response

_IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
_MIN_BACKOFF = 0.5
_MAX_BACKOFF = 8.0
_MAX_RETRY_AFTER = 60.0


def _retryable_status(status: int) -> bool:
    return status in (408, 409, 429) or status >= 500


def _retry_after(response: httpx.Response) -> Optional[float]:
    """Retry-After as seconds, or as an HTTP date; None when absent or unreadable."""
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            seconds = parsedate_to_datetime(value).timestamp() - time.time()
        except (TypeError, ValueError):
            return None
    return min(max(seconds, 0.0), _MAX_RETRY_AFTER)


class Transport:
    """The HTTP layer shared by every namespace of a client."""

    def __init__(
        self,
        base_url: str,
        *,
        credential: Optional[str],
        timeout: float,
        max_retries: int,
        headers: Optional[Mapping[str, str]],
        http_client: Optional[httpx.Client],
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.max_retries = max(max_retries, 0)
        self._credential = credential
        self._timeout = timeout
        self._headers = {
            "Accept": "application/json, application/problem+json",
            "User-Agent": f"aerostack-python/{__version__}",
            **(headers or {}),
        }
        self._owns_client = http_client is None
        self._client = http_client or httpx.Client()

    def close(self) -> None:
        if self._owns_client:
            self._client.close()

    def backoff(self, attempt: int, response: Optional[httpx.Response]) -> float:
        """Seconds to wait before retry ``attempt + 1``: Retry-After, else jittered exponential."""
        if response is not None:
            after = _retry_after(response)
            if after is not None:
                return after
        delay = min(_MIN_BACKOFF * (2**attempt), _MAX_BACKOFF)
        return random.uniform(delay / 2, delay)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Optional[Mapping[str, Any]] = None,
        headers: Optional[Mapping[str, Optional[str]]] = None,
        json: Any = None,
        content_type: str = "application/json",
        auth: bool = True,
    ) -> Any:
        """Send one operation call and return its parsed JSON body (None when empty).

        ``content_type`` is the media type of ``json``: ``application/json`` or another
        ``+json`` type such as ``application/merge-patch+json``.
        """
        merged: Dict[str, str] = dict(self._headers)
        merged.update({k: v for k, v in (headers or {}).items() if v is not None})
        if json is not None:
            merged["Content-Type"] = content_type
        if auth and self._credential:
            merged["Authorization"] = f"Bearer {self._credential}"
        query = {k: _query_value(v) for k, v in (params or {}).items() if v is not None}
        retryable = method in _IDEMPOTENT or "Idempotency-Key" in merged
        attempt = 0
        while True:
            can_retry = retryable and attempt < self.max_retries
            try:
                response = self._client.request(
                    method,
                    self.base_url + path,
                    params=query,
                    headers=merged,
                    json=json,
                    timeout=self._timeout,
                )
            except httpx.TimeoutException as error:
                if not can_retry:
                    raise APITimeoutError(str(error) or "timed out") from error
                time.sleep(self.backoff(attempt, None))
                attempt += 1
                continue
            except httpx.TransportError as error:
                if not can_retry:
                    raise APIConnectionError(str(error) or type(error).__name__) from error
                time.sleep(self.backoff(attempt, None))
                attempt += 1
                continue
            if response.is_success:
                return response.json() if response.content else None
            if can_retry and _retryable_status(response.status_code):
                time.sleep(self.backoff(attempt, response))
                attempt += 1
                continue
            raise _error(response)


def _query_value(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _error(response: httpx.Response) -> AerostackError:
    try:
        body: Any = response.json()
    except ValueError:
        body = response.text
    return error_from_response(
        response.status_code, body, response.headers.get("x-request-id"), response.reason_phrase
    )
