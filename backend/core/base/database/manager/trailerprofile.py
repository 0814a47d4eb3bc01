"""TrailerProfileManager: the trailer profiles."""

from __future__ import annotations

from pydantic import ValidationError
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from core.base.database.manager.session import manage_session
from core.base.database.models.base import utc_now
from core.base.database.models.trailerprofile import (
    TrailerProfile,
    TrailerProfileCreate,
    TrailerProfileRead,
    TrailerProfileUpdate,
)
from core.exceptions import ConflictError, InvalidFieldsError, InvalidInputError, NotFoundError

DEFAULT_PROFILE_NAME = "Default"


def _get(session: Session, profile_id: int) -> TrailerProfile:
    profile = session.get(TrailerProfile, profile_id)
    if profile is None:
        raise NotFoundError(f"Trailer profile {profile_id} not found")
    return profile


def _flush_unique(session: Session, name: str) -> None:
    try:
        session.flush()
    except IntegrityError as exc:
        raise ConflictError(f"A trailer profile named {name!r} already exists") from exc


class TrailerProfileManager:
    """Reads and writes TrailerProfile rows; returns Read models only."""

    def create(
        self,
        profile_create: TrailerProfileCreate,
        *,
        _session: Session | None = None,
    ) -> TrailerProfileRead:
        with manage_session(_session, write=True) as session:
            profile = TrailerProfile.model_validate(profile_create)
            session.add(profile)
            _flush_unique(session, profile.name)
            return TrailerProfileRead.model_validate(profile)

    def read(self, profile_id: int, *, _session: Session | None = None) -> TrailerProfileRead:
        with manage_session(_session) as session:
            return TrailerProfileRead.model_validate(_get(session, profile_id))

    def read_all(self, *, _session: Session | None = None) -> list[TrailerProfileRead]:
        """Every profile, highest priority first."""
        with manage_session(_session) as session:
            rows = session.exec(
                select(TrailerProfile).order_by(
                    col(TrailerProfile.priority).desc(), col(TrailerProfile.id)
                )
            ).all()
            return [TrailerProfileRead.model_validate(p) for p in rows]

    def read_default(self, *, _session: Session | None = None) -> TrailerProfileRead:
        """The enabled profile with the highest priority."""
        with manage_session(_session) as session:
            profile = session.exec(
                select(TrailerProfile)
                .where(col(TrailerProfile.enabled).is_(True))
                .order_by(col(TrailerProfile.priority).desc(), col(TrailerProfile.id))
                .limit(1)
            ).first()
            if profile is None:
                raise InvalidInputError("No enabled trailer profile; enable or create one first")
            return TrailerProfileRead.model_validate(profile)

    def update(
        self,
        profile_id: int,
        profile_update: TrailerProfileUpdate,
        *,
        _session: Session | None = None,
    ) -> TrailerProfileRead:
        """Apply the fields that were sent, then check the whole profile again."""
        with manage_session(_session, write=True) as session:
            profile = _get(session, profile_id)
            merged = TrailerProfileRead.model_validate(profile).model_dump()
            merged.update(profile_update.model_dump(exclude_unset=True))
            try:
                checked = TrailerProfileCreate.model_validate(merged)
            except ValidationError as exc:  # named at the fields (webm with h264, min > max)
                errors = exc.errors(include_url=False, include_context=False, include_input=False)
                raise InvalidFieldsError(str(exc), [dict(e) for e in errors]) from exc
            profile.sqlmodel_update(checked.model_dump())
            profile.updated_at = utc_now()
            session.add(profile)
            _flush_unique(session, profile.name)
            return TrailerProfileRead.model_validate(profile)

    def delete(self, profile_id: int, *, _session: Session | None = None) -> None:
        with manage_session(_session, write=True) as session:
            session.delete(_get(session, profile_id))
            session.flush()

    def ensure_default(self, *, _session: Session | None = None) -> bool:
        """Create the default profile when there is no profile at all; True when created."""
        with manage_session(_session, write=True) as session:
            count = session.exec(select(func.count()).select_from(TrailerProfile)).one()
            if count:
                return False
            session.add(
                TrailerProfile.model_validate(TrailerProfileCreate(name=DEFAULT_PROFILE_NAME))
            )
            session.flush()
            return True
