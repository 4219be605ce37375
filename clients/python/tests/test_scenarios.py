"""The cross-language scenarios (scenarios/*.json) against the live platform, with the sync and
the async client; scenarios/fixtures/*.json too when AEROSTACK_FIXTURES=1 (the platform started
with ``scripts/with-platform.sh --fixtures``), through the client generated from the fixture spec;
scenarios/ai-local/*.json when AEROSTACK_SCENARIOS_AI_LOCAL=1 (``scripts/with-platform.sh
--local-ai``, run alone there with ``-k ai_local_scenario``: scenarios/ai.json expects no provider)."""

from __future__ import annotations

import os
from typing import Any, Dict, Tuple

import pytest

import aerostack
from aerostack._operations import OPERATIONS
from scenario_runner import load, run_async, run_sync, scenario_files

PLAIN = scenario_files("")
FIXTURES = scenario_files("fixtures")
AI_LOCAL = scenario_files("ai-local")


def _fixture_client() -> Tuple[Any, Any]:
    if os.environ.get("AEROSTACK_FIXTURES") != "1":
        pytest.skip(
            "fixture scenarios run with AEROSTACK_FIXTURES=1 under scripts/with-platform.sh --fixtures"
        )
    import fixture_client
    from fixture_client._operations import OPERATIONS as FIXTURE_OPERATIONS

    return fixture_client, FIXTURE_OPERATIONS


def _name(path: str) -> str:
    return os.path.splitext(os.path.basename(path))[0]


@pytest.mark.parametrize("path", PLAIN, ids=_name)
def test_scenario(path: str, platform: Dict[str, str]) -> None:
    run_sync(load(path), aerostack, OPERATIONS)


@pytest.mark.anyio
@pytest.mark.parametrize("path", PLAIN, ids=_name)
async def test_scenario_async(path: str, platform: Dict[str, str]) -> None:
    await run_async(load(path), aerostack, OPERATIONS)


@pytest.mark.parametrize("path", FIXTURES, ids=_name)
def test_fixture_scenario(path: str, platform: Dict[str, str]) -> None:
    module, operations = _fixture_client()
    run_sync(load(path), module, operations)


@pytest.mark.anyio
@pytest.mark.parametrize("path", FIXTURES, ids=_name)
async def test_fixture_scenario_async(path: str, platform: Dict[str, str]) -> None:
    module, operations = _fixture_client()
    await run_async(load(path), module, operations)


def _needs_local_ai() -> None:
    if os.environ.get("AEROSTACK_SCENARIOS_AI_LOCAL") != "1":
        pytest.skip(
            "AI-local scenarios run with AEROSTACK_SCENARIOS_AI_LOCAL=1"
            " under scripts/with-platform.sh --local-ai"
        )


@pytest.mark.parametrize("path", AI_LOCAL, ids=_name)
def test_ai_local_scenario(path: str, platform: Dict[str, str]) -> None:
    _needs_local_ai()
    run_sync(load(path), aerostack, OPERATIONS)


@pytest.mark.anyio
@pytest.mark.parametrize("path", AI_LOCAL, ids=_name)
async def test_ai_local_scenario_async(path: str, platform: Dict[str, str]) -> None:
    _needs_local_ai()
    await run_async(load(path), aerostack, OPERATIONS)


def test_there_are_scenarios() -> None:
    assert PLAIN, "no scenarios/*.json found"
    assert AI_LOCAL, "no scenarios/ai-local/*.json found"
