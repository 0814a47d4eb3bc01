"""yt-dlp as this app uses it: a YoutubeDL that reads no configuration, whose every request
goes through the egress guard, and the parameters for downloading with a trailer profile.

One retry layer: yt-dlp's own retries are off (`retries`, `fragment_retries`,
`extractor_retries` are 0) because `core.download.downloader.download_video` tries a failed
network download again itself, with its deadline, its cancel and a clean work folder
between attempts. Retrying inside yt-dlp as well multiplied the waits.

yt-dlp itself (about a second to import) is imported by the first `new_youtube_dl`, not
with this module: the app starts without it.
"""

from __future__ import annotations

import contextlib
import shutil
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app_logger import ModuleLogger
from config.settings import get_settings
from core.base.database.models.trailerprofile import TrailerProfileRead
from core.download.egress import EgressGuard
from core.download.errors import ANSI_RE

if TYPE_CHECKING:
    import yt_dlp

logger = ModuleLogger("Downloader")

SOCKET_TIMEOUT = 30

# Preferred codecs, as yt-dlp format filters, for each profile format.
_VIDEO_CODEC_FILTERS = {
    "h264": "[vcodec^=avc1]",
    "h265": "[vcodec~='^(hvc1|hev1|hevc|h265)']",
    "vp9": "[vcodec~='^vp0?9']",
    "av1": "[vcodec^=av01]",
}
_AUDIO_CODEC_FILTERS = {
    "aac": "[acodec^=mp4a]",
    "opus": "[acodec=opus]",
    "ac3": "[acodec~='^(ac-?3)']",
}


class _YtDlpLogger:
    """Sends yt-dlp's messages to the app log at debug level; errors are raised anyway."""

    def debug(self, msg: str) -> None:
        logger.debug(f"yt-dlp: {msg}")

    def info(self, msg: str) -> None:
        logger.debug(f"yt-dlp: {msg}")

    def warning(self, msg: str) -> None:
        logger.debug(f"yt-dlp warning: {msg}")

    def error(self, msg: str) -> None:
        logger.debug(f"yt-dlp error: {ANSI_RE.sub('', msg)}")


_plugins_lock = threading.Lock()


def new_youtube_dl(params: dict[str, Any]) -> yt_dlp.YoutubeDL:
    """A YoutubeDL that reads no configuration: no config files, no plugins, no cookies.

    yt-dlp reads config files only from its command line, never as a library; plugins are
    loaded on the first YoutubeDL, so plugin folders are switched off before that.
    """
    import yt_dlp
    from yt_dlp.globals import all_plugins_loaded, plugin_dirs

    with _plugins_lock:
        if not all_plugins_loaded.value:
            plugin_dirs.value = []
    base: dict[str, Any] = {
        "quiet": True,
        "no_warnings": True,
        "noprogress": True,
        "logger": _YtDlpLogger(),
        "color": {"stdout": "no_color", "stderr": "no_color"},
        "socket_timeout": SOCKET_TIMEOUT,
        "cachedir": str(get_settings().app_data_dir / "cache" / "yt-dlp"),
        "js_runtimes": js_runtimes(),
    }
    base.update(params)
    return yt_dlp.YoutubeDL(base)


WARM_UP_URL = "https://example.com/trailer.mp4"


def warm_up() -> float:
    """Make yt-dlp ready for the first download: import it, and compile the URL patterns of
    its extractors (yt-dlp tries the URL against each of its ~1,800 extractors; their
    patterns are compiled on the first try). Returns the seconds it took.

    That is 2 to 4 s of CPU, holding the interpreter most of it. Done by the first download,
    it came on top of the download's own work, and the web app, sharing the interpreter,
    answered slowly for those seconds. The app does it once, a little after it starts
    (`YTDLP_WARM_UP`). Blocking: run it in a worker thread.
    """
    started = time.perf_counter()
    with new_youtube_dl({}):  # the plugin folders settled first, as for every download
        from yt_dlp.extractor import gen_extractor_classes

        for extractor in gen_extractor_classes():
            extractor.suitable(WARM_UP_URL)
    return time.perf_counter() - started


