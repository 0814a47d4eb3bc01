"""Atomic placement: a trailer is in its media folder complete under its final name, or not at all.

The kill test runs `move_trailer_to_folder` in real child processes that SIGKILL themselves at
each file-system step of the move (before, during or after the call), then checks what is left
on disk. The steps are found by recording the calls of one run that is not killed, so the test
follows the implementation.
"""

from __future__ import annotations

import errno
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import ModuleType
from typing import Any, BinaryIO, NoReturn

import pytest

from core.base.database.models.media import MediaRead, MonitorStatus
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download import trailer_file
from core.download.trailer_file import (
    STAGING_PREFIX,
    STAGING_SUFFIX,
    is_staging_name,
    move_trailer_to_folder,
    remove_staging_files,
)
from core.history import backfill, reconcile
from tests.utils.factories import make_media, make_profile

REPO = Path(__file__).resolve().parents[3]
BACKEND = REPO / "backend"
TITLE, YEAR = "Alien", 1979
FINAL_NAME = "Alien (1979)-trailer.mkv"
CONTENT = random.Random(9).randbytes(300_007)
"""The trailer's bytes: random, so that any truncation or mix-up shows."""
CHILD_TIMEOUT = 240
"""Seconds a child may take; generous, so that a slow machine never fails the test."""
WRAPPED: dict[ModuleType, tuple[str, ...]] = {
    os: ("mkdir", "open", "fsync", "link", "unlink", "rename", "replace", "rmdir"),
    shutil: ("copyfileobj", "copystat", "copyfile", "copy2", "move"),
}
"""The calls that change the file system, each a step the child can be killed at.

`os.close` is left out: closing a descriptor changes nothing on disk.
"""
CHILD_CODE = (
    "import sys; sys.path[:0] = sys.argv[1:3];"
    " from tests.core.download.test_trailer_placement import child_main;"
    " child_main(sys.argv[3])"
)


def child_main(spec_json: str) -> None:
    """Run in the child: place the trailer, recording the steps or killed at one of them.

    `spec`: `media_folder`, `source`, `hard_links` (False: `os.link` raises EPERM),
    `kill_at` (`[step index, "before" | "during" | "after"]` or None) and `record` (where the
    un-killed run writes the steps it made).
    """
    spec = json.loads(spec_json)
    now = datetime.now(UTC)
    media = MediaRead(
        id=1,
        title=TITLE,
        year=YEAR,
        is_movie=True,
        folder_path=spec["media_folder"],
        status=MonitorStatus.MISSING,
        added_at=now,
        updated_at=now,
        downloaded_at=None,
    )
    profile = TrailerProfileRead(id=1, name="kill test", added_at=now, updated_at=now)
    kill_at: list[Any] | None = spec["kill_at"]
    calls: list[str] = []
    send_kill = os.kill

    def die() -> NoReturn:
        send_kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("alive after SIGKILL")

    def wrap(owner: ModuleType, name: str) -> None:
        real: Callable[..., Any] = getattr(owner, name)
        label = f"{owner.__name__}.{name}"

        def step(*args: Any, **kwargs: Any) -> Any:
            index = len(calls)
            calls.append(label)
            when = kill_at[1] if kill_at is not None and kill_at[0] == index else None
            if when == "before":
                die()
            if when == "during":
                _copy_half(*args)
                die()
            try:
                return real(*args, **kwargs)
            finally:
                if when == "after":
                    die()

        setattr(owner, name, step)

    if not spec["hard_links"]:

        def no_link(*args: Any, **kwargs: Any) -> NoReturn:
            raise OSError(errno.EPERM, "Operation not permitted")

        os.link = no_link
    for owner, names in WRAPPED.items():
        for name in names:
            wrap(owner, name)
    final = move_trailer_to_folder(spec["source"], media, profile)
    Path(spec["record"]).write_text(json.dumps({"final": final, "calls": calls}))


