"""Typed models: frozen attrs classes with snake_case fields, for what the API takes and returns."""

from .bulk import BulkResult, ChunkResult
from .campaigns import CampaignCreated, CampaignReport, Recipients
from .counts import CountResult, RealtimeCounts
from .exports import ExportedEvent, ExportedProfile
from .privacy import DeletionOutcome, DeletionStatus, PrivacyAccessResult
from .query import Condition, Where
from .records import DeviceToken, Event, Profile
from .reports import BatchResult, RejectedRecord, UndeliveredRecord, UploadReport

__all__ = [
    "BatchResult",
    "BulkResult",
    "CampaignCreated",
    "CampaignReport",
    "ChunkResult",
    "Condition",
    "CountResult",
    "DeletionOutcome",
    "DeletionStatus",
    "DeviceToken",
    "Event",
    "ExportedEvent",
    "ExportedProfile",
    "PrivacyAccessResult",
    "Profile",
    "RealtimeCounts",
    "Recipients",
    "RejectedRecord",
    "UndeliveredRecord",
    "UploadReport",
    "Where",
]
