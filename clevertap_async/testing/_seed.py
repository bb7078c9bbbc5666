"""Generated export data for the fake: events and profiles, deterministic by seed, rendered once.

Each record is rendered to JSON bytes when it is seeded, so serving a page is joining bytes: the fake's
CPU stays small next to the client it measures (design §6). Dates are handled independently of the
client's code, as everywhere in the fake.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

import attrs
import orjson

#: A property generator: ``(rng, i) -> value`` for the i-th seeded record; a plain value is constant.
PropertyGenerator = Callable[[random.Random, int], Any]

_ITEMS = ("pizza", "salad", "noodles", "burger", "sushi", "tacos")
_CURRENCIES = ("INR", "USD", "EUR")
_SOURCES = ("Direct", "Organic", "Referral", "Social")
_UPLOAD_IDS = ("identity", "objectId", "FBID", "GPID")

DEFAULT_EVENT_PROPERTIES: Mapping[str, PropertyGenerator] = {
    "Amount": lambda rng, i: rng.randint(1, 5000),
    "Currency": lambda rng, i: rng.choice(_CURRENCIES),
    "Item": lambda rng, i: rng.choice(_ITEMS),
}


def to_date(value: date | int | str) -> date:
    """Read a ``date``, a ``YYYYMMDD`` int or its string (the admin API sends JSON)."""
    if isinstance(value, date):
        return value
    text = str(value)
    return date(int(text[:4]), int(text[4:6]), int(text[6:8]))


def _day_start_epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def day_key(day: date) -> int:
    """The API's ``YYYYMMDD`` integer for a day."""
    return int(day.strftime("%Y%m%d"))


def days_between(start: date, end: date) -> list[date]:
    """Every day from ``start`` to ``end``, both included."""
    return [start + timedelta(days=n) for n in range((end - start).days + 1)]


@attrs.define
class SeededProfile:
    """One generated profile: its keys for lookups, the day it was active, and its record."""

    identity: str
    email: str
    object_id: str
    day: int
    event_names: frozenset[str]
    record: dict[str, Any]
    rendered: bytes


