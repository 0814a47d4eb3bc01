"""RootManager: library roots, local and reported by connections."""

from __future__ import annotations

from sqlmodel import Session, col, func, select

from core.base.database.manager.session import manage_session
from core.base.database.models.connection import Connection
from core.base.database.models.media import Media
from core.base.database.models.root import (
    LibraryRoot,
    LibraryRootCreate,
    LibraryRootRead,
    path_within,
)
from core.exceptions import ConflictError, NotFoundError


def _read(root: LibraryRoot, connection_name: str | None) -> LibraryRootRead:
    return LibraryRootRead.model_validate(root, update={"connection_name": connection_name})


def _get(session: Session, root_id: int) -> LibraryRoot:
    root = session.get(LibraryRoot, root_id)
    if root is None:
        raise NotFoundError(f"Library root {root_id} not found")
    return root


class RootManager:
    """Reads and writes LibraryRoot rows; returns Read models only.

    Paths arrive normalised (core/library/folders.py checks them); nothing here looks at
    the disk.
    """

    def read_all(self, *, _session: Session | None = None) -> list[LibraryRootRead]:
        """Every root, by path, with the name of the connection that reports it."""
        with manage_session(_session) as session:
            rows = session.exec(
                select(LibraryRoot, Connection.name)
                .outerjoin(Connection, col(Connection.id) == col(LibraryRoot.connection_id))
                .order_by(col(LibraryRoot.path))
            ).all()
            return [_read(root, name) for root, name in rows]

    def read(self, root_id: int, *, _session: Session | None = None) -> LibraryRootRead:
        """The root with this id; NotFoundError when there is none."""
        with manage_session(_session) as session:
            root = _get(session, root_id)
            name = None
            if root.connection_id is not None:
                connection = session.get(Connection, root.connection_id)
                name = connection.name if connection else None
            return _read(root, name)

    def create(
        self, root_create: LibraryRootCreate, *, _session: Session | None = None
    ) -> LibraryRootRead:
        """Add a local root; `root_create.path` must be normalised already.

        ConflictError when the same path is a root already.
        """
        with manage_session(_session, write=True) as session:
            taken = session.exec(
                select(LibraryRoot.id).where(col(LibraryRoot.path) == root_create.path)
            ).first()
            if taken is not None:
                raise ConflictError(f"{root_create.path} is a library root already")
            root = LibraryRoot.model_validate(root_create)
            session.add(root)
            session.flush()
            return _read(root, None)

    def count_media(self, root_id: int, *, _session: Session | None = None) -> int:
        """How many media folders lie inside this root (not counting those of a deeper root)."""
        with manage_session(_session) as session:
            root = _get(session, root_id)
            prefix = root.path.rstrip("/") + "/"
            escaped = prefix.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            inside = session.exec(
                select(Media.folder_path).where(
                    (col(Media.folder_path) == root.path)
                    | col(Media.folder_path).like(f"{escaped}%", escape="\\")
                )
            ).all()
            deeper = [
                r.path
                for r in session.exec(select(LibraryRoot)).all()
                if r.id != root.id and path_within(r.path, root.path)
            ]
            # LIKE ignores the case of ASCII letters on SQLite; paths do not.
            held = [p for p in inside if path_within(p, root.path)]
            return sum(1 for p in held if not any(path_within(p, d) for d in deeper))

    def delete(self, root_id: int, *, _session: Session | None = None) -> LibraryRootRead:
        """Remove a local root (its media stay); ConflictError for a connection's root."""
        with manage_session(_session, write=True) as session:
            root = _get(session, root_id)
            if root.connection_id is not None:
                raise ConflictError(
                    f"The library root {root.path} belongs to a Radarr/Sonarr connection;"
                    " change it there (it follows the connection's root folders)"
                )
            read = _read(root, None)
            session.delete(root)
            session.flush()
            return read

    def replace_connection_roots(
        self, connection_id: int, paths: list[str], *, _session: Session | None = None
    ) -> list[LibraryRootRead]:
        """Make the connection's roots exactly `paths` (normalised, mapped); returns them.

        Roots of the connection not in `paths` go; new ones are added (scan off, is_movie
        None). A path that is already a root of another owner (a local root, or another
        connection's) is left with that owner and not added again.
        """
        with manage_session(_session, write=True) as session:
            wanted = list(dict.fromkeys(paths))
            existing = session.exec(select(LibraryRoot)).all()
            by_path = {r.path: r for r in existing}
            for root in existing:
                if root.connection_id == connection_id and root.path not in wanted:
                    session.delete(root)
            for path in wanted:
                if path not in by_path:
                    session.add(
                        LibraryRoot(
                            path=path, is_movie=None, scan=False, connection_id=connection_id
                        )
                    )
            session.flush()
            connection = session.get(Connection, connection_id)
            name = connection.name if connection else None
            rows = session.exec(
                select(LibraryRoot)
                .where(col(LibraryRoot.connection_id) == connection_id)
                .order_by(col(LibraryRoot.path))
            ).all()
            return [_read(r, name) for r in rows]

    def paths(self, *, _session: Session | None = None) -> list[str]:
        """Every root's path: what `containing_root_path` checks folders against."""
        with manage_session(_session) as session:
            return list(session.exec(select(LibraryRoot.path)).all())

    def containing_root(
        self, path: str, *, _session: Session | None = None
    ) -> LibraryRootRead | None:
        """The root that holds the normalised `path` (the deepest if roots nest), or None."""
        with manage_session(_session) as session:
            best: tuple[LibraryRoot, str | None] | None = None
            rows = session.exec(
                select(LibraryRoot, Connection.name).outerjoin(
                    Connection, col(Connection.id) == col(LibraryRoot.connection_id)
                )
            ).all()
            for root, name in rows:
                if path_within(path, root.path) and (
                    best is None or len(root.path) > len(best[0].path)
                ):
                    best = (root, name)
            return _read(*best) if best else None

    def count(self, *, _session: Session | None = None) -> int:
        with manage_session(_session) as session:
            return session.exec(select(func.count()).select_from(LibraryRoot)).one()