@contextlib.contextmanager
def guarded_youtube_dl(params: dict[str, Any]) -> Iterator[tuple[yt_dlp.YoutubeDL, EgressGuard]]:
    """A YoutubeDL (see `new_youtube_dl`) whose every request goes through an EgressGuard.

    The guard applies the source policy to each connection, redirects included; after a
    failure, `guard.refusal` says whether the policy was the cause.
    """
    with EgressGuard(allow_local=get_settings().allow_local_sources) as guard:
        guarded = {
            **params,
            "proxy": guard.proxy_url,
            # yt-dlp's own downloaders, which use the proxy for every fragment; a program
            # it would run instead (aria2c, ffmpeg for HLS) might not.
            "external_downloader": {"default": "native"},
        }
        with new_youtube_dl(guarded) as ydl:
            yield ydl, guard


def js_runtimes() -> dict[str, dict[str, str]]:
    """The JavaScript runtimes yt-dlp may use for YouTube's challenges.

    Deno comes with the project (the `deno` package installs it next to the interpreter);
    node, when installed, is the fallback.
    """
    runtimes: dict[str, dict[str, str]] = {}
    beside_python = Path(sys.executable).parent / "deno"
    deno = str(beside_python) if beside_python.exists() else shutil.which("deno")
    if deno:
        runtimes["deno"] = {"path": deno}
    node = shutil.which("node")
    if node:
        runtimes["node"] = {"path": node}
    return runtimes


def build_format(profile: TrailerProfileRead) -> str:
    """The yt-dlp format selector for a profile: capped height, its codecs preferred."""
    height = f"[height<=?{profile.video_resolution}]"
    video = _VIDEO_CODEC_FILTERS.get(profile.video_format, "")
    audio = _AUDIO_CODEC_FILTERS.get(profile.audio_format, "")
    choices: list[str] = []
    if video or audio:
        choices.append(f"bv*{height}{video}+ba{audio}")
    if video and audio:
        choices.append(f"bv*{height}{video}+ba")
    choices += [f"bv*{height}+ba", f"b{height}", "bv*+ba", "b"]
    return "/".join(choices)


def _ffmpeg_location() -> str | None:
    configured = get_settings().ffmpeg_path
    if "/" in configured or "\\" in configured:
        return configured
    return shutil.which(configured)


def build_options(profile: TrailerProfileRead, work_dir: Path) -> dict[str, Any]:
    """The YoutubeDL parameters for downloading with `profile` into `work_dir`."""
    postprocessors: list[dict[str, Any]] = []
    options: dict[str, Any] = {
        "format": build_format(profile),
        "outtmpl": {"default": "%(id)s.%(ext)s"},
        "paths": {"home": str(work_dir)},
        "restrictfilenames": True,
        "noplaylist": True,
        "playlist_items": "1",
        "merge_output_format": "mkv",
        # One retry layer: download_video's (see the module docstring).
        "retries": 0,
        "fragment_retries": 0,
        "extractor_retries": 0,
        "file_access_retries": 0,
        "updatetime": False,
        "overwrites": True,
        "postprocessors": postprocessors,
    }
    ffmpeg = _ffmpeg_location()
    if ffmpeg:
        options["ffmpeg_location"] = ffmpeg
    if profile.subtitles_enabled:
        languages = [code.strip() for code in profile.subtitles_languages.split(",")]
        options.update(
            {
                "writesubtitles": True,
                "writeautomaticsub": False,
                "subtitleslangs": [code for code in languages if code] or ["en"],
                "subtitlesformat": f"{profile.subtitles_format}/vtt/srt/best",
            }
        )
        postprocessors.append({"key": "FFmpegEmbedSubtitle", "already_have_subtitle": False})
    if profile.embed_metadata:
        postprocessors.append(
            {
                "key": "FFmpegMetadata",
                "add_metadata": True,
                "add_chapters": False,
                "add_infojson": False,
            }
        )
    return options