@attrs.define
class SeedStore:
    """Everything seeded into one fake: events by name and day, and profiles."""

    seed: int | None = 0
    #: event name -> day (YYYYMMDD) -> rendered records.
    events: dict[str, dict[int, list[bytes]]] = attrs.field(factory=dict)
    profiles: list[SeededProfile] = attrs.field(factory=list)
    _by_key: dict[tuple[str, str], SeededProfile] = attrs.field(factory=dict)
    _profile_events: set[str] = attrs.field(factory=set)

    def clear(self) -> None:
        """Forget every seeded record."""
        self.events.clear()
        self.profiles.clear()
        self._by_key.clear()
        self._profile_events.clear()

    def event_count(self, event_name: str) -> int:
        """How many records are seeded for one event."""
        return sum(len(day) for day in self.events.get(event_name, {}).values())

    def seed_events(
        self,
        event_name: str,
        *,
        count: int,
        start: date | int | str,
        end: date | int | str,
        properties: Mapping[str, PropertyGenerator | Any] | None = None,
        users: int = 1000,
    ) -> int:
        """Generate records of one event for the events export, spread evenly over the days.

        Example::

            fake.seed_events("Charged", count=10_000, start=20260101, end=20260131,
                             properties={"Amount": lambda rng, i: rng.randint(1, 100)})

        Args:
            event_name: the event's name.
            count: how many records.
            start: the first day (a date or YYYYMMDD).
            end: the last day, included.
            properties: event property name to a generator ``(rng, i) -> value`` or a constant;
                by default Amount, Currency and Item.
            users: how many distinct users (``user-0`` ...) the events are spread over.

        Returns:
            The number of records seeded. Data is deterministic for the fake's ``seed``.

        Raises:
            ValueError: ``start`` is after ``end`` or ``count`` is negative.
        """
        days = days_between(to_date(start), to_date(end))
        if not days or count < 0:
            raise ValueError("seed_events needs start <= end and count >= 0")
        generators = DEFAULT_EVENT_PROPERTIES if properties is None else properties
        by_day = self.events.setdefault(event_name, {})
        rng = random.Random(f"{self.seed}/events/{event_name}/{self.event_count(event_name)}")
        for i in range(count):
            day = days[i * len(days) // count]
            user = rng.randrange(users)
            seconds = rng.randrange(86_400)
            record = {
                "profile": {
                    "objectId": f"__{user:08x}-fake",
                    "platform": "Web",
                    "email": f"user{user}@example.com",
                    "identity": f"user-{user}",
                    "profileData": {"favoriteColor": rng.choice(("blue", "red", "green"))},
                    "id": user,
                },
                "ts": day_key(day) * 1_000_000
                + seconds // 3600 * 10_000
                + seconds // 60 % 60 * 100
                + seconds % 60,
                "event_props": {
                    name: gen(rng, i) if callable(gen) else gen for name, gen in generators.items()
                },
                "session_props": {"session_source": rng.choice(_SOURCES), "utm_source": "fake"},
            }
            by_day.setdefault(day_key(day), []).append(orjson.dumps(record))
        return count

    def seed_profiles(
        self,
        *,
        count: int,
        start: date | int | str,
        end: date | int | str,
        event_names: Iterable[str] = ("Charged", "App Launched"),
    ) -> int:
        """Generate profiles for the profiles export and ``profile.json``.

        Profile ``n`` has identity ``user-n`` and email ``user<n>@example.com``; it was active on one
        day of ``start..end`` (spread evenly) and did each of ``event_names`` there, so the profiles
        export for one of those events over a range holding that day returns it.

        Example::

            fake.seed_profiles(count=500, start=20260101, end=20260131, event_names=["Charged"])

        Returns:
            The number of profiles seeded.

        Raises:
            ValueError: ``start`` is after ``end`` or ``count`` is negative.
        """
        days = days_between(to_date(start), to_date(end))
        if not days or count < 0:
            raise ValueError("seed_profiles needs start <= end and count >= 0")
        names = frozenset(event_names)
        self._profile_events.update(names)
        first = len(self.profiles)
        rng = random.Random(f"{self.seed}/profiles/{first}")
        for i in range(count):
            n = first + i
            day = days[i * len(days) // count]
            identity, email, object_id = f"user-{n}", f"user{n}@example.com", f"__{n:08x}-fake"
            # First and last seen fall on the profile's active day (UTC), where its events are.
            seen = _day_start_epoch(day) + int(rng.uniform(0, 86_340))
            record = {
                "identity": identity,
                "email": email,
                "name": f"User {n}",
                "phone": 919_800_000_000 + n,
                "profileData": {"favoriteFood": rng.choice(_ITEMS), "score": rng.randint(0, 999)},
                "platformInfo": [
                    {"platform": "Web", "objectId": object_id},
                    {"platform": "iOS", "os_version": "17.1", "objectId": f"-{n:08x}ios"},
                ],
                "events": {
                    name: {"count": rng.randint(1, 50), "first_seen": seen, "last_seen": seen + 60}
                    for name in sorted(names)
                },
            }
            profile = SeededProfile(
                identity=identity,
                email=email,
                object_id=object_id,
                day=day_key(day),
                event_names=names,
                record=record,
                rendered=orjson.dumps(record),
            )
            self.profiles.append(profile)
            for key in ("identity", "email", "object_id"):
                self._by_key[key, getattr(profile, key)] = profile
        return count

    def add_uploaded_event(self, record: dict[str, Any], now: float) -> None:
        """Keep an accepted upload event where the export and the counts find it.

        It is exported as the API exports events: the uploader's identifiers in ``profile``, ``ts`` as
        ``yyyyMMddHHmmss`` (the fake's project time zone is UTC), ``evtData`` as ``event_props``.
        """
        when = datetime.fromtimestamp(record.get("ts") or now, UTC)
        profile = {k: str(record[k]) for k in _UPLOAD_IDS if record.get(k) not in (None, "")}
        exported = {
            "profile": {**profile, "platform": "API"},
            "ts": int(when.strftime("%Y%m%d%H%M%S")),
            "event_props": record.get("evtData") or {},
            "session_props": {},
        }
        by_day = self.events.setdefault(record["evtName"], {})
        by_day.setdefault(day_key(when.date()), []).append(orjson.dumps(exported))

    def known_event_names(self) -> set[str]:
        """Every event name seeded, uploaded, or done by a seeded profile."""
        return set(self.events) | self._profile_events

    def find_profile(self, key: str, value: str) -> SeededProfile | None:
        """Look a profile up by ``identity``, ``email`` or ``object_id``."""
        return self._by_key.get((key, value))

    def select_events(self, event_name: str, first: int, last: int) -> list[bytes]:
        """The rendered records of one event between two YYYYMMDD days, in day order."""
        by_day = self.events.get(event_name, {})
        out: list[bytes] = []
        for day in sorted(d for d in by_day if first <= d <= last):
            out.extend(by_day[day])
        return out

    def select_profiles(self, event_name: str, first: int, last: int) -> list[SeededProfile]:
        """The profiles that did ``event_name`` on a day between two YYYYMMDD days."""
        return [
            p
            for p in sorted(self.profiles, key=lambda p: p.day)
            if event_name in p.event_names and first <= p.day <= last
        ]
