"""``python -m clevertap_async.cli``: the same as the ``clevertap-async`` command."""

import sys

from ._main import main

sys.exit(main())
