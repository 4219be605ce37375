"""Types shared by the runtime and the generated code: the omitted-argument sentinel, files."""

from __future__ import annotations

import os
from typing import (
    IO,
    Any,
    AsyncIterable,
    Dict,
    Iterable,
    Mapping,
    Optional,
    Tuple,
    TypeVar,
    Union,
)

import httpx
from typing_extensions import Literal, TypeAlias, final, override

_T = TypeVar("_T")


@final
class NotGiven:
    """The type of :data:`NOT_GIVEN`: an argument the caller left out.

    Keyword arguments default to ``NOT_GIVEN`` rather than ``None`` so that "leave it out"
    and "send null" stay different: ``client.x.update(id, name=None)`` sends ``"name": null``,
    ``client.x.update(id)`` sends no ``name`` at all.

    Example::

        def update(name: str | None | NotGiven = NOT_GIVEN) -> None: ...
    """

    def __bool__(self) -> Literal[False]:
        return False

    @override
    def __repr__(self) -> str:
        return "NOT_GIVEN"


NOT_GIVEN = NotGiven()
"""An omitted argument (see :class:`NotGiven`)."""

NotGivenOr: TypeAlias = Union[_T, NotGiven]

Headers: TypeAlias = Mapping[str, Union[str, None]]
"""Extra headers of a call; a None value removes a header the client would send."""

Query: TypeAlias = Mapping[str, object]
Body: TypeAlias = object
Timeout: TypeAlias = Union[float, httpx.Timeout, None]

FileContent: TypeAlias = Union[bytes, IO[bytes], "os.PathLike[str]"]
"""Bytes of a file: ``bytes``, an open binary file, or a path."""

FileTypes: TypeAlias = Union[
    FileContent,
    Tuple[Optional[str], FileContent],
    Tuple[Optional[str], FileContent, Optional[str]],
]
"""A multipart file part: the content, or ``(file_name, content)``, or
``(file_name, content, content_type)``."""

SyncContent: TypeAlias = Union[bytes, IO[bytes], "os.PathLike[str]", Iterable[bytes]]
"""An upload for the sync client: bytes, an open binary file, a path, or an iterator of chunks."""

AsyncContent: TypeAlias = Union[
    bytes, IO[bytes], "os.PathLike[str]", Iterable[bytes], AsyncIterable[bytes]
]
"""An upload for the async client: also an async iterator of chunks."""


def is_given(value: NotGivenOr[_T]) -> bool:
    """False for :data:`NOT_GIVEN`."""
    return not isinstance(value, NotGiven)


def strip_not_given(values: Mapping[str, object]) -> Dict[str, Any]:
    """The entries of ``values`` that were given (None stays: it means null)."""
    return {k: v for k, v in values.items() if not isinstance(v, NotGiven)}
