"""LocalCoordinator's caps (fixed and adaptive) and RedisCoordinator's settings, without any server."""

from __future__ import annotations

import asyncio
import builtins
import sys
from typing import Any

import pytest

from clevertap_async import ConfigurationError, LocalCoordinator, RedisCoordinator
from clevertap_async._coordination import DECREASE_FACTOR
from clevertap_async._redis_coordinator import _split_namespace

FAMILY = "/1/targets/trigger.json"


def bound(adaptive: bool, start_low: bool = True, cap: int = 15) -> LocalCoordinator:
    return LocalCoordinator(adaptive=adaptive, start_low=start_low).bind(
        "ACC", upload_concurrency=cap, query_concurrency=3
    )


async def peak_in_flight(coordinator: LocalCoordinator, family: str, tasks: int) -> int:
    in_flight = peak = 0

    async def one() -> None:
        nonlocal in_flight, peak
        async with coordinator.acquire(family):
            in_flight += 1
            peak = max(peak, in_flight)
            await asyncio.sleep(0)
            in_flight -= 1

    await asyncio.gather(*(one() for _ in range(tasks)))
    return peak


async def test_fixed_caps_are_the_clients_per_family() -> None:
    coordinator = bound(adaptive=False, cap=4)
    assert await peak_in_flight(coordinator, "upload", 20) == 4
    assert await peak_in_flight(coordinator, FAMILY, 20) == 3


def test_bind_gives_the_same_caps_to_clients_of_the_same_account() -> None:
    shared = LocalCoordinator()
    first = shared.bind("ACC", upload_concurrency=15, query_concurrency=3)
    assert shared.bind("ACC", upload_concurrency=15, query_concurrency=3) is first
    assert shared.bind("OTHER", upload_concurrency=15, query_concurrency=3) is not first


async def answer(coordinator: LocalCoordinator, status: int, family: str = "upload") -> None:
    async with coordinator.acquire(family) as slot:
        slot.answered(status)


async def test_adaptive_caps_start_at_1_and_grow_by_half_a_slot_per_answer_up_to_the_cap() -> None:
    coordinator = bound(adaptive=True)
    assert coordinator.current_limit("upload") == 1
    for expected in (1.5, 2, 2.5):
        await answer(coordinator, 200)
        assert coordinator.current_limit("upload") == expected
    for _ in range(40):
        await answer(coordinator, 200)
    assert coordinator.current_limit("upload") == 15


async def test_a_429_halves_the_cap_once_per_round_then_it_climbs_slowly() -> None:
    coordinator = bound(adaptive=True, start_low=False)
    # Three slots taken in the same round all get a 429: one decrease, not three.
    slots = [coordinator.acquire("upload") for _ in range(3)]
    entered = [await s.__aenter__() for s in slots]
    for slot in entered:
        slot.answered(429)
    for s in slots:
        await s.__aexit__(None, None, None)
    assert coordinator.current_limit("upload") == 15 * DECREASE_FACTOR
    await answer(coordinator, 429)
    assert coordinator.current_limit("upload") == 15 * DECREASE_FACTOR**2
    before = coordinator.current_limit("upload")
    await answer(coordinator, 200)
    assert before < coordinator.current_limit("upload") < before + 0.1
    assert await peak_in_flight(coordinator, "upload", 20) == int(before)


async def test_a_lowered_cap_never_goes_below_one() -> None:
    coordinator = bound(adaptive=True, start_low=False)
    for _ in range(10):
        await answer(coordinator, 429)
    assert coordinator.current_limit("upload") == 1
    assert await peak_in_flight(coordinator, "upload", 5) == 1


async def test_fixed_caps_ignore_429s() -> None:
    coordinator = bound(adaptive=False)
    await answer(coordinator, 429)
    assert coordinator.current_limit("upload") == 15


async def test_a_cancelled_waiter_leaves_no_trace() -> None:
    coordinator = bound(adaptive=False, cap=1)
    async with coordinator.acquire("upload"):
        waiter = asyncio.create_task(answer(coordinator, 200))
        await asyncio.sleep(0)
        waiter.cancel()
        with pytest.raises(asyncio.CancelledError):
            await waiter
    assert await peak_in_flight(coordinator, "upload", 3) == 1


def test_a_redis_coordinator_without_redis_names_the_extra_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real_import = builtins.__import__

    def no_redis(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "redis" or name.startswith("redis."):
            raise ImportError(f"No module named {name!r}")
        return real_import(name, *args, **kwargs)

    for name in [n for n in sys.modules if n == "redis" or n.startswith("redis.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setattr(builtins, "__import__", no_redis)
    with pytest.raises(ConfigurationError, match=r"pip install clevertap-async\[redis\]"):
        RedisCoordinator("redis://127.0.0.1:6379/0")


@pytest.mark.parametrize(
    ("options", "named"),
    [
        ({"on_unavailable": "ignore"}, "on_unavailable"),
        ({"lease_seconds": 0}, "lease_seconds"),
        ({"command_timeout": -1}, "command_timeout"),
        ({"upload_concurrency": True}, "upload_concurrency"),
    ],
)
def test_bad_settings_are_configuration_errors(options: dict[str, Any], named: str) -> None:
    with pytest.raises(ConfigurationError, match=named):
        RedisCoordinator("redis://127.0.0.1:6379/0", **options)


def test_the_namespace_may_come_in_the_url() -> None:
    assert _split_namespace("redis://h:1/0?namespace=svc&ssl_cert_reqs=none") == (
        "redis://h:1/0?ssl_cert_reqs=none",
        "svc",
    )
    assert _split_namespace("redis://h:1/0") == ("redis://h:1/0", None)
    assert RedisCoordinator("redis://h:1/0?namespace=svc").namespace == "svc"
    assert RedisCoordinator("redis://h:1/0?namespace=svc", namespace="x").namespace == "x"
