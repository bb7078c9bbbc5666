"""The pure chunker: nothing lost, nothing duplicated, limits held, for any sizes."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clevertap_async._batching import BODY_OVERHEAD, Batch, Chunker, Item, chunk


def _items(sizes: list[int]) -> list[Item]:
    # A JSON string of n bytes: '"' + 'x' * (n - 2) + '"'.
    return [Item(i, i, orjson.dumps("x" * (size - 2))) for i, size in enumerate(sizes)]


@settings(max_examples=300, deadline=None)
@given(
    sizes=st.lists(st.integers(min_value=2, max_value=400), max_size=300),
    max_records=st.integers(min_value=1, max_value=50),
    extra_bytes=st.integers(min_value=0, max_value=2000),
)
def test_chunks_keep_every_record_once_in_order_within_limits(
    sizes: list[int], max_records: int, extra_bytes: int
) -> None:
    max_bytes = BODY_OVERHEAD + 400 + extra_bytes  # every record fits alone
    items = _items(sizes)
    batches = list(chunk(items, max_records, max_bytes))
    flat = [item for batch in batches for item in batch.items()]
    assert flat == items  # nothing lost, nothing duplicated, order kept
    for index, batch in enumerate(batches):
        assert 0 < len(batch) <= max_records
        payload = batch.body()
        assert len(payload) <= max_bytes
        assert orjson.loads(payload) == {"d": [orjson.loads(p) for p in batch.payloads]}
        if index + 1 < len(batches):  # a batch is sealed only when the next record cannot join it
            following = batches[index + 1].item(0)
            full = len(batch) == max_records
            assert full or len(payload) + 1 + len(following.payload) > max_bytes


def test_a_record_over_the_budget_alone_is_refused() -> None:
    item = _items([100])[0]
    chunker = Chunker(10, BODY_OVERHEAD + 99)
    assert len(item.payload) > chunker.max_payload
    with pytest.raises(ValueError, match="position 0"):
        chunker.add(*item)


def test_a_full_batch_is_sealed_at_once() -> None:
    chunker = Chunker(2, 10_000)
    first, second = _items([5, 5])
    assert list(chunker.add(*first)) == []
    [sealed] = chunker.add(*second)
    assert sealed.items() == [first, second]
    assert len(chunker.flush()) == 0


def test_a_batch_round_trips_its_items() -> None:
    items = _items([3, 4, 5])
    batch = Batch.of(items)
    assert batch.items() == items
    assert batch.item(1) == items[1]
    assert batch.body() == b'{"d":[' + b",".join(i.payload for i in items) + b"]}"


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_records"):
        Chunker(0, 1000)
