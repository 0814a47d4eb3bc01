"""The history filters as query parameters: one model, documented once per route, extras ignored."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient

DOWNLOADS = "/api/v1/downloads"
EXPORT = "/api/v1/downloads/export"
DB_INT_MAX = 2**31 - 1  # the INTEGER of every engine (PostgreSQL's is 32 bits)
SEARCH_HELP = (
    "Part of the media title or file name, ignoring case; every character is literal"
    " (3 characters or more are found through a trigram index)"
)

FILTERS: dict[str, dict[str, Any]] = {
    "media_id": {"type": "integer", "minimum": 1, "maximum": DB_INT_MAX},
    "profile_id": {"type": "integer", "minimum": 0, "maximum": DB_INT_MAX},
    "file_exists": {"type": "boolean"},
    "video_format": {"type": "string", "maxLength": 100},
    "audio_format": {"type": "string", "maxLength": 100},
    "resolution": {"type": "string", "maxLength": 100},
    "since": {"type": "string", "format": "date-time"},
    "q": {"type": "string", "maxLength": 200},
    "sort": {"$ref": "#/components/schemas/HistorySort", "default": "added_at"},
    "order": {"$ref": "#/components/schemas/SortOrder", "default": "desc"},
}
"""What each filter accepts, as the OpenAPI document states it (nullable ones: the non-null
branch)."""
DESCRIPTIONS = {"since": "Added at or after this time; naive is UTC", "q": SEARCH_HELP}
ROUTE_OWN: dict[str, dict[str, dict[str, Any]]] = {
    DOWNLOADS: {
        "page": {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1},
        "page_size": {"type": "integer", "minimum": 1, "maximum": 500, "default": 50},
    },
    EXPORT: {"format": {"$ref": "#/components/schemas/ExportFormat", "default": "csv"}},
}


def _query_parameters(path: str) -> list[dict[str, Any]]:
    from main import app

    operation = app.openapi()["paths"][path]["get"]
    return [p for p in operation["parameters"] if p["in"] == "query"]


def _accepted(schema: dict[str, Any]) -> dict[str, Any]:
    """The schema without its title; for an optional value, its non-null branch."""
    if "anyOf" in schema:
        (value,) = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return value
    return {k: v for k, v in schema.items() if k not in {"title", "description"}}


@pytest.mark.parametrize("path", [DOWNLOADS, EXPORT])
def test_openapi_lists_each_filter_once_with_its_constraints(path: str) -> None:
    parameters = _query_parameters(path)
    names = [p["name"] for p in parameters]
    assert sorted(names) == sorted({*FILTERS, *ROUTE_OWN[path]})
    assert len(names) == len(set(names)), names
    expected = {**FILTERS, **ROUTE_OWN[path]}
    for parameter in parameters:
        name = parameter["name"]
        assert parameter["required"] is False, name
        assert _accepted(parameter["schema"]) == expected[name], name
        assert parameter.get("description") == DESCRIPTIONS.get(name), name


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (DOWNLOADS, {"bogus": "1", "format": "xml", "export_format": "x"}),
        (EXPORT, {"bogus": "1", "page": "0", "page_size": "9999", "export_format": "x"}),
    ],
)
def test_unknown_parameters_are_ignored(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    """A parameter of the other route, or of none, changes nothing (and is no 422)."""
    response = client.get(path, params=params)
    assert response.status_code == 200, response.text


@pytest.mark.parametrize(
    ("path", "params"),
    [
        (EXPORT, {"media_id": "0"}),
        (EXPORT, {"profile_id": str(DB_INT_MAX + 1)}),
        (EXPORT, {"video_format": "x" * 101}),
        (EXPORT, {"q": "x" * 201}),
        (DOWNLOADS, {"resolution": "x" * 101}),
    ],
)
def test_the_filters_constraints_hold_on_both_routes(
    client: TestClient, path: str, params: dict[str, str]
) -> None:
    response = client.get(path, params=params)
    assert response.status_code == 422, response.text
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", next(iter(params))]
