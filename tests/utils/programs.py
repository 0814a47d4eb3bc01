"""Stand-ins for ffmpeg and ffprobe: small scripts that misbehave on purpose."""

from __future__ import annotations

from pathlib import Path


def write_executable(path: Path, source: str) -> Path:
    """Write `source` (starting with its #! line) to `path` and make it executable."""
    path.write_text(source, encoding="utf-8")
    path.chmod(0o755)
    return path
