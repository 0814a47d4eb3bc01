"""The folder rules: normalised absolute paths, nesting, links that lead out."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.exceptions import InvalidInputError
from core.library.folders import (
    FolderError,
    containing_root_path,
    is_within,
    normalise_folder,
    real_within,
)

pytestmark = pytest.mark.no_database


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/media/movies", "/media/movies"),
        ("/media/movies/", "/media/movies"),
        ("/media//movies/./Alien (1979)/", "/media/movies/Alien (1979)"),
        ("//media/movies", "/media/movies"),
        ("/", "/"),
        ("/media/mo..vies", "/media/mo..vies"),
    ],
)
def test_normalise_folder(path: str, expected: str) -> None:
    assert normalise_folder(path) == expected


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("media/movies", "absolute"),
        ("./movies", "absolute"),
        ("", "blank"),
        ("   ", "blank"),
        ("/media/../etc", "'..'"),
        ("/media/movies/..", "'..'"),
        ("/media/mo\x00vies", "NUL"),
    ],
)
def test_normalise_folder_refuses(path: str, reason: str) -> None:
    with pytest.raises(FolderError) as caught:
        normalise_folder(path)
    assert reason in caught.value.detail
    assert isinstance(caught.value, InvalidInputError)
    assert caught.value.status_code == 422


def test_is_within_compares_whole_parts() -> None:
    assert is_within("/a/b", "/a/b")
    assert is_within("/a/b/c", "/a/b")
    assert not is_within("/a/bc", "/a/b")
    assert not is_within("/a", "/a/b")
    assert is_within("/anything", "/")


def test_containing_root_path_takes_the_deepest_root() -> None:
    roots = ["/media", "/media/movies", "/other"]
    assert containing_root_path("/media/movies/Alien", roots) == "/media/movies"
    assert containing_root_path("/media/series/Lost", roots) == "/media"
    assert containing_root_path("/etc", roots) is None
    assert containing_root_path("/media", []) is None


def test_real_within_follows_links(tmp_path: Path) -> None:
    folder = tmp_path / "movie"
    folder.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (folder / "inside").mkdir()
    os.symlink(outside, folder / "Trailers")
    os.symlink(folder / "inside", folder / "local-link")

    assert real_within(str(folder / "inside"), str(folder))
    assert real_within(str(folder / "local-link"), str(folder))
    assert not real_within(str(folder / "Trailers"), str(folder))
    assert not real_within(str(folder / "Trailers" / "x.mkv"), str(folder))
    assert real_within(str(folder / "not-yet"), str(folder))
