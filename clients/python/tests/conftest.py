"""Fixtures: clients for the live platform named by AEROSTACK_URL and its keys.

Run under ``scripts/with-platform.sh``. Without the variables the live tests are skipped
locally, and fail when CI=true so that CI can never pass without running them.
"""

from __future__ import annotations

import os
import uuid
from typing import AsyncIterator, Dict, Iterator

import pytest

from aerostack import Aerostack, AsyncAerostack

REQUIRED = (
    "AEROSTACK_URL",
    "AEROSTACK_SECRET_KEY",
    "AEROSTACK_ACCOUNT_KEY",
    "AEROSTACK_PUBLISHABLE_KEY",
    "AEROSTACK_PROJECT_ID",
)


def _live_or_skip() -> Dict[str, str]:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        message = (
            f"no live platform: {', '.join(missing)} unset (run under scripts/with-platform.sh)"
        )
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return {name: os.environ[name] for name in REQUIRED}


@pytest.fixture(scope="session")
def platform() -> Dict[str, str]:
    return _live_or_skip()


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def secret_client(platform: Dict[str, str]) -> Iterator[Aerostack]:
    with Aerostack(
        platform["AEROSTACK_URL"], secret_key=platform["AEROSTACK_SECRET_KEY"]
    ) as client:
        yield client


@pytest.fixture
def account_client(platform: Dict[str, str]) -> Iterator[Aerostack]:
    with Aerostack(
        platform["AEROSTACK_URL"], account_key=platform["AEROSTACK_ACCOUNT_KEY"]
    ) as client:
        yield client


@pytest.fixture
async def async_secret_client(platform: Dict[str, str]) -> AsyncIterator[AsyncAerostack]:
    async with AsyncAerostack(
        platform["AEROSTACK_URL"], secret_key=platform["AEROSTACK_SECRET_KEY"]
    ) as client:
        yield client


@pytest.fixture
def unique() -> str:
    """A fresh suffix, so tests never share cache keys or idempotency keys."""
    return uuid.uuid4().hex[:12]
