"""Cursor pagination: a list call gives a :class:`Page`; iterating it walks every page."""

from __future__ import annotations

from typing import Any, Callable, Dict, Generic, Iterator, List, Optional, TypeVar

T = TypeVar("T")

FetchPage = Callable[[Optional[str]], Dict[str, Any]]


class Page(Generic[T]):
    """``client.keys.list()`` fetches the first page lazily.

    - ``page.data`` / ``page.next_cursor``: that one page;
    - ``for key in client.keys.list(): ...``: every item of every page, fetching the next page
      only when the current one is used up;
    - ``page.pages()``: every page, for callers that want page boundaries.
    """

    def __init__(self, fetch_page: FetchPage, parse: Callable[[Any], T], cursor: Optional[str] = None) -> None:
        self._fetch_page = fetch_page
        self._parse = parse
        self._cursor = cursor
        self._loaded = False
        self._data: List[T] = []
        self._next_cursor: Optional[str] = None

    def _load(self) -> None:
        if not self._loaded:
            envelope = self._fetch_page(self._cursor)
            self._data = [self._parse(item) for item in envelope.get("data") or []]
            pagination = envelope.get("pagination") or {}
            self._next_cursor = pagination.get("next_cursor") or None
            self._loaded = True

    @property
    def data(self) -> List[T]:
        self._load()
        return self._data

    @property
    def next_cursor(self) -> Optional[str]:
        self._load()
        return self._next_cursor

    def has_next_page(self) -> bool:
        return self.next_cursor is not None

    def next_page(self) -> Optional["Page[T]"]:
        """The following page, or None on the last one."""
        cursor = self.next_cursor
        return Page(self._fetch_page, self._parse, cursor) if cursor else None

    def pages(self) -> Iterator["Page[T]"]:
        page: Optional[Page[T]] = self
        while page is not None:
            yield page
            page = page.next_page()

    def __iter__(self) -> Iterator[T]:
        for page in self.pages():
            yield from page.data

    def __repr__(self) -> str:
        return f"Page(loaded={self._loaded})"
