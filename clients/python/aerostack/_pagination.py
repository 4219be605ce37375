"""Cursor pagination: ``limit`` and ``cursor`` in, ``data`` and ``next_cursor`` out."""

from __future__ import annotations

from typing import Callable, Iterator, List, Optional, Protocol, TypeVar

T = TypeVar("T")
T_co = TypeVar("T_co", covariant=True)


class Page(Protocol[T_co]):
    """A page of a list operation."""

    @property
    def data(self) -> List[T_co]: ...  # pragma: no cover

    @property
    def next_cursor(self) -> Optional[str]: ...  # pragma: no cover


def paginate(fetch: Callable[[Optional[str]], Page[T]]) -> Iterator[T]:
    """Yield every item of every page, following ``next_cursor`` until it is None."""
    cursor: Optional[str] = None
    while True:
        page = fetch(cursor)
        yield from page.data
        cursor = page.next_cursor
        if cursor is None:
            return
