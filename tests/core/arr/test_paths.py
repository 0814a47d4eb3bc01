"""Path mappings: the longest matching prefix wins, on whole path components."""

from __future__ import annotations

import pytest

from core.arr.paths import map_path
from core.base.database.models.connection import PathMappingRead


def mappings(*pairs: tuple[str, str]) -> list[PathMappingRead]:
    return [
        PathMappingRead(id=n, connection_id=1, path_from=a, path_to=b)
        for n, (a, b) in enumerate(pairs, 1)
    ]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/movies/Arrival (2016)", "/media/movies/Arrival (2016)"),
        ("/movies", "/media/movies"),
        ("/movies/4k/Dune (2021)", "/fast/4k/Dune (2021)"),  # the longer prefix wins
        ("/movies2/Arrival (2016)", "/movies2/Arrival (2016)"),  # not a whole component
        ("/tv/Show", "/tv/Show"),  # no mapping: unchanged
        ("D:\\Films\\Heat (1995)", "/media/films/Heat (1995)"),  # Windows to POSIX
    ],
)
def test_map_path(path: str, expected: str) -> None:
    table = mappings(
        ("/movies/", "/media/movies"),
        ("/movies/4k", "/fast/4k/"),
        ("D:\\Films", "/media/films"),
    )
    assert map_path(path, table) == expected


def test_map_path_without_mappings_is_the_path() -> None:
    assert map_path("/movies/A (2000)", []) == "/movies/A (2000)"
