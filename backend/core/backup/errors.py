"""The backup domain's errors: one base, mapped to HTTP by the app's AppError handler."""

from __future__ import annotations

from core.exceptions import AppError


class BackupError(AppError):
    """A backup or a restore that cannot be done now, or here (409): pg_dump missing, a
    backup running already, a restore asked of a PostgreSQL database."""

    status_code = 409


class RestoreRefusedError(BackupError):
    """A file that cannot be restored (422): not SQLite, damaged, not Trailarr's, or of a
    newer version of Trailarr. The message says which."""

    status_code = 422


class RestoreError(RuntimeError):
    """A staged restore that start-up could not apply; the database is as it was (the
    message says what to do)."""
