"""Posters: fetched once through the connection, resized, cached with a size cap, served."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from core.arr.posters import PosterCache, shrink
from core.arr.sync import sync_connection
from core.base.database.manager.base import MediaDatabaseManager
from tests.core.arr.test_sync import connect
from tests.utils.arr_standin import ArrStandIn
from tests.utils.factories import make_media

pytestmark = pytest.mark.slow


def synced(arr_standin: type[ArrStandIn], items: int = 3) -> tuple[ArrStandIn, list[int]]:
    radarr = arr_standin("radarr", items=items)
    sync_connection(connect(radarr).id)
    ids = [m.id for m in MediaDatabaseManager().read_all().records]
    return radarr, sorted(ids)


def test_a_poster_is_fetched_once_and_then_served_from_the_cache(
    arr_standin: type[ArrStandIn], tmp_path: Path
) -> None:
    radarr, ids = synced(arr_standin)
    cache = PosterCache(tmp_path / "posters")

    first = cache.poster(ids[0])
    second = PosterCache(tmp_path / "posters").poster(ids[0])  # a new process, same files

    assert first is not None and first == second
    assert Image.open(io.BytesIO(first)).format == "JPEG"
    assert radarr.requests["/MediaCover/1/poster.jpg"] == 1
    assert len(list((tmp_path / "posters").glob("*.jpg"))) == 1


def test_no_poster_without_a_connection_or_when_the_app_fails(
    arr_standin: type[ArrStandIn], tmp_path: Path
) -> None:
    radarr, ids = synced(arr_standin)
    cache = PosterCache(tmp_path / "posters")
    assert cache.poster(make_media().id) is None
    radarr.api_key = "changed-key-1234567890"
    assert cache.poster(ids[1]) is None
    assert cache.poster(ids[1]) is None  # not asked again at once
    assert radarr.requests["/MediaCover/2/poster.jpg"] == 1


def test_the_cache_keeps_to_its_size_cap(arr_standin: type[ArrStandIn], tmp_path: Path) -> None:
    _radarr, ids = synced(arr_standin)
    folder = tmp_path / "posters"
    one = len(PosterCache(folder).poster(ids[0]) or b"")
    cache = PosterCache(folder, limit_bytes=int(one * 2.5))
    for media_id in ids:
        assert cache.poster(media_id) is not None
    kept = sorted(p.name.split("-")[0] for p in folder.glob("*.jpg"))
    assert kept == [str(ids[1]), str(ids[2])]  # the least recently served went


def test_shrink_makes_a_jpeg_at_most_300_wide() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (1000, 1500), (10, 200, 30)).save(buffer, format="PNG")
    small = Image.open(io.BytesIO(shrink(buffer.getvalue())))
    assert (small.format, small.size) == ("JPEG", (300, 450))
    with pytest.raises(ValueError):
        shrink(b"not an image")


def test_poster_route(arr_standin: type[ArrStandIn], client: TestClient) -> None:
    _radarr, ids = synced(arr_standin)
    answer = client.get(f"/api/v1/media/{ids[0]}/poster")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"
    assert "max-age" in answer.headers["cache-control"]
    assert answer.content.startswith(b"\xff\xd8")
    assert client.get(f"/api/v1/media/{make_media().id}/poster").status_code == 404
    assert client.get("/api/v1/media/999999/poster").status_code == 404
