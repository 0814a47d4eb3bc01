"""System routes: the app's status, as the System > Status page shows it."""

from __future__ import annotations

from fastapi import APIRouter

from core.system.status import SystemStatus, read_status

router = APIRouter(prefix="/system", tags=["system"])


@router.get("/status")
async def read_system_status() -> SystemStatus:
    """About (versions, database, data folder, uptime), the health checks (each failing one
    says what to do), and the disk space of the data folder and of each library root.

    A missing ffmpeg or a library root that cannot be read is a failing check, never an
    error of this route. The blocking parts run in worker threads; ffmpeg's and ffprobe's
    versions are remembered for some minutes.
    """
    return await read_status()
