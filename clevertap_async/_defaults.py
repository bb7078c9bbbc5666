"""The client's own defaults, in one place: the settings a caller may change.

The API's fixed limits are in ``_limits``.
"""

from __future__ import annotations

from typing import Final

#: Seconds one HTTP attempt may take, connection included.
TIMEOUT: Final = 30.0
#: A larger answer is refused unread (``ResponseTooLargeError``).
MAX_RESPONSE_BYTES: Final = 256 * 1024 * 1024
#: Bytes of one upload request body at most: well under the 1 MiB a proxy commonly refuses (the API
#: publishes no limit).
MAX_BATCH_BYTES: Final = 512 * 1024
#: Region when none is given (``CLEVERTAP_REGION`` neither).
REGION: Final = "eu1"
#: Not-ready answers (code 2) tolerated for one export cursor before giving up.
MAX_NOT_READY: Final = 30
#: Throttled answers (code 1) tolerated for one export cursor creation before giving up.
MAX_THROTTLED: Final = 10
