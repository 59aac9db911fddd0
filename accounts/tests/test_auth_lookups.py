"""The two lookups every authenticated request makes (accounts/selectors.py on core/rows.py)
load exactly what the ORM loads: every field of the key and of its user, with values the
ORM's converters would give, as saved instances, in one query each."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.keys import api_key_display_prefix
from accounts.models import ApiKey, User
from accounts.selectors import _key_lookup_sql, api_key_get_by_raw_key, user_get_by_id
from accounts.services import api_key_create
from core.rows import fetch_all
from core.tests.sqlite_shell import run_on_fresh_sqlite

pytestmark = pytest.mark.django_db


def assert_same_fields(loaded, expected) -> None:
    for field in type(expected)._meta.concrete_fields:
        assert getattr(loaded, field.attname) == getattr(expected, field.attname), field.name
    assert (loaded._state.adding, loaded._state.db) == (False, "default")


@pytest.fixture
def scoped_key(user):
    """A key with every optional field set, for a user with non-default limits."""
    User.objects.filter(pk=user.pk).update(
        quota_per_minute=7, token_budget_day=1000, frontend_id="owui-1", role="admin"
    )
    return api_key_create(
        user=user,
        name="scoped",
        allowed_models=["llama3.2:3b", "auto"],
        expires_at=datetime.now(UTC) + timedelta(days=3),
        requests_per_minute=5,
        tokens_per_minute=900,
        token_budget_day=100,
        token_budget_month=2000,
    )


def test_a_key_and_its_user_load_as_the_orm_loads_them(scoped_key):
    raw = scoped_key.raw_key
    expected = ApiKey.objects.select_related("user").get(pk=scoped_key.api_key.pk)

    with CaptureQueriesContext(connection) as queries:
        loaded = api_key_get_by_raw_key(raw_key=raw)
        user = loaded.user  # already loaded: no second query

    assert len(queries) == 1
    assert_same_fields(loaded, expected)
    assert_same_fields(user, expected.user)
    assert loaded.allowed_models == ["llama3.2:3b", "auto"]  # JSON decoded, not a string
    assert loaded.expires_at.tzinfo is not None
    assert not loaded.is_expired()


def test_a_key_with_its_optional_fields_empty_loads_as_the_orm_loads_it(user_key):
    expected = ApiKey.objects.select_related("user").get(pk=user_key.api_key.pk)

    loaded = api_key_get_by_raw_key(raw_key=user_key.raw_key)

    assert_same_fields(loaded, expected)
    assert_same_fields(loaded.user, expected.user)
    assert (loaded.expires_at, loaded.requests_per_minute, loaded.last_used_at) == (
        None,
        None,
        expected.last_used_at,
    )


def test_keys_sharing_a_prefix_are_told_apart_by_their_digest(user):
    first = api_key_create(user=user, name="one")
    second = api_key_create(user=user, name="two")
    # Force both under one prefix: the lookup returns both, the digest picks one.
    ApiKey.objects.filter(pk=second.api_key.pk).update(prefix=first.api_key.prefix)

    assert len(fetch_all(_key_lookup_sql(), [first.api_key.prefix])) == 2
    assert api_key_get_by_raw_key(raw_key=first.raw_key).pk == first.api_key.pk
    assert api_key_get_by_raw_key(raw_key=second.raw_key) is None  # its prefix was changed


def test_a_key_with_a_known_prefix_but_another_secret_finds_nothing(user_key):
    raw = user_key.raw_key
    forged = raw[:-1] + ("a" if raw[-1] != "a" else "b")
    assert api_key_display_prefix(forged) == api_key_display_prefix(raw)
    assert api_key_get_by_raw_key(raw_key=forged) is None


def test_a_loaded_key_saves_as_an_update(user_key):
    loaded = api_key_get_by_raw_key(raw_key=user_key.raw_key)
    loaded.name = "renamed"
    loaded.save(update_fields=["name"])

    assert ApiKey.objects.get(pk=loaded.pk).name == "renamed"
    assert ApiKey.objects.count() == 1


def test_a_user_loads_by_id_as_the_orm_loads_it(scoped_key):
    expected = User.objects.get(pk=scoped_key.api_key.user_id)

    with CaptureQueriesContext(connection) as queries:
        loaded = user_get_by_id(str(expected.pk))

    assert len(queries) == 1
    assert_same_fields(loaded, expected)
    assert loaded.check_password  # a real User instance


NOBODY = "00000000-0000-0000-0000-000000000000"


@pytest.mark.parametrize("user_id", ["not-a-uuid", None, 42, NOBODY])
def test_an_id_that_names_nobody_finds_nobody(user, user_id):
    assert user_get_by_id(user_id) is None


SQLITE_CHECK = """
from rest_framework.test import APIClient
from rest_framework_simplejwt.tokens import RefreshToken
from accounts.models import User
from accounts.services import api_key_create
user = User.objects.create_user(username="lite", email="lite@example.com", password="Sup3r-secret!")
jwt = APIClient()
jwt.credentials(HTTP_AUTHORIZATION=f"Bearer {RefreshToken.for_user(user).access_token}")
key = APIClient()
key.credentials(HTTP_X_API_KEY=api_key_create(user=user, name="lite").raw_key)
print(jwt.get("/api/user/me").status_code, key.get("/api/user/me").status_code)
"""


@pytest.mark.slow
def test_both_lookups_work_on_sqlite_the_default_for_local_runs(tmp_path):
    """SQLite's driver cannot bind a UUID: the user's id goes in as the field prepares it."""
    result = run_on_fresh_sqlite(tmp_path, SQLITE_CHECK)

    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[-2:] == ["200", "200"], result.stdout + result.stderr
