"""Model instances from hand-written SELECTs: the reads every request makes, without the
ORM compiling the same query again on each one.

Django compiles a queryset's SQL on every evaluation. For the lookup authentication makes
on each request (an API key joined to its user, two wide tables) that compilation and the
iterator machinery around it cost about 0.7 ms of CPU, against under 0.1 ms for running the
same SQL. Here the column list is built once from the models' own metadata, and rows become
instances through `Model.from_db` with each field's database converters applied, as the
ORM does; the tests compare every field with what the ORM loads.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections
from django.db.models import Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]


def select_columns(model: type[Model], table_alias: str, using: str = "default") -> str:
    """`alias."col1", alias."col2", ...`: every concrete column of `model`, in field order."""
    quote = connections[using].ops.quote_name
    return ", ".join(f"{table_alias}.{quote(f.column)}" for f in model._meta.concrete_fields)


def quoted_table(model: type[Model], using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.db_table)


def quoted_column(model: type[Model], field_name: str, using: str = "default") -> str:
    return connections[using].ops.quote_name(model._meta.get_field(field_name).column)


def instance_from_row(model: type[M], values: Sequence[Any], using: str = "default") -> M:
    """An instance of `model` from its `select_columns` values (a slice of a row)."""
    connection = connections[using]
    attnames, conversions = _conversions(model, using)
    converted = list(values)
    for index, (expression, converters) in enumerate(conversions):
        for converter in converters:  # None included, as the ORM's compiler does
            converted[index] = converter(converted[index], expression, connection)
    return model.from_db(using, attnames, converted)


Conversions = tuple[list[str], list[tuple[Any, list[Converter]]]]
# (database alias, model) -> its concrete fields' attnames, and per field its column
# expression and converters.
_CONVERSIONS: dict[tuple[str, type[Model]], Conversions] = {}


def _conversions(model: type[Model], using: str) -> Conversions:
    """What the ORM applies to each field's values on this backend (compiler.get_converters):
    the backend's converters, then the field's own (`from_db_value`)."""
    key = (using, model)
    found = _CONVERSIONS.get(key)
    if found is None:
        connection = connections[using]
        fields = model._meta.concrete_fields
        per_field = []
        for field in fields:
            expression = field.get_col(model._meta.db_table)
            converters = [
                *connection.ops.get_db_converters(expression),
                *expression.get_db_converters(connection),
            ]
            per_field.append((expression, converters))
        found = _CONVERSIONS[key] = ([f.attname for f in fields], per_field)
    return found
