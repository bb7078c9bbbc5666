"""Resource namespaces: thin, typed wrappers over the client's transport, one module per API group."""

from .bulletins import Bulletins
from .campaigns import Campaigns
from .events import Events
from .privacy import Privacy
from .profiles import Profiles
from .reports import Reports
from .subscriptions import Subscriptions
from .tokens import Tokens

__all__ = [
    "Bulletins",
    "Campaigns",
    "Events",
    "Privacy",
    "Profiles",
    "Reports",
    "Subscriptions",
    "Tokens",
]
