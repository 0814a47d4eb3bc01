"""No file operation leaves the media's folder: links that lead outside are not followed."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.download import trailer_file
from core.history.backfill import find_trailer_files
from core.history.reconcile import walk_files
from core.library.folders import FolderError
from core.library.media_service import check_media_folder_on_disk
from tests.utils.factories import make_media, make_profile
from tests.utils.roots import add_root


def work_file(tmp_path: Path) -> Path:
    path = tmp_path / "work" / "work.mkv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"video")
    return path


def test_a_trailers_link_leading_outside_is_refused_and_nothing_written(tmp_path: Path) -> None:
    folder = tmp_path / "movies" / "Alien (1979)"
    folder.mkdir(parents=True)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    os.symlink(outside, folder / "Trailers")
    media = make_media(folder, title="Alien", year=1979)
    source = work_file(tmp_path)

    with pytest.raises(PermissionError, match="leads outside the media folder"):
        trailer_file.move_trailer_to_folder(source, media, make_profile())
    assert list(outside.iterdir()) == []
    assert source.exists()  # the work file stays for the caller to clear


def test_a_trailers_link_inside_the_media_folder_is_fine(tmp_path: Path) -> None:
    folder = tmp_path / "movies" / "Alien (1979)"
    (folder / "extras").mkdir(parents=True)
    os.symlink(folder / "extras", folder / "Trailers")
    media = make_media(folder, title="Alien", year=1979)
    final = trailer_file.move_trailer_to_folder(work_file(tmp_path), media, make_profile())
    assert Path(final).parent == folder / "Trailers"
    assert list((folder / "extras").iterdir()) == [folder / "extras" / Path(final).name]


def test_the_media_folder_is_checked_against_its_root(tmp_path: Path) -> None:
    library = tmp_path / "library"
    outside = tmp_path / "outside"
    outside.mkdir()
    (library / "Real (2001)").mkdir(parents=True)
    os.symlink(outside, library / "Linked (2002)")
    add_root(library)
    real = make_media(library / "Real (2001)")
    linked = make_media(library / "Linked (2002)")
    missing = make_media(library / "Missing (2003)")
    # Media stored before the rules (the factory makes roots for absolute folders).
    nowhere = real.model_copy(update={"folder_path": "/nowhere/x"})
    relative = make_media(folder_path="relative/x")

    check_media_folder_on_disk(real)
    with pytest.raises(FolderError, match="leads outside its library root"):
        check_media_folder_on_disk(linked)
    with pytest.raises(FolderError, match="is the drive mounted"):
        check_media_folder_on_disk(missing)
    assert not (library / "Missing (2003)").exists()
    with pytest.raises(FolderError, match="outside every library root"):
        check_media_folder_on_disk(nowhere)
    with pytest.raises(FolderError, match="absolute"):
        check_media_folder_on_disk(relative)


def test_walk_files_follows_no_link_out_of_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    (folder / "Trailers").mkdir(parents=True)
    (folder / "Trailers" / "own.mkv").write_bytes(b"x")
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.mkv").write_bytes(b"x")
    os.symlink(outside, folder / "Linked")
    os.symlink(outside / "secret.mkv", folder / "Trailers" / "to-secret.mkv")
    os.symlink(folder / "Trailers" / "own.mkv", folder / "alias.mkv")  # inside: kept

    found = sorted(path for path, _size in walk_files(str(folder)))
    assert found == [str(folder / "Trailers" / "own.mkv"), str(folder / "alias.mkv")]


def test_backfill_does_not_read_a_trailers_link_out_of_the_folder(tmp_path: Path) -> None:
    folder = tmp_path / "m"
    folder.mkdir()
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "Secret-trailer.mkv").write_bytes(b"x")
    (outside / "plain.mkv").write_bytes(b"x")
    os.symlink(outside, folder / "Trailers")
    os.symlink(outside / "Secret-trailer.mkv", folder / "Linked-trailer.mkv")
    (folder / "Own-trailer.mkv").write_bytes(b"x")

    assert find_trailer_files(str(folder), ["Trailers"]) == [str(folder / "Own-trailer.mkv")]
