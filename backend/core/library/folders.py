"""Folder rules: media folders and library roots are absolute, normalised, inside a root.

The string functions here (`normalise_folder`, `is_within`, `containing_root_path`) do no
I/O: the sync of a Radarr/Sonarr connection checks thousands of folders with them at once.
The functions that look at the disk (`real_within`, `check_real_folder`) say so; call them
from a worker thread.

Why not pathvalidate: it checks file *names* and platform-reserved words; what matters here
is how absolute POSIX paths nest, which `os.path` answers in a few lines.
"""

from __future__ import annotations

import os
from collections.abc import Iterable

from core.base.database.models.root import path_within
from core.exceptions import InvalidInputError

OUTSIDE_ROOTS_HINT = "add a root in Settings → Library roots"


class FolderError(InvalidInputError):
    """A folder that the rules refuse (422), with the reason in a sentence."""


def normalise_folder(path: str) -> str:
    """`path` absolute and normalised (no trailing slash, no "." parts); FolderError if not.

    Refused: a blank path, a NUL character, a relative path, and any ".." part (before
    normalising: "/media/../etc" is refused, not turned into "/etc"). No I/O.
    """
    if not isinstance(path, str) or not path.strip():
        raise FolderError("The folder is blank")
    if "\x00" in path:
        raise FolderError("The folder must not contain a NUL character")
    if not os.path.isabs(path):
        raise FolderError(f"The folder {path!r} must be an absolute path")
    if ".." in path.split("/"):
        raise FolderError(f"The folder {path!r} must not contain '..' parts")
    normal = os.path.normpath(path)
    if normal.startswith("//"):  # POSIX keeps a leading "//"; one slash is the same folder
        normal = "/" + normal.lstrip("/")
    return normal


def is_within(path: str, root: str) -> bool:
    """Whether `path` is `root` or lies inside it; both normalised. No I/O.

    "/a/bc" is not within "/a/b"; every path is within "/".
    """
    return path_within(path, root)


def containing_root_path(path: str, roots: Iterable[str]) -> str | None:
    """The root (of `roots`) that holds `path`, the deepest one if they nest; or None.

    All normalised. No I/O.
    """
    best: str | None = None
    for root in roots:
        if is_within(path, root) and (best is None or len(root) > len(best)):
            best = root
    return best


def outside_roots_message(path: str) -> str:
    return f"The folder {path} is outside every library root; {OUTSIDE_ROOTS_HINT}"


def real_within(path: str, folder: str) -> bool:
    """Whether `path`, its links resolved, lies inside `folder`, its links resolved. I/O.

    A link anywhere along `path` that leads out of `folder` makes it False.
    """
    real_path = os.path.realpath(path)
    real_folder = os.path.realpath(folder)
    return is_within(real_path, real_folder)


def check_real_folder(path: str, within: str, *, what: str, where: str) -> None:
    """FolderError unless `path` (links resolved) lies inside `within` (links resolved). I/O.

    `what` and `where` name them in the message, as they are, e.g. "the media folder" and
    "its library root".
    """
    if not real_within(path, within):
        raise FolderError(
            f"{what} {path} leads outside {where} {within} (a symbolic link?);"
            " nothing is written there"
        )
