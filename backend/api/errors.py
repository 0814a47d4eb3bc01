"""One place that turns errors into JSON answers, and documents them.

The rule: every error answer is `ErrorResponse` (`{"detail": "<sentence>"}`), except a request
that FastAPI's validation refuses, which keeps FastAPI's list form (`HTTPValidationError`). A 422
is therefore documented as either. `ERROR_RESPONSES` declares this once for the routers.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import DBAPIError, IntegrityError

from app_logger import ModuleLogger
from core.base.health import health, write_failure_reason
from core.exceptions import AppError, InvalidFieldsError

logger = ModuleLogger("API")


class ErrorResponse(BaseModel):
    """An error the user can read: what went wrong, in a sentence."""

    detail: str


class ValidationError(BaseModel):
    """One problem FastAPI found in a request (the shape FastAPI documents)."""

    loc: list[str | int]
    msg: str
    type: str
    input: Any = None
    ctx: dict[str, Any] | None = None


class HTTPValidationError(BaseModel):
    """A request that does not match the route's parameters or body."""

    detail: list[ValidationError]


ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    status.HTTP_400_BAD_REQUEST: {"model": ErrorResponse, "description": "Refused request"},
    status.HTTP_401_UNAUTHORIZED: {"model": ErrorResponse, "description": "Not signed in"},
    status.HTTP_403_FORBIDDEN: {"model": ErrorResponse, "description": "Missing CSRF token"},
    status.HTTP_404_NOT_FOUND: {"model": ErrorResponse, "description": "Not found"},
    status.HTTP_409_CONFLICT: {"model": ErrorResponse, "description": "Conflict"},
    status.HTTP_413_CONTENT_TOO_LARGE: {"model": ErrorResponse, "description": "Body too large"},
    status.HTTP_422_UNPROCESSABLE_CONTENT: {
        "model": HTTPValidationError | ErrorResponse,
        "description": "Validation error: FastAPI's list form, or a sentence from the app",
    },
    status.HTTP_429_TOO_MANY_REQUESTS: {"model": ErrorResponse, "description": "Throttled"},
    status.HTTP_503_SERVICE_UNAVAILABLE: {
        "model": ErrorResponse,
        "description": "The database cannot be written",
    },
}
"""The error answers of the API routers, with their bodies: passed as their `responses=`."""


def integrity_answer(exc: IntegrityError) -> tuple[int, str]:
    """The status and detail for a write that a database constraint refused.

    A unique constraint is a conflict with existing data (409); a NOT NULL, CHECK or
    foreign key failure means the request itself was wrong (422).
    """
    message = str(exc.orig)
    what = message.partition(":")[2].strip()
    if "UNIQUE" in message or "unique" in message:
        return status.HTTP_409_CONFLICT, f"The change conflicts with existing data ({what})"
    if "NOT NULL" in message:
        field = what.rpartition(".")[2] or what
        return status.HTTP_422_UNPROCESSABLE_CONTENT, f"{field} must not be null"
    if "FOREIGN KEY" in message:
        return (
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            "The change refers to a record that does not exist",
        )
    return status.HTTP_422_UNPROCESSABLE_CONTENT, f"The change breaks a constraint: {message}"


def _internal_error(request: Request, exc: Exception) -> JSONResponse:
    logger.exception(f"Unexpected error on {request.method} {request.url.path}: {exc}")
    return JSONResponse(
        status_code=500,
        content={"detail": "Internal error; the server log has the details"},
    )


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail})

    @app.exception_handler(InvalidFieldsError)
    async def _invalid_fields(_request: Request, exc: InvalidFieldsError) -> JSONResponse:
        body = [{**error, "loc": ["body", *error["loc"]]} for error in exc.errors]
        return JSONResponse(status_code=exc.status_code, content={"detail": body})

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        code, detail = integrity_answer(exc)
        logger.warning(f"Rejected a write that breaks a database constraint: {exc.orig}")
        return JSONResponse(status_code=code, content={"detail": detail})

    @app.exception_handler(OverflowError)
    async def _overflow(request: Request, exc: OverflowError) -> JSONResponse:
        # Raised when a number in the request is too large for the database to store.
        logger.warning(f"Rejected {request.method} {request.url.path}: {exc}")
        return JSONResponse(
            status_code=status.HTTP_422_UNPROCESSABLE_CONTENT,
            content={"detail": "A number in the request is too large"},
        )

    @app.exception_handler(DBAPIError)
    async def _database_error(request: Request, exc: DBAPIError) -> JSONResponse:
        # A read-only, full or failing disk (SQLite's OperationalError), or PostgreSQL's
        # refusal of writes (InternalError, ProgrammingError): 503 and GET /status degraded,
        # until a write works. Any other database error is an internal error.
        reason = write_failure_reason(exc)
        if reason is None:
            return _internal_error(request, exc)
        health.record_write_failure(reason)
        logger.error(f"{request.method} {request.url.path}: the database cannot be written")
        return JSONResponse(
            status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
            content={
                "detail": f"The database cannot be written: {reason}; "
                "check disk space and permissions"
            },
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        return _internal_error(request, exc)
