"""The pure chunker: nothing lost, nothing duplicated, limits held, for any sizes."""

from __future__ import annotations

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clevertap_async._batching import BODY_OVERHEAD, Chunker, Item, body, chunk, fits_alone


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
    flat = [item for batch in batches for item in batch]
    assert flat == items  # nothing lost, nothing duplicated, order kept
    for index, batch in enumerate(batches):
        assert 0 < len(batch) <= max_records
        payload = body(batch)
        assert len(payload) <= max_bytes
        assert orjson.loads(payload) == {"d": [orjson.loads(item.payload) for item in batch]}
        if index + 1 < len(batches):  # a batch is sealed only when the next record cannot join it
            following = batches[index + 1][0]
            full = len(batch) == max_records
            assert full or len(payload) + 1 + len(following.payload) > max_bytes


def test_a_record_over_the_budget_alone_is_refused() -> None:
    item = _items([100])[0]
    assert not fits_alone(item.payload, BODY_OVERHEAD + 99)
    with pytest.raises(ValueError, match="position 0"):
        Chunker(10, BODY_OVERHEAD + 99).add(item)


def test_a_full_batch_is_sealed_at_once() -> None:
    chunker = Chunker(2, 10_000)
    first, second = _items([5, 5])
    assert list(chunker.add(first)) == []
    assert list(chunker.add(second)) == [[first, second]]
    assert chunker.flush() == []


def test_nonsense_limits_are_refused() -> None:
    with pytest.raises(ValueError, match="max_records"):
        Chunker(0, 1000)
