"""Paging of cards, the same for every adapter."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")

PAGE_SIZE = 5


def page_count(items: Sequence[object], size: int = PAGE_SIZE) -> int:
    return max(1, -(-len(items) // size))


def clamp_page(page: int, items: Sequence[object], size: int = PAGE_SIZE) -> int:
    return min(max(page, 0), page_count(items, size) - 1)


def page_of(items: Sequence[T], page: int, size: int = PAGE_SIZE) -> list[T]:
    page = clamp_page(page, items, size)
    return list(items[page * size : (page + 1) * size])
