"""RFC 3339 times on the wire, ``datetime`` in Python."""

from __future__ import annotations

import re
from datetime import datetime, timezone
from urllib.parse import quote

_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(value: str) -> datetime:
    """Parse an RFC 3339 time; ``fromisoformat`` before 3.11 needs ``+00:00`` and 6 digits."""
    text = value.replace("Z", "+00:00").replace("z", "+00:00")
    text = _FRACTION.sub(lambda m: "." + m.group(1)[:6].ljust(6, "0"), text, count=1)
    return datetime.fromisoformat(text)


def format_datetime(value: datetime) -> str:
    """Format a time as RFC 3339; a naive time is taken to be UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.isoformat().replace("+00:00", "Z")


def path_param(value: object) -> str:
    """A path parameter, percent-encoded so that ``/`` and ``?`` stay inside the segment."""
    return quote(format_datetime(value) if isinstance(value, datetime) else str(value), safe="")
