"""Sign-in for the web UI: the account and its setup token, the session cookie, CSRF, the
password, and the throttle (behind trusted proxies only)."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from core.auth import security
from core.auth.service import LAST_SEEN_RESOLUTION, SESSION_LIFETIME
from core.auth.throttle import MAX_FAILURES, LoginThrottle, login_throttle
from tests.utils.api import TEST_API_KEY, api_operations, with_ids
from tests.utils.auth import SETUP_TOKEN_FILE, read_setup_token, setup_body
from tests.utils.db import as_datetime, execute, rows

USERNAME = "admin"
PASSWORD = "correct horse battery"
WRONG = {"detail": "Wrong username or password"}


@pytest.fixture(autouse=True)
def fresh_throttle() -> Iterator[None]:
    """Failed sign-ins of one test must not lock out the next (all come from one address)."""
    login_throttle.clear()
    yield
    login_throttle.clear()


@pytest.fixture
def signed_in(anonymous: TestClient, data_dir: Path) -> TestClient:
    """A browser after creating the account (which signs it in)."""
    response = anonymous.post("/api/v1/auth/setup", json=setup_body(data_dir, USERNAME, PASSWORD))
    assert response.status_code == 201
    return anonymous


def set_cookies(response: httpx.Response) -> dict[str, dict[str, str | bool]]:
    """Each Set-Cookie of the response by name: its value and attributes (lower-case keys)."""
    cookies: dict[str, dict[str, str | bool]] = {}
    for header in response.headers.get_list("set-cookie"):
        parsed = SimpleCookie()
        parsed.load(header)
        for name, morsel in parsed.items():
            attributes: dict[str, str | bool] = {"value": morsel.value}
            attributes.update({key: value for key, value in morsel.items() if value})
            cookies[name] = attributes
    return cookies


def csrf(client: TestClient) -> dict[str, str]:
    return {"X-CSRF-Token": client.cookies["trailarr_csrf"]}


def login(client: TestClient, username: str = USERNAME, password: str = PASSWORD) -> httpx.Response:
    return client.post("/api/v1/auth/login", json={"username": username, "password": password})


# The account


def test_status_before_any_account(anonymous: TestClient) -> None:
    response = anonymous.get("/api/v1/auth/status")
    assert response.status_code == 200
    assert response.json() == {
        "setup_required": True,
        "authenticated": False,
        "username": None,
        "csrf_token": None,
    }


def test_setup_creates_the_account_and_signs_it_in(anonymous: TestClient, data_dir: Path) -> None:
    response = anonymous.post(
        "/api/v1/auth/setup", json=setup_body(data_dir, f"  {USERNAME} ", PASSWORD)
    )
    assert response.status_code == 201
    assert response.json() == {"username": USERNAME}
    assert {"trailarr_session", "trailarr_csrf"} <= set(set_cookies(response))

    status = anonymous.get("/api/v1/auth/status").json()
    assert status == {
        "setup_required": False,
        "authenticated": True,
        "username": USERNAME,
        "csrf_token": anonymous.cookies["trailarr_csrf"],
    }


def test_setup_works_once_only(signed_in: TestClient, db_file: Path) -> None:
    from main import app

    with TestClient(app) as stranger:
        again = stranger.post(
            "/api/v1/auth/setup", json={"username": "intruder", "password": "another password"}
        )
        assert again.status_code == 409
        assert "exists" in again.json()["detail"]
        assert "trailarr_session" not in stranger.cookies
    assert rows(db_file, 'SELECT username FROM "user"') == [(USERNAME,)]


# The setup token


def test_a_setup_token_is_written_and_logged_at_start(
    data_dir: Path, caplog: pytest.LogCaptureFixture
) -> None:
    from main import app

    path = data_dir / SETUP_TOKEN_FILE
    with caplog.at_level("WARNING", logger="trailarr"), TestClient(app):
        token = read_setup_token(data_dir)
    assert len(token) >= 32
    assert path.stat().st_mode & 0o777 == 0o600
    lines = [r.getMessage() for r in caplog.records if "First-run setup" in r.getMessage()]
    assert lines == [
        f"First-run setup: open http://localhost:7889/ and enter the setup token {token} "
        f"(also in {path})"
    ]


@pytest.mark.parametrize("token", [None, "", "guessed", "x" * 32])
def test_setup_without_the_setup_token_is_refused(
    anonymous: TestClient, db_file: Path, token: str | None
) -> None:
    body = {"username": "intruder", "password": PASSWORD, "setup_token": token}
    response = anonymous.post("/api/v1/auth/setup", json=body)
    assert response.status_code == 403
    detail = response.json()["detail"]
    assert "setup token" in detail and "log" in detail and "setup_token" in detail
    assert "trailarr_session" not in anonymous.cookies
    assert rows(db_file, 'SELECT count(*) FROM "user"') == [(0,)]
    assert anonymous.get("/api/v1/auth/status").json()["setup_required"] is True
    # Nor does the API key of the settings route open to a stranger.
    assert anonymous.get("/api/v1/settings").status_code == 401


def test_the_api_key_stands_in_for_the_setup_token(anonymous: TestClient, data_dir: Path) -> None:
    body = {"username": USERNAME, "password": PASSWORD}
    wrong = anonymous.post("/api/v1/auth/setup", json=body, headers={"X-API-KEY": "nope"})
    assert wrong.status_code == 403
    response = anonymous.post("/api/v1/auth/setup", json=body, headers={"X-API-KEY": TEST_API_KEY})
    assert response.status_code == 201
    assert not (data_dir / SETUP_TOKEN_FILE).exists()


def test_the_setup_token_is_void_once_the_account_exists(
    anonymous: TestClient, data_dir: Path
) -> None:
    body = setup_body(data_dir, USERNAME, PASSWORD)
    assert anonymous.post("/api/v1/auth/setup", json=body).status_code == 201
    assert not (data_dir / SETUP_TOKEN_FILE).exists()
    again = anonymous.post("/api/v1/auth/setup", json=body | {"username": "second"})
    assert again.status_code == 409

    from main import app

    with TestClient(app) as restarted:  # a restart makes no new token
        assert not (data_dir / SETUP_TOKEN_FILE).exists()
        assert restarted.post("/api/v1/auth/setup", json=body).status_code == 409


def test_a_leftover_token_file_is_deleted_at_start_once_the_account_exists(
    signed_in: TestClient, data_dir: Path
) -> None:
    (data_dir / SETUP_TOKEN_FILE).write_text("left-over\n")
    from main import app

    with TestClient(app):
        assert not (data_dir / SETUP_TOKEN_FILE).exists()


def test_a_missing_token_file_is_made_again_on_first_need(
    anonymous: TestClient, data_dir: Path
) -> None:
    old = read_setup_token(data_dir)
    (data_dir / SETUP_TOKEN_FILE).unlink()
    body = {"username": USERNAME, "password": PASSWORD, "setup_token": old}
    assert anonymous.post("/api/v1/auth/setup", json=body).status_code == 403
    new = read_setup_token(data_dir)
    assert new != old
    body["setup_token"] = new
    assert anonymous.post("/api/v1/auth/setup", json=body).status_code == 201


def test_the_setup_token_is_compared_in_constant_time(
    anonymous: TestClient, data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    compared: list[tuple[bytes, bytes]] = []
    real = security.secrets.compare_digest

    def spy(a: bytes, b: bytes) -> bool:
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(security.secrets, "compare_digest", spy)
    token = read_setup_token(data_dir)
    body = {"username": USERNAME, "password": PASSWORD, "setup_token": token[:-1] + "?"}
    assert anonymous.post("/api/v1/auth/setup", json=body).status_code == 403
    assert (body["setup_token"].encode(), token.encode()) in compared


@pytest.mark.parametrize(
    ("username", "password", "message"),
    [
        ("admin", "short", "at least 8 characters"),
        ("", PASSWORD, "1 to 64 characters"),
        ("   ", PASSWORD, "1 to 64 characters"),
        ("x" * 65, PASSWORD, "1 to 64 characters"),
        ("tab\tname", PASSWORD, "control characters"),
        ("admin", "p" * 1025, "at most 1024 characters"),
    ],
)
def test_setup_refuses_bad_credentials_with_a_clear_detail(
    anonymous: TestClient, db_file: Path, username: str, password: str, message: str
) -> None:
    response = anonymous.post(
        "/api/v1/auth/setup", json=setup_body(db_file.parent, username, password)
    )
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert rows(db_file, 'SELECT count(*) FROM "user"') == [(0,)]
    assert anonymous.get("/api/v1/auth/status").json()["setup_required"] is True


def test_longest_username_and_shortest_password_are_accepted(
    anonymous: TestClient, data_dir: Path
) -> None:
    response = anonymous.post("/api/v1/auth/setup", json=setup_body(data_dir, "u" * 64, "8 chars!"))
    assert response.status_code == 201


def test_password_is_stored_as_a_salted_scrypt_hash(signed_in: TestClient, db_file: Path) -> None:
    [(stored,)] = rows(db_file, 'SELECT password_hash FROM "user"')
    assert PASSWORD not in stored
    scheme, n, r, p, salt, key = stored.split("$")
    assert (scheme, n, r, p) == ("scrypt", "16384", "8", "1")
    assert len(salt) >= 16 and len(key) >= 32
    assert security.verify_password(PASSWORD, stored)
    assert not security.verify_password(PASSWORD + "!", stored)


def test_the_same_password_hashes_differently_each_time() -> None:
    first, second = security.hash_password(PASSWORD), security.hash_password(PASSWORD)
    assert first != second
    assert first.split("$")[4] != second.split("$")[4]  # the salts
    assert security.verify_password(PASSWORD, first) and security.verify_password(PASSWORD, second)


@pytest.mark.parametrize(
    "stored", ["", "plain", "md5$1$2$3$c2FsdA==$a2V5", "scrypt$x$8$1$AA==$AA=="]
)
def test_a_malformed_hash_matches_nothing(stored: str) -> None:
    assert security.verify_password(PASSWORD, stored) is False


# Signing in and out


def test_login_with_the_right_password(signed_in: TestClient, db_file: Path) -> None:
    signed_in.cookies.clear()
    response = login(signed_in)
    assert response.status_code == 200
    assert response.json() == {"username": USERNAME}
    token = signed_in.cookies["trailarr_session"]
    [(stored_hash, stored_csrf)] = rows(
        db_file,
        "SELECT token_hash, csrf_token FROM session ORDER BY id DESC LIMIT 1",
    )
    assert stored_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(rows(db_file, "SELECT * FROM session"))
    assert stored_csrf == signed_in.cookies["trailarr_csrf"]
    assert signed_in.get("/api/v1/auth/status").json()["authenticated"] is True


@pytest.mark.parametrize(
    ("username", "password"),
    [(USERNAME, "wrong password"), ("nobody", PASSWORD), (USERNAME.upper(), PASSWORD)],
)
def test_login_refuses_a_wrong_password_or_unknown_user_alike(
    signed_in: TestClient, username: str, password: str
) -> None:
    signed_in.cookies.clear()
    response = login(signed_in, username, password)
    assert response.status_code == 401
    assert response.json() == WRONG
    assert set_cookies(response) == {}
    assert signed_in.get("/api/v1/auth/status").json()["authenticated"] is False


def test_an_unknown_user_costs_a_password_check(
    signed_in: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    spent: list[str] = []
    monkeypatch.setattr("core.auth.service.spend_password_check", lambda pw: spent.append(pw))
    assert login(signed_in, "nobody", "guess one").status_code == 401
    assert login(signed_in, USERNAME, "guess two").status_code == 401
    assert spent == ["guess one"]


def test_login_before_setup_is_refused(anonymous: TestClient) -> None:
    assert login(anonymous).json() == WRONG


def test_session_cookie_flags(signed_in: TestClient) -> None:
    response = login(signed_in)
    cookies = set_cookies(response)
    session, token = cookies["trailarr_session"], cookies["trailarr_csrf"]
    assert session["httponly"] is True
    assert str(session["samesite"]).lower() == "strict"
    assert session["path"] == "/"
    assert session["max-age"] == str(int(SESSION_LIFETIME.total_seconds()))
    assert "secure" not in session  # plain http
    assert "httponly" not in token
    assert str(token["samesite"]).lower() == "strict"
    assert token["path"] == "/"


@pytest.mark.parametrize(
    ("base_url", "headers"),
    [("https://testserver", {}), ("http://testserver", {"X-Forwarded-Proto": "https"})],
)
def test_cookies_are_secure_when_the_request_came_over_https(
    signed_in: TestClient, base_url: str, headers: dict[str, str]
) -> None:
    from main import app

    with TestClient(app, base_url=base_url) as client:
        response = client.post(
            "/api/v1/auth/login",
            json={"username": USERNAME, "password": PASSWORD},
            headers=headers,
        )
    assert response.status_code == 200
    cookies = set_cookies(response)
    assert cookies["trailarr_session"]["secure"] is True
    assert cookies["trailarr_csrf"]["secure"] is True


def test_a_new_login_ends_the_browsers_previous_session(
    signed_in: TestClient, db_file: Path
) -> None:
    old = signed_in.cookies["trailarr_session"]
    assert login(signed_in).status_code == 200
    assert signed_in.cookies["trailarr_session"] != old
    assert rows(db_file, "SELECT count(*) FROM session") == [(1,)]
    signed_in.cookies.set("trailarr_session", old)
    assert signed_in.get("/api/v1/media").status_code == 401


def test_logout_ends_the_session_on_the_server(signed_in: TestClient, db_file: Path) -> None:
    token = signed_in.cookies["trailarr_session"]
    assert signed_in.get("/api/v1/media").status_code == 200

    response = signed_in.post("/api/v1/auth/logout")
    assert response.status_code == 204
    cleared = set_cookies(response)
    assert cleared["trailarr_session"]["max-age"] == "0"
    assert cleared["trailarr_csrf"]["max-age"] == "0"
    assert rows(db_file, "SELECT count(*) FROM session") == [(0,)]

    signed_in.cookies.clear()
    signed_in.cookies.set("trailarr_session", token)
    replayed = signed_in.get("/api/v1/media")
    assert replayed.status_code == 401
    assert "sign in" in replayed.json()["detail"]
    assert signed_in.post("/api/v1/auth/logout").status_code == 204  # again: nothing to end


def test_an_expired_session_is_refused(signed_in: TestClient, db_file: Path) -> None:
    assert signed_in.get("/api/v1/media").status_code == 200
    past = (datetime.now(UTC) - timedelta(seconds=1)).replace(tzinfo=None)
    execute(db_file, "UPDATE session SET expires_at = ?", past.isoformat(sep=" "))

    assert signed_in.get("/api/v1/media").status_code == 401
    assert signed_in.get("/api/v1/auth/status").json()["authenticated"] is False
    # The next sign-in clears the expired row away.
    assert login(signed_in).status_code == 200
    expired = rows(
        db_file, "SELECT count(*) FROM session WHERE expires_at <= ?", past.isoformat(sep=" ")
    )
    assert expired == [(0,)]
    assert rows(db_file, "SELECT count(*) FROM session") == [(1,)]


def test_a_session_lasts_thirty_days(signed_in: TestClient, db_file: Path) -> None:
    [(created, expires)] = rows(db_file, "SELECT created_at, expires_at FROM session")
    lifetime = as_datetime(expires) - as_datetime(created)
    assert lifetime == SESSION_LIFETIME == timedelta(days=30)


def test_use_of_a_session_is_recorded_now_and_then(signed_in: TestClient, db_file: Path) -> None:
    long_ago = datetime(2026, 1, 1, 12, 0)
    execute(db_file, "UPDATE session SET last_seen_at = ?", long_ago.isoformat(sep=" "))
    assert signed_in.get("/api/v1/media").status_code == 200
    [(seen,)] = rows(db_file, "SELECT last_seen_at FROM session")
    first = as_datetime(seen)
    assert first > long_ago + LAST_SEEN_RESOLUTION

    assert signed_in.get("/api/v1/media").status_code == 200
    assert rows(db_file, "SELECT last_seen_at FROM session") == [(seen,)]


def test_deleting_the_user_ends_its_sessions(signed_in: TestClient, db_file: Path) -> None:
    execute(db_file, 'DELETE FROM "user"', foreign_keys=True)
    assert rows(db_file, "SELECT count(*) FROM session") == [(0,)]
    assert signed_in.get("/api/v1/media").status_code == 401


# The session in place of the API key


def test_a_session_cookie_reads_without_the_api_key(signed_in: TestClient) -> None:
    assert signed_in.get("/api/v1/media").status_code == 200
    assert signed_in.get("/api/v1/trailerprofiles").status_code == 200
    signed_in.cookies.clear()
    assert signed_in.get("/api/v1/media").status_code == 401


def test_a_forged_session_cookie_is_refused(signed_in: TestClient) -> None:
    signed_in.cookies.set("trailarr_session", security.new_token())
    assert signed_in.get("/api/v1/media").status_code == 401


def test_a_change_with_a_session_needs_the_csrf_token(signed_in: TestClient) -> None:
    body = {"name": "Made In The Browser"}
    missing = signed_in.post("/api/v1/trailerprofiles", json=body)
    assert missing.status_code == 403
    assert missing.json() == {"detail": "Missing or wrong CSRF token"}
    wrong = signed_in.post(
        "/api/v1/trailerprofiles", json=body, headers={"X-CSRF-Token": security.new_token()}
    )
    assert wrong.status_code == 403
    names = [p["name"] for p in signed_in.get("/api/v1/trailerprofiles").json()]
    assert body["name"] not in names

    made = signed_in.post("/api/v1/trailerprofiles", json=body, headers=csrf(signed_in))
    assert made.status_code == 201
    profile_id = made.json()["id"]
    assert (
        signed_in.patch(f"/api/v1/trailerprofiles/{profile_id}", json={"priority": 5}).status_code
        == 403
    )
    assert signed_in.delete(f"/api/v1/trailerprofiles/{profile_id}").status_code == 403
    assert (
        signed_in.delete(
            f"/api/v1/trailerprofiles/{profile_id}", headers=csrf(signed_in)
        ).status_code
        == 204
    )


def test_the_csrf_token_of_another_session_does_not_do(signed_in: TestClient) -> None:
    from main import app

    with TestClient(app) as other:
        assert login(other).status_code == 200
        foreign = {"X-CSRF-Token": other.cookies["trailarr_csrf"]}
    response = signed_in.post("/api/v1/trailerprofiles", json={"name": "X"}, headers=foreign)
    assert response.status_code == 403


def test_the_api_key_needs_no_csrf_token(signed_in: TestClient) -> None:
    key = {"X-API-KEY": TEST_API_KEY}
    response = signed_in.post("/api/v1/trailerprofiles", json={"name": "By Key"}, headers=key)
    assert response.status_code == 201
    signed_in.cookies.clear()
    by_query = signed_in.post(
        "/api/v1/trailerprofiles", json={"name": "By Query"}, params={"api_key": TEST_API_KEY}
    )
    assert by_query.status_code == 201


def test_every_change_route_checks_the_csrf_token(signed_in: TestClient) -> None:
    changes = [(m, p) for m, p in api_operations() if m in {"POST", "PUT", "PATCH", "DELETE"}]
    assert len(changes) >= 8
    answers = {
        (method, path): signed_in.request(
            method, with_ids(path), json={} if method != "DELETE" else None
        ).status_code
        for method, path in changes
    }
    assert {op: code for op, code in answers.items() if code != 403} == {}


# The websocket


def test_websocket_accepts_a_session_cookie(signed_in: TestClient) -> None:
    with signed_in.websocket_connect("/ws") as ws:
        ws.send_text("ping")
    signed_in.cookies.clear()
    with pytest.raises(WebSocketDisconnect), signed_in.websocket_connect("/ws") as ws:
        ws.receive_text()
    with signed_in.websocket_connect(f"/ws?api_key={TEST_API_KEY}") as ws:
        ws.send_text("ping")


def test_websocket_refuses_an_ended_session(signed_in: TestClient) -> None:
    token = signed_in.cookies["trailarr_session"]
    assert signed_in.post("/api/v1/auth/logout").status_code == 204
    signed_in.cookies.set("trailarr_session", token)
    with pytest.raises(WebSocketDisconnect), signed_in.websocket_connect("/ws") as ws:
        ws.receive_text()


# Too many failed sign-ins


def test_repeated_failures_lock_the_address_out_for_a_while(signed_in: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        assert login(signed_in, USERNAME, "guessing").status_code == 401
    locked = login(signed_in)  # even the right password
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.json()["detail"]
    assert 0 < int(locked.headers["Retry-After"]) <= 15 * 60


def test_a_success_forgets_earlier_failures(signed_in: TestClient) -> None:
    for _ in range(MAX_FAILURES - 1):
        assert login(signed_in, USERNAME, "guessing").status_code == 401
    assert login(signed_in).status_code == 200
    for _ in range(MAX_FAILURES - 1):
        assert login(signed_in, USERNAME, "guessing").status_code == 401
    assert login(signed_in).status_code == 200


def test_throttle_window_slides() -> None:
    now = [1000.0]
    throttle = LoginThrottle(max_failures=3, window=60, clock=lambda: now[0])
    for step in range(3):
        assert throttle.retry_after("a") is None
        throttle.failed("a")
        now[0] += 10 if step < 2 else 0
    assert throttle.retry_after("a") == 40  # the first failure leaves the window at 1060
    assert throttle.retry_after("b") is None
    now[0] = 1060.5
    assert throttle.retry_after("a") is None
    throttle.failed("a")
    assert throttle.retry_after("a") == 10


# The password and all sessions


def change_password(
    client: TestClient, current: str = PASSWORD, new: str = "a brand new password", **kwargs: Any
) -> httpx.Response:
    return client.post(
        "/api/v1/auth/password",
        json={"current_password": current, "new_password": new},
        **kwargs,
    )


def test_changing_the_password(signed_in: TestClient, db_file: Path) -> None:
    [(old_hash,)] = rows(db_file, 'SELECT password_hash FROM "user"')
    response = change_password(signed_in, headers=csrf(signed_in))
    assert response.status_code == 204
    [(new_hash,)] = rows(db_file, 'SELECT password_hash FROM "user"')
    assert new_hash != old_hash and new_hash.startswith("scrypt$")
    assert "a brand new password" not in new_hash
    assert signed_in.get("/api/v1/media").status_code == 200  # this session goes on

    signed_in.cookies.clear()
    assert login(signed_in).status_code == 401
    assert login(signed_in, password="a brand new password").status_code == 200


def test_changing_the_password_ends_the_other_sessions(signed_in: TestClient) -> None:
    from main import app

    with TestClient(app) as other:
        assert login(other).status_code == 200
        assert change_password(signed_in, headers=csrf(signed_in)).status_code == 204
        assert other.get("/api/v1/media").status_code == 401
    assert signed_in.get("/api/v1/media").status_code == 200


def test_a_wrong_current_password_changes_nothing(signed_in: TestClient, db_file: Path) -> None:
    before = rows(db_file, 'SELECT password_hash FROM "user"')
    response = change_password(signed_in, current="not my password", headers=csrf(signed_in))
    assert response.status_code == 403
    assert response.json() == {"detail": "The current password is wrong"}
    assert rows(db_file, 'SELECT password_hash FROM "user"') == before
    assert signed_in.get("/api/v1/media").status_code == 200


def test_guessing_the_current_password_is_throttled(signed_in: TestClient) -> None:
    for _ in range(MAX_FAILURES):
        response = change_password(signed_in, current="guessing", headers=csrf(signed_in))
        assert response.status_code == 403
    locked = change_password(signed_in, headers=csrf(signed_in))
    assert locked.status_code == 429


@pytest.mark.parametrize(
    ("new", "message"),
    [("short", "at least 8 characters"), ("p" * 1025, "at most 1024 characters")],
)
def test_the_new_password_obeys_the_setup_rules(
    signed_in: TestClient, db_file: Path, new: str, message: str
) -> None:
    before = rows(db_file, 'SELECT password_hash FROM "user"')
    response = change_password(signed_in, new=new, headers=csrf(signed_in))
    assert response.status_code == 422
    assert message in response.json()["detail"]
    assert rows(db_file, 'SELECT password_hash FROM "user"') == before


@pytest.mark.parametrize("path", ["/api/v1/auth/password", "/api/v1/auth/logout-all"])
def test_password_and_logout_all_need_a_session_and_its_csrf_token(
    signed_in: TestClient, db_file: Path, path: str
) -> None:
    body = {"current_password": PASSWORD, "new_password": "a brand new password"}
    before = rows(db_file, 'SELECT password_hash FROM "user"')
    assert signed_in.post(path, json=body).status_code == 403
    wrong = {"X-CSRF-Token": security.new_token()}
    assert signed_in.post(path, json=body, headers=wrong).status_code == 403
    signed_in.cookies.clear()
    assert signed_in.post(path, json=body).status_code == 401
    by_key = signed_in.post(path, json=body, headers={"X-API-KEY": TEST_API_KEY})
    assert by_key.status_code == 401  # the API key belongs to no user
    assert rows(db_file, 'SELECT password_hash FROM "user"') == before
    assert rows(db_file, "SELECT count(*) FROM session") == [(1,)]


def test_logout_all_ends_every_session_of_the_user(signed_in: TestClient, db_file: Path) -> None:
    from main import app

    with TestClient(app) as other:
        assert login(other).status_code == 200
        assert rows(db_file, "SELECT count(*) FROM session") == [(2,)]
        response = signed_in.post("/api/v1/auth/logout-all", headers=csrf(signed_in))
        assert response.status_code == 204
        assert set_cookies(response)["trailarr_session"]["max-age"] == "0"
        assert rows(db_file, "SELECT count(*) FROM session") == [(0,)]
        assert other.get("/api/v1/media").status_code == 401
    token = signed_in.cookies.get("trailarr_session")
    assert token is None
    assert signed_in.get("/api/v1/auth/status").json()["authenticated"] is False
    assert login(signed_in).status_code == 200


# The throttle behind proxies


def forwarded(client: TestClient, forwarded_for: str, password: str = "guessing") -> int:
    response = client.post(
        "/api/v1/auth/login",
        json={"username": USERNAME, "password": password},
        headers={"X-Forwarded-For": forwarded_for},
    )
    return response.status_code


def test_x_forwarded_for_does_not_escape_the_throttle_without_trusted_proxies(
    signed_in: TestClient,
) -> None:
    for n in range(MAX_FAILURES):
        assert forwarded(signed_in, f"198.51.100.{n}") == 401
    escaped = [forwarded(signed_in, f"203.0.113.{n}", PASSWORD) for n in range(12)]
    assert escaped == [429] * 12
    # The TestClient's peer is "testclient": the lockout is keyed on it.
    assert login_throttle.retry_after("testclient") is not None
    assert login_throttle.retry_after("203.0.113.0") is None


@pytest.fixture
def behind_proxy(signed_in: TestClient, monkeypatch: pytest.MonkeyPatch) -> Iterator[TestClient]:
    """A client whose peer, 10.0.0.2, is one of the TRUSTED_PROXIES (with 172.16.0.0/12)."""
    from config import get_settings
    from main import app

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.2, 172.16.0.0/12")
    get_settings.cache_clear()
    with TestClient(app, client=("10.0.0.2", 40000)) as proxy:
        yield proxy


def test_behind_a_trusted_proxy_each_forwarded_client_is_throttled_alone(
    behind_proxy: TestClient,
) -> None:
    for _ in range(MAX_FAILURES):
        assert forwarded(behind_proxy, "203.0.113.5") == 401
    assert forwarded(behind_proxy, "203.0.113.5", PASSWORD) == 429
    assert forwarded(behind_proxy, "203.0.113.6", PASSWORD) == 200
    # A chain through another trusted proxy still ends at the same client.
    assert forwarded(behind_proxy, "203.0.113.5, 172.16.4.4", PASSWORD) == 429
    assert login_throttle.retry_after("10.0.0.2") is None  # the proxy itself is not locked out


@pytest.mark.parametrize(
    "spoofed",
    ["198.51.100.1, 203.0.113.5", "10.0.0.2, 203.0.113.5", "bogus, 203.0.113.5, 172.16.0.9"],
)
def test_a_spoofed_left_most_entry_does_not_help(behind_proxy: TestClient, spoofed: str) -> None:
    for _ in range(MAX_FAILURES):
        assert forwarded(behind_proxy, "203.0.113.5") == 401
    assert forwarded(behind_proxy, spoofed, PASSWORD) == 429


def test_an_untrusted_peer_cannot_pose_as_a_proxy(
    signed_in: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from config import get_settings
    from main import app

    monkeypatch.setenv("TRUSTED_PROXIES", "10.0.0.2")
    get_settings.cache_clear()
    with TestClient(app, client=("192.0.2.50", 40000)) as direct:
        for n in range(MAX_FAILURES):
            assert forwarded(direct, f"203.0.113.{n}") == 401
        assert forwarded(direct, "203.0.113.99", PASSWORD) == 429
