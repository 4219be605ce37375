from __future__ import annotations

from typing import Dict

import pytest

from aerostack import Aerostack, AuthenticationError, ErrorCode


def test_account_and_projects_list(account_client: Aerostack, platform: Dict[str, str]) -> None:
    account = account_client.account.get()
    assert account.id.startswith("acc_")
    page = account_client.projects.list(limit=1000)
    assert platform["AEROSTACK_PROJECT_ID"] in [p.id for p in page.data]
    assert page.next_cursor is None
    assert page.data[0].created_at.tzinfo is not None


def test_create_with_an_idempotency_key_acts_once(account_client: Aerostack, unique: str) -> None:
    first = account_client.projects.create(
        name=f"py-{unique}", idempotency_key=f"py-create-{unique}"
    )
    again = account_client.projects.create(
        name=f"py-{unique}", idempotency_key=f"py-create-{unique}"
    )
    assert first.project.id.startswith("prj_")
    assert again.project.id == first.project.id
    assert first.secret_key.key.startswith("sk_")
    assert first.publishable_key.key.startswith("pk_")
    assert first.secret_key.revoked_at is None

    other = account_client.projects.create(
        name=f"py-{unique}", idempotency_key=f"py-create-other-{unique}"
    )
    assert other.project.id != first.project.id
    assert account_client.projects.get(first.project.id).name == f"py-{unique}"


def test_list_all_follows_the_cursor(account_client: Aerostack, unique: str) -> None:
    for i in range(3):
        account_client.projects.create(name=f"py-page-{unique}-{i}")
    everything = account_client.projects.list(limit=1000).data
    paged = list(account_client.projects.list_all(limit=1))
    assert [p.id for p in paged] == [p.id for p in everything]
    assert len(paged) >= 4
    first_page = account_client.projects.list(limit=1)
    assert len(first_page.data) == 1
    assert first_page.next_cursor is not None


def test_rotating_a_secret_key_revokes_the_old_one(
    account_client: Aerostack, platform: Dict[str, str], unique: str
) -> None:
    created = account_client.projects.create(name=f"py-rotate-{unique}")
    url = platform["AEROSTACK_URL"]
    with Aerostack(url, secret_key=created.secret_key.key) as old:
        old.cache.set("rotation", value="before")

        rotated = account_client.projects.keys.rotate(created.project.id, type="secret")
        assert rotated.type == "secret"
        assert rotated.key.startswith("sk_")
        assert rotated.key != created.secret_key.key

        with pytest.raises(AuthenticationError) as caught:
            old.cache.get("rotation")
        assert caught.value.code == ErrorCode.AUTH_INVALID_CREDENTIALS
        assert caught.value.status_code == 401

    with Aerostack(url, secret_key=rotated.key) as new:
        assert new.cache.get("rotation").value == "before"

    keys = list(account_client.projects.keys.list_all(created.project.id))
    revoked = [k for k in keys if k.id == created.secret_key.id]
    assert len(revoked) == 1 and revoked[0].revoked_at is not None
    assert any(k.id == rotated.id and k.revoked_at is None for k in keys)
