"""The models the client returns and takes: frozen attrs classes with snake_case fields."""

from .exports import ExportedEvent, ExportedProfile
from .query import Condition, Where

__all__ = ["Condition", "ExportedEvent", "ExportedProfile", "Where"]
