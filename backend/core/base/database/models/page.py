"""A page of results."""

from __future__ import annotations

from pydantic import BaseModel


class Page[T](BaseModel):
    """One page of a listing, with the total across all pages."""

    page: int
    page_size: int
    total: int
    records: list[T]
