"""Request bodies the fake accepts, shared by the tests of the client and of the fake."""

from __future__ import annotations

#: The bulletin endpoint and a body it accepts: the simplest real request the fake serves.
BULLETIN = "/1/targets/trigger.json"
BULLETIN_BODY = {
    "business_event": "Sale",
    "name": "Sale",
    "properties": {"code": "X"},
    "c-by": "a@example.com",
    "when": "now",
}
