"""Every error survives pickling with its attributes: services hand errors to pools and queues."""

from __future__ import annotations

import inspect
import pickle
from typing import Any

import pytest

from clevertap_async import _errors
from clevertap_async._pagination import Checkpoint
from clevertap_async.models import UploadReport

#: A value for every constructor parameter an error class takes (a new parameter must be added).
SAMPLES: dict[str, Any] = {
    "message": "something failed",
    "field": "records[3].identity",
    "position": 3,
    "method": "POST",
    "path": "/1/send/push.json",
    "request_sent": False,
    "status": 429,
    "code": 1,
    "body": {"status": "fail", "error": "Too many concurrent requests", "code": 429},
    "headers": {"Retry-After": "120", "Content-Type": "application/json"},
    "retry_after": 120.0,
    "event_name": "Uninstalled",
    "checkpoint": Checkpoint({"20260101-20260131": "cursor-1"}),
    "req_id": 7,
    "waited": 12.5,
    "report": UploadReport(),
}

ERROR_CLASSES = sorted(
    (
        value
        for value in vars(_errors).values()
        if isinstance(value, type) and issubclass(value, _errors.CleverTapError)
    ),
    key=lambda cls: cls.__name__,
)


def _build(cls: type[_errors.CleverTapError]) -> _errors.CleverTapError:
    try:
        parameters = inspect.signature(cls).parameters.values()
    except ValueError:  # no __init__ of its own below Exception: takes the message
        return cls(SAMPLES["message"])
    args: list[Any] = []
    kwargs: dict[str, Any] = {}
    for parameter in parameters:
        if parameter.kind is parameter.VAR_KEYWORD:
            continue  # RateLimitError passes the APIError fields on
        if parameter.kind is parameter.VAR_POSITIONAL:
            args.append(SAMPLES["message"])
        elif parameter.kind is parameter.POSITIONAL_OR_KEYWORD:
            args.append(SAMPLES[parameter.name])
        else:
            kwargs[parameter.name] = SAMPLES[parameter.name]
    if cls is _errors.RateLimitError:
        kwargs.update(status=429, headers=SAMPLES["headers"], method="POST", path="/1/x")
    if cls is _errors.UnknownEventError:
        kwargs.update(status=400, code=400, method="POST", path="/1/events.json")
    return cls(*args, **kwargs)


def test_every_error_class_is_covered() -> None:
    names = {cls.__name__ for cls in ERROR_CLASSES}
    assert set(_errors.__all__) - {"error_for_status"} == names
    assert len(names) >= 25


@pytest.mark.parametrize("cls", ERROR_CLASSES, ids=lambda cls: cls.__name__)
def test_error_survives_pickling_with_its_fields(cls: type[_errors.CleverTapError]) -> None:
    error = _build(cls)
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is cls
    assert str(copy) == str(error)
    assert copy.args == error.args
    assert vars(copy).keys() == vars(error).keys()
    for name, value in vars(error).items():
        assert getattr(copy, name) == value, name


def test_pickled_fields_are_the_real_ones() -> None:
    error = _build(_errors.RateLimitError)
    assert isinstance(error, _errors.RateLimitError)
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.status, copy.retry_after, copy.headers["Retry-After"]) == (429, 120.0, "120")
    assert copy.method == "POST"
    assert isinstance(copy, _errors.APIError)
