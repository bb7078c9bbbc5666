"""The events APIs: export (Get Events), upload, counts."""

from __future__ import annotations

from .._exports import events_batch_size
from ..models.exports import ExportedEvent
from ._export import Export
from ._uploads import Uploads

EVENT_COUNT_PATH = "/1/counts/events.json"
EVENTS_PATH = "/1/events.json"


class Events(Uploads, Export[ExportedEvent]):
    """The events APIs: export (Get Events), upload, counts.

    ``stream`` yields each occurrence of an event as an :class:`ExportedEvent` (``parallel=N`` splits
    the range into days); ``count`` counts the occurrences.
    """

    _KIND = "event"
    _EXPORT_PATH = EVENTS_PATH
    _COUNT_PATH = EVENT_COUNT_PATH
    _RECORD = ExportedEvent
    _SPLITS_BY_DAY = True

    def _batch_size(self, value: object) -> int:
        return events_batch_size(value)
