"""A minimal valid instance of a JSON schema: the test server's answer to a `format` request.

Deterministic so tests can predict it: enum -> first value, number -> 0.9 (clamped to the
bounds), integer -> 1, boolean -> true, string -> "test", array -> min(2, maxItems) items
(at least minItems), object -> every property. `$ref` into `$defs`/`definitions` is followed.
"""

from __future__ import annotations

from typing import Any

_MAX_DEPTH = 8  # recursive schemas (a tree node holding children) stop growing here
_STRING_FORMATS = {
    "date-time": "2025-01-01T00:00:00Z",
    "date": "2025-01-01",
    "time": "00:00:00Z",
    "email": "test@example.com",
    "uri": "https://example.com/test",
    "uuid": "00000000-0000-4000-8000-000000000000",
}


def schema_instance(schema: dict[str, Any]) -> Any:
    """Return a value that validates against `schema` (the subset pydantic emits)."""
    return _Builder(schema).build(schema, depth=0)


class _Builder:
    def __init__(self, root: dict[str, Any]) -> None:
        self.root = root

    def resolve(self, ref: str) -> dict[str, Any]:
        node: Any = self.root
        for part in ref.removeprefix("#/").split("/"):
            if part:
                node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def build(self, schema: Any, depth: int) -> Any:
        if not isinstance(schema, dict):  # `true` / `{}` schemas accept anything
            return "test"
        if "$ref" in schema:
            return self.build(self.resolve(schema["$ref"]), depth + 1)
        if "const" in schema:
            return schema["const"]
        if schema.get("enum"):
            return schema["enum"][0]
        for key in ("anyOf", "oneOf"):
            if schema.get(key):
                return self.build(_first_not_null(schema[key]), depth)
        if schema.get("allOf"):
            merged: dict[str, Any] = {}
            for part in schema["allOf"]:
                merged.update(self.resolve(part["$ref"]) if "$ref" in part else part)
            return self.build(merged, depth)
        return self.build_typed(schema, _type_of(schema), depth)

    def build_typed(self, schema: dict[str, Any], kind: str, depth: int) -> Any:
        if kind == "object":
            return self.build_object(schema, depth)
        if kind == "array":
            return self.build_array(schema, depth)
        if kind == "number":
            return _clamp(0.9, schema)
        if kind == "integer":
            return int(_clamp(1, schema))
        if kind == "boolean":
            return True
        if kind == "null":
            return None
        return _string(schema)

    def build_object(self, schema: dict[str, Any], depth: int) -> dict[str, Any]:
        properties = schema.get("properties") or {}
        required = schema.get("required") or []
        names = required if depth >= _MAX_DEPTH else [*required, *properties]
        result: dict[str, Any] = {}
        for name in names:
            if name not in result:
                result[name] = self.build(properties.get(name, {"type": "string"}), depth + 1)
        return result

    def build_array(self, schema: dict[str, Any], depth: int) -> list[Any]:
        minimum = schema.get("minItems", 0)
        count = minimum if depth >= _MAX_DEPTH else max(minimum, min(2, schema.get("maxItems", 2)))
        prefix = schema.get("prefixItems") or []
        items = [self.build(item, depth + 1) for item in prefix[:count]]
        while len(items) < count:
            items.append(self.build(schema.get("items", {"type": "string"}), depth + 1))
        return items


def _first_not_null(options: list[Any]) -> Any:
    for option in options:
        if not (isinstance(option, dict) and option.get("type") == "null"):
            return option
    return options[0]


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    if kind:
        return kind
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    return "string"


def _clamp(value: float, schema: dict[str, Any]) -> float:
    if "minimum" in schema:
        value = max(value, schema["minimum"])
    if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
        value = schema["exclusiveMinimum"] + 1
    if "maximum" in schema:
        value = min(value, schema["maximum"])
    if "exclusiveMaximum" in schema and value >= schema["exclusiveMaximum"]:
        value = schema["exclusiveMaximum"] - 1
    return value


def _string(schema: dict[str, Any]) -> str:
    text = _STRING_FORMATS.get(schema.get("format", ""), "test")
    min_length = schema.get("minLength", 0)
    if len(text) < min_length:
        text = text + "x" * (min_length - len(text))
    if "maxLength" in schema:
        text = text[: schema["maxLength"]]
    return text
