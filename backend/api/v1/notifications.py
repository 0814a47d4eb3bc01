"""Notification routes (Settings > Connect > Notifications): Apprise URLs and their events.

A target's URL is never returned in full: answers show Apprise's privacy form of it (the
service and host, no token or password). An update that sends that masked form back keeps
the stored URL. A URL that Apprise does not understand is refused with a 422 saying why.
"""

from __future__ import annotations

import anyio
from fastapi import APIRouter, status
from pydantic import BaseModel

from api.deps import IdPath
from core.base.database.manager.notification import NotificationTargetManager
from core.base.database.models.notification import (
    NotificationTargetCreate,
    NotificationTargetRead,
    NotificationTargetUpdate,
)
from core.notify.notifications import (
    check_url,
    masked_url,
    remember_url_secrets,
    send_test,
)

router = APIRouter(prefix="/notifications", tags=["notifications"])
manager = NotificationTargetManager()


class NotificationTestResult(BaseModel):
    """Whether the test message was accepted, or what went wrong (never the URL's secrets)."""

    ok: bool
    error: str | None = None


def _masked(target: NotificationTargetRead) -> NotificationTargetRead:
    return target.model_copy(update={"url": masked_url(target.url)})


@router.get("")
def list_notifications() -> list[NotificationTargetRead]:
    return [_masked(target) for target in manager.read_all()]


@router.post("", status_code=status.HTTP_201_CREATED)
def create_notification(target: NotificationTargetCreate) -> NotificationTargetRead:
    """Save a target once Apprise understands its URL (422 with the reason otherwise)."""
    check_url(target.url)
    created = manager.create(target)
    remember_url_secrets(created.url)
    return _masked(created)


@router.get("/{target_id}")
def read_notification(target_id: IdPath) -> NotificationTargetRead:
    return _masked(manager.read(target_id))


@router.patch("/{target_id}")
def update_notification(
    target_id: IdPath, target: NotificationTargetUpdate
) -> NotificationTargetRead:
    """Change some fields; a `url` equal to the masked form keeps the stored URL."""
    stored = manager.read(target_id)
    if target.url is not None and target.url == masked_url(stored.url):
        kept = target.model_dump(exclude_unset=True, exclude={"url"})
        target = NotificationTargetUpdate.model_validate(kept)
    if target.url is not None:
        check_url(target.url)
    updated = manager.update(target_id, target)
    remember_url_secrets(updated.url)
    return _masked(updated)


@router.delete("/{target_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_notification(target_id: IdPath) -> None:
    manager.delete(target_id)


@router.post("/test")
async def test_notification(target: NotificationTargetCreate) -> NotificationTestResult:
    """Send "Trailarr test notification" to the URL now: `ok`, or why not. Never a 5xx."""
    result = await send_test(target.url)
    return NotificationTestResult(ok=result.ok, error=result.error)


@router.post("/{target_id}/test")
async def test_saved_notification(
    target_id: IdPath, target: NotificationTargetUpdate | None = None
) -> NotificationTestResult:
    """Send the test message to the stored target. The body may be empty; a `url` in it other
    than the masked form (an edit not saved yet) is tested instead of the stored one."""
    stored = await anyio.to_thread.run_sync(manager.read, target_id)
    url = stored.url
    if target is not None and target.url is not None:
        url_sent = target.url
        if url_sent != await anyio.to_thread.run_sync(masked_url, stored.url):
            url = url_sent
    result = await send_test(url)
    return NotificationTestResult(ok=result.ok, error=result.error)
