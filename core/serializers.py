"""Strict input fields shared by every API: no type coercion, no unknown fields."""

from __future__ import annotations

from typing import Generic, TypeVar

from rest_framework import serializers


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of converting them."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictUUIDField(serializers.UUIDField):
    """A UUIDField that accepts only a UUID string (DRF also accepts integers)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid", value=data)
        return super().to_internal_value(data)


class NoUnknownFieldsMixin:
    """Reject fields the serializer does not declare: a typo must not be silently ignored."""

    def to_internal_value(self, data):
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({name: ["Unknown field."] for name in unknown})
        return super().to_internal_value(data)


S = TypeVar("S", bound=serializers.Serializer)


class BoundOnce(Generic[S]):
    """One instance of a serializer, its fields built and bound once, for hot paths.

    DRF deep-copies every declared field each time a serializer is constructed: 0.2 ms for
    the chat response, which a chat renders twice (its body and its cache entry), 0.06 ms
    for the chat request. Representing and validating only read the bound fields, so one
    instance serves every call, from any thread.
    """

    def __init__(self, serializer_class: type[S]) -> None:
        self.serializer_class = serializer_class
        self._serializer = serializer_class()
        self._serializer.fields  # noqa: B018  (build and bind them now, not in a request)

    def represent(self, instance: object) -> dict:
        """What `serializer_class(instance).data` holds."""
        return self._serializer.to_representation(instance)

    def validate(self, data: object) -> dict:
        """What `serializer_class(data=data)` validates to; invalid data raises the very
        ValidationError `is_valid(raise_exception=True)` would (by running it: invalid
        requests are rare, and DRF shapes some errors in `errors` itself)."""
        try:
            return self._serializer.run_validation(data)
        except serializers.ValidationError:
            serializer = self.serializer_class(data=data)
            serializer.is_valid(raise_exception=True)
            return serializer.validated_data  # not reached: the same data is invalid again
