"""A page of results."""

from __future__ import annotations

from pydantic import BaseModel

MAX_PAGE = 1_000_000
"""The highest page number a listing accepts (far beyond any library; keeps the offset an
ordinary integer for every database)."""
MAX_PAGE_SIZE = 500


class Page[T](BaseModel):
    """One page of a listing, with the total across all pages."""

    page: int
    page_size: int
    total: int
    records: list[T]