def _copy_half(source: BinaryIO, target: BinaryIO, *_: Any) -> None:
    """Killed during a copy: write half of the data first."""
    size = os.fstat(source.fileno()).st_size
    target.write(source.read(size // 2))
    target.flush()


@dataclass(frozen=True)
class Layout:
    """One run's folders: the media folder (and its trailer subfolder) and the work file."""

    media_folder: Path
    source: Path

    @property
    def trailer_folder(self) -> Path:
        return self.media_folder / "Trailers"

    @classmethod
    def make(cls, base: Path, work_root: Path) -> Layout:
        media_folder = base / "movies" / f"{TITLE} ({YEAR})"
        media_folder.mkdir(parents=True)
        source = work_root / base.name / "work.mkv"
        source.parent.mkdir(parents=True)
        source.write_bytes(CONTENT)
        return cls(media_folder, source)


@pytest.fixture(scope="session")
def pycache_prefix(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where the children keep compiled modules, so that only the first one compiles."""
    return tmp_path_factory.mktemp("pycache")


@pytest.fixture
def child_env(pycache_prefix: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(pycache_prefix)
    return env


@pytest.fixture
def other_fs(tmp_path: Path) -> Iterator[Path]:
    """A folder on another file system than tmp_path (the tmpfs /dev/shm); skips without."""
    shm = Path("/dev/shm")
    if not shm.is_dir() or os.stat(shm).st_dev == os.stat(tmp_path).st_dev:
        pytest.skip("needs /dev/shm on another file system than the test folder")
    folder = Path(tempfile.mkdtemp(prefix="trailarr-test-", dir=shm))
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def _run_child(spec: dict[str, Any], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", CHILD_CODE, str(BACKEND), str(REPO), json.dumps(spec)],
        env=env,
        cwd=REPO,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=CHILD_TIMEOUT,
        check=False,
    )


def _spec(layout: Layout, hard_links: bool, kill_at: tuple[int, str] | None) -> dict[str, Any]:
    return {
        "media_folder": str(layout.media_folder),
        "source": str(layout.source),
        "hard_links": hard_links,
        "kill_at": kill_at,
        "record": str(layout.media_folder.parent / "record.json"),
    }


def _kill_points(calls: list[str]) -> list[tuple[int, str]]:
    points = []
    for index, label in enumerate(calls):
        points.append((index, "before"))
        if label == "shutil.copyfileobj":
            points.append((index, "during"))
        points.append((index, "after"))
    return points


def _problems_after_kill(layout: Layout) -> list[str]:
    """What breaks the invariant in a run's folders (empty: none), clearing staging files."""
    problems = []
    folder = layout.trailer_folder
    media_entries = sorted(os.listdir(layout.media_folder))
    if media_entries not in ([], ["Trailers"]):
        problems.append(f"the media folder holds {media_entries}")
    entries = sorted(os.listdir(folder)) if folder.is_dir() else []
    others = [name for name in entries if not is_staging_name(name)]
    if others not in ([], [FINAL_NAME]):
        problems.append(f"the trailer folder holds {others}")
    final = folder / FINAL_NAME
    complete = final.is_file() and final.read_bytes() == CONTENT
    if final.exists() and not complete:
        problems.append(f"{FINAL_NAME} holds {final.stat().st_size} of {len(CONTENT)} bytes")
    if folder.is_dir():
        remove_staging_files(folder)
        left = [name for name in os.listdir(folder) if is_staging_name(name)]
        if left:
            problems.append(f"staging files left after remove_staging_files: {left}")
    source_whole = layout.source.is_file() and layout.source.read_bytes() == CONTENT
    if layout.source.exists() and not source_whole:
        problems.append("the work file was damaged")
    if not source_whole and not complete:
        problems.append("the trailer is lost: no work file and no complete final file")
    return problems


def _state(layout: Layout) -> str:
    folder = layout.trailer_folder
    names = sorted(os.listdir(folder)) if folder.is_dir() else ["(no Trailers folder)"]
    shown = ["<staging>" if is_staging_name(name) else name for name in names]
    return f"{shown} work file {'kept' if layout.source.exists() else 'gone'}"


@pytest.mark.slow
@pytest.mark.timeout(1800)
@pytest.mark.parametrize("hard_links", [True, False], ids=["hard-links", "no-hard-links"])
@pytest.mark.parametrize("cross_fs", [False, True], ids=["same-fs", "cross-fs"])
def test_killed_at_any_step_leaves_no_partial_trailer(
    tmp_path: Path,
    child_env: dict[str, str],
    request: pytest.FixtureRequest,
    cross_fs: bool,
    hard_links: bool,
) -> None:
    work_root = request.getfixturevalue("other_fs") if cross_fs else tmp_path / "work"

    # One run that is not killed, recording its steps.
    recorded = Layout.make(tmp_path / "record", work_root)
    done = _run_child(_spec(recorded, hard_links, None), child_env)
    assert done.returncode == 0, done.stderr
    record = json.loads((recorded.media_folder.parent / "record.json").read_text())
    calls: list[str] = record["calls"]
    assert record["final"] == str(recorded.trailer_folder / FINAL_NAME)
    assert (recorded.trailer_folder / FINAL_NAME).read_bytes() == CONTENT
    assert os.listdir(recorded.trailer_folder) == [FINAL_NAME]
    assert not recorded.source.exists()
    # The run took the path this case is about.
    assert ("shutil.copyfileobj" in calls) == cross_fs, calls
    assert ("os.rename" in calls) == (not hard_links), calls
    assert "os.link" in calls, calls

    # Then one child killed at each step.
    points = _kill_points(calls)
    layouts = [Layout.make(tmp_path / f"kill-{i}-{when}", work_root) for i, when in points]
    specs = [
        _spec(layout, hard_links, point) for layout, point in zip(layouts, points, strict=True)
    ]
    with ThreadPoolExecutor(max_workers=max(2, os.cpu_count() or 2)) as pool:
        results = list(pool.map(_run_child, specs, [child_env] * len(specs)))

    failures = []
    for (index, when), layout, result in zip(points, layouts, results, strict=True):
        step = f"killed {when} step {index} ({calls[index]})"
        if result.returncode != -signal.SIGKILL:
            failures.append(f"{step}: not killed, exit {result.returncode}: {result.stderr}")
            continue
        state = _state(layout)
        problems = _problems_after_kill(layout)
        failures.extend(f"{step}, left {state}: {problem}" for problem in problems)
        print(f"{step}: {state}")
    assert not failures, "\n".join(failures)


def _layout(tmp_path: Path, work_root: Path | None = None) -> Layout:
    return Layout.make(tmp_path / "run", work_root or tmp_path / "work")


def _media(layout: Layout) -> MediaRead:
    return make_media(layout.media_folder, title=TITLE, year=YEAR)


def _profile() -> TrailerProfileRead:
    return make_profile(file_name="{title} ({year})-trailer")


@pytest.fixture(params=[False, True], ids=["same-fs", "cross-fs"])
def work_root(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    """Where the work file lives: the test's file system, or another one."""
    if request.param:
        return Path(request.getfixturevalue("other_fs"))
    return tmp_path / "work"


def test_same_file_system_links_the_work_file_into_place(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    inode = layout.source.stat().st_ino
    final = Path(move_trailer_to_folder(layout.source, _media(layout), _profile()))
    assert final == layout.trailer_folder / FINAL_NAME
    assert final.stat().st_ino == inode  # linked, not copied
    assert final.read_bytes() == CONTENT
    assert not layout.source.exists()


def test_taken_names_get_a_number(tmp_path: Path, work_root: Path) -> None:
    layout = _layout(tmp_path, work_root)
    layout.trailer_folder.mkdir()
    (layout.trailer_folder / FINAL_NAME).write_bytes(b"user file")
    final = Path(move_trailer_to_folder(layout.source, _media(layout), _profile()))
    assert final.name == "Alien (1979)-trailer (2).mkv"
    assert final.read_bytes() == CONTENT
    assert (layout.trailer_folder / FINAL_NAME).read_bytes() == b"user file"
    assert sorted(os.listdir(layout.trailer_folder)) == [final.name, FINAL_NAME]
    assert not layout.source.exists()


def test_without_hard_links_the_complete_file_is_renamed_into_a_free_name(
    tmp_path: Path, work_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_link(*args: Any, **kwargs: Any) -> NoReturn:
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_link)
    layout = _layout(tmp_path, work_root)
    layout.trailer_folder.mkdir()
    (layout.trailer_folder / FINAL_NAME).write_bytes(b"user file")
    final = Path(move_trailer_to_folder(layout.source, _media(layout), _profile()))
    assert final.name == "Alien (1979)-trailer (2).mkv"
    assert final.read_bytes() == CONTENT
    assert (layout.trailer_folder / FINAL_NAME).read_bytes() == b"user file"
    assert sorted(os.listdir(layout.trailer_folder)) == [final.name, FINAL_NAME]
    assert not layout.source.exists()


def test_same_device_but_another_mount_copies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bind mounts of one file system share st_dev, yet link() across them fails with EXDEV."""
    layout = _layout(tmp_path)
    real_link = os.link

    def link(source: Path, target: Path) -> None:
        if Path(source) == layout.source:
            raise OSError(errno.EXDEV, "Invalid cross-device link")
        real_link(source, target)

    monkeypatch.setattr(os, "link", link)
    final = Path(move_trailer_to_folder(layout.source, _media(layout), _profile()))
    assert final.read_bytes() == CONTENT
    assert os.listdir(layout.trailer_folder) == [FINAL_NAME]
    assert not layout.source.exists()


def test_missing_media_folder_is_an_error_and_nothing_is_created(tmp_path: Path) -> None:
    layout = _layout(tmp_path)
    unmounted = tmp_path / "unmounted" / f"{TITLE} ({YEAR})"
    media = make_media(unmounted, title=TITLE, year=YEAR)
    message = f"media folder not found (is the drive mounted?): {unmounted}"
    with pytest.raises(FileNotFoundError, match=re.escape(message)):
        move_trailer_to_folder(layout.source, media, _profile())
    assert not (tmp_path / "unmounted").exists()
    assert layout.source.read_bytes() == CONTENT


def test_failed_copy_removes_what_it_created(
    tmp_path: Path, other_fs: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def failing_fsync(fd: int) -> NoReturn:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "fsync", failing_fsync)
    layout = _layout(tmp_path, other_fs)
    with pytest.raises(OSError, match="Input/output error"):
        move_trailer_to_folder(layout.source, _media(layout), _profile())
    assert os.listdir(layout.media_folder) == []  # the Trailers folder it made is gone too
    assert layout.source.read_bytes() == CONTENT


def test_failure_after_linking_removes_the_final_file(
    tmp_path: Path, work_root: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    layout = _layout(tmp_path, work_root)
    layout.trailer_folder.mkdir()
    real_unlink = os.unlink

    def unlink(path: Path, *args: Any, **kwargs: Any) -> None:
        if Path(path) == layout.source:
            raise PermissionError(errno.EACCES, "Permission denied")
        real_unlink(path, *args, **kwargs)

    monkeypatch.setattr(os, "unlink", unlink)
    with pytest.raises(PermissionError):
        move_trailer_to_folder(layout.source, _media(layout), _profile())
    assert os.listdir(layout.trailer_folder) == []
    assert layout.source.read_bytes() == CONTENT


def test_other_link_errors_are_raised_and_leave_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def link(*args: Any, **kwargs: Any) -> NoReturn:
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(os, "link", link)
    layout = _layout(tmp_path)
    with pytest.raises(PermissionError):
        move_trailer_to_folder(layout.source, _media(layout), _profile())
    assert os.listdir(layout.media_folder) == []
    assert layout.source.read_bytes() == CONTENT


STAGING = f"{STAGING_PREFIX}{'0f' * 16}{STAGING_SUFFIX}"


@pytest.mark.parametrize(
    ("name", "staging"),
    [
        (STAGING, True),
        (f"{STAGING_PREFIX}x{STAGING_SUFFIX}", True),
        (f"{STAGING_PREFIX}{STAGING_SUFFIX}", False),
        (f"x{STAGING}", False),
        (FINAL_NAME, False),
        ("Alien (1979)-trailer.mkv.part", False),
    ],
)
def test_staging_names(name: str, staging: bool) -> None:
    assert is_staging_name(name) is staging


def test_remove_staging_files_removes_only_staging_regular_files(tmp_path: Path) -> None:
    folder = tmp_path / "Trailers"
    folder.mkdir()
    (folder / STAGING).write_bytes(b"half")
    (folder / FINAL_NAME).write_bytes(b"trailer")
    (folder / "download.mkv.part").write_bytes(b"yt-dlp's")
    outside = tmp_path / "elsewhere.mkv"
    outside.write_bytes(b"kept")
    link = folder / f"{STAGING_PREFIX}link{STAGING_SUFFIX}"
    link.symlink_to(outside)
    (folder / f"{STAGING_PREFIX}dir{STAGING_SUFFIX}").mkdir()
    (folder / "sub").mkdir()
    (folder / "sub" / STAGING).write_bytes(b"not searched")

    assert remove_staging_files(folder) == [str(folder / STAGING)]
    assert sorted(os.listdir(folder)) == sorted(
        [
            FINAL_NAME,
            "download.mkv.part",
            link.name,
            f"{STAGING_PREFIX}dir{STAGING_SUFFIX}",
            "sub",
        ]
    )
    assert link.is_symlink()
    assert outside.read_bytes() == b"kept"
    assert (folder / "sub" / STAGING).exists()


def test_remove_staging_files_survives_a_missing_or_unreadable_folder(tmp_path: Path) -> None:
    assert remove_staging_files(tmp_path / "not there") == []
    not_a_folder = tmp_path / "file"
    not_a_folder.write_bytes(b"x")
    assert remove_staging_files(not_a_folder) == []


def test_reconcile_and_backfill_ignore_staging_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A staging suffix that no other rule covers shows that both follow `is_staging_name`.
    monkeypatch.setattr(trailer_file, "STAGING_SUFFIX", ".mkv")
    staging = f"{STAGING_PREFIX}{'0f' * 16}.mkv"
    assert reconcile.is_partial_file(staging)
    assert not reconcile.is_partial_file(FINAL_NAME)

    media_folder = tmp_path / "Alien (1979)"
    (media_folder / "Trailers").mkdir(parents=True)
    trailer = media_folder / "Trailers" / FINAL_NAME
    trailer.write_bytes(b"trailer")
    (media_folder / "Trailers" / staging).write_bytes(b"half")

    assert backfill.find_trailer_files(str(media_folder), ["Trailers"]) == [str(trailer)]
    assert [path for path, _ in reconcile.walk_files(str(media_folder))] == [str(trailer)]
