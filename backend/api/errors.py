"""One place that turns errors into JSON answers."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import IntegrityError

from app_logger import ModuleLogger
from core.exceptions import AppError

logger = ModuleLogger("API")


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(_request: Request, exc: AppError) -> JSONResponse:
        return JSONResponse(status_code=exc.status_code, content={"detail": exc.detail})

    @app.exception_handler(IntegrityError)
    async def _integrity_error(_request: Request, exc: IntegrityError) -> JSONResponse:
        logger.warning(f"Rejected a write that breaks a database constraint: {exc.orig}")
        return JSONResponse(
            status_code=409,
            content={"detail": f"The change conflicts with existing data: {exc.orig}"},
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        logger.exception(f"Unexpected error on {request.method} {request.url.path}: {exc}")
        return JSONResponse(
            status_code=500,
            content={"detail": "Internal error; the server log has the details"},
        )
