"""MediaServerManager: Plex, Jellyfin and Emby servers with their path mappings."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.mediaserver import (
    MediaServer,
    MediaServerCreate,
    MediaServerPathMapping,
    MediaServerPathMappingCreate,
    MediaServerPathMappingRead,
    MediaServerRead,
    MediaServerUpdate,
)
from core.exceptions import NotFoundError


def _get(session: Session, server_id: int) -> MediaServer:
    server = session.get(MediaServer, server_id)
    if server is None:
        raise NotFoundError(f"Media server {server_id} not found")
    return server


def _to_read(session: Session, server: MediaServer) -> MediaServerRead:
    mappings = session.exec(
        select(MediaServerPathMapping)
        .where(MediaServerPathMapping.media_server_id == server.id)
        .order_by(col(MediaServerPathMapping.id))
    ).all()
    # From the attributes: a row read back holds a plain string for its enum field.
    return MediaServerRead.model_validate(
        server,
        update={"path_mappings": [MediaServerPathMappingRead.model_validate(m) for m in mappings]},
    )


def _replace_mappings(
    session: Session, server_id: int, mappings: list[MediaServerPathMappingCreate]
) -> None:
    for old in session.exec(
        select(MediaServerPathMapping).where(MediaServerPathMapping.media_server_id == server_id)
    ).all():
        session.delete(old)
    for mapping in mappings:
        session.add(MediaServerPathMapping(media_server_id=server_id, **mapping.model_dump()))


class MediaServerManager:
    """Reads and writes MediaServer rows; returns Read models only."""

    def create(
        self, server_create: MediaServerCreate, *, _session: Session | None = None
    ) -> MediaServerRead:
        with manage_session(_session, write=True) as session:
            server = MediaServer.model_validate(server_create.model_dump(exclude={"path_mappings"}))
            session.add(server)
            session.flush()
            assert server.id is not None
            _replace_mappings(session, server.id, server_create.path_mappings)
            session.flush()
            return _to_read(session, server)

    def read(self, server_id: int, *, _session: Session | None = None) -> MediaServerRead:
        with manage_session(_session) as session:
            return _to_read(session, _get(session, server_id))

    def read_all(
        self, *, enabled_only: bool = False, _session: Session | None = None
    ) -> list[MediaServerRead]:
        with manage_session(_session) as session:
            query = select(MediaServer).order_by(col(MediaServer.id))
            if enabled_only:
                query = query.where(col(MediaServer.enabled).is_(True))
            return [_to_read(session, s) for s in session.exec(query).all()]

    def update(
        self,
        server_id: int,
        server_update: MediaServerUpdate,
        *,
        _session: Session | None = None,
    ) -> MediaServerRead:
        with manage_session(_session, write=True) as session:
            server = _get(session, server_id)
            changes = server_update.model_dump(exclude_unset=True, exclude={"path_mappings"})
            server.sqlmodel_update(changes)
            server.updated_at = utc_now()
            session.add(server)
            if server_update.path_mappings is not None:
                _replace_mappings(session, server_id, server_update.path_mappings)
            session.flush()
            return _to_read(session, server)

    def delete(self, server_id: int, *, _session: Session | None = None) -> None:
        with manage_session(_session, write=True) as session:
            session.delete(_get(session, server_id))  # its path mappings: ON DELETE CASCADE
            session.flush()
