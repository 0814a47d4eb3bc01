"""Domain errors; each carries the HTTP status the API answers with."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """An error the user can act on, with its HTTP status."""

    status_code = 400

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class NotFoundError(AppError):
    status_code = 404


class ConflictError(AppError):
    status_code = 409


class InvalidInputError(AppError):
    status_code = 422


class InvalidFieldsError(InvalidInputError):
    """Input that breaks rules of named fields: `errors` are pydantic's error dicts, their
    `loc` relative to the request body. The API answers them in FastAPI's list form, so a
    form shows each message at its field."""

    def __init__(self, detail: str, errors: list[dict[str, Any]]) -> None:
        super().__init__(detail)
        self.errors = errors


class SourceRefusedError(AppError):
    """A download source that the source policy does not accept."""

    status_code = 400
