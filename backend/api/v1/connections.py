"""Radarr and Sonarr connection routes."""

from __future__ import annotations

from fastapi import APIRouter, status

from api.deps import IdPath
from core.base.database.manager.connection import ConnectionManager
from core.base.database.models.connection import (
    ConnectionCreate,
    ConnectionRead,
    ConnectionUpdate,
)

router = APIRouter(prefix="/connections", tags=["connections"])
manager = ConnectionManager()


@router.get("")
def list_connections() -> list[ConnectionRead]:
    return manager.read_all()


@router.post("", status_code=status.HTTP_201_CREATED)
def create_connection(connection: ConnectionCreate) -> ConnectionRead:
    return manager.create(connection)


@router.get("/{connection_id}")
def read_connection(connection_id: IdPath) -> ConnectionRead:
    return manager.read(connection_id)


@router.patch("/{connection_id}")
def update_connection(connection_id: IdPath, connection: ConnectionUpdate) -> ConnectionRead:
    return manager.update(connection_id, connection)


@router.put("/{connection_id}")
def replace_connection(connection_id: IdPath, connection: ConnectionUpdate) -> ConnectionRead:
    return manager.update(connection_id, connection)


@router.delete("/{connection_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_connection(connection_id: IdPath) -> None:
    manager.delete(connection_id)
