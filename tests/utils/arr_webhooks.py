"""Radarr's and Sonarr's webhook payloads, as the apps send them (Settings → Connect → Webhook).

Each function builds one event's JSON with every field a real payload of that event has
(the apps' WebhookBase, WebhookMovie, WebhookSeries, WebhookMovieFile, WebhookEpisodeFile...
resources), from a stand-in's movie or series (`tests.utils.arr_standin`), so that the ids,
titles and folders agree with what the stand-in answers.
"""

from __future__ import annotations

from typing import Any

INSTANCE = {"radarr": "Radarr", "sonarr": "Sonarr"}
DATE_ADDED = "2026-12-02T21:14:05Z"


def _base(event: str, app: str, instance: str | None, url: str | None) -> dict[str, Any]:
    return {
        "eventType": event,
        "instanceName": INSTANCE[app] if instance is None else instance,
        "applicationUrl": url or "",
    }


# Radarr


def webhook_movie(movie: dict[str, Any]) -> dict[str, Any]:
    """The `movie` of a payload, from a stand-in MovieResource."""
    return {
        "id": movie["id"],
        "title": movie["title"],
        "year": movie["year"],
        "releaseDate": movie["physicalRelease"][:10],
        "folderPath": movie["path"],
        "tmdbId": movie["tmdbId"],
        "imdbId": movie["imdbId"],
        "overview": movie["overview"],
        "genres": movie["genres"],
        "images": movie["images"],
        "tags": [],
        "originalLanguage": movie["originalLanguage"],
    }


def _remote_movie(movie: dict[str, Any]) -> dict[str, Any]:
    return {
        "tmdbId": movie["tmdbId"],
        "imdbId": movie["imdbId"],
        "title": movie["title"],
        "year": movie["year"],
    }


def movie_file(movie: dict[str, Any], file_id: int = 1, quality: str = "Bluray-1080p") -> dict:
    name = f"{movie['title']} ({movie['year']}) {quality}.mkv"
    return {
        "id": file_id,
        "relativePath": name,
        "path": f"{movie['path']}/{name}",
        "quality": quality,
        "qualityVersion": 1,
        "releaseGroup": "OPEN",
        "sceneName": f"{movie['title'].replace(' ', '.')}.{movie['year']}.{quality}-OPEN",
        "indexerFlags": "0",
        "size": 1_500_000_000,
        "dateAdded": DATE_ADDED,
        "mediaInfo": {
            "audioChannels": 5.1,
            "audioCodec": "EAC3",
            "audioLanguages": ["eng"],
            "height": 1080,
            "width": 1920,
            "subtitles": ["eng"],
            "videoCodec": "x264",
            "videoDynamicRange": "",
            "videoDynamicRangeType": "",
        },
        "sourcePath": f"/downloads/complete/{name}",
    }


def _custom_formats() -> dict[str, Any]:
    return {"customFormats": [], "customFormatScore": 0}


def radarr_test(*, instance: str | None = None, url: str | None = None) -> dict[str, Any]:
    """What Radarr's Test button sends (a grab payload with made-up values)."""
    return {
        **_base("Test", "radarr", instance, url),
        "movie": {
            "id": 1,
            "title": "Test Title",
            "year": 1970,
            "releaseDate": "1970-01-01",
            "folderPath": "C:\\testpath",
            "tmdbId": 0,
            "tags": ["test-tag"],
        },
        "remoteMovie": {"tmdbId": 1234, "imdbId": "5678", "title": "Test title", "year": 1970},
        "release": {
            "quality": "Test Quality",
            "qualityVersion": 1,
            "releaseGroup": "Test Group",
            "releaseTitle": "Test Title",
            "indexer": "Test Indexer",
            "size": 9999999,
            "customFormatScore": 0,
            "customFormats": [],
        },
    }


def radarr_movie_added(
    movie: dict[str, Any], *, instance: str | None = None, url: str | None = None
) -> dict[str, Any]:
    return {
        **_base("MovieAdded", "radarr", instance, url),
        "movie": webhook_movie(movie),
        "addMethod": "manual",
    }


def radarr_download(
    movie: dict[str, Any],
    *,
    upgrade: bool = False,
    instance: str | None = None,
    url: str | None = None,
) -> dict[str, Any]:
    """An import ("On File Import", or "On File Upgrade" with `upgrade`)."""
    payload = {
        **_base("Download", "radarr", instance, url),
        "movie": webhook_movie(movie),
        "remoteMovie": _remote_movie(movie),
        "movieFile": movie_file(
            movie, 2 if upgrade else 1, "Bluray-2160p" if upgrade else "Bluray-1080p"
        ),
        "isUpgrade": upgrade,
        "downloadClient": "qBittorrent",
        "downloadClientType": "qBittorrent",
        "downloadId": "2C9BD1F03F9C5B3B3AD1AC5B4A3F4C1D2E3F4A5B",
        "customFormatInfo": _custom_formats(),
        "release": {
            "releaseTitle": f"{movie['title'].replace(' ', '.')}.{movie['year']}.1080p-OPEN",
            "indexer": "Open Indexer",
            "size": 1_500_000_000,
        },
    }
    if upgrade:
        old = movie_file(movie)
        old["recycleBinPath"] = f"/recycle/{old['relativePath']}"
        payload["deletedFiles"] = [old]
    return payload


