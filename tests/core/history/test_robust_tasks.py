"""Backfill and reconcile over a library of bad files: one bad file or media never stops a run."""

from __future__ import annotations

import os
import shutil
import subprocess
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from core.base.database.manager.base import MediaDatabaseManager
from core.history.backfill import BackfillSummary, backfill_library
from core.history.reconcile import ReconcileSummary, reconcile_library
from tests.utils.db import execute
from tests.utils.factories import make_download, make_media, make_profile
from tests.utils.mediafiles import make_video

pytestmark = pytest.mark.slow

manager = MediaDatabaseManager()
RUN_TIMEOUT = 300.0
"""Seconds a run may take here; a run that blocks (on a pipe, say) fails the test."""
CJK_NAME = "予" * 82 + ".mkv"


def run_to_end[T](task: Callable[[], T]) -> T:
    """Run `task` in a thread; fail (instead of hanging) if it has not ended in time."""
    outcome: dict[str, Any] = {}

    def target() -> None:
        try:
            outcome["result"] = task()
        except BaseException as exc:
            outcome["error"] = exc

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(RUN_TIMEOUT)
    assert not thread.is_alive(), f"the run did not end within {RUN_TIMEOUT:.0f} s"
    if "error" in outcome:
        raise outcome["error"]
    return outcome["result"]


