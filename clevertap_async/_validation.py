"""Checks on user input that several resources share, each raising a ValidationError naming the field.

Resource-specific rules stay in their resource; the limits every CleverTap key and value obeys live here.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from . import _limits
from ._errors import ValidationError

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def required_text(value: object, field: str) -> str:
    """Return ``value`` if it is a non-empty string, else raise naming ``field``."""
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(f"{field} must be a non-empty string, got {value!r}", field=field)
    return value


def email(value: object, field: str) -> str:
    """Return ``value`` if it looks like an email address, else raise naming ``field``."""
    if not isinstance(value, str) or not _EMAIL.match(value):
        raise ValidationError(f"{field} must be an email address, got {value!r}", field=field)
    return value


def key_problem(key: object) -> str | None:
    """Describe what is wrong with a property key (type, length), or return None."""
    if not isinstance(key, str) or not key:
        return f"keys must be non-empty strings, got {key!r}"
    if len(key) > _limits.MAX_KEY_LENGTH:
        return (
            f"key {key[:20]!r}... is {len(key)} characters, the limit is {_limits.MAX_KEY_LENGTH}"
        )
    return None


def value_size_problem(value: str) -> str | None:
    """Describe a string value over the API's byte limit, or return None."""
    size = len(value.encode())
    if size > _limits.MAX_VALUE_BYTES:
        return f"value is {size} bytes, the limit is {_limits.MAX_VALUE_BYTES}"
    return None


def string_mapping(properties: object, field: str) -> dict[str, str]:
    """Return a copy of a mapping whose keys and values are strings within the API's limits."""
    if not isinstance(properties, Mapping):
        raise ValidationError(f"{field} must be a mapping of strings", field=field)
    for key, value in properties.items():
        where = f"{field}[{key!r}]"
        problem = key_problem(key)
        if problem is None and not isinstance(value, str):
            problem = f"values must be strings, got {type(value).__name__}"
        if problem is None:
            problem = value_size_problem(value)
        if problem:
            raise ValidationError(f"{where}: {problem}", field=where)
    return dict(properties)


def epoch_seconds(value: object, field: str) -> int:
    """Return a UNIX time in seconds from an int or an aware datetime, else raise naming ``field``.

    Milliseconds are refused: the API answers them with code 525, so they are caught here.
    """
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValidationError(f"{field} must be an aware datetime (with tzinfo)", field=field)
        return int(value.timestamp())
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 10**11:
        return value
    raise ValidationError(
        f"{field} must be UNIX epoch seconds or an aware datetime, got {value!r}", field=field
    )


def as_dict(value: Any, field: str) -> dict[str, Any]:
    """Return ``value`` if it is a dict, else raise naming ``field``."""
    if not isinstance(value, dict):
        raise ValidationError(
            f"{field} must be an object (dict), got {type(value).__name__}", field=field
        )
    return value


_PHONE = re.compile(_limits.PHONE_PATTERN)


def phone(value: object, field: str) -> str:
    """Return ``value`` if it is a phone number in E.164 form (``+`` and digits), else raise."""
    if not isinstance(value, str) or not _PHONE.match(value):
        raise ValidationError(
            f"{field} must be a phone number in E.164 form like +14155550123, got {value!r}",
            field=field,
        )
    return value


def text_list(
    values: object, field: str, check: Callable[[object, str], str] = required_text
) -> list[str]:
    """Return ``values`` as a list of strings, each passing ``check``; the error names the position.

    A single string is refused rather than split into characters.
    """
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise ValidationError(
            f"{field} must be a list of strings, got {type(values).__name__}", field=field
        )
    checked = []
    for position, value in enumerate(values):
        try:
            checked.append(check(value, f"{field}[{position}]"))
        except ValidationError as error:
            error.position = position
            raise
    return checked


def one_of(value: object, allowed: Collection[str], field: str) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise listing the choices."""
    if not isinstance(value, str) or value not in allowed:
        raise ValidationError(
            f"{field} must be one of {', '.join(sorted(allowed))}; got {value!r}", field=field
        )
    return value


def positive(
    value: Any,
    field: str,
    *,
    integer: bool = True,
    error: Callable[[str], Exception] | None = None,
) -> Any:
    """Return ``value`` if it is a positive int (or with ``integer=False`` number), else raise.

    Args:
        value: what the caller gave.
        field: the name the error gives it.
        integer: accept ints only; else floats too. Bools are never numbers here.
        error: makes the error to raise from its message (a ConfigurationError for the client's own
            settings); by default a ValidationError naming ``field``.

    Raises:
        ValidationError: ``value`` is not a positive number (or what ``error`` makes).
    """
    kind = int if integer else int | float
    if isinstance(value, bool) or not isinstance(value, kind) or value <= 0:
        what = "a positive int" if integer else "a positive number"
        message = f"{field} must be {what}, got {value!r}"
        raise error(message) if error else ValidationError(message, field=field)
    return value


def int_in_range(value: object, field: str, low: int, high: int) -> int:
    """Return ``value`` if it is an int within ``low..high``, else raise naming ``field``."""
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ValidationError(
            f"{field} must be an int from {low} to {high}, got {value!r}", field=field
        )
    return value
