"""What a new operator sees first: `/` links the docs, the admin and health; the admin is
titled "LLM Gateway" and has the usage dashboard in its sidebar on every page."""

from __future__ import annotations

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_session(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.mark.parametrize("debug", [False, True])
def test_the_root_is_a_landing_page_with_the_useful_links(client, settings, debug):
    settings.DEBUG = debug
    response = client.get("/")

    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")
    content = response.content.decode()
    for href in ("/docs", "/admin/", "/health", "/openapi.json"):
        assert f'href="{href}"' in content
    assert "<title>LLM Gateway</title>" in content


def test_the_admin_is_titled_llm_gateway_and_view_site_goes_to_the_landing_page(admin_session):
    content = admin_session.get(reverse("admin:index")).content.decode()

    assert "<title>Site administration | LLM Gateway</title>" in content
    assert '<div id="site-name"><a href="/admin/">LLM Gateway</a></div>' in content
    assert 'href="/"' in content  # "View site"
    assert "Django administration" not in content


def test_the_usage_dashboard_is_in_the_sidebar_of_every_admin_page(admin_session):
    dashboard = reverse("admin:usage-dashboard")
    page = admin_session.get(reverse("admin:accounts_user_changelist")).content.decode()

    sidebar = page[page.index('id="nav-sidebar"') :]
    assert f'href="{dashboard}"' in sidebar
    assert "Usage dashboard" in sidebar
