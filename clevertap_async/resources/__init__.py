"""Resource namespaces: thin, typed wrappers over the client's transport, one module per API group."""

from .bulletins import Bulletins

__all__ = ["Bulletins"]
