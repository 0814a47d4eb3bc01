"""Creating the web UI's account in tests: the setup token the server writes at start."""

from __future__ import annotations

from pathlib import Path
from typing import Any

SETUP_TOKEN_FILE = "setup_token"


def read_setup_token(data_dir: Path) -> str:
    """The setup token the app wrote to its data folder at start."""
    return (data_dir / SETUP_TOKEN_FILE).read_text(encoding="utf-8").strip()


def setup_body(data_dir: Path, username: str, password: str) -> dict[str, Any]:
    """A body for POST /api/v1/auth/setup, with the current setup token."""
    return {"username": username, "password": password, "setup_token": read_setup_token(data_dir)}
