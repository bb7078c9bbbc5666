"""Typed models: frozen attrs classes for what the API takes and returns."""

from .bulk import BulkResult, ChunkResult
from .campaigns import CampaignCreated, CampaignReport, Recipients
from .counts import RealtimeCounts
from .records import DeviceToken, Event, Profile
from .reports import BatchResult, RejectedRecord, UndeliveredRecord, UploadReport

__all__ = [
    "BatchResult",
    "BulkResult",
    "CampaignCreated",
    "CampaignReport",
    "ChunkResult",
    "DeviceToken",
    "Event",
    "Profile",
    "RealtimeCounts",
    "Recipients",
    "RejectedRecord",
    "UndeliveredRecord",
    "UploadReport",
]
