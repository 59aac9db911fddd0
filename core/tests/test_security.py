"""SecurityMiddleware's work without its thread hops, and Django's deploy checks kept for it."""

import pytest
from django.core.checks.security import base as django_security
from django.test import override_settings

from core.security import security_middleware_checks


@pytest.mark.django_db
async def test_api_responses_carry_the_security_headers_on_the_async_stack(async_client):
    response = await async_client.get("/api/user/me")

    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"


@override_settings(SECURE_SSL_REDIRECT=True)
async def test_plain_http_is_redirected_to_https_when_asked(async_client):
    response = await async_client.get("/health")

    assert response.status_code == 301
    assert response["Location"].startswith("https://")


def test_the_deploy_checks_of_its_settings_still_run():
    with override_settings(SECURE_HSTS_SECONDS=0, SECURE_SSL_REDIRECT=False):
        found = {message.id for message in security_middleware_checks()}

    assert {django_security.W004.id, django_security.W008.id} <= found


def test_a_gateway_without_either_security_middleware_is_warned():
    with override_settings(MIDDLEWARE=["core.middleware.RequestContextMiddleware"]):
        assert security_middleware_checks() == [django_security.W001]
