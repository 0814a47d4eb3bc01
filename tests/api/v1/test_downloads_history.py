"""GET /api/v1/downloads and /downloads/{id}: paging, sorting, filters and the record shape."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from core.base.database.engine import read_session, write_session
from core.base.database.manager.base import MediaDatabaseManager
from core.base.database.manager.history_query import (
    history_count,
    history_select,
    prefer_sort_index,
)
from core.base.database.models.download import UNKNOWN_PROFILE_ID
from core.base.database.models.history import HistoryQuery, HistorySort
from core.base.database.models.media import MediaUpdate
from tests.utils.engines import SQLITE_PLANNER
from tests.utils.factories import make_download, make_media, make_profile

DOWNLOADS = "/api/v1/downloads"
T0 = datetime(2026, 3, 1, tzinfo=UTC)


def page(client: TestClient, **params: Any) -> dict[str, Any]:
    response = client.get(DOWNLOADS, params=params)
    assert response.status_code == 200, response.text
    return response.json()


def ids(client: TestClient, **params: Any) -> list[int]:
    return [r["id"] for r in page(client, page_size=500, **params)["records"]]


@pytest.fixture
def library(data_dir: Any) -> dict[str, Any]:
    """Two media, two profiles and seven records whose sort keys all differ in order."""
    alpha = make_media(title="Alpha Centauri", year=1999, is_movie=True)
    beta = make_media(title="Beta_Test 100%", year=2021, is_movie=False)
    hd = make_profile(name="HD")
    uhd = make_profile(name="UHD")
    rows = [
        # (media, profile, file_name, size, duration, resolution, vcodec, acodec, hours, exists)
        (alpha, hd, "alpha-one.mkv", 500, 90, "1920x1080", "h264", "aac", 0, True),
        (alpha, uhd, "Alpha-Two.mkv", 9000, 30, "3840x2160", "hevc", "opus", 5, True),
        (alpha, hd, "zeta.mkv", 100, 200, "640x360", "h264", "aac", 2, False),
        (beta, uhd, "beta_cut.mp4", 7000, 60, "1280x720", "vp9", "opus", 9, True),
        (beta, hd, "beta 50% off.mkv", 300, 150, "N/A", "h264", "aac", 1, True),
        (beta, uhd, "omega.webm", 800, 120, "854x480", "vp9", "opus", 7, False),
        (alpha, hd, "mid.mkv", 2000, 100, "1280x536", "av1", "aac", 3, True),
    ]
    records = []
    for media, profile, name, size, duration, res, vcodec, acodec, hours, exists in rows:
        records.append(
            make_download(
                media.id,
                profile_id=profile.id,
                file_name=name,
                size=size,
                duration=duration,
                resolution=res,
                video_format=vcodec,
                audio_format=acodec,
                added_at=T0 + timedelta(hours=hours),
                file_exists=exists,
            )
        )
    return {"alpha": alpha, "beta": beta, "hd": hd, "uhd": uhd, "records": records}


def test_empty_database_gives_an_empty_first_page(client: TestClient) -> None:
    assert page(client) == {"page": 1, "page_size": 50, "total": 0, "records": []}


def test_pages_partition_the_history(client: TestClient, library: dict[str, Any]) -> None:
    everything = ids(client)
    assert len(everything) == 7
    first = page(client, page=1, page_size=3)
    second = page(client, page=2, page_size=3)
    last = page(client, page=3, page_size=3)
    assert [first["total"], second["total"], last["total"]] == [7, 7, 7]
    assert len(last["records"]) == 1
    seen = [r["id"] for p in (first, second, last) for r in p["records"]]
    assert seen == everything
    beyond = page(client, page=4, page_size=3)
    assert beyond == {"page": 4, "page_size": 3, "total": 7, "records": []}


@pytest.mark.parametrize(
    "params",
    [
        {"page": 0},
        {"page_size": 0},
        {"page_size": 501},
        {"sort": "title"},
        {"sort": ""},
        {"order": "up"},
        {"file_exists": "maybe"},
        {"since": "yesterday"},
        {"media_id": 0},
        {"media_id": 2**70},
        {"profile_id": -1},
        {"q": "x" * 201},
    ],
)
def test_bad_query_is_422(client: TestClient, params: dict[str, Any]) -> None:
    response = client.get(DOWNLOADS, params=params)
    assert response.status_code == 422, response.text
    assert response.json()["detail"]


def _pixels(resolution: str) -> int:
    width, _, height = resolution.partition("x")
    return int(width) * int(height) if width.isdigit() and height.isdigit() else 0


@pytest.mark.parametrize(
    ("sort", "value"),
    [
        ("added_at", lambda r: r["added_at"]),
        ("size", lambda r: r["size"]),
        ("duration", lambda r: r["duration"]),
        ("file_name", lambda r: r["file_name"]),
        ("resolution", lambda r: _pixels(r["resolution"])),
    ],
)
@pytest.mark.parametrize("order", ["asc", "desc"])
def test_every_sort_key_sorts(
    client: TestClient, library: dict[str, Any], sort: str, order: str, value: Any
) -> None:
    records = page(client, sort=sort, order=order)["records"]
    values = [value(r) for r in records]
    assert len(set(values)) == 7  # the data set has no ties: the order is fully checked
    assert values == sorted(values, reverse=order == "desc")


def test_default_order_is_newest_first(client: TestClient, library: dict[str, Any]) -> None:
    added = [r["added_at"] for r in page(client)["records"]]
    assert added == sorted(added, reverse=True)


def test_resolution_sorts_by_pixel_count_not_text(
    client: TestClient, library: dict[str, Any]
) -> None:
    records = page(client, sort="resolution", order="asc")["records"]
    assert [r["resolution"] for r in records] == [
        "N/A",
        "640x360",
        "854x480",
        "1280x536",
        "1280x720",
        "1920x1080",
        "3840x2160",
    ]


def test_ties_are_broken_by_id_in_the_sort_direction(client: TestClient) -> None:
    media = make_media()
    made = [make_download(media.id, size=42, added_at=T0) for _ in range(4)]
    expected = [d.id for d in made]
    for sort in ("size", "added_at"):
        assert ids(client, sort=sort, order="asc") == expected
        assert ids(client, sort=sort, order="desc") == expected[::-1]
    paged = [
        r["id"] for n in (1, 2) for r in page(client, sort="size", page=n, page_size=2)["records"]
    ]
    assert paged == expected[::-1]


def _names(client: TestClient, **params: Any) -> set[str]:
    return {r["file_name"] for r in page(client, page_size=500, **params)["records"]}


def test_filters(client: TestClient, library: dict[str, Any]) -> None:
    alpha, beta = library["alpha"], library["beta"]
    assert _names(client, media_id=beta.id) == {"beta_cut.mp4", "beta 50% off.mkv", "omega.webm"}
    assert page(client, media_id=beta.id)["total"] == 3
    assert _names(client, profile_id=library["uhd"].id) == {
        "Alpha-Two.mkv",
        "beta_cut.mp4",
        "omega.webm",
    }
    assert _names(client, file_exists=False) == {"zeta.mkv", "omega.webm"}
    assert len(_names(client, file_exists=True)) == 5
    assert _names(client, video_format="vp9") == {"beta_cut.mp4", "omega.webm"}
    assert _names(client, audio_format="opus") == {"Alpha-Two.mkv", "beta_cut.mp4", "omega.webm"}
    assert _names(client, resolution="640x360") == {"zeta.mkv"}
    assert _names(client, media_id=alpha.id, video_format="h264", file_exists=True) == {
        "alpha-one.mkv"
    }
    assert page(client, video_format="mpeg2") == {
        "page": 1,
        "page_size": 50,
        "total": 0,
        "records": [],
    }
    assert page(client, media_id=999_999)["total"] == 0


def test_since_takes_offsets_and_naive_is_utc(client: TestClient, library: dict[str, Any]) -> None:
    # 12:00+05:00 is 07:00 UTC: the records added at 7 h and 9 h.
    with_offset = page(client, since="2026-03-01T12:00:00+05:00", page_size=500)
    assert {r["file_name"] for r in with_offset["records"]} == {"omega.webm", "beta_cut.mp4"}
    assert with_offset["total"] == 2
    assert _names(client, since="2026-03-01T07:00:00") == {"omega.webm", "beta_cut.mp4"}
    assert _names(client, since="2026-03-01T07:00:00Z") == {"omega.webm", "beta_cut.mp4"}
    # The bound is inclusive.
    assert _names(client, since="2026-03-01T09:00:00Z") == {"beta_cut.mp4"}
    assert _names(client, since="2027-01-01T00:00:00Z") == set()


def test_text_search(client: TestClient, library: dict[str, Any]) -> None:
    alpha_files = {"alpha-one.mkv", "Alpha-Two.mkv", "zeta.mkv", "mid.mkv"}
    # The media title, ignoring case.
    assert _names(client, q="CENTAURI") == alpha_files
    # The file name, ignoring case.
    assert _names(client, q="alpha-t") == {"Alpha-Two.mkv"}
    assert _names(client, q="OMEGA") == {"omega.webm"}
    # Either: "alpha" is in the title of four records and in two file names.
    assert _names(client, q="alpha") == alpha_files
    both = page(client, q="alpha")
    assert both["total"] == 4
    assert len({r["id"] for r in both["records"]}) == len(both["records"]) == 4
    # % and _ are literal: "%" matches the title "Beta_Test 100%" and the file "beta 50% off".
    assert _names(client, q="50%") == {"beta 50% off.mkv"}
    assert _names(client, q="0%") == {"beta_cut.mp4", "beta 50% off.mkv", "omega.webm"}
    assert _names(client, q="a_c") == {"beta_cut.mp4"}
    assert _names(client, q="a%c") == set()
    assert _names(client, q="nothing like it") == set()
    assert page(client, q="centauri")["total"] == 4
    # A blank search is no search.
    assert page(client, q="  ")["total"] == 7


def test_text_search_takes_every_character_literally(
    client: TestClient, library: dict[str, Any]
) -> None:
    # Through the trigram index (3 characters or more): FTS5 query syntax is plain text.
    for q in ['"', 'al"pha', "alpha OR zeta", "NEAR(alpha)", "Alp*", "title:alpha", "^alpha"]:
        assert _names(client, q=q) == set(), q
    assert _names(client, q="-one") == {"alpha-one.mkv"}
    assert _names(client, q="i-o") == set()
    assert _names(client, q="ha-") == {"alpha-one.mkv", "Alpha-Two.mkv"}
    # Shorter text is matched without the index, with the same meaning.
    assert _names(client, q="-o") == {"alpha-one.mkv"}
    assert _names(client, q='"') == set()
    assert _names(client, q="5") == {"beta 50% off.mkv"}


def test_text_search_ignores_case_beyond_ascii(client: TestClient, data_dir: Any) -> None:
    media = make_media(title="Amélie ÉTÉ Ωmega")
    make_download(media.id, file_name="Amélie (2001)-trailer.mkv")
    assert _names(client, q="AMÉLIE") == {"Amélie (2001)-trailer.mkv"}
    assert _names(client, q="été") == {"Amélie (2001)-trailer.mkv"}
    assert _names(client, q="ωMEGA") == {"Amélie (2001)-trailer.mkv"}
    assert _names(client, q="amelie") == set()  # accents are not folded


def test_text_search_follows_changes_to_titles_names_and_deletes(
    client: TestClient, library: dict[str, Any]
) -> None:
    alpha, beta = library["alpha"], library["beta"]
    MediaDatabaseManager().update(alpha.id, MediaUpdate(title="Proxima"))
    assert _names(client, q="centauri") == set()
    assert page(client, q="proxima")["total"] == 4
    with write_session() as session:
        session.execute(
            text("UPDATE download SET file_name = 'renamed.mkv' WHERE id = :id"),
            {"id": library["records"][3].id},
        )
    assert _names(client, q="beta_cut") == set()
    assert _names(client, q="renamed") == {"renamed.mkv"}
    added = make_download(beta.id, file_name="fresh-cut.mkv")
    assert _names(client, q="fresh") == {"fresh-cut.mkv"}
    assert client.delete(f"/api/v1/downloads/{added.id}?purge=true").status_code == 204
    assert _names(client, q="fresh") == set()
    assert client.delete(f"/api/v1/media/{beta.id}").status_code == 204
    assert _names(client, q="omega") == set()
    assert _names(client, q="Beta_Test") == set()


@SQLITE_PLANNER
@pytest.mark.parametrize("q", ["centauri", "alpha-one", "zzz"])
def test_text_search_uses_the_trigram_indexes(data_dir: Any, q: str) -> None:
    with read_session() as session:
        sql = history_select(HistoryQuery(q=q)).limit(50)
        compiled = sql.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " | ".join(
            row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        )
        count = history_count(HistoryQuery(q=q)).compile(
            session.get_bind(), compile_kwargs={"literal_binds": True}
        )
        count_plan = " | ".join(
            row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {count}")).all()
        )
    for used in (plan, count_plan):
        assert "SCAN media_title_search VIRTUAL TABLE INDEX" in used
        assert "SCAN download_file_search VIRTUAL TABLE INDEX" in used
        # The records found are looked up by id, not by walking all of `download`.
        assert "SEARCH download USING INTEGER PRIMARY KEY" in used
        assert "SCAN download" not in used.replace("SCAN download_file_search", "")
    assert "LIKE" not in str(compiled)


def test_records_carry_media_and_profile(client: TestClient, library: dict[str, Any]) -> None:
    alpha = library["alpha"]
    media_only = make_media(title="Gamma", year=2010, is_movie=False)
    unknown = make_download(media_only.id, profile_id=UNKNOWN_PROFILE_ID, file_name="found.mkv")
    doomed = make_profile(name="Doomed")
    orphan = make_download(media_only.id, profile_id=doomed.id, file_name="orphan.mkv")
    assert client.delete(f"/api/v1/trailerprofiles/{doomed.id}").status_code in (200, 204)

    by_id = {r["id"]: r for r in page(client, page_size=500)["records"]}
    first = by_id[library["records"][0].id]
    assert first["media_title"] == "Alpha Centauri"
    assert first["media_year"] == 1999
    assert first["media_is_movie"] is True
    assert first["profile_name"] == "HD"
    assert first["media_id"] == alpha.id
    assert first["resolution"] == "1920x1080"
    assert by_id[library["records"][3].id]["media_is_movie"] is False
    assert by_id[unknown.id]["profile_id"] == 0
    assert by_id[unknown.id]["profile_name"] is None
    assert by_id[orphan.id]["profile_id"] == doomed.id
    assert by_id[orphan.id]["profile_name"] is None
    assert by_id[orphan.id]["media_title"] == "Gamma"
    # Every DownloadRead field is there.
    per_media = client.get(f"/api/v1/media/{media_only.id}/downloads").json()
    assert set(per_media[0]) < set(by_id[orphan.id])


def test_read_one(client: TestClient, library: dict[str, Any]) -> None:
    record = library["records"][1]
    response = client.get(f"{DOWNLOADS}/{record.id}")
    assert response.status_code == 200
    body = response.json()
    assert body["id"] == record.id
    assert body["file_name"] == "Alpha-Two.mkv"
    assert body["media_title"] == "Alpha Centauri"
    assert body["profile_name"] == "UHD"
    assert body == next(r for r in page(client)["records"] if r["id"] == record.id)
    missing = client.get(f"{DOWNLOADS}/999999")
    assert missing.status_code == 404
    assert "999999" in missing.json()["detail"]
    assert client.get(f"{DOWNLOADS}/0").status_code == 422
    assert client.get(f"{DOWNLOADS}/abc").status_code == 422


def test_per_media_downloads_route_is_unchanged(
    client: TestClient, library: dict[str, Any]
) -> None:
    beta = library["beta"]
    records = client.get(f"/api/v1/media/{beta.id}/downloads").json()
    assert [r["file_name"] for r in records] == ["beta_cut.mp4", "omega.webm", "beta 50% off.mkv"]
    assert "media_title" not in records[0]
    assert "profile_name" not in records[0]
    assert client.get("/api/v1/media/999999/downloads").status_code == 404


@pytest.mark.parametrize(
    "query",
    [
        HistoryQuery(),
        HistoryQuery(video_format="h264"),
        HistoryQuery(file_exists=True),
        HistoryQuery(file_exists=False, sort=HistorySort.SIZE),
        HistoryQuery(profile_id=0, order="asc"),
        HistoryQuery(since=T0 + timedelta(hours=2), sort=HistorySort.DURATION),
        HistoryQuery(since=T0 + timedelta(hours=2), audio_format="aac"),
        HistoryQuery(media_id=1, resolution="1920x1080", sort=HistorySort.FILE_NAME),
        HistoryQuery(q="alpha", sort=HistorySort.SIZE, order="asc"),
        HistoryQuery(q="al", file_exists=True),
        HistoryQuery(q="mkv", sort=HistorySort.RESOLUTION),
    ],
)
def test_both_query_plans_select_the_same_rows(
    client: TestClient, library: dict[str, Any], query: HistoryQuery
) -> None:
    make_download(library["alpha"].id, profile_id=0, added_at=T0 + timedelta(hours=4))
    with read_session() as session:
        plain = session.execute(history_select(query)).mappings().all()
        walked = session.execute(history_select(query, scan_sort_index=True)).mappings().all()
    assert [r["id"] for r in walked] == [r["id"] for r in plain]
    assert plain  # every case selects something, so the comparison means something


def query_plan(sql: Any) -> str:
    with read_session() as session:
        compiled = sql.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        return " | ".join(
            row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        )


@SQLITE_PLANNER
def test_the_sort_index_is_walked_for_a_filter_most_rows_pass(data_dir: Any) -> None:
    query = HistoryQuery(video_format="vp9", sort=HistorySort.SIZE)
    plan = query_plan(history_select(query, scan_sort_index=True).limit(50))
    assert "ix_download_size" in plan
    assert "TEMP B-TREE" not in plan
    assert "ix_download_video_format" not in plan


@SQLITE_PLANNER
@pytest.mark.parametrize(
    "filters",
    [
        {"video_format": "vp9"},
        {"audio_format": "opus"},
        {"resolution": "1920x1080"},
        {"profile_id": 2},
        {"file_exists": True},
        {"file_exists": False, "since": T0},
        {"video_format": "vp9", "audio_format": "opus"},
    ],
)
@pytest.mark.parametrize("order", ["desc", "asc"])
def test_a_filtered_history_by_date_reads_its_filter_index_in_order(
    data_dir: Any, filters: dict[str, Any], order: str
) -> None:
    query = HistoryQuery(**filters, order=order)
    assert not prefer_sort_index(query, matching=40_000, window=50, table_size=200_000)
    plan = query_plan(history_select(query).limit(50))
    assert any(f"ix_download_{name}_added_at" in plan for name in filters), plan
    assert "TEMP B-TREE" not in plan  # no sort: the index gives the order


def test_plan_choice() -> None:
    common = HistoryQuery(video_format="vp9", sort=HistorySort.DURATION)
    assert prefer_sort_index(common, matching=40_000, window=50, table_size=200_000)
    assert not prefer_sort_index(common, matching=10, window=50, table_size=200_000)
    assert not prefer_sort_index(common, matching=0, window=50, table_size=0)
    # Deep pages walk further, so the filter's index wins sooner.
    assert not prefer_sort_index(common, matching=40_000, window=10_000, table_size=200_000)
    # Resolution has an index to walk too: the expression index on its pixel count.
    by_pixels = HistoryQuery(video_format="vp9", sort=HistorySort.RESOLUTION)
    assert prefer_sort_index(by_pixels, matching=40_000, window=50, table_size=200_000)
    # By date, the filter's own index (filter, added_at) is already in order.
    by_date = HistoryQuery(video_format="vp9")
    assert not prefer_sort_index(by_date, matching=40_000, window=50, table_size=200_000)
    # A filter without such an index (the media) still walks the date index when common.
    one_media = HistoryQuery(media_id=1)
    assert prefer_sort_index(one_media, matching=40_000, window=50, table_size=200_000)


@SQLITE_PLANNER
@pytest.mark.parametrize("scan_sort_index", [False, True])
def test_resolution_sort_uses_the_pixel_count_index(data_dir: Any, scan_sort_index: bool) -> None:
    query = HistoryQuery(
        sort=HistorySort.RESOLUTION, video_format="vp9" if scan_sort_index else None
    )
    sql = history_select(query, scan_sort_index=scan_sort_index).limit(50)
    with read_session() as session:
        compiled = sql.compile(session.get_bind(), compile_kwargs={"literal_binds": True})
        plan = " | ".join(
            row[3] for row in session.execute(text(f"EXPLAIN QUERY PLAN {compiled}")).all()
        )
    assert "ix_download_resolution_pixels" in plan
    assert "TEMP B-TREE" not in plan


@SQLITE_PLANNER
@pytest.mark.parametrize("filters", [{"video_format": "vp9"}, {"file_exists": True, "since": T0}])
def test_a_text_search_with_filters_looks_its_records_up_by_id(
    data_dir: Any, filters: dict[str, Any]
) -> None:
    query = HistoryQuery(q="centauri", **filters)
    assert not prefer_sort_index(query, matching=40_000, window=50, table_size=200_000)
    for sql in (history_select(query).limit(50), history_count(query)):
        plan = query_plan(sql)
        assert "SEARCH download USING INTEGER PRIMARY KEY" in plan, plan
        assert "_added_at" not in plan, plan
