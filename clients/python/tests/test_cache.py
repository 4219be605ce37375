from __future__ import annotations

import time
from typing import Dict

import pytest

from aerostack import (
    Aerostack,
    APIError,
    ErrorCode,
    NotFoundError,
    PermissionDeniedError,
    UnprocessableEntityError,
)


def test_set_get_increment_delete_round_trip(secret_client: Aerostack, unique: str) -> None:
    key = f"py:round-trip:{unique}"
    stored = secret_client.cache.set(key, value={"theme": "dark", "n": [1, 2]})
    assert stored.key == key
    assert stored.value == {"theme": "dark", "n": [1, 2]}
    assert stored.expires_at is None

    assert secret_client.cache.get(key).value == {"theme": "dark", "n": [1, 2]}

    counter_key = f"py:counter:{unique}"
    assert secret_client.cache.increment(counter_key).value == 1
    assert secret_client.cache.increment(counter_key, by=5).value == 6
    assert secret_client.cache.increment(counter_key, by=-2).value == 4
    assert secret_client.cache.get(counter_key).value == 4

    assert secret_client.cache.delete(key).deleted is True
    assert secret_client.cache.delete(key).deleted is False


def test_a_miss_is_a_not_found_error(secret_client: Aerostack, unique: str) -> None:
    with pytest.raises(NotFoundError) as caught:
        secret_client.cache.get(f"py:missing:{unique}")
    error = caught.value
    assert isinstance(error, APIError)
    assert error.code == ErrorCode.CACHE_NOT_FOUND == "cache/not-found"
    assert error.status_code == 404
    assert error.request_id and error.request_id.startswith("req_")
    assert error.title
    assert error.to_dict()["code"] == "cache/not-found"


def test_entries_expire_after_their_ttl(secret_client: Aerostack, unique: str) -> None:
    key = f"py:ttl:{unique}"
    stored = secret_client.cache.set(key, value="short-lived", ttl_seconds=1)
    assert stored.expires_at is not None
    assert secret_client.cache.get(key).value == "short-lived"
    time.sleep(1.2)
    with pytest.raises(NotFoundError):
        secret_client.cache.get(key)


def test_incrementing_a_non_integer_is_rejected(secret_client: Aerostack, unique: str) -> None:
    key = f"py:text:{unique}"
    secret_client.cache.set(key, value="not a number")
    with pytest.raises(UnprocessableEntityError) as caught:
        secret_client.cache.increment(key)
    assert caught.value.code == ErrorCode.CACHE_NOT_AN_INTEGER
    assert caught.value.status_code == 422


def test_a_publishable_key_may_not_use_the_cache(platform: Dict[str, str], unique: str) -> None:
    with Aerostack(
        platform["AEROSTACK_URL"], publishable_key=platform["AEROSTACK_PUBLISHABLE_KEY"]
    ) as client:
        with pytest.raises(PermissionDeniedError) as caught:
            client.cache.get(f"py:any:{unique}")
    assert caught.value.code == ErrorCode.AUTH_WRONG_CREDENTIAL_TYPE
    assert caught.value.status_code == 403


def test_health_needs_no_credential(platform: Dict[str, str]) -> None:
    with Aerostack(platform["AEROSTACK_URL"], secret_key=None) as client:
        health = client.health.check()
    assert health.status == "ok"
    assert health.version
