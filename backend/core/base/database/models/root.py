"""Library roots: the folders that every media folder lies inside."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import field_validator, model_validator
from sqlmodel import Field

from core.base.database.models.base import AppSQLModel, NulFreeText, UTCDateTime, utc_now
from core.base.database.models.media import strip_not_blank

RootKind = Literal["local", "connection"]


def path_within(path: str, root: str) -> bool:
    """Whether the normalised `path` is `root` or lies inside it; pure string logic.

    "/a/bc" is not within "/a/b"; every path is within "/". The one definition:
    core/library/folders.py `is_within` is this function.
    """
    if path == root:
        return True
    return path.startswith(root if root.endswith("/") else root + "/")


class LibraryRootBase(AppSQLModel):
    """Fields shared by every LibraryRoot model.

    `path` is absolute and normalised (core/library/folders.py `normalise_folder`).
    `is_movie`: what a local root holds (movies or series); None for a connection's root.
    `scan`: a local root that the `sync` task scans into media (core/library/local_scan.py).
    `connection_id`: the Radarr/Sonarr connection that reports this root; None for a root
    the user added.
    """

    path: str = Field(min_length=1, max_length=4096, unique=True)
    is_movie: bool | None = None
    scan: bool = True
    connection_id: int | None = Field(
        default=None, foreign_key="connection.id", ondelete="CASCADE", index=True
    )


class LibraryRoot(LibraryRootBase, table=True):
    """Database model for LibraryRoot."""

    __tablename__ = "libraryroot"

    id: int | None = Field(default=None, primary_key=True)
    added_at: datetime = Field(default_factory=utc_now, sa_type=UTCDateTime)


class LibraryRootCreate(NulFreeText):
    """Body for adding a local library root: an existing folder, absolute."""

    path: str = Field(min_length=1, max_length=4096)
    is_movie: bool = True
    scan: bool = True

    _clean_path = field_validator("path")(strip_not_blank)


class LibraryRootRead(LibraryRootBase):
    """A root as the API shows it; `kind` says who owns it."""

    id: int
    added_at: datetime
    kind: RootKind = "local"
    connection_name: str | None = None

    @model_validator(mode="after")
    def _kind_from_owner(self) -> LibraryRootRead:
        """`kind` always follows `connection_id`; a value given for it is not taken."""
        self.kind = "local" if self.connection_id is None else "connection"
        return self