def radarr_rename(
    movie: dict[str, Any], *, previous_path: str, instance: str | None = None
) -> dict[str, Any]:
    renamed = movie_file(movie)
    renamed["previousRelativePath"] = renamed["relativePath"]
    renamed["previousPath"] = f"{previous_path}/{renamed['relativePath']}"
    return {
        **_base("Rename", "radarr", instance, None),
        "movie": webhook_movie(movie),
        "renamedMovieFiles": [renamed],
    }


def radarr_movie_delete(
    movie: dict[str, Any], *, deleted_files: bool = False, instance: str | None = None
) -> dict[str, Any]:
    payload = {
        **_base("MovieDelete", "radarr", instance, None),
        "movie": webhook_movie(movie),
        "deletedFiles": deleted_files,
    }
    if deleted_files:
        payload["movieFolderSize"] = 1_500_000_000
    return payload


def radarr_movie_file_delete(
    movie: dict[str, Any], *, reason: str = "manual", instance: str | None = None
) -> dict[str, Any]:
    return {
        **_base("MovieFileDelete", "radarr", instance, None),
        "movie": webhook_movie(movie),
        "movieFile": movie_file(movie),
        "deleteReason": reason,
    }


def radarr_grab(movie: dict[str, Any]) -> dict[str, Any]:
    return {
        **_base("Grab", "radarr", None, None),
        "movie": webhook_movie(movie),
        "remoteMovie": _remote_movie(movie),
        "release": {
            "quality": "Bluray-1080p",
            "qualityVersion": 1,
            "releaseGroup": "OPEN",
            "releaseTitle": f"{movie['title'].replace(' ', '.')}.1080p-OPEN",
            "indexer": "Open Indexer",
            "size": 1_500_000_000,
            "customFormatScore": 0,
            "customFormats": [],
        },
        "downloadClient": "qBittorrent",
        "downloadClientType": "qBittorrent",
        "downloadId": "2C9BD1F03F9C5B3B3AD1AC5B4A3F4C1D2E3F4A5B",
        "customFormatInfo": _custom_formats(),
    }


def health(app: str) -> dict[str, Any]:
    """A health check failing (Radarr and Sonarr alike)."""
    return {
        **_base("Health", app, None, None),
        "level": "warning",
        "message": "Indexers unavailable due to failures for more than 6 hours: Open Indexer",
        "type": "IndexerLongTermStatusCheck",
        "wikiUrl": "https://wiki.servarr.com/radarr/system#indexers-are-unavailable-due-to-failures",
    }


def application_update(app: str) -> dict[str, Any]:
    return {
        **_base("ApplicationUpdate", app, None, None),
        "message": f"{INSTANCE[app]} updated from 5.14.0.9383 to 5.15.0.9412",
        "previousVersion": "5.14.0.9383",
        "newVersion": "5.15.0.9412",
    }


# Sonarr


def webhook_series(series: dict[str, Any]) -> dict[str, Any]:
    """The `series` of a payload, from a stand-in SeriesResource."""
    return {
        "id": series["id"],
        "title": series["title"],
        "titleSlug": series["titleSlug"],
        "path": series["path"],
        "tvdbId": series["tvdbId"],
        "tvMazeId": series["tvMazeId"],
        "tmdbId": series["tmdbId"],
        "imdbId": series["imdbId"],
        "type": series["seriesType"],
        "year": series["year"],
        "genres": series["genres"],
        "images": series["images"],
        "tags": [],
        "originalLanguage": series["originalLanguage"],
    }


def _episodes(series: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "id": series["id"] * 100 + 1,
            "episodeNumber": 1,
            "seasonNumber": 1,
            "title": "Pilot",
            "overview": "The first episode.",
            "airDate": f"{series['year']}-01-15",
            "airDateUtc": f"{series['year']}-01-15T20:00:00Z",
            "seriesId": series["id"],
            "tvdbId": 7_000_000 + series["id"],
        }
    ]


def episode_file(series: dict[str, Any], file_id: int = 1) -> dict[str, Any]:
    name = f"Season 01/{series['title']} - S01E01 - Pilot WEBDL-1080p.mkv"
    return {
        "id": file_id,
        "relativePath": name,
        "path": f"{series['path']}/{name}",
        "quality": "WEBDL-1080p",
        "qualityVersion": 1,
        "releaseGroup": "OPEN",
        "sceneName": f"{series['title'].replace(' ', '.')}.S01E01.1080p.WEB-DL-OPEN",
        "size": 500_000_000,
        "dateAdded": DATE_ADDED,
        "languages": [{"id": 1, "name": "English"}],
        "mediaInfo": {
            "audioChannels": 2,
            "audioCodec": "AAC",
            "audioLanguages": ["eng"],
            "height": 1080,
            "width": 1920,
            "subtitles": [],
            "videoCodec": "h264",
            "videoDynamicRange": "",
            "videoDynamicRangeType": "",
        },
        "sourcePath": f"/downloads/complete/{name}",
    }


