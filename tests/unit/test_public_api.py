"""The package's public surface is exactly what __all__ says."""

from __future__ import annotations

import clevertap_async
import clevertap_async.testing


def test_all_matches_the_public_names() -> None:
    for module in (clevertap_async, clevertap_async.testing):
        public = {
            name
            for name, value in vars(module).items()
            if not name.startswith("_") and not isinstance(value, type(clevertap_async))
        }
        assert set(module.__all__) == public | ({"__version__"} & set(module.__all__))
        assert list(module.__all__) == sorted(module.__all__, key=lambda n: (not n.isupper(), n))


def test_public_callables_have_docstrings() -> None:
    for name in clevertap_async.__all__:
        value = getattr(clevertap_async, name)
        if callable(value):
            assert value.__doc__, name
