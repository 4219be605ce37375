"""Runs the cross-language scenarios (scenarios/README.md) through the public client API.

Each step names an operationId and gives its arguments by wire name; the generated table
``_operations.OPERATIONS`` says which method of which namespace it is and which Python
keyword each wire name becomes, so a step is an ordinary call such as
``client.cache.set("k", value=1, ttl_seconds=60)``. Results are compared as wire JSON
(``to_dict()``) with the scenario's matchers.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import uuid
from typing import Any, Callable, Dict, List, Mapping, Optional, Tuple

from aerostack import APIError

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
SCENARIOS = os.path.join(ROOT, "scenarios")

CREDENTIALS = {
    "secretKey": ("secret_key", "AEROSTACK_SECRET_KEY"),
    "accountKey": ("account_key", "AEROSTACK_ACCOUNT_KEY"),
    "publishableKey": ("publishable_key", "AEROSTACK_PUBLISHABLE_KEY"),
}


def scenario_files(folder: str) -> List[str]:
    """The scenario files of ``folder`` (``""`` or ``"fixtures"``), sorted."""
    directory = os.path.join(SCENARIOS, folder)
    if not os.path.isdir(directory):
        return []
    return sorted(os.path.join(directory, f) for f in os.listdir(directory) if f.endswith(".json"))


def load(path: str) -> Dict[str, Any]:
    with open(path, encoding="utf-8") as file:
        data: Dict[str, Any] = json.load(file)
    return data


# --- values -------------------------------------------------------------------------------

_VAR = re.compile(r"\$\{([^}]+)\}")


class Variables:
    def __init__(self) -> None:
        self.values: Dict[str, Any] = {"unique": uuid.uuid4().hex[:12]}

    def lookup(self, name: str) -> Any:
        if name.startswith("env."):
            value = os.environ.get(name[4:])
            if value is None:
                raise AssertionError(f"${{{name}}}: the environment variable is not set")
            return value
        if name not in self.values:
            raise AssertionError(
                f"${{{name}}} is not a variable (saved ones: {sorted(self.values)})"
            )
        return self.values[name]

    def substitute(self, value: Any) -> Any:
        if isinstance(value, str):
            whole = _VAR.fullmatch(value)
            if whole:
                return self.lookup(whole.group(1))
            return _VAR.sub(lambda m: str(self.lookup(m.group(1))), value)
        if isinstance(value, list):
            return [self.substitute(v) for v in value]
        if isinstance(value, dict):
            return {k: self.substitute(v) for k, v in value.items()}
        return value


def seeded_bytes(size: int, seed: str) -> bytes:
    """``{"$bytes": {size, seed}}``: byte i is (i × 31 + sum of the seed's UTF-8 bytes) mod 251."""
    seed_sum = sum(seed.encode("utf-8"))
    return bytes((i * 31 + seed_sum) % 251 for i in range(size))


def materialise(value: Any) -> Any:
    """Turns ``{"$bytes": …}`` into bytes, and ``{"$file": {name, contentType, bytes}}`` into a
    multipart file part."""
    if isinstance(value, dict) and len(value) == 1:
        if "$bytes" in value:
            spec = value["$bytes"]
            return seeded_bytes(int(spec["size"]), str(spec.get("seed", "")))
        if "$file" in value:
            spec = value["$file"]
            content = materialise(spec.get("bytes", spec.get("content", b"")))
            if isinstance(content, str):
                content = content.encode("utf-8")
            return (spec.get("name") or spec.get("fileName"), content, spec.get("contentType"))
    if isinstance(value, dict):
        return {k: materialise(v) for k, v in value.items()}
    if isinstance(value, list):
        return [materialise(v) for v in value]
    return value


def to_json(value: Any) -> Any:
    """A result as wire JSON: models through ``to_dict()``, lists item by item."""
    to_dict = getattr(value, "to_dict", None)
    if callable(to_dict):
        return to_dict()
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {k: to_json(v) for k, v in value.items()}
    return value


def dot_path(value: Any, path: str) -> Any:
    for part in path.split(".") if path else []:
        if isinstance(value, list):
            value = value[int(part)]
        elif isinstance(value, dict) and part in value:
            value = value[part]
        else:
            raise AssertionError(f"save: {path!r} is not in the result {value!r}")
    return value


# --- matchers -----------------------------------------------------------------------------


def _json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "integer" if value.is_integer() else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    return "object"


def _special(matcher: Any) -> Optional[Tuple[str, Any]]:
    if isinstance(matcher, dict) and len(matcher) == 1:
        key = next(iter(matcher))
        if isinstance(key, str) and key.startswith("$"):
            return key, matcher[key]
    return None


def mismatch(matcher: Any, actual: Any, where: str = "$") -> Optional[str]:
    """None when ``actual`` matches ``matcher``, else where and why it does not."""
    special = _special(matcher)
    if special is not None:
        key, arg = special
        if key == "$type":
            kind = _json_type(actual)
            ok = kind == arg or (arg == "number" and kind == "integer")
            return None if ok else f"{where}: expected a {arg}, got {actual!r}"
        if key == "$match":
            ok = isinstance(actual, str) and re.search(arg, actual) is not None
            return None if ok else f"{where}: {actual!r} does not match /{arg}/"
        if key == "$length":
            ok = isinstance(actual, (str, list)) and len(actual) == arg
            return None if ok else f"{where}: expected length {arg}, got {actual!r}"
        if key == "$contains":
            if not isinstance(actual, list):
                return f"{where}: expected an array, got {actual!r}"
            if any(mismatch(arg, item, where) is None for item in actual):
                return None
            return f"{where}: no item matches {arg!r} in {actual!r}"
        if key == "$absent":
            return f"{where}: $absent is only valid as an object member"
        raise AssertionError(f"{where}: unknown matcher {key}")
    if isinstance(matcher, dict):
        if not isinstance(actual, dict):
            return f"{where}: expected an object, got {actual!r}"
        for key, inner in matcher.items():
            if _special(inner) == ("$absent", True):
                if key in actual:
                    return f"{where}.{key}: expected absent, got {actual[key]!r}"
                continue
            if key not in actual:
                return f"{where}.{key}: missing in {actual!r}"
            found = mismatch(inner, actual[key], f"{where}.{key}")
            if found:
                return found
        return None
    if isinstance(matcher, list):
        if not isinstance(actual, list) or len(actual) != len(matcher):
            return f"{where}: expected {len(matcher)} items, got {actual!r}"
        for i, (m, a) in enumerate(zip(matcher, actual)):
            found = mismatch(m, a, f"{where}[{i}]")
            if found:
                return found
        return None
    if isinstance(matcher, bool) or isinstance(actual, bool):
        ok = isinstance(matcher, bool) and isinstance(actual, bool) and matcher == actual
    elif isinstance(matcher, (int, float)) and isinstance(actual, (int, float)):
        ok = matcher == actual
    else:
        ok = type(matcher) is type(actual) and matcher == actual
    return None if ok else f"{where}: expected {matcher!r}, got {actual!r}"


def check(matcher: Any, actual: Any, step: str) -> None:
    found = mismatch(matcher, actual)
    if found:
        raise AssertionError(f"step {step!r}: {found}")


# --- calls --------------------------------------------------------------------------------


class Call:
    """One step as a call of the public API: the bound method, positional and keyword arguments."""

    def __init__(
        self, client: Any, operations: Mapping[str, Mapping[str, Any]], step: Dict[str, Any]
    ) -> None:
        op = operations.get(step["call"])
        if op is None:
            raise AssertionError(f"{step['call']} is not an operation of this client")
        self.op = op
        target = client
        for name in op["namespace"]:
            target = getattr(target, name)
        self.target = target
        self.args: List[Any] = []
        self.kwargs: Dict[str, Any] = {}
        given = {
            "path": dict(step.get("path") or {}),
            "query": dict(step.get("query") or {}),
            "header": {k.lower(): v for k, v in (step.get("headers") or {}).items()},
        }
        body = step.get("body")
        body_fields: Dict[str, Any] = (
            dict(body) if isinstance(body, dict) and "$bytes" not in body else {}
        )
        used_body = False
        for where, wire, name in op["arguments"]:
            if where == "path":
                if wire not in given["path"]:
                    raise AssertionError(f"{step['call']}: path parameter {wire} missing")
                self.args.append(given["path"].pop(wire))
            elif where in ("query", "header"):
                source = given[where]
                key = wire.lower() if where == "header" else wire
                if key in source:
                    self.kwargs[name] = source.pop(key)
            elif where in ("field", "part"):
                if wire in body_fields:
                    self.kwargs[name] = materialise(body_fields.pop(wire))
                    used_body = True
            elif where in ("body", "content"):
                if body is not None:
                    self.kwargs[name] = materialise(body)
                    used_body = True
                    body_fields = {}
        left = {k: v for k, v in given.items() if v}
        if left or body_fields or (body is not None and not used_body and body != {}):
            raise AssertionError(
                f"{step['call']}: arguments the operation does not take: {left or body_fields or body}"
            )

    def method(self, name: Optional[str] = None) -> Callable[..., Any]:
        fn: Callable[..., Any] = getattr(self.target, name or self.op["method"])
        return fn


def error_fields(error: APIError) -> Dict[str, Any]:
    return {
        "status": error.status_code,
        "code": error.code,
        "title": error.title,
        "detail": error.detail,
        "requestId": error.request_id,
    }


def event_json(event: Any) -> Dict[str, Any]:
    return {"event": event.event, "id": event.id, "data": to_json(event.data)}


def bytes_summary(content: bytes) -> Dict[str, Any]:
    return {"length": len(content), "sha256": hashlib.sha256(content).hexdigest()}


def expectation(step: Dict[str, Any]) -> Tuple[str, Any]:
    expect = step.get("expect") or {}
    keys = [k for k in ("result", "empty", "error", "pages", "events", "bytes") if k in expect]
    if len(keys) != 1:
        raise AssertionError(
            f"step {step.get('name')!r}: expect needs exactly one of result/empty/error/…"
        )
    return keys[0], expect[keys[0]]


def client_kwargs(scenario: Dict[str, Any], step: Dict[str, Any]) -> Dict[str, Any]:
    credential = step.get("credential", scenario.get("credential", "secretKey"))
    kwargs: Dict[str, Any] = {"base_url": os.environ["AEROSTACK_URL"]}
    if credential == "none":
        kwargs["secret_key"] = None
        return kwargs
    if credential not in CREDENTIALS:
        # Any other value is the credential itself (a key saved from an earlier result).
        kwargs["secret_key"] = str(credential)
        return kwargs
    argument, env = CREDENTIALS[credential]
    kwargs[argument] = os.environ[env]
    return kwargs


def finish(
    step: Dict[str, Any], variables: Variables, kind: str, expected: Any, outcome: Any
) -> None:
    """Checks ``outcome`` (the JSON of the result, events or bytes) and saves variables."""
    name = str(step.get("name") or step["call"])
    if kind == "result":
        check(expected, outcome, name)
    elif kind == "empty":
        if outcome is not None:
            raise AssertionError(f"step {name!r}: expected no result, got {outcome!r}")
    elif kind == "pages":
        check(expected.get("items"), outcome, name)
    elif kind == "events":
        check(expected.get("match"), outcome[: expected["take"]], name)
        if "last" in expected:  # the stream was read to its end
            check(expected["last"], outcome[-1] if outcome else None, f"{name} (the last event)")
    elif kind == "bytes":
        check(expected, outcome, name)
    for variable, path in (step.get("save") or {}).items():
        variables.values[variable] = dot_path(outcome, path)


def run_sync(
    scenario: Dict[str, Any], module: Any, operations: Mapping[str, Mapping[str, Any]]
) -> None:
    """Every step of ``scenario`` with the sync client of ``module`` (aerostack or a fixture client)."""
    variables = Variables()
    for raw in scenario["steps"]:
        step = variables.substitute(raw)
        kind, expected = expectation(step)
        name = str(step.get("name") or step["call"])
        with module.Aerostack(**client_kwargs(scenario, step)) as client:
            call = Call(client, operations, step)
            try:
                if kind == "pages":
                    pager = call.op["pager"]
                    if not pager:
                        raise AssertionError(f"{step['call']} is not a cursor list")
                    call.kwargs["limit"] = expected["pageSize"]
                    outcome: Any = [
                        to_json(item) for item in call.method(pager)(*call.args, **call.kwargs)
                    ]
                elif kind == "events":
                    with call.method()(*call.args, **call.kwargs) as stream:
                        events: List[Dict[str, Any]] = []
                        for event in stream:
                            events.append(event_json(event))
                            if "last" not in expected and len(events) >= expected["take"]:
                                break
                    outcome = events
                elif kind == "bytes":
                    with call.method()(*call.args, **call.kwargs) as download:
                        outcome = {**bytes_summary(download.read()), "status": download.status_code}
                else:
                    outcome = to_json(call.method()(*call.args, **call.kwargs))
            except APIError as error:
                if kind != "error":
                    raise AssertionError(f"step {name!r} failed: {error!r}") from error
                check(expected, error_fields(error), name)
                continue
            if kind == "error":
                raise AssertionError(f"step {name!r}: expected an error, got {outcome!r}")
            finish(step, variables, kind, expected, outcome)


async def run_async(
    scenario: Dict[str, Any], module: Any, operations: Mapping[str, Mapping[str, Any]]
) -> None:
    """Every step of ``scenario`` with the async client of ``module``."""
    variables = Variables()
    for raw in scenario["steps"]:
        step = variables.substitute(raw)
        kind, expected = expectation(step)
        name = str(step.get("name") or step["call"])
        async with module.AsyncAerostack(**client_kwargs(scenario, step)) as client:
            call = Call(client, operations, step)
            try:
                if kind == "pages":
                    pager = call.op["pager"]
                    if not pager:
                        raise AssertionError(f"{step['call']} is not a cursor list")
                    call.kwargs["limit"] = expected["pageSize"]
                    outcome: Any = [
                        to_json(item)
                        async for item in call.method(pager)(*call.args, **call.kwargs)
                    ]
                elif kind == "events":
                    events: List[Dict[str, Any]] = []
                    async with await call.method()(*call.args, **call.kwargs) as stream:
                        async for event in stream:
                            events.append(event_json(event))
                            if "last" not in expected and len(events) >= expected["take"]:
                                break
                    outcome = events
                elif kind == "bytes":
                    async with await call.method()(*call.args, **call.kwargs) as download:
                        outcome = {
                            **bytes_summary(await download.read()),
                            "status": download.status_code,
                        }
                else:
                    outcome = to_json(await call.method()(*call.args, **call.kwargs))
            except APIError as error:
                if kind != "error":
                    raise AssertionError(f"step {name!r} failed: {error!r}") from error
                check(expected, error_fields(error), name)
                continue
            if kind == "error":
                raise AssertionError(f"step {name!r}: expected an error, got {outcome!r}")
            finish(step, variables, kind, expected, outcome)
