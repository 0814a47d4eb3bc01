"""Radarr's and Sonarr's webhooks: POST /api/v1/webhooks/radarr and /api/v1/webhooks/sonarr.

In Radarr or Sonarr: Settings → Connect → + → Webhook, method POST, URL
`http://<trailarr>:7889/api/v1/webhooks/radarr?apikey=<Trailarr's API key>` (or .../sonarr).

The key is Trailarr's API key, taken from where those apps can put it: the `apikey` query
parameter of the URL, the `X-Api-Key` header (a custom header), or the password of the
webhook's basic authentication (any user name); the API's usual ways (`api_key` query, a
signed-in session) work too. These routes are included without the other routes'
`require_auth` (api/v1/router.py), which knows no `apikey` parameter and no basic
authentication:
`require_webhook_key` checks those first and hands everything else to `require_auth`, so a
missing or wrong key is the same 401. Access log lines hide the key (`app_logger`
redacts `apikey=...` and the key's value).

The answer comes at once (`WebhookAnswer`: 202 when work follows, 200 otherwise); the work
(`core.arr.webhook.handle`) runs after it has been sent.
"""

from __future__ import annotations

import base64
from typing import Annotated

import anyio
from fastapi import APIRouter, BackgroundTasks, Depends, HTTPException, Request, Response, status
from fastapi.security import APIKeyQuery

from api.deps import SESSION_COOKIE, key_matches, require_auth
from api.errors import ERROR_RESPONSES
from core.arr import webhook
from core.arr.webhook import (
    RadarrWebhook,
    SonarrWebhook,
    WebhookAction,
    WebhookAnswer,
    WebhookEvent,
)

WEBHOOK_CREDENTIALS = (
    "Missing or wrong API key: add ?apikey=<Trailarr's API key> to the webhook's URL, or send"
    " the key in the X-Api-Key header or as the webhook's password"
)

_url_key = APIKeyQuery(
    name="apikey",
    scheme_name="WebhookApiKey",
    description="Trailarr's API key in the webhook's URL (Radarr and Sonarr take a URL)",
    auto_error=False,
)


def _basic_password(request: Request) -> str | None:
    """The password of an `Authorization: Basic ...` header (None when there is none)."""
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(credentials.strip(), validate=True).decode()
    except ValueError:  # not base64, or not UTF-8 (UnicodeDecodeError is a ValueError)
        return None
    return decoded.partition(":")[2] or None


async def require_webhook_key(
    request: Request, url_key: Annotated[str | None, Depends(_url_key)]
) -> None:
    """The API key in `?apikey=` or as the basic-auth password; else what `require_auth`
    accepts (the X-API-KEY header, `?api_key=`, a session). 401 without any."""
    if key_matches(url_key) or key_matches(_basic_password(request)):
        return
    try:
        await require_auth(
            request,
            request.headers.get("X-API-KEY"),
            request.query_params.get("api_key"),
            request.cookies.get(SESSION_COOKIE),
        )
    except HTTPException as exc:
        if exc.status_code != status.HTTP_401_UNAUTHORIZED:
            raise
        raise HTTPException(
            status_code=status.HTTP_401_UNAUTHORIZED, detail=WEBHOOK_CREDENTIALS
        ) from None


router = APIRouter(
    prefix="/api/v1/webhooks",
    tags=["webhooks"],
    dependencies=[Depends(require_webhook_key)],
    responses=ERROR_RESPONSES,
)

_ANSWERS: dict[int | str, dict[str, object]] = {
    status.HTTP_202_ACCEPTED: {
        "model": WebhookAnswer,
        "description": "The movie or series is synced or removed in the background",
    }
}


async def _receive(
    event: WebhookEvent, response: Response, background: BackgroundTasks
) -> WebhookAnswer:
    answer = await anyio.to_thread.run_sync(webhook.receive, event)
    if answer.connection_id is not None and answer.action in {
        WebhookAction.SYNC,
        WebhookAction.REMOVE,
    }:
        background.add_task(webhook.handle, event, answer.connection_id)
        response.status_code = status.HTTP_202_ACCEPTED
    return answer


@router.post("/radarr", responses=_ANSWERS)
async def radarr_webhook(
    payload: RadarrWebhook, response: Response, background: BackgroundTasks
) -> WebhookAnswer:
    """Radarr's webhook: MovieAdded, Download and Rename sync the movie (and queue its
    missing trailer), MovieDelete removes it, MovieFileDelete syncs it; Test answers; any
    other event is ignored."""
    return await _receive(payload.event(), response, background)


@router.post("/sonarr", responses=_ANSWERS)
async def sonarr_webhook(
    payload: SonarrWebhook, response: Response, background: BackgroundTasks
) -> WebhookAnswer:
    """Sonarr's webhook: SeriesAdd, Download and Rename sync the series (and queue its
    missing trailer), SeriesDelete removes it, EpisodeFileDelete syncs it; Test answers;
    any other event is ignored."""
    return await _receive(payload.event(), response, background)
