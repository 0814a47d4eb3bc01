"""Helpers for tests that run real downloads through the API."""

from __future__ import annotations

import time
from typing import Any

from fastapi.testclient import TestClient

from core.download.jobs import download_jobs


def wait_download_finished(
    client: TestClient, media_id: int, timeout: float = 90
) -> dict[str, Any]:
    """Wait for the media's background download job to end; the media afterwards."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not download_jobs.is_running(media_id):
            media = client.get(f"/api/v1/media/{media_id}").json()
            assert media["status"] != "downloading"
            return media
        time.sleep(0.1)
    raise AssertionError(f"download for media {media_id} did not finish in {timeout} s")
