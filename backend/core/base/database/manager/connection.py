"""ConnectionManager: Radarr and Sonarr connections with their path mappings."""

from __future__ import annotations

from sqlmodel import Session, col, select

from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.connection import (
    Connection,
    ConnectionCreate,
    ConnectionRead,
    ConnectionUpdate,
    PathMapping,
    PathMappingCreate,
    PathMappingRead,
)
from core.exceptions import NotFoundError


def _get(session: Session, connection_id: int) -> Connection:
    connection = session.get(Connection, connection_id)
    if connection is None:
        raise NotFoundError(f"Connection {connection_id} not found")
    return connection


def _to_read(session: Session, connection: Connection) -> ConnectionRead:
    mappings = session.exec(
        select(PathMapping)
        .where(PathMapping.connection_id == connection.id)
        .order_by(col(PathMapping.id))
    ).all()
    # Validate from the attributes: a row read back holds plain strings for its enum
    # fields, which `model_dump()` of the table model would warn about.
    return ConnectionRead.model_validate(
        connection,
        update={"path_mappings": [PathMappingRead.model_validate(m) for m in mappings]},
    )


def _replace_mappings(
    session: Session, connection_id: int, mappings: list[PathMappingCreate]
) -> None:
    for old in session.exec(
        select(PathMapping).where(PathMapping.connection_id == connection_id)
    ).all():
        session.delete(old)
    for mapping in mappings:
        session.add(PathMapping(connection_id=connection_id, **mapping.model_dump()))


class ConnectionManager:
    """Reads and writes Connection rows; returns Read models only."""

    def create(
        self,
        connection_create: ConnectionCreate,
        *,
        _session: Session | None = None,
    ) -> ConnectionRead:
        with manage_session(_session, write=True) as session:
            connection = Connection.model_validate(
                connection_create.model_dump(exclude={"path_mappings"})
            )
            session.add(connection)
            session.flush()
            assert connection.id is not None
            _replace_mappings(session, connection.id, connection_create.path_mappings)
            session.flush()
            return _to_read(session, connection)

    def read(self, connection_id: int, *, _session: Session | None = None) -> ConnectionRead:
        with manage_session(_session) as session:
            return _to_read(session, _get(session, connection_id))

    def read_all(self, *, _session: Session | None = None) -> list[ConnectionRead]:
        with manage_session(_session) as session:
            rows = session.exec(select(Connection).order_by(col(Connection.id))).all()
            return [_to_read(session, c) for c in rows]

    def update(
        self,
        connection_id: int,
        connection_update: ConnectionUpdate,
        *,
        _session: Session | None = None,
    ) -> ConnectionRead:
        with manage_session(_session, write=True) as session:
            connection = _get(session, connection_id)
            changes = connection_update.model_dump(exclude_unset=True, exclude={"path_mappings"})
            connection.sqlmodel_update(changes)
            connection.updated_at = utc_now()
            session.add(connection)
            if connection_update.path_mappings is not None:
                _replace_mappings(session, connection_id, connection_update.path_mappings)
            session.flush()
            return _to_read(session, connection)

    def delete(self, connection_id: int, *, _session: Session | None = None) -> None:
        with manage_session(_session, write=True) as session:
            session.delete(_get(session, connection_id))
            session.flush()
