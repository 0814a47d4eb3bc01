"""One place that turns errors into JSON answers."""

from __future__ import annotations

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError, OperationalError

from app_logger import ModuleLogger
from core.base.health import health, write_failure_reason
from core.exceptions import AppError

logger = ModuleLogger("API")


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

    @app.exception_handler(OperationalError)
    async def _operational_error(request: Request, exc: OperationalError) -> JSONResponse:
        # A read-only, full or failing disk: 503 and GET /status degraded, until a write works.
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
