"""Trailer profile routes."""

from __future__ import annotations

from fastapi import APIRouter, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from api.deps import IdPath
from core.base.database.manager.trailerprofile import TrailerProfileManager
from core.base.database.models.trailerprofile import (
    TrailerProfileCreate,
    TrailerProfileRead,
    TrailerProfileUpdate,
)

router = APIRouter(prefix="/trailerprofiles", tags=["trailer profiles"])
manager = TrailerProfileManager()


@router.get("")
def list_profiles() -> list[TrailerProfileRead]:
    return manager.read_all()


@router.post("", status_code=status.HTTP_201_CREATED)
def create_profile(profile: TrailerProfileCreate) -> TrailerProfileRead:
    return manager.create(profile)


@router.get("/{profile_id}")
def read_profile(profile_id: IdPath) -> TrailerProfileRead:
    return manager.read(profile_id)


def _check_as_merged(profile_id: int, update: TrailerProfileUpdate) -> None:
    """422 in FastAPI's list form, at the field, when the profile with the change applied
    breaks a rule that involves other fields (webm with h264, min above max...)."""
    merged = manager.read(profile_id).model_dump() | update.model_dump(exclude_unset=True)
    try:
        TrailerProfileCreate.model_validate(merged)
    except ValidationError as exc:
        errors = exc.errors(include_url=False, include_context=False, include_input=False)
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in errors]
        ) from exc


@router.patch("/{profile_id}")
def update_profile(profile_id: IdPath, profile: TrailerProfileUpdate) -> TrailerProfileRead:
    """Change the fields sent; the whole profile is checked again (422 at the field)."""
    _check_as_merged(profile_id, profile)
    return manager.update(profile_id, profile)


@router.put("/{profile_id}")
def replace_profile(profile_id: IdPath, profile: TrailerProfileUpdate) -> TrailerProfileRead:
    _check_as_merged(profile_id, profile)
    return manager.update(profile_id, profile)


@router.delete("/{profile_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_profile(profile_id: IdPath) -> None:
    manager.delete(profile_id)
