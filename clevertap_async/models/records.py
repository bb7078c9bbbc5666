"""Input records for ``/1/upload``: events, profiles and device tokens (clevertap-api.md §5.1-5.3).

Snake_case fields here, CleverTap's spelling on the wire: :meth:`to_wire` maps one to the other. A
``datetime`` property value is sent as ``"$D_<epoch seconds>"`` (§3.4), and ``ts`` may be a datetime or
epoch seconds.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

import attrs

from .. import _validation

#: Record-level identity keys on the wire, by model field name (§3.5).
IDENTITY_FIELDS = {"identity": "identity", "object_id": "objectId", "fbid": "FBID", "gpid": "GPID"}


def wire_value(value: Any, field: str) -> Any:
    """Return a property value as the API wants it: datetimes become ``$D_<epoch>`` strings."""
    if isinstance(value, datetime):
        return f"$D_{_validation.epoch_seconds(value, field)}"
    if isinstance(value, list):
        return [wire_value(item, f"{field}[{index}]") for index, item in enumerate(value)]
    if isinstance(value, Mapping):
        return {key: wire_value(item, f"{field}.{key}") for key, item in value.items()}
    return value


@attrs.frozen(kw_only=True)
class UserRecord:
    """What events and profiles share: who they are about (one identifier needed) and when.

    Attributes:
        identity: your user ID; one of identity / object_id / fbid / gpid is required.
        object_id: CleverTap's object ID (``objectId``).
        fbid: a Facebook ID (``FBID``).
        gpid: a Google Plus ID (``GPID``).
        ts: when it happened: an aware datetime or UNIX epoch seconds; None for "now".
    """

    identity: str | int | None = None
    object_id: str | None = None
    fbid: str | None = None
    gpid: str | None = None
    ts: datetime | int | None = None

    def _wire_head(self, kind: str) -> dict[str, Any]:
        wire: dict[str, Any] = {}
        for name, key in IDENTITY_FIELDS.items():
            value = getattr(self, name)
            if value is not None:
                wire[key] = value
        if self.ts is not None:
            wire["ts"] = _validation.epoch_seconds(self.ts, "ts")
        wire["type"] = kind
        return wire


@attrs.frozen
class Event(UserRecord):
    """One event to upload.

    Example::

        Event("Product viewed", {"Price": 59.99, "Seen at": datetime.now(UTC)}, identity="u-1")

    Attributes:
        name: the event name (``evtName``); not a restricted system event.
        properties: the event's properties (``evtData``): scalars or datetimes; ``Items`` of a
            ``Charged`` event may be a list of objects.

    The identity fields and ``ts`` (keyword-only) are those of :class:`UserRecord`.
    """

    name: str
    properties: Mapping[str, Any] = attrs.field(factory=dict)

    def to_wire(self) -> dict[str, Any]:
        """Return the record as ``/1/upload`` takes it.

        Raises:
            ValidationError: ``ts`` or a datetime value is naive, or ``ts`` is not epoch seconds.
        """
        wire = self._wire_head("event")
        wire["evtName"] = self.name
        wire["evtData"] = wire_value(self.properties, "properties")
        return wire


@attrs.frozen
class Profile(UserRecord):
    """One profile to create or update (upserted by its identity).

    Example::

        Profile({"Name": "Jack", "Email": "jack@example.com", "DOB": date_of_birth}, identity="u-1")

    Attributes:
        properties: the profile's attributes (``profileData``): standard ones (Name, Email, Phone in
            E.164, Gender M/F, Employed and Married Y/N, Education, Age...) and custom ones.

    The identity fields and ``ts`` (keyword-only) are those of :class:`UserRecord`.
    """

    properties: Mapping[str, Any]

    def to_wire(self) -> dict[str, Any]:
        """Return the record as ``/1/upload`` takes it.

        Raises:
            ValidationError: ``ts`` or a datetime value is naive, or ``ts`` is not epoch seconds.
        """
        wire = self._wire_head("profile")
        wire["profileData"] = wire_value(self.properties, "properties")
        return wire


@attrs.frozen
class DeviceToken:
    """One push token for a user already known to the SDK.

    The API identifies token records by ``objectId`` alone (the CleverTap ID the SDK gave the
    device); ``identity``, ``FBID`` and ``GPID`` are not accepted for tokens, so this model has no
    such fields.

    Example::

        DeviceToken(object_id="__g123", token_id="dYfuuBm...", token_type="fcm")

    Attributes:
        object_id: the user's CleverTap object ID (required for tokens).
        token_id: the token itself (``tokenData.id``).
        token_type: ``apns``, ``gcm``, ``fcm``, ``wns``, ``mpns`` or ``chrome``.
        keys: for ``chrome`` web push, ``{"p256dh": ..., "auth": ...}``.
    """

    object_id: str
    token_id: str
    token_type: str
    keys: Mapping[str, str] | None = None

    def to_wire(self) -> dict[str, Any]:
        """Return the record as ``/1/upload`` takes it."""
        data: dict[str, Any] = {"id": self.token_id, "type": self.token_type}
        if self.keys is not None:
            data["keys"] = dict(self.keys)
        return {"type": "token", "objectId": self.object_id, "tokenData": data}
