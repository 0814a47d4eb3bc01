"""yt-dlp made ready ahead of the first download (YTDLP_WARM_UP): loaded a little after the
start, in the background, with its plugins still off."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.utils.server import REPO, Server, cli_env
from tests.utils.wait import WAIT_SECONDS, wait_until

pytestmark = pytest.mark.slow

PLUGIN = """
from pathlib import Path
Path({marker!r}).write_text("loaded")
from yt_dlp.extractor.common import InfoExtractor


class MarkerIE(InfoExtractor):
    _VALID_URL = r"marker:.+"
"""


def plugin_on_path(tmp_path: Path) -> tuple[Path, Path]:
    """A yt-dlp extractor plugin (a `yt_dlp_plugins` package, found on sys.path) that
    writes a file when it is imported: the folder to put on PYTHONPATH, and that file."""
    marker = tmp_path / "plugin-was-loaded"
    package = tmp_path / "plugins" / "yt_dlp_plugins" / "extractor"
    package.mkdir(parents=True)
    (package / "marker.py").write_text(PLUGIN.format(marker=str(marker)))
    return tmp_path / "plugins", marker


def run(code: str, pythonpath: Path, data_dir: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO / "backend",
        env=cli_env(data_dir, PYTHONPATH=str(pythonpath)),
        capture_output=True,
        text=True,
        timeout=WAIT_SECONDS,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_warm_up_loads_yt_dlp_and_no_plugin(tmp_path: Path, data_dir: Path) -> None:
    path, marker = plugin_on_path(tmp_path)
    out = run(
        "import sys\n"
        "from core.download.ytdlp_options import warm_up\n"
        "seconds = warm_up()\n"
        "print('yt_dlp' in sys.modules, seconds > 0)\n",
        path,
        data_dir,
    )
    assert out.split() == ["True", "True"]
    assert not marker.exists()


def test_the_plugin_would_be_found_by_a_plain_youtube_dl(tmp_path: Path, data_dir: Path) -> None:
    """The control: without the app's settings, yt-dlp loads that plugin."""
    path, marker = plugin_on_path(tmp_path)
    run("import yt_dlp\nyt_dlp.YoutubeDL({'quiet': True})\n", path, data_dir)
    assert marker.read_text() == "loaded"


def test_a_started_app_loads_yt_dlp_in_the_background(
    tmp_path: Path, server_factory: type[Server], data_dir: Path
) -> None:
    server = server_factory(
        data_dir, tmp_path / "server.log", YTDLP_WARM_UP="true", LOG_LEVEL="DEBUG"
    )
    server.wait_ready()

    def warmed() -> bool:
        return "yt-dlp loaded ahead of the first download" in server.log.read_text(errors="replace")

    wait_until(warmed, "the warm-up's line in the log")

    def routes_ready() -> bool:  # api/warm_up.py, started once the app serves (cli.serving)
        return " routes ready in " in server.log.read_text(errors="replace")

    wait_until(routes_ready, "the routes' warm-up line in the log")
    code, _ = server.terminate()
    assert code == 0
