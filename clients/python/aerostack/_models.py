"""The base of every model: pydantic v2, snake_case attributes, camelCase on the wire."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any, Dict, Mapping, Optional, Type, TypeVar, cast

import pydantic
from pydantic import ConfigDict, TypeAdapter

from ._serde import format_datetime

_M = TypeVar("_M", bound="BaseModel")
_T = TypeVar("_T")


class BaseModel(pydantic.BaseModel):
    """A model of the API. Attributes are snake_case; ``to_dict()`` gives the wire JSON back.

    Fields the platform did not send are None and missing from :attr:`model_fields_set`, so a
    field that is absent and one that is ``null`` stay apart. Keys this client does not know
    yet are kept (``model_extra``) rather than dropped.

    Example::

        entry = client.cache.get("k")
        entry.expires_at                  # datetime | None
        entry.to_dict()                   # {"key": "k", "value": ..., "expiresAt": "..."}
    """

    model_config = ConfigDict(populate_by_name=True, extra="allow", protected_namespaces=())

    @classmethod
    def from_dict(cls: Type[_M], data: Mapping[str, Any]) -> _M:
        """Build the model from its wire JSON (camelCase keys)."""
        return cls.model_validate(data)

    def to_dict(self, *, exclude_unset: bool = True) -> Dict[str, Any]:
        """The model as wire JSON: camelCase keys, RFC 3339 times; fields never set left out."""
        return self.model_dump(mode="json", by_alias=True, exclude_unset=exclude_unset)

    def to_json(self, *, indent: int | None = 2) -> str:
        """The model as a JSON string (see :meth:`to_dict`)."""
        return json.dumps(self.to_dict(), indent=indent)


_adapters: Dict[Any, TypeAdapter[Any]] = {}


def _adapter(type_: Any) -> TypeAdapter[Any]:
    try:
        return _adapters[type_]
    except KeyError:
        adapter: TypeAdapter[Any] = TypeAdapter(type_)
        _adapters[type_] = adapter
        return adapter
    except TypeError:  # unhashable typing constructs
        return TypeAdapter(type_)


def construct(type_: Type[_T], data: object) -> _T:
    """``data`` (parsed JSON) validated as ``type_``; raises ``pydantic.ValidationError``."""
    if type_ is object or type_ is Any:
        return cast(_T, data)
    return cast(_T, _adapter(type_).validate_python(data))


def to_wire(value: object) -> Any:
    """A value for a JSON body: models as their wire JSON, times as RFC 3339, lists and dicts
    converted item by item."""
    if isinstance(value, pydantic.BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, (list, tuple)):
        return [to_wire(v) for v in cast("list[object]", value)]
    if isinstance(value, dict):
        return {str(k): to_wire(v) for k, v in cast("dict[object, object]", value).items()}
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, datetime):
        return format_datetime(value)
    return _adapter(type(value)).dump_python(value, mode="json")


def discriminate(prop: str, tags: Mapping[str, str]) -> Any:
    """A pydantic ``Discriminator`` function: the tag (variant class name) of a value by the
    wire property ``prop`` (``tags`` maps its values to tags); a built model is its own tag."""
    known = set(tags.values())

    def pick(value: Any) -> Optional[str]:
        if isinstance(value, Mapping):
            return tags.get(str(cast("Mapping[str, Any]", value).get(prop)))
        name = type(value).__name__
        return name if name in known else None

    return pick
