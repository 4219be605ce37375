"""Cursor pagination: ``limit`` and ``cursor`` in, ``data`` and ``next_cursor`` out."""

from __future__ import annotations

from typing import (
    AsyncIterator,
    Awaitable,
    Callable,
    Generic,
    Iterator,
    Optional,
    Protocol,
    Sequence,
    TypeVar,
)

_T = TypeVar("_T")
_T_co = TypeVar("_T_co", covariant=True)

__all__ = ["Page", "SyncPager", "AsyncPager"]


class Page(Protocol[_T_co]):
    """A page of a list operation."""

    @property
    def data(self) -> Sequence[_T_co]: ...  # pragma: no cover

    @property
    def next_cursor(self) -> Optional[str]: ...  # pragma: no cover


class SyncPager(Generic[_T]):
    """Every item of a cursor list: iterating fetches the next page when one runs out.

    Example::

        for project in client.projects.list_all(limit=50):
            print(project.id)
        for page in client.projects.list_all().iter_pages():
            print(len(page.data), page.next_cursor)
    """

    def __init__(self, fetch: Callable[[Optional[str]], Page[_T]]) -> None:
        self._fetch = fetch

    def iter_pages(self) -> Iterator[Page[_T]]:
        """Every page, following ``next_cursor`` until it is None."""
        cursor: Optional[str] = None
        while True:
            page = self._fetch(cursor)
            yield page
            cursor = page.next_cursor
            if cursor is None:
                return

    def __iter__(self) -> Iterator[_T]:
        for page in self.iter_pages():
            yield from page.data


class AsyncPager(Generic[_T]):
    """Every item of a cursor list for the async client: ``async for item in pager``.

    Example::

        async for project in client.projects.list_all():
            print(project.id)
    """

    def __init__(self, fetch: Callable[[Optional[str]], Awaitable[Page[_T]]]) -> None:
        self._fetch = fetch

    async def iter_pages(self) -> AsyncIterator[Page[_T]]:
        """Every page, following ``next_cursor`` until it is None."""
        cursor: Optional[str] = None
        while True:
            page = await self._fetch(cursor)
            yield page
            cursor = page.next_cursor
            if cursor is None:
                return

    async def _items(self) -> AsyncIterator[_T]:
        async for page in self.iter_pages():
            for item in page.data:
                yield item

    def __aiter__(self) -> AsyncIterator[_T]:
        return self._items()
