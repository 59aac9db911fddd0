"""Model instances from hand-written SELECTs, and INSERTs of them: the reads and the write
every request makes, without the ORM compiling the same statement again on each one.

Django compiles a queryset's SQL on every evaluation. For the lookup authentication makes
on each request (an API key joined to its user, two wide tables) that compilation and the
iterator machinery around it cost about 0.7 ms of CPU, against under 0.1 ms for running the
same SQL. Here the column list is built once from the models' own metadata, and rows become
instances through `Model.from_db` with each field's database converters applied, as the
ORM does; the tests compare every field with what the ORM loads.

`insert_instance` is the write: the ledger row every request leaves. `save()` compiled its
INSERT on every call (about 0.1 ms per request, measured); the statement is built once per
model and the values prepared by each field, as `save(force_insert=True)` prepares them.

`execute_together` runs the several writes of one phase of a chat turn as one statement on
PostgreSQL (`combined`): each round trip costs the turn about 0.07 ms of CPU on the client
side, and a phase of BEGIN, three INSERTs and COMMIT measured 0.65 ms through a thread hop
against 0.28 ms for the same rows in one statement.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from django.db import connections, transaction
from django.db.models import Field, Model

M = TypeVar("M", bound=Model)

Converter = Callable[[Any, Any, Any], Any]
Insert = tuple[list[Field], str]
# One SQL statement and its parameters.
Statement = tuple[str, list[Any]]
# (database alias, model) -> the fields an INSERT writes and its SQL.
_INSERTS: dict[tuple[str, type[Model]], Insert] = {}


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


def fetch_all(sql: str, params: Sequence[Any], using: str = "default") -> list[tuple]:
    """The rows of one statement on Django's connection (the caller's thread)."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def execute(sql: str, params: Sequence[Any], using: str = "default") -> int:
    """One statement on Django's connection (the caller's thread and transaction); the
    number of rows it changed."""
    with connections[using].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def insert_instance(instance: Model, using: str = "default") -> None:
    """INSERT `instance` as `save(force_insert=True)` would, in the caller's transaction.

    Each field's `pre_save` runs (auto_now and auto_now_add set the instance's timestamps)
    and `get_db_prep_save` prepares its value. `save()`'s signals are not sent: use it only
    for models nothing listens to (the tests check the ledger's). The primary key must be
    set by the instance (a default such as uuid4), not generated by the database.
    """
    execute(*insert_statement(instance, using), using)
    inserted(instance, using)


def insert_statement(instance: Model, using: str = "default") -> Statement:
    """The INSERT of `instance` and its values, prepared by each field as `save()` would."""
    connection = connections[using]
    fields, sql = _insert_statement(type(instance), using)
    values = [
        field.get_db_prep_save(field.pre_save(instance, True), connection) for field in fields
    ]
    return sql, values


def combined(statements: Sequence[Statement]) -> Statement:
    """Data-modifying statements (INSERT, UPDATE, DELETE) as one PostgreSQL statement: all
    but the last become `WITH` queries of the last.

    One statement is one round trip and, in autocommit, one transaction: all of it is
    stored or none. Its parts run on one snapshot and do not see each other's rows, so no
    part may depend on another's effect; foreign keys are checked at its end (Django makes
    them deferrable, initially deferred), so a row may go in before the row it references.
    """
    if not statements:
        raise ValueError("nothing to combine")
    *parts, (last_sql, last_params) = statements
    if not parts:
        return last_sql, list(last_params)
    queries = ", ".join(f"w{index} AS ({sql})" for index, (sql, _) in enumerate(parts))
    params = [value for _, part_params in parts for value in part_params]
    return f"WITH {queries} {last_sql}", [*params, *last_params]


def combines(using: str = "default") -> bool:
    """Whether this database runs `combined` statements (PostgreSQL's data-modifying WITH)."""
    return connections[using].vendor == "postgresql"


def execute_together(statements: Sequence[Statement], using: str = "default") -> None:
    """The statements, all or none: one `combined` statement on PostgreSQL, a transaction of
    them elsewhere (SQLite has no data-modifying WITH)."""
    if combines(using):
        execute(*combined(statements), using)
        return
    with transaction.atomic(using=using, savepoint=False):
        for sql, params in statements:
            execute(sql, params, using)


def inserted(instance: Model, using: str = "default") -> None:
    """Mark `instance` as stored, as `save()` does once its INSERT ran."""
    instance._state.adding = False
    instance._state.db = using


def _insert_statement(model: type[Model], using: str) -> Insert:
    key = (using, model)
    found = _INSERTS.get(key)
    if found is None:
        if model._meta.pk.db_returning:
            raise TypeError(f"{model.__name__}'s primary key is generated by the database")
        quote = connections[using].ops.quote_name
        fields = [field for field in model._meta.concrete_fields if not field.generated]
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Only the model's own quoted names go into the text; values are parameters.
        table = quoted_table(model, using)
        sql = f"INSERT INTO {table} ({columns}) VALUES ({placeholders})"  # noqa: S608
        found = _INSERTS[key] = (fields, sql)
    return found
