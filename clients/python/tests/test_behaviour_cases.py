"""The shared case table (spec/clients/cases.json) against this client's retry rules and error
mapping; expected values live only in that file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, List

import httpx
import pytest

from aerostack._retry import is_retryable, retry_delay_ms
from aerostack.errors import error_from_problem

CASES: Dict[str, List[Dict[str, Any]]] = json.loads(
    (Path(__file__).resolve().parents[3] / "spec" / "clients" / "cases.json").read_text()
)


@pytest.mark.parametrize("case", CASES["retry"], ids=lambda c: str(c["name"]))
def test_retry(case: Dict[str, Any]) -> None:
    assert (
        is_retryable(case["method"], case["idempotencyKey"], case["outcome"], case.get("status"))
        is case["retry"]
    )


@pytest.mark.parametrize("case", CASES["delay"], ids=lambda c: str(c["name"]))
def test_delay(case: Dict[str, Any]) -> None:
    assert (
        retry_delay_ms(case["n"], case["retryAfter"], case["nowMs"], case["r"]) == case["delayMs"]
    )


@pytest.mark.parametrize("case", CASES["errors"], ids=lambda c: str(c["name"]))
def test_error(case: Dict[str, Any]) -> None:
    response = httpx.Response(
        case["status"],
        headers=case["headers"],
        content=case["body"].encode(),
        request=httpx.Request("GET", "http://platform/v1/x"),
    )
    error = error_from_problem(response, case["body"])
    seen = {
        "status": error.status_code,
        "code": error.code,
        "title": error.title,
        "detail": error.detail,
        "requestId": error.request_id,
    }
    assert {k: seen[k] for k in case["expect"]} == case["expect"]
