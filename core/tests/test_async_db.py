"""Statements on the event loop (core/async_db.py): what the thread-side connection would
return, Django's errors, and the database's circuit breaker asked first.

These run with DB_ASYNC_QUERIES on and committed rows (transactional tests): the async pool
is its own connection, which cannot see a test's uncommitted transaction."""

from __future__ import annotations

import uuid

import pytest
from asgiref.sync import sync_to_async
from django.db import IntegrityError, OperationalError, connection
from psycopg_pool import AsyncConnectionPool

from accounts.models import ApiKey, User
from accounts.selectors import api_key_aget_by_raw_key, user_aget_by_id
from accounts.services import api_key_create
from core import async_db
from core.db_backend.base import database_breaker
from metrics.models import UsageRecord
from metrics.tests.usage_data import usage_entry
from metrics.usage import ledger_awrite, ledger_statement

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
async def async_queries(settings, monkeypatch):
    """The async path, with Django's thread-side statements made to fail: a test passes
    only if its statements ran on the loop."""
    settings.DB_ASYNC_QUERIES = True

    def on_a_thread(*args, **kwargs):
        raise AssertionError("the statement went to a thread")

    monkeypatch.setattr(async_db, "fetch_all", on_a_thread)
    monkeypatch.setattr(async_db, "execute", on_a_thread)
    yield
    await async_db.close_pool()


def assert_same_fields(loaded, expected) -> None:
    for field in type(expected)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert (loaded._state.adding, loaded._state.db) == (False, "default")


async def test_a_key_and_its_user_load_on_the_loop_as_the_orm_loads_them(user):
    created = await api_key_create_async(user, allowed_models=["auto"])
    expected = await ApiKey.objects.select_related("user").aget(pk=created.api_key.pk)

    loaded = await api_key_aget_by_raw_key(raw_key=created.raw_key)

    assert_same_fields(loaded, expected)
    assert_same_fields(loaded.user, expected.user)
    assert loaded.allowed_models == ["auto"]
    assert loaded.created_at.tzinfo is not None


async def test_a_forged_key_and_an_unknown_user_find_nothing(user):
    created = await api_key_create_async(user)
    raw = created.raw_key
    forged = raw[:-1] + ("a" if raw[-1] != "a" else "b")

    assert await api_key_aget_by_raw_key(raw_key=forged) is None
    assert await user_aget_by_id(str(uuid.uuid4())) is None
    assert await user_aget_by_id("not-a-uuid") is None


async def test_a_user_loads_on_the_loop_as_the_orm_loads_it(user):
    expected = await User.objects.aget(pk=user.pk)

    assert_same_fields(await user_aget_by_id(str(user.pk)), expected)


async def test_a_ledger_row_is_written_on_the_loop_as_the_orm_writes_it(user):
    row = await ledger_awrite(usage_entry(user, prompt_tokens=4, api="openai"))

    stored = await UsageRecord.objects.aget(pk=row.pk)
    assert (stored.user_id, stored.prompt_tokens, stored.api) == (user.pk, 4, "openai")
    assert stored.created_at == row.created_at
    assert not row._state.adding


async def test_a_row_naming_nobody_is_djangos_integrity_error(user):
    with pytest.raises(IntegrityError):
        await ledger_awrite(usage_entry(user, user_id=uuid.uuid4()))


async def test_an_open_breaker_fails_at_once_with_djangos_operational_error(user):
    breaker = database_breaker()
    for _ in range(breaker.failure_threshold):
        breaker.record_failure(OSError("refused"))
    try:
        with pytest.raises(OperationalError, match="circuit open"):
            await user_aget_by_id(str(user.pk))
    finally:
        breaker.record_success()


async def test_a_pooled_connection_that_died_while_idle_is_replaced(user, monkeypatch):
    monkeypatch.setattr(async_db, "IDLE_CHECK_SECONDS", 0.0)  # as if it idled a while
    await user_aget_by_id(str(user.pk))  # the pool now holds an idle connection
    pool = await async_db._pool()
    async with pool.connection() as connection:
        backend = connection.info.backend_pid
    await sync_to_async(_terminate)(backend)  # as a PostgreSQL restart would

    loaded = await user_aget_by_id(str(user.pk))

    assert loaded.pk == user.pk
    async with pool.connection() as connection:
        assert connection.info.backend_pid != backend


async def test_a_read_on_a_connection_that_died_since_its_last_use_runs_again(user):
    await user_aget_by_id(str(user.pk))  # used just now: it goes out unchecked next time
    await sync_to_async(_terminate_the_pools_sessions)()

    assert (await user_aget_by_id(str(user.pk))).pk == user.pk


async def test_a_write_on_a_dead_connection_is_not_repeated(user):
    await user_aget_by_id(str(user.pk))
    await sync_to_async(_terminate_the_pools_sessions)()  # every one of them, just used

    # It might have committed: the caller keeps the row in the outbox instead.
    with pytest.raises(OperationalError):
        await ledger_awrite(usage_entry(user))
    assert await UsageRecord.objects.acount() == 0


async def test_a_connection_back_within_the_idle_threshold_goes_out_unchecked(user, monkeypatch):
    checks = []
    real_check = AsyncConnectionPool.check_connection

    async def counted(connection):
        checks.append(connection)
        await real_check(connection)

    monkeypatch.setattr(AsyncConnectionPool, "check_connection", counted)
    for _ in range(3):  # the pool's new connections: each checked once
        await user_aget_by_id(str(user.pk))
    warmed_up = len(checks)

    for _ in range(5):
        await user_aget_by_id(str(user.pk))

    assert len(checks) == warmed_up
    assert len({id(connection) for connection in checks}) == warmed_up


def _terminate_the_pools_sessions() -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND application_name = %s",
            [async_db.APPLICATION_NAME],
        )


def _terminate(backend_pid: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", [backend_pid])


async def api_key_create_async(user, **fields):
    return await sync_to_async(api_key_create)(user=user, name="loop", **fields)


async def test_statements_together_are_one_statement_on_the_loop_stored_together(user):
    first, second = usage_entry(user, prompt_tokens=1), usage_entry(user, prompt_tokens=2)

    await async_db.aexecute_together([ledger_statement(first), ledger_statement(second)])

    stored = UsageRecord.objects.order_by("prompt_tokens").values_list("prompt_tokens", flat=True)
    assert [tokens async for tokens in stored] == [1, 2]


async def test_statements_together_are_stored_all_or_none(user):
    # The second row names nobody: its foreign key fails the one statement at its end, and
    # the first row goes with it.
    fine, orphan = usage_entry(user), usage_entry(user, user_id=uuid.uuid4())

    with pytest.raises(IntegrityError):
        await async_db.aexecute_together([ledger_statement(fine), ledger_statement(orphan)])

    assert not await UsageRecord.objects.aexists()
