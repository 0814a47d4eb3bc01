"""Trailer profile routes."""

from __future__ import annotations

from fastapi import APIRouter, status

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


@router.patch("/{profile_id}")
def update_profile(profile_id: IdPath, profile: TrailerProfileUpdate) -> TrailerProfileRead:
    """Change the fields sent; the whole profile is checked again (422 at the field)."""
    return manager.update(profile_id, profile)


@router.put("/{profile_id}")
def replace_profile(profile_id: IdPath, profile: TrailerProfileUpdate) -> TrailerProfileRead:
    return manager.update(profile_id, profile)


@router.delete("/{profile_id}", status_code=status.HTTP_204_NO_CONTENT)
def delete_profile(profile_id: IdPath) -> None:
    manager.delete(profile_id)
