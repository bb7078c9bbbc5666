"""The package's public surface is exactly what __all__ says."""

from __future__ import annotations

import inspect
import re

import clevertap_async
import clevertap_async.models
import clevertap_async.resources
import clevertap_async.testing
import clevertap_async.testing.pytest_plugin


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


def test_public_docstrings_state_facts_without_pointing_at_internal_notes() -> None:
    # The API reference is generated from these docstrings; readers have no section numbers.
    modules = (
        clevertap_async,
        clevertap_async.models,
        clevertap_async.resources,
        clevertap_async.testing,
        clevertap_async.testing.pytest_plugin,
    )
    seen = 0
    for module in modules:
        for name in getattr(module, "__all__", dir(module)):
            value = getattr(module, name)
            members = [value]
            if inspect.isclass(value):
                members += [v for k, v in inspect.getmembers(value) if not k.startswith("_")]
            for member in members:
                doc = inspect.getdoc(member) or ""
                seen += 1
                where = f"{module.__name__}.{name}"
                assert "§" not in doc and not re.search(r"[\w-]+\.md\b", doc), where
    assert seen > 200
