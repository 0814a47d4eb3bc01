"""Helpers for tests that run real downloads through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from core.download.jobs import download_jobs
from tests.utils.wait import wait_until


def wait_download_finished(client: TestClient, media_id: int) -> dict[str, Any]:
    """Wait for the media's background download job to end; the media afterwards."""
    wait_until(lambda: not download_jobs.is_running(media_id), f"the download for media {media_id}")
    media = client.get(f"/api/v1/media/{media_id}").json()
    assert media["status"] != "downloading"
    return media
