"""Every client-side refusal of an upload record, exactly: its code, and a message that says what is
wrong and where, as the caller reads it in ``report.rejected``."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from clevertap_async import Event
from clevertap_async._record_validation import Problem, prepare


class Text(str):
    """A str subclass: it takes the checks' slow path, and must be judged like a plain str."""

    __slots__ = ()


class Seconds(int):
    """An int subclass, for the same reason."""

    __slots__ = ()


def event(data: Any = None, **top: Any) -> dict[str, Any]:
    return {"identity": "u", "evtName": "E", "evtData": {} if data is None else data, **top}


def profile(data: Any, **top: Any) -> dict[str, Any]:
    return {"identity": "u", "profileData": data, **top}


def token(data: Any, **top: Any) -> dict[str, Any]:
    return {"objectId": "o", "tokenData": data, **top}


LONG_KEY = "k" * 121
REFUSED = [
    ("event", {"identity": "u", "evtName": "", "evtData": {}}, 509, "evtName is mandatory and must be a non-empty string"),
    ("event", {"identity": "u", "evtName": ["E"], "evtData": {}}, 509, "evtName is mandatory and must be a non-empty string"),
    ("event", event(evtName="App Launched"), 513, "'App Launched' is a restricted system event"),
    ("event", event(identity=["u"]), 523, "identity must be a string or an int, got list"),
    ("event", event(identity=True), 523, "identity must be a string or an int, got bool"),
    ("event", event(GPID=["g"]), 523, "GPID must be a string or an int, got list"),
    ("event", {"evtName": "E", "evtData": {}}, 523, "Missing identity: give one of identity, objectId, FBID, GPID"),
    ("event", event(identity=Text("")), 523, "Missing identity: give one of identity, objectId, FBID, GPID"),
    ("event", event(ts=1_700_000_000_000), 525, "ts must be UNIX epoch seconds or an aware datetime, got 1700000000000 (milliseconds are refused)"),
    ("event", event([]), 512, "evtData must be an object"),
    ("profile", profile([]), 524, "profileData must be an object"),
    ("event", event({f"p{n}": n for n in range(257)}), 522, "257 properties, the limit is 256"),
    ("event", event({LONG_KEY: 1}), 1004, f"evtData[{LONG_KEY!r}]: key 'kkkkkkkkkkkkkkkkkkkk'... is 121 characters, the limit is 120"),
    ("event", event({"a.b": 1}), 1004, "evtData['a.b']: key 'a.b' has banned characters ['.']"),
    ("event", event({"k": "v" * 513}), 1005, "evtData['k']: value is 513 bytes, the limit is 512"),
    ("event", event({"k": float("nan")}), 1002, "evtData['k'] is nan, which JSON cannot carry"),
    ("event", event({"k": {"a": 1}}), 1006, "evtData['k']: event property values are scalars"),
    ("event", event({"Items": [{"a": 1}]}), 1006, "evtData['Items']: event property values are scalars"),
    ("event", event({"Other": [{"a": 1}]}, evtName="Charged"), 1006, "evtData['Other']: event property values are scalars"),
    ("profile", profile({LONG_KEY: 1}), 1004, f"profileData[{LONG_KEY!r}]: key 'kkkkkkkkkkkkkkkkkkkk'... is 121 characters, the limit is 120"),
    ("profile", profile({"ok": 1, "a#b": 1}), 1004, "profileData['a#b']: key 'a#b' has banned characters ['#']"),
    ("profile", profile({"ok": 1, "k": "v" * 513}), 1005, "profileData['k']: value is 513 bytes, the limit is 512"),
    ("profile", profile({"k": {1, 2}}), 1002, "profileData['k'] is a set, which is not JSON-serialisable"),
    ("profile", profile({"Email": "a@b"}), 515, "Email is not valid: 'a@b'"),
    ("profile", profile({"Phone": "123"}), 516, "Phone must be E.164 (+<country code><number>), got '123'"),
    ("profile", profile({"Gender": "X"}), 514, "Gender must be one of ['F', 'M'], got 'X'"),
    ("profile", profile({"Age": "aa"}), 520, "Age must be a number or a numeric string, got 'aa'"),
    ("profile", {"profileData": {"Name": "x"}}, 523, "Missing identity: give one of identity, objectId, FBID, GPID"),
    ("token", {"tokenData": {"id": "t", "type": "fcm"}}, 530, "objectId is required for device tokens"),
    ("token", token("x"), 531, "tokenData must be an object"),
    ("token", token({"type": "fcm"}), 532, "tokenData.id is missing"),
    ("token", token({"id": "t"}), 533, "tokenData.type is missing"),
    ("token", token({"id": "t", "type": "sms"}), 534, "tokenData.type must be one of ['apns', 'chrome', 'fcm', 'gcm', 'mpns', 'wns']"),
    ("token", token({"id": "t", "type": "chrome"}), 535, "chrome tokens need tokenData.keys.p256dh and tokenData.keys.auth"),
    ("token", token({"id": "t", "type": "fcm"}, x=float("inf")), 1002, "record.x is inf, which JSON cannot carry"),
    ("event", event(type="profile"), 1001, "type is 'profile', expected 'event'"),
    ("event", 7, 1001, "expected a Event or a dict, got int"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "record", "code", "message"), REFUSED)
def test_each_refusal_has_its_code_and_says_what_and_where(
    kind: Any, record: Any, code: int, message: str
) -> None:
    assert prepare(kind, record) == Problem(code, message)


@pytest.mark.parametrize(
    ("kind", "record"),
    [
        ("event", event({"Items": [{"a": 1}]}, evtName="Charged")),  # only Charged takes a list
        ("event", event(identity=Text("u"))),
        ("event", event(identity=0)),
        ("event", event(ts=Seconds(1_700_000_000))),
        ("profile", profile({"ok": 1, "long": "v" * 200, "Email": "a@b.co"})),
        ("profile", profile({"Phone": "+14155550123", "Age": 30})),
        ("token", token({"id": "t", "type": "chrome", "keys": {"p256dh": "p", "auth": "a"}})),
    ],
)
def test_good_records_are_sent_as_given(kind: Any, record: dict[str, Any]) -> None:
    assert prepare(kind, record) == {"type": kind, **record}


def test_the_same_good_record_passes_twice() -> None:
    # The second time its name and keys come from the remembered-good sets.
    record = event({"Amount": 1}, evtName="Remembered")
    assert prepare("event", record) == prepare("event", record) == {"type": "event", **record}
    refused = event({"Amount": 1}, evtName=["Remembered"])
    assert prepare("event", refused) == Problem(
        509, "evtName is mandatory and must be a non-empty string"
    )


def test_a_model_that_cannot_become_a_record_is_refused_with_the_right_code() -> None:
    naive = Event("E", {"when": datetime(2026, 1, 1)}, identity="u")  # naive on purpose
    problem = prepare("event", naive)
    assert isinstance(problem, Problem) and problem.code == 1002
    assert "aware" in problem.error
    aware = Event("E", {"when": datetime(2026, 1, 1, tzinfo=UTC)}, identity="u")
    assert not isinstance(prepare("event", aware), Problem)


def test_checks_off_sends_what_the_server_will_judge() -> None:
    record = event({"k": "v" * 600})
    assert prepare("event", record, validate=False) == {"type": "event", **record}
