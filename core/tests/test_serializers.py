"""BoundOnce: one bound serializer instance answers exactly as a fresh serializer would."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from rest_framework import serializers

from core.serializers import BoundOnce, NoUnknownFieldsMixin, StrictCharField


class ItemSerializer(NoUnknownFieldsMixin, serializers.Serializer):
    name = StrictCharField(max_length=5)


class OrderSerializer(NoUnknownFieldsMixin, serializers.Serializer):
    title = StrictCharField()
    items = serializers.ListField(child=ItemSerializer(), required=False, default=list)
    note = serializers.CharField(source="meta.note", required=False)
    lines = ItemSerializer(many=True, required=False)


ORDER = BoundOnce(OrderSerializer)


class _Meta:
    note = "fragile"


class _Order:
    title = "boxes"
    items = [{"name": "a"}]
    meta = _Meta()
    lines = [{"name": "b"}, {"name": "c"}]


def test_represent_is_what_a_fresh_serializer_renders():
    assert ORDER.represent(_Order()) == OrderSerializer(_Order()).data
    assert ORDER.represent(_Order()) == {
        "title": "boxes",
        "items": [{"name": "a"}],
        "note": "fragile",
        "lines": [{"name": "b"}, {"name": "c"}],
    }


def test_validate_is_what_is_valid_gives():
    data = {"title": "  boxes ", "items": [{"name": "a"}]}
    fresh = OrderSerializer(data=data)
    assert fresh.is_valid()
    assert (
        ORDER.validate(data)
        == fresh.validated_data
        == {
            "title": "boxes",
            "items": [{"name": "a"}],
        }
    )


@pytest.mark.parametrize(
    "data",
    [
        {"title": 5},  # a field's own error
        {"title": "x", "items": [{"name": "toolong"}]},  # a nested one
        {"title": "x", "colour": "red"},  # an unknown field
        {},  # a missing one
        ["not", "an", "object"],  # not an object at all
        None,  # no data: DRF says so in `errors` itself
    ],
)
def test_invalid_data_raises_what_is_valid_raises(data):
    fresh = OrderSerializer(data=data)
    with pytest.raises(serializers.ValidationError) as expected:
        fresh.is_valid(raise_exception=True)
    with pytest.raises(serializers.ValidationError) as raised:
        ORDER.validate(data)
    assert raised.value.detail == expected.value.detail
    assert raised.value.get_codes() == expected.value.get_codes()


def test_one_instance_serves_many_threads_at_once():
    def check(n: int) -> None:
        name = f"n{n % 1000}"
        assert ORDER.validate({"title": name, "items": [{"name": name[:5]}]})["title"] == name
        with pytest.raises(serializers.ValidationError):
            ORDER.validate({"title": n})

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(check, range(2000)))
