"""Domain errors; each carries the HTTP status the API answers with."""

from __future__ import annotations


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


class SourceRefusedError(AppError):
    """A download source that the source policy does not accept."""

    status_code = 400
