"""The shared retry rules of spec/clients/README.md, on the constants of ``_behaviour``."""

from __future__ import annotations

import math
import re
import secrets
from email.utils import parsedate_to_datetime
from typing import Optional

from typing_extensions import Literal, TypeAlias

from . import _behaviour as b

Outcome: TypeAlias = Literal["status", "connect", "network", "timeout"]
"""How an attempt ended: a response with a status, a connection that never opened, a
connection that broke after the request may have been sent, or the per-attempt timeout."""

_SECONDS = re.compile(r"^[0-9]+$")


def is_retryable(
    method: str, has_idempotency_key: bool, outcome: Outcome, status: Optional[int] = None
) -> bool:
    """Whether an attempt that ended in ``outcome`` may be retried (spec/clients/README.md)."""
    if outcome == "connect":
        return True
    safe = method.upper() in b.RETRY_IDEMPOTENT_METHODS or has_idempotency_key
    if outcome in ("network", "timeout"):
        return safe
    if status is None:
        return False
    retryable = status in b.RETRY_RETRY_STATUSES or (
        b.RETRY_RETRY_SERVER_ERRORS and 500 <= status <= 599
    )
    return retryable and safe


def retry_after_ms(header: Optional[str], now_ms: float) -> Optional[int]:
    """A ``Retry-After`` header as milliseconds to wait (capped), or None when it does not parse."""
    if header is None:
        return None
    text = header.strip()
    if not text:
        return None
    if _SECONDS.match(text):
        return min(int(text) * 1000, b.RETRY_RETRY_AFTER_CAP_MS)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None:  # pyright: ignore[reportUnnecessaryComparison]
        return None
    wait = math.floor(when.timestamp() * 1000 - now_ms)
    return min(max(wait, 0), b.RETRY_RETRY_AFTER_CAP_MS)


def retry_delay_ms(n: int, retry_after: Optional[str], now_ms: float, r: float) -> int:
    """Milliseconds to wait before retry ``n`` (0-based): ``Retry-After`` if it parses, else
    ``min(max, initial × multiplier^n)`` less up to ``jitter`` of it (``r`` uniform in [0, 1))."""
    after = retry_after_ms(retry_after, now_ms)
    if after is not None:
        return after
    base = min(
        float(b.RETRY_BACKOFF_MAX_MS),
        b.RETRY_BACKOFF_INITIAL_MS * float(b.RETRY_BACKOFF_MULTIPLIER) ** min(max(n, 0), 64),
    )
    return math.floor(base * (1 - b.RETRY_BACKOFF_JITTER * r))


def new_idempotency_key() -> str:
    """A fresh ``Idempotency-Key``: the prefix and 32 lower-case hex digits (cryptographic)."""
    return b.IDEMPOTENCY_KEY_PREFIX + secrets.token_hex(16)