def sonarr_test(*, instance: str | None = None, url: str | None = None) -> dict[str, Any]:
    """What Sonarr's Test button sends."""
    return {
        **_base("Test", "sonarr", instance, url),
        "series": {
            "id": 1,
            "title": "Test Title",
            "path": "C:\\testpath",
            "tvdbId": 1234,
            "tvMazeId": 0,
            "tmdbId": 0,
            "type": "standard",
            "year": 0,
            "tags": ["test-tag"],
        },
        "episodes": [{"id": 123, "episodeNumber": 1, "seasonNumber": 1, "title": "Test title"}],
    }


def sonarr_series_add(series: dict[str, Any], *, instance: str | None = None) -> dict[str, Any]:
    return {**_base("SeriesAdd", "sonarr", instance, None), "series": webhook_series(series)}


def sonarr_download(
    series: dict[str, Any], *, upgrade: bool = False, instance: str | None = None
) -> dict[str, Any]:
    payload = {
        **_base("Download", "sonarr", instance, None),
        "series": webhook_series(series),
        "episodes": _episodes(series),
        "episodeFile": episode_file(series, 2 if upgrade else 1),
        "isUpgrade": upgrade,
        "downloadClient": "SABnzbd",
        "downloadClientType": "SABnzbd",
        "downloadId": "SABnzbd_nzo_1a2b3c4d",
        "customFormatInfo": _custom_formats(),
        "release": {
            "releaseTitle": f"{series['title'].replace(' ', '.')}.S01E01.1080p.WEB-DL-OPEN",
            "indexer": "Open Indexer",
            "size": 500_000_000,
        },
    }
    if upgrade:
        old = episode_file(series)
        old["recycleBinPath"] = f"/recycle/{old['relativePath']}"
        payload["deletedFiles"] = [old]
    return payload


def sonarr_rename(series: dict[str, Any], *, previous_path: str) -> dict[str, Any]:
    renamed = episode_file(series)
    renamed["previousRelativePath"] = renamed["relativePath"]
    renamed["previousPath"] = f"{previous_path}/{renamed['relativePath']}"
    return {
        **_base("Rename", "sonarr", None, None),
        "series": webhook_series(series),
        "renamedEpisodeFiles": [renamed],
    }


def sonarr_series_delete(
    series: dict[str, Any], *, deleted_files: bool = False, instance: str | None = None
) -> dict[str, Any]:
    return {
        **_base("SeriesDelete", "sonarr", instance, None),
        "series": webhook_series(series),
        "deletedFiles": deleted_files,
    }


def sonarr_episode_file_delete(series: dict[str, Any], *, reason: str = "manual") -> dict:
    return {
        **_base("EpisodeFileDelete", "sonarr", None, None),
        "series": webhook_series(series),
        "episodes": _episodes(series),
        "episodeFile": episode_file(series),
        "deleteReason": reason,
    }


def sonarr_grab(series: dict[str, Any]) -> dict[str, Any]:
    return {
        **_base("Grab", "sonarr", None, None),
        "series": webhook_series(series),
        "episodes": _episodes(series),
        "release": {
            "quality": "WEBDL-1080p",
            "qualityVersion": 1,
            "releaseGroup": "OPEN",
            "releaseTitle": f"{series['title'].replace(' ', '.')}.S01E01.1080p.WEB-DL-OPEN",
            "indexer": "Open Indexer",
            "size": 500_000_000,
            "customFormatScore": 0,
            "customFormats": [],
        },
        "downloadClient": "SABnzbd",
        "downloadClientType": "SABnzbd",
        "downloadId": "SABnzbd_nzo_1a2b3c4d",
        "customFormatInfo": _custom_formats(),
    }


def manual_interaction_required(movie: dict[str, Any]) -> dict[str, Any]:
    """Radarr: an import that needs a person (Activity → Queue)."""
    return {
        **_base("ManualInteractionRequired", "radarr", None, None),
        "movie": webhook_movie(movie),
        "downloadInfo": {
            "quality": "Bluray-1080p",
            "qualityVersion": 1,
            "title": f"{movie['title']}.1080p-OPEN",
            "size": 1_500_000_000,
        },
        "downloadClient": "qBittorrent",
        "downloadClientType": "qBittorrent",
        "downloadId": "2C9BD1F03F9C5B3B3AD1AC5B4A3F4C1D2E3F4A5B",
        "downloadStatus": "Warning",
        "downloadStatusMessages": [
            {"title": f"{movie['title']}.1080p-OPEN", "messages": ["Unable to parse the file"]}
        ],
        "customFormatInfo": _custom_formats(),
        "release": {
            "releaseTitle": f"{movie['title']}.1080p-OPEN",
            "indexer": "Open Indexer",
            "size": 1_500_000_000,
        },
    }
