"""The attrs models users pass in and get back: input records and upload reports."""

from .records import DeviceToken, Event, Profile
from .reports import BatchResult, RejectedRecord, UndeliveredRecord, UploadReport

__all__ = [
    "BatchResult",
    "DeviceToken",
    "Event",
    "Profile",
    "RejectedRecord",
    "UndeliveredRecord",
    "UploadReport",
]
