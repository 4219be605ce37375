"""Typed usage of the public API, checked by ``mypy --strict`` (tests/test_typing.py runs it).

Nothing here runs against a platform: each function only has to type-check, and
``assert_type`` pins what users see in their editors.
"""

from __future__ import annotations

from datetime import datetime
from typing import List, Optional

from typing_extensions import assert_type

import aerostack
from aerostack import (
    NOT_GIVEN,
    APIError,
    APIResponse,
    APIStatusError,
    AsyncAerostack,
    AsyncAPIResponse,
    AsyncPager,
    NotFoundError,
    SyncPager,
)


def sync_usage() -> None:
    with aerostack.Aerostack() as client:
        entry = client.cache.set("k", value={"a": 1}, ttl_seconds=60)
        assert_type(entry, aerostack.CacheEntry)
        assert_type(entry.expires_at, Optional[datetime])
        assert_type(entry.value, object)
        client.cache.set("k", value=None)  # null is a value
        client.cache.increment("n", by=NOT_GIVEN)  # omitted, like leaving it out
        counter = client.cache.increment("n", by=2, extra_headers={"X-Trace": "1"}, timeout=5.0)
        assert_type(counter.value, int)

        raw = client.with_raw_response.cache.get("k")
        assert_type(raw, APIResponse[aerostack.CacheEntry])
        assert_type(raw.status_code, int)
        assert_type(raw.parse(), aerostack.CacheEntry)

        pager = client.projects.list_all(limit=10)
        assert_type(pager, SyncPager[aerostack.Project])
        names: List[str] = [p.name for p in pager]
        del names

        try:
            client.cache.get("missing")
        except NotFoundError as error:
            assert_type(error.code, str)
            assert_type(error.status_code, int)
            assert_type(error.request_id, Optional[str])
        except APIStatusError as error:
            assert_type(error.response.status_code, int)
        except APIError as error:
            assert_type(error.status_code, int)

        created = client.with_options(max_retries=5).projects.create(
            name="app", idempotency_key="k1"
        )
        assert_type(created.secret_key.key, str)


async def async_usage() -> None:
    async with AsyncAerostack(secret_key="sk_x") as client:
        entry = await client.cache.get("k")
        assert_type(entry, aerostack.CacheEntry)
        raw = await client.with_raw_response.cache.get("k")
        assert_type(raw, AsyncAPIResponse[aerostack.CacheEntry])
        assert_type(await raw.parse(), aerostack.CacheEntry)
        pager = client.projects.list_all()
        assert_type(pager, AsyncPager[aerostack.Project])
        async for project in pager:
            assert_type(project, aerostack.Project)
        await client.cache.delete("k")


def wrong_usage(client: aerostack.Aerostack) -> None:
    client.cache.set("k", value=1, ttl_seconds=None)  # type: ignore[arg-type]  # not nullable
    client.cache.get(123)  # type: ignore[arg-type]
