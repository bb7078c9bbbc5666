"""Resource namespaces: thin, typed wrappers over the client's transport, one module per API group."""

from .bulletins import Bulletins
from .events import Events
from .profiles import Profiles
from .tokens import Tokens

__all__ = ["Bulletins", "Events", "Profiles", "Tokens"]
