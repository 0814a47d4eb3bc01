"""An independent look at a file, for comparing download records with the truth."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any


def ffprobe_json(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
        capture_output=True,
        check=True,
        timeout=120,
    ).stdout
    return json.loads(out)


def assert_record_matches_file(record: dict[str, Any], path: Path) -> None:
    """Every field of a download record (as JSON) agrees with the file on disk."""
    from datetime import UTC, datetime

    probe = ffprobe_json(path)
    streams = probe["streams"]
    video = next(
        s
        for s in streams
        if s["codec_type"] == "video" and not s.get("disposition", {}).get("attached_pic")
    )
    audio = next(s for s in streams if s["codec_type"] == "audio")
    subs = [
        s.get("tags", {}).get("language", "unk") for s in streams if s["codec_type"] == "subtitle"
    ]
    stat = path.stat()
    assert record["path"] == str(path)
    assert record["file_name"] == path.name
    assert record["size"] == stat.st_size
    assert datetime.fromisoformat(record["updated_at"]) == datetime.fromtimestamp(
        stat.st_mtime, tz=UTC
    )
    assert record["resolution"] == f"{video['width']}x{video['height']}"
    assert record["video_format"] == video["codec_name"]
    assert record["audio_format"] == audio["codec_name"]
    assert record["audio_channels"] == str(audio["channels"])
    assert record["file_format"] == probe["format"]["format_name"]
    assert record["duration"] == int(float(probe["format"]["duration"]))
    assert record["subtitles"] == (",".join(subs) or "unk")
    assert record["file_exists"] is True
