"""``python -m clevertap_async``: the same as the ``clevertap-async`` command."""

import sys

from .cli import main

sys.exit(main())
