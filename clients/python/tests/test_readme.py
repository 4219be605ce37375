"""The README's quickstart runs against the live platform as written."""

from __future__ import annotations

import contextlib
import io
import os
import re
from typing import Dict

HERE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def quickstart() -> str:
    with open(os.path.join(HERE, "README.md"), encoding="utf-8") as file:
        text = file.read()
    section = text.split("## Quickstart", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "the README has no python block under ## Quickstart"
    return match.group(1)


def test_the_quickstart_runs(platform: Dict[str, str]) -> None:
    code = compile(quickstart(), "README.md#quickstart", "exec")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(code, {"__name__": "quickstart"})
    printed = out.getvalue()
    assert "{'theme': 'dark'}" in printed
    assert "cache/not-found 404 req_" in printed
    assert "[1, 2, 3]" in printed