def remux(source: Path, target: Path, stream: str) -> Path:
    """Copy only the streams of type `stream` ("a", "s") of `source` into `target`."""
    subprocess.run(
        [
            *("ffmpeg", "-nostdin", "-loglevel", "error", "-y", "-i", str(source)),
            *("-map", f"0:{stream}", "-c", "copy", str(target)),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    return target


def make_corpus(trailers: Path, scratch: Path) -> tuple[list[Path], list[bytes]]:
    """Fill `trailers` with good and bad trailer files; (good files, names of bad ones)."""
    trailers.mkdir(parents=True)
    scratch.mkdir()
    good = [
        make_video(trailers / "video-only.mkv", acodec=None, duration=1.5),
        # Tags that are not UTF-8 (the lone surrogates reach ffmpeg as the bytes ff fe).
        make_video(trailers / "tags.mkv", tags={"title": "bad \udcff\udcfe tag"}),
        make_video(trailers / CJK_NAME, duration=2.5),
    ]
    assert len(CJK_NAME.encode()) == 250
    full = make_video(scratch / "full.mkv", subtitles=["en"], duration=3.0)
    remux(full, trailers / "audio-only.mkv", "a")
    remux(full, trailers / "subtitles-only.mkv", "s")
    (trailers / "truncated.mkv").write_bytes(full.read_bytes()[:2000])
    (trailers / "empty.mkv").touch()
    (trailers / "notes.mp4").write_text("not a video at all\n", encoding="utf-8")
    with open(trailers / "huge.mkv", "wb") as sparse:
        sparse.truncate(20 * 2**30)  # 20 GiB, sparse: never read whole
    os.mkfifo(trailers / "pipe.mkv")
    (trailers / "dangling.mkv").symlink_to(trailers / "gone.mkv")
    bad_name = os.path.join(os.fsencode(trailers), b"trailer-\xff.mkv")
    handle = os.open(bad_name, os.O_WRONLY | os.O_CREAT, 0o644)
    try:
        os.write(handle, make_video(scratch / "other.mkv", duration=3.5).read_bytes())
    finally:
        os.close(handle)
    bad = [
        os.fsencode(n) for n in os.listdir(trailers) if Path(n).name not in {p.name for p in good}
    ]
    return good, bad


@pytest.mark.sqlite_only(
    reason="rows holding a NUL (left by older versions) exist only in SQLite: PostgreSQL's"
    " text cannot hold one, so a library moved there has none"
)
def test_a_library_of_bad_files_is_handled_to_the_end(tmp_path: Path, db_file: Path) -> None:
    # Made first, so that its media and records come first: they used to stop every run.
    broken = make_media(tmp_path / "Broken (2001)", title="Broken")
    execute(
        db_file, "UPDATE media SET folder_path = ? WHERE id = ?", "/media/Bro\x00ken", broken.id
    )
    make_download(broken.id, path="/media/elsewhere/broken-trailer.mkv")
    extras = make_profile(folder_name="Extras")
    execute(
        db_file, "UPDATE trailerprofile SET folder_name = ? WHERE id = ?", "Ex\x00tras", extras.id
    )

    plain = tmp_path / "Plain (2020)"
    plain_good = [
        make_video(plain / "Trailers" / "official.mkv"),
        make_video(plain / "Plain (2020)-trailer.mp4", width=160, height=120),
    ]
    make_video(plain / "Plain (2020).mkv", duration=1.0)  # the movie, not a trailer
    plain_media = make_media(plain, title="Plain")
    corpus = tmp_path / "Corpus (2021)"
    (corpus / "Corpus (2021).nfo").parent.mkdir()
    (corpus / "Corpus (2021).nfo").write_text("<movie/>", encoding="utf-8")
    corpus_good, corpus_bad = make_corpus(corpus / "Trailers", tmp_path / "scratch")
    corpus_media = make_media(corpus, title="Corpus")
    assert len(corpus_bad) == 9
    kept = make_download(plain_media.id, path=str(plain / "kept.mkv"))
    execute(db_file, "UPDATE download SET path = ? WHERE id = ?", f"{plain}/ke\x00pt.mkv", kept.id)

    summary: BackfillSummary = run_to_end(backfill_library)

    assert summary.model_dump(exclude={"duration_seconds"}) == {
        "media_scanned": 2,
        "found": 14,
        "recorded": 5,
        "already_known": 0,
        "unreadable": 6,  # empty, truncated, text, sparse, pipe, dangling link
        "not_video": 2,  # audio only, subtitles only
        "bad_names": 1,
        "skipped_media": 0,
        "failed_media": 1,  # the folder path with a NUL
    }
    recorded = {r.path for r in manager.read_downloads(plain_media.id)} | {
        r.path for r in manager.read_downloads(corpus_media.id)
    }
    assert recorded == {str(p) for p in plain_good + corpus_good} | {f"{plain}/ke\x00pt.mkv"}
    assert len(manager.read_downloads(broken.id)) == 1  # its one record, untouched

    # A recorded trailer renamed: reconcile searches the corpus folder for it.
    renamed = corpus / "Trailers" / "renamed-trailer.mkv"
    shutil.move(corpus_good[0], renamed)

    result: ReconcileSummary = run_to_end(reconcile_library)

    assert result.model_dump(exclude={"duration_seconds"}) == {
        "checked": 7,
        "present": 4,
        "restored": 0,
        "missing": 0,
        "renamed": 1,
        "changed": 0,
        "fingerprinted": 0,
        "skipped_media": 0,
        "errors": 2,  # the record whose path holds a NUL, the media whose folder does
    }
    paths = {r.path for r in manager.read_downloads(corpus_media.id)}
    assert str(renamed) in paths and str(corpus_good[0]) not in paths
    [still] = manager.read_downloads(broken.id)
    assert still.file_exists is True  # left alone: its folder could not be searched


def test_a_pipe_at_a_records_path_is_never_opened(tmp_path: Path) -> None:
    folder = tmp_path / "Movie (2020)"
    folder.mkdir()
    (folder / "movie.mkv").write_bytes(b"the movie itself")
    media = make_media(folder)
    pipe = folder / "Trailers" / "trailer.mkv"
    pipe.parent.mkdir()
    os.mkfifo(pipe)
    make_download(media.id, path=str(pipe), file_name=pipe.name, fingerprint="1000:abc")

    result: ReconcileSummary = run_to_end(reconcile_library)

    assert (result.checked, result.present, result.missing, result.errors) == (1, 0, 1, 0)
    [record] = manager.read_downloads(media.id)
    assert record.file_exists is False
