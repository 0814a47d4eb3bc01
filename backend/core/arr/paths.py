"""Path mappings: a folder as Radarr/Sonarr sees it, turned into the folder Trailarr sees."""

from __future__ import annotations

from collections.abc import Iterable

from core.base.database.models.connection import PathMappingRead

_SEPARATORS = ("/", "\\")


def _strip(path: str) -> str:
    """Without trailing separators ("/" stays "/")."""
    return path.rstrip("/\\") or path[:1]


def _matches(path: str, prefix: str) -> bool:
    """`prefix` is `path` or a parent folder of it (whole path components only)."""
    if path == prefix:
        return True
    if not path.startswith(prefix):
        return False
    return prefix.endswith(_SEPARATORS) or path[len(prefix)] in _SEPARATORS


def map_path(path: str, mappings: Iterable[PathMappingRead]) -> str:
    """`path` with the longest matching `path_from` prefix replaced by its `path_to`.

    A prefix matches on whole path components only: `/movies` maps `/movies/A` but not
    `/movies2/A`. Without a match the path is returned as it is. The rest of a Windows path
    mapped to a POSIX folder (`D:\\Movies` -> `/movies`) gets forward slashes.
    """
    best: PathMappingRead | None = None
    best_prefix = ""
    for mapping in mappings:
        prefix = _strip(mapping.path_from)
        if _matches(path, prefix) and (best is None or len(prefix) > len(best_prefix)):
            best, best_prefix = mapping, prefix
    if best is None:
        return path
    rest = path[len(best_prefix) :].lstrip("/\\")
    target = _strip(best.path_to)
    if not rest:
        return target
    posix = not ("\\" in target and "/" not in target)
    if posix:
        rest = rest.replace("\\", "/")
    if target.endswith(_SEPARATORS):
        return f"{target}{rest}"
    return f"{target}{'/' if posix else chr(92)}{rest}"
