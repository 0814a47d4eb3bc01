"""Naming and moving trailer files into media folders."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download import trailer_file
from tests.utils.factories import make_media, make_profile


def _profile(**overrides: object) -> TrailerProfileRead:
    return make_profile(**overrides)


def _existing(folder: Path) -> Path:
    """A media folder that exists: placing a trailer never creates one (unmounted drive)."""
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _finished_file(tmp_path: Path, name: str = "work.mkv", content: bytes = b"video") -> Path:
    path = tmp_path / "work" / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    return path


def test_moves_into_trailers_subfolder_with_template_name(tmp_path: Path) -> None:
    media = make_media(_existing(tmp_path / "movies" / "Alien (1979)"), title="Alien", year=1979)
    profile = _profile(file_name="{title} ({year})-trailer")
    final = trailer_file.move_trailer_to_folder(_finished_file(tmp_path), media, profile)
    assert final == str(
        tmp_path / "movies" / "Alien (1979)" / "Trailers" / "Alien (1979)-trailer.mkv"
    )
    assert Path(final).read_bytes() == b"video"
    assert not (tmp_path / "work" / "work.mkv").exists()


def test_beside_the_media_when_folder_disabled(tmp_path: Path) -> None:
    media = make_media(_existing(tmp_path / "m"), title="Heat", year=1995)
    profile = _profile(folder_enabled=False, file_name="{title}-trailer")
    final = trailer_file.move_trailer_to_folder(_finished_file(tmp_path, "x.mp4"), media, profile)
    assert final == str(tmp_path / "m" / "Heat-trailer.mp4")


def test_taken_names_get_a_number_and_nothing_is_overwritten(tmp_path: Path) -> None:
    media = make_media(_existing(tmp_path / "m"), title="Heat", year=1995)
    profile = _profile(file_name="{title}")
    folder = tmp_path / "m" / "Trailers"
    folder.mkdir(parents=True)
    (folder / "Heat.mkv").write_bytes(b"user file")
    (folder / "Heat (2).mkv").write_bytes(b"another")
    final = trailer_file.move_trailer_to_folder(_finished_file(tmp_path), media, profile)
    assert Path(final).name == "Heat (3).mkv"
    assert (folder / "Heat.mkv").read_bytes() == b"user file"
    assert (folder / "Heat (2).mkv").read_bytes() == b"another"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Amélie: Le Fabuleux Destin?", "Amélie Le Fabuleux Destin"),
        ('AC/DC \\ Live <1991> | "Donington" *', "AC DC Live 1991 Donington"),
        ("千と千尋の神隠し", "千と千尋の神隠し"),
        ("...", "trailer"),
    ],
)
def test_names_are_sanitised(tmp_path: Path, title: str, expected: str) -> None:
    media = make_media(_existing(tmp_path / "m"), title=title, year=2001)
    profile = _profile(file_name="{title}")
    final = trailer_file.move_trailer_to_folder(_finished_file(tmp_path), media, profile)
    assert Path(final).name == f"{expected}.mkv"


def test_very_long_unicode_title_stays_within_255_bytes(tmp_path: Path) -> None:
    title = "長い題名の映画" * 40  # 840 characters, 2520 bytes of UTF-8
    media = make_media(_existing(tmp_path / "m"), title=title[:500], year=2001)
    profile = _profile(file_name="{title} ({year})-trailer")
    first = Path(trailer_file.move_trailer_to_folder(_finished_file(tmp_path), media, profile))
    second = Path(trailer_file.move_trailer_to_folder(_finished_file(tmp_path), media, profile))
    for path in (first, second):
        assert len(path.name.encode("utf-8")) <= 255
        assert path.name.encode("utf-8").decode("utf-8") == path.name
        assert path.exists()
    assert second.name.endswith(" (2).mkv")
    assert first != second


def test_resolution_and_id_placeholders(tmp_path: Path) -> None:
    from core.download.video_analysis import StreamInfo, VideoInfo

    info = VideoInfo(
        name="x.mkv",
        format_name="matroska,webm",
        streams=[
            StreamInfo(index=0, codec_type="video", codec_name="h264", width=1920, height=1080),
            StreamInfo(index=1, codec_type="audio", codec_name="aac"),
        ],
        file_size=1,
        file_mtime_ns=1,
    )
    media = make_media(_existing(tmp_path / "m"), title="Dune", year=2021, imdb_id="tt1160419")
    profile = _profile(file_name="{title} {resolution} {vcodec} {acodec} {youtube_id} {imdb_id}")
    final = trailer_file.move_trailer_to_folder(
        _finished_file(tmp_path), media, profile, info=info, video_id="n9xhJrPXop4"
    )
    assert Path(final).name == "Dune 1080p h264 aac n9xhJrPXop4 tt1160419.mkv"


@pytest.mark.skipif(
    not Path("/dev/shm").is_dir() or os.stat("/dev/shm").st_dev == os.stat("/tmp").st_dev,
    reason="needs a second file system",
)
def test_moves_across_file_systems(tmp_path: Path) -> None:
    import tempfile

    with tempfile.TemporaryDirectory(dir="/dev/shm") as other:
        source = Path(other) / "cross.mkv"
        source.write_bytes(b"x" * 100_000)
        mtime_ns = source.stat().st_mtime_ns
        media = make_media(_existing(tmp_path / "m"), title="Cross", year=2020)
        final = Path(
            trailer_file.move_trailer_to_folder(source, media, _profile(file_name="{title}"))
        )
        assert final.read_bytes() == b"x" * 100_000
        assert final.stat().st_mtime_ns == mtime_ns
        assert not source.exists()
        assert [p.name for p in final.parent.iterdir()] == ["Cross.mkv"]


def test_delete_files_counts_and_ignores_missing(tmp_path: Path) -> None:
    present = tmp_path / "a.mkv"
    present.write_bytes(b"1")
    assert (
        trailer_file.delete_files([str(present), str(tmp_path / "gone.mkv")], within=str(tmp_path))
        == 1
    )
    assert not present.exists()


def test_delete_files_stays_within_the_media_folder(tmp_path: Path) -> None:
    folder = tmp_path / "media"
    inside = folder / "Trailers" / "t.mkv"
    inside.parent.mkdir(parents=True)
    inside.write_bytes(b"1")
    outside = tmp_path / "elsewhere.mkv"
    outside.write_bytes(b"2")
    sneaky = folder / ".." / "elsewhere.mkv"
    deleted = trailer_file.delete_files([str(inside), str(sneaky)], within=str(folder))
    assert deleted == 1
    assert not inside.exists()
    assert outside.exists()
