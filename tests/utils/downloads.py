"""Helpers for tests that run real downloads through the API."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from core.download.queue import download_queue
from tests.utils.wait import wait_until


def wait_download_finished(client: TestClient, media_id: int) -> dict[str, Any]:
    """Wait for the media's downloads to leave the queue; the media afterwards."""
    wait_until(
        lambda: all(item.media_id != media_id for item in download_queue.items()),
        f"the download for media {media_id}",
    )
    media = client.get(f"/api/v1/media/{media_id}").json()
    assert media["status"] != "downloading"
    return media
