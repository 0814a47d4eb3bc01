"""/docs and /redoc load everything from the app itself: they work without the internet."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

from config import get_settings

ABSOLUTE_URL = re.compile(r"https?://[^\s\"'<>)]+", re.IGNORECASE)


class _Resources(HTMLParser):
    """The scripts, styles and icons a page loads: (kind, URL)."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, str]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script" and values.get("src"):
            self.found.append(("script", values["src"] or ""))
        if tag == "link" and values.get("href"):
            rel = (values.get("rel") or "").lower()
            kind = "style" if "stylesheet" in rel else "icon" if "icon" in rel else rel
            self.found.append((kind, values["href"] or ""))


def resources(html: str) -> list[tuple[str, str]]:
    parser = _Resources()
    parser.feed(html)
    return parser.found


@pytest.fixture
def built_ui(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A built UI, so that a path no route serves would get its index.html, not a 404."""
    folder = tmp_path / "dist"
    folder.mkdir()
    (folder / "index.html").write_text("<!doctype html><div id=root></div>", encoding="utf-8")
    monkeypatch.setenv("FRONTEND_DIST", str(folder))
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


@pytest.mark.usefixtures("built_ui")
@pytest.mark.parametrize(
    ("page", "expected"),
    [("/docs", {"script", "style", "icon"}), ("/redoc", {"script", "icon"})],
)
def test_docs_pages_load_only_files_the_app_serves(
    anonymous: TestClient, page: str, expected: set[str]
) -> None:
    response = anonymous.get(page)
    assert response.status_code == 200
    assert ABSOLUTE_URL.findall(response.text) == []  # no CDN, no web fonts
    found = resources(response.text)
    assert {kind for kind, _ in found} >= expected
    content_types = {"script": "javascript", "style": "text/css", "icon": "image/"}
    for kind, url in found:
        assert not urlsplit(url).netloc, url
        asset = anonymous.get(url)
        assert asset.status_code == 200, url
        assert content_types[kind] in asset.headers["content-type"], (url, asset.headers)
        assert len(asset.content) > 1000, url  # the real file, not a stub


def test_the_swagger_page_still_reads_the_schema(anonymous: TestClient) -> None:
    html = anonymous.get("/docs").text
    assert "swagger" in html.lower()
    assert "'/openapi.json'" in html or '"/openapi.json"' in html
    assert "/api/v1/media" in anonymous.get("/openapi.json").json()["paths"]
    assert anonymous.get("/docs/oauth2-redirect").status_code == 200
    # Swagger UI would otherwise show a badge from its online validator, sending the URL out.
    assert re.search(r'"?validatorUrl"?\s*:\s*null', html)


def test_a_missing_docs_file_is_a_404_not_the_ui(anonymous: TestClient) -> None:
    assert anonymous.get("/static/docs/nothing.js").status_code == 404
