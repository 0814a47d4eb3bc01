"""Logging: to the console and a rotating file, configured once."""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

import pytest

from app_logger import ModuleLogger, configure_logging


@pytest.mark.usefixtures("restore_logging")
def test_logs_go_to_the_console_and_a_rotating_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    logs_dir = tmp_path / "logs"
    configure_logging("DEBUG", logs_dir)
    ModuleLogger("SettingsTest").info("hello %s", "file")
    ModuleLogger("SettingsTest").debug("debug line")
    for handler in logging.getLogger().handlers:
        handler.flush()

    text = (logs_dir / "trailarr.log").read_text()
    assert "trailarr.SettingsTest: hello file" in text
    assert "debug line" in text
    assert "hello file" in capsys.readouterr().err
    file_handlers = [
        h
        for h in logging.getLogger().handlers
        if isinstance(h, logging.handlers.RotatingFileHandler)
    ]
    assert len(file_handlers) == 1
    assert file_handlers[0].maxBytes > 0
    assert file_handlers[0].backupCount > 0


@pytest.mark.usefixtures("restore_logging")
def test_configuring_twice_does_not_duplicate_lines(tmp_path: Path) -> None:
    logs_dir = tmp_path / "logs"
    configure_logging("INFO", logs_dir)
    configure_logging("INFO", logs_dir)
    ModuleLogger("Twice").warning("only once")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert (logs_dir / "trailarr.log").read_text().count("only once") == 1


@pytest.mark.usefixtures("restore_logging")
def test_module_logger_level_follows_configuration(tmp_path: Path) -> None:
    configure_logging("WARNING", tmp_path / "logs")
    ModuleLogger("Quiet").info("not written")
    ModuleLogger("Quiet").error("written")
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = (tmp_path / "logs" / "trailarr.log").read_text()
    assert "written" in text
    assert "not written" not in text
