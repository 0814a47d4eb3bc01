"""Every table model, imported so that the shared metadata knows them all."""

from core.base.database.models.connection import Connection, PathMapping
from core.base.database.models.download import Download
from core.base.database.models.event import Event
from core.base.database.models.media import Media, MonitorStatus
from core.base.database.models.mediaserver import MediaServer, MediaServerPathMapping
from core.base.database.models.notification import NotificationTarget
from core.base.database.models.root import LibraryRoot
from core.base.database.models.task import ScheduledTask
from core.base.database.models.trailerprofile import TrailerProfile
from core.base.database.models.user import User, UserSession
from core.base.database.models.wanted import WantedFailure

__all__ = [
    "Connection",
    "Download",
    "Event",
    "LibraryRoot",
    "Media",
    "MediaServer",
    "MediaServerPathMapping",
    "MonitorStatus",
    "NotificationTarget",
    "PathMapping",
    "ScheduledTask",
    "TrailerProfile",
    "User",
    "UserSession",
    "WantedFailure",
]
