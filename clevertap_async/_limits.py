"""The API's published limits (sources in ``docs/api-notes.md``).

The only module the fake server shares with the client: both sides must agree on the published numbers,
and a bug in how either side *uses* them must not hide in shared code.
"""

from __future__ import annotations

from typing import Final

#: The record-level keys that name the user of an uploaded event or profile: one is required.
IDENTITY_KEYS: Final = ("identity", "objectId", "FBID", "GPID")
#: Records in one ``POST /1/upload`` call for events and profiles.
MAX_UPLOAD_RECORDS: Final = 1000
#: Device-token records in one ``POST /1/upload`` call.
MAX_TOKEN_RECORDS: Final = 100
#: Concurrent in-flight ``/1/upload`` requests per account; one more gets HTTP 429.
UPLOAD_CONCURRENCY: Final = 15
#: Concurrent in-flight requests per account for every other API, per path.
QUERY_CONCURRENCY: Final = 3
#: Requests per second to ``/1/targets/create.json`` (older pages say 1, newer 3: the safer figure).
CAMPAIGN_CREATE_PER_SECOND: Final = 1.0
#: Largest ``batch_size`` for the events and profiles cursors.
MAX_CURSOR_BATCH_SIZE: Final = 5000
#: Profiles cursor ``batch_size`` should be a multiple of this (the profiles are stored in 23 buckets).
PROFILE_BATCH_MULTIPLE: Final = 23
#: The largest profiles ``batch_size`` that is such a multiple: 4991.
MAX_PROFILE_BATCH_SIZE: Final = (
    MAX_CURSOR_BATCH_SIZE // PROFILE_BATCH_MULTIPLE * PROFILE_BATCH_MULTIPLE
)
#: Identities or GUIDs per delete call, identities per demerge call.
MAX_DELETE_IDS: Final = 100
#: Entries per subscribe or disassociate call.
MAX_SUBSCRIPTION_RECORDS: Final = 1000
#: A phone number as the API takes it (E.164): ``+``, a country code that does not start with 0, and
#: 7 to 15 digits in all. Profile uploads refuse anything else with code 516.
PHONE_PATTERN: Final = r"^\+[1-9]\d{6,14}$"
#: Longest event/profile property key, in characters.
MAX_KEY_LENGTH: Final = 120
#: Longest property value, in UTF-8 bytes.
MAX_VALUE_BYTES: Final = 512
#: Properties per event on the most permissive accounts (newer accounts default to 100).
MAX_EVENT_PROPERTIES: Final = 256
#: Event names CleverTap reserves for itself; uploading one gets code 513. The server's list is
#: longer than any published one ("Web Page Viewed" was refused live), so this is a pre-check only:
#: the server's 513 stays authoritative for names not listed here.
RESTRICTED_EVENT_NAMES: Final = frozenset(
    {
        "Web Page Viewed",
        "Notification Sent",
        "Notification Viewed",
        "Notification Clicked",
        "Notification Delivered",
        "Notification Replied",
        "UTM Visited",
        "App Launched",
        "App Uninstalled",
        "App Version Changed",
        "Stayed",
        "Reply Sent",
        "Experiment Rendered",
        "Reachable By",
        "Identity Reset",
        "Identity Set",
        "Identity Error",
    }
)
#: Characters banned in event names and property keys; profile keys also ban ``#``.
BANNED_KEY_CHARACTERS: Final = frozenset("%><!|&.:;$'\"\\")
#: The ``property_type`` values a top-property-counts group may name.
TOP_PROPERTY_TYPES: Final = frozenset(
    {
        "event_properties",
        "session_properties",
        "profile_fields",
        "app_fields",
        "demographics",
        "technographics",
        "reachability",
        "geo_fields",
    }
)
#: The path every upload goes to.
UPLOAD_PATH: Final = "/1/upload"
#: The campaign-create path, the one API with a published per-second rate.
CAMPAIGN_CREATE_PATH: Final = "/1/targets/create.json"
