"""Settings from the environment, and the API key file."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from pydantic import ValidationError

from cli import _settings_error
from config import Settings, get_settings


@pytest.fixture
def bare_env(monkeypatch: pytest.MonkeyPatch, data_dir: Path) -> Path:
    """Only APP_DATA_DIR set: every other setting at its default."""
    for name in (
        "APP_API_KEY",
        "ALLOW_LOCAL_SOURCES",
        "APP_HOST",
        "APP_PORT",
        "DATABASE_URL",  # set when the suite runs on PostgreSQL
        "LOG_LEVEL",
        "TRUSTED_PROXIES",
    ):
        monkeypatch.delenv(name, raising=False)
    get_settings.cache_clear()
    return data_dir


def test_defaults(bare_env: Path) -> None:
    settings = Settings()
    assert settings.app_host == "0.0.0.0"
    assert settings.app_port == 7889
    assert settings.allow_local_sources is False
    assert settings.app_data_dir == bare_env.resolve()
    assert settings.db_url == f"sqlite:///{bare_env.resolve() / 'trailarr.db'}"
    assert settings.sqlite_path == bare_env.resolve() / "trailarr.db"
    assert settings.logs_dir == bare_env.resolve() / "logs"
    assert settings.backups_dir == bare_env.resolve() / "backups"
    assert settings.trusted_proxies == ()


def test_environment_overrides(bare_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("APP_PORT", "8123")
    monkeypatch.setenv("APP_HOST", "127.0.0.1")
    monkeypatch.setenv("ALLOW_LOCAL_SOURCES", "true")
    monkeypatch.setenv("DATABASE_URL", "sqlite:////elsewhere/other.db")
    settings = Settings()
    assert settings.app_port == 8123
    assert settings.app_host == "127.0.0.1"
    assert settings.allow_local_sources is True
    assert settings.db_url == "sqlite:////elsewhere/other.db"
    assert settings.sqlite_path == Path("/elsewhere/other.db")


def test_get_settings_is_one_cached_instance(bare_env: Path) -> None:
    assert get_settings() is get_settings()


@pytest.mark.parametrize("port", ["70000", "abc", "0", "-1", ""])
def test_bad_app_port_is_refused_at_load(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, port: str
) -> None:
    monkeypatch.setenv("APP_PORT", port)
    with pytest.raises(ValidationError) as info:
        Settings()
    message = _settings_error(info.value)
    assert "\n" not in message
    assert message.startswith("trailarr: invalid setting APP_PORT")


def test_data_dir_that_cannot_be_created_is_refused(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    blocker = tmp_path / "plain-file"
    blocker.write_text("x")
    monkeypatch.setenv("APP_DATA_DIR", str(blocker / "data"))
    with pytest.raises(ValidationError) as info:
        Settings()
    message = _settings_error(info.value)
    assert "\n" not in message
    assert "APP_DATA_DIR" in message


def test_unknown_log_level_is_refused(bare_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOG_LEVEL", "chatty")
    with pytest.raises(ValidationError, match="LOG_LEVEL"):
        Settings()


def test_data_dir_is_created(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    target = tmp_path / "new" / "nested"
    monkeypatch.setenv("APP_DATA_DIR", str(target))
    assert Settings().app_data_dir == target.resolve()
    assert target.is_dir()


def test_api_key_is_generated_once_and_kept(bare_env: Path) -> None:
    settings = Settings()
    key = settings.api_key()
    key_file = bare_env / "api_key"
    assert len(key) >= 32
    assert key_file.read_text().strip() == key
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert Settings().api_key() == key


def test_app_api_key_wins_over_the_file(bare_env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (bare_env / "api_key").write_text("from-file\n")
    assert Settings().api_key() == "from-file"
    monkeypatch.setenv("APP_API_KEY", "from-env")
    assert Settings().api_key() == "from-env"


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("", ()),
        ("10.0.0.2", ("10.0.0.2/32",)),
        (" 10.0.0.2 , 172.16.0.0/12,,::1 ", ("10.0.0.2/32", "172.16.0.0/12", "::1/128")),
        ("192.168.1.7/24", ("192.168.1.0/24",)),
        ("fd00::/8", ("fd00::/8",)),
    ],
)
def test_trusted_proxies_are_a_comma_separated_list(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, value: str, expected: tuple[str, ...]
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", value)
    assert tuple(str(network) for network in Settings().trusted_proxies) == expected


@pytest.mark.parametrize("value", ["proxy.local", "10.0.0.300", "10.0.0.0/33", "10.0.0.1;10.0.0.2"])
def test_a_bad_trusted_proxy_is_refused_at_load_in_one_line(
    bare_env: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("TRUSTED_PROXIES", f"127.0.0.1,{value}")
    with pytest.raises(ValidationError) as caught:
        Settings()
    message = _settings_error(caught.value)
    assert message.startswith("trailarr: invalid setting TRUSTED_PROXIES=")
    assert "is not an IP address or network" in message
    assert "\n" not in message
