"""Library roots for tests: media folders must lie inside one (core/library/folders.py).

`add_root` stores a root straight through the manager, without the API's check that the
folder exists, so that a test can use made-up folders such as `MEDIA_ROOT`. The
`media_root` fixture (a pytest plugin, see tests/conftest.py) adds `MEDIA_ROOT`, which
holds the folder of `tests.utils.api.media_body`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.base.database.manager.root import RootManager
from core.base.database.models.root import LibraryRootCreate, LibraryRootRead

MEDIA_ROOT = "/media"
"""A made-up root holding the made-up folders of the tests (`/media/movies/...`)."""


def add_root(path: str | Path, *, is_movie: bool = True, scan: bool = False) -> LibraryRootRead:
    """The root that holds `path` (normalised), added unless one holds it already."""
    normal = os.path.normpath(str(path))
    manager = RootManager()
    found = manager.containing_root(normal)
    if found is not None:
        return found
    return manager.create(LibraryRootCreate(path=normal, is_movie=is_movie, scan=scan))


@pytest.fixture
def media_root(data_dir: Path) -> LibraryRootRead:
    """`MEDIA_ROOT` as a library root of the test's database."""
    return add_root(MEDIA_ROOT)
