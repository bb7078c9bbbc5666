"""Typed models: frozen attrs classes for what the API takes and returns."""

from .bulk import BulkResult, ChunkResult
from .campaigns import CampaignCreated, CampaignReport, Recipients
from .counts import RealtimeCounts

__all__ = [
    "BulkResult",
    "CampaignCreated",
    "CampaignReport",
    "ChunkResult",
    "RealtimeCounts",
    "Recipients",
]
