"""The admin for governance: budgets and scopes edited, limits checked, every change audited."""

from __future__ import annotations

import json

from django.forms import MultiWidget
from django.urls import reverse

from accounts.models import ApiKey, AuditEvent
from accounts.tests.helpers import admin_action

USERS = reverse("admin:accounts_user_changelist")
KEYS = reverse("admin:accounts_apikey_changelist")
AUDIT = reverse("admin:accounts_auditevent_changelist")


def _post_change_form(site, url: str, **changes):
    """Post the admin change form as shown, with `changes` applied (as a browser would)."""
    form = site.get(url).context["adminform"].form
    data: dict[str, str] = {}
    for name, field in form.fields.items():
        if field.disabled:
            continue
        value = changes.get(name, form[name].value())
        if isinstance(field.widget, MultiWidget):
            for i, part in enumerate(field.widget.decompress(value)):
                data[f"{name}_{i}"] = "" if part is None else str(part)
        elif isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, list | dict):
            data[name] = json.dumps(value)
        else:
            data[name] = "" if value is None else str(value)
    return site.post(url, data)


def test_an_admin_sets_a_users_budgets_and_it_is_audited(site, admin_user, user):
    url = reverse("admin:accounts_user_change", args=[user.pk])

    response = _post_change_form(site, url, token_budget_day=2000, role="admin")

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.token_budget_day == 2000
    [event] = AuditEvent.objects.filter(target_id=str(user.pk))
    assert (event.actor, event.via, event.action) == (admin_user, "admin", "user.change")
    assert event.changes == {"token_budget_day": [None, 2000], "role": ["user", "admin"]}


def test_an_admin_scopes_a_key_and_marks_it_a_trusted_front_end(site, admin_user, user_key):
    url = reverse("admin:accounts_apikey_change", args=[user_key.api_key.pk])

    response = _post_change_form(
        site, url, allowed_models=["llama3.2:3b"], is_trusted_frontend=True, token_budget_day=50
    )

    assert response.status_code == 302, response.context["adminform"].form.errors
    key = ApiKey.objects.get(pk=user_key.api_key.pk)
    assert (key.allowed_models, key.is_trusted_frontend, key.token_budget_day) == (
        ["llama3.2:3b"],
        True,
        50,
    )
    [event] = AuditEvent.objects.filter(target_id=str(key.pk), action="api_key.change")
    assert event.actor == admin_user
    assert set(event.changes) == {"allowed_models", "is_trusted_frontend", "token_budget_day"}


def test_the_admin_refuses_a_key_limit_above_the_owners(site, user, user_key):
    user.token_budget_month = 100
    user.save()
    url = reverse("admin:accounts_apikey_change", args=[user_key.api_key.pk])

    response = _post_change_form(site, url, token_budget_month=101)

    assert response.status_code == 200
    assert "token_budget_month" in response.context["adminform"].form.errors
    assert not AuditEvent.objects.filter(action="api_key.change").exists()


def test_the_admin_creates_a_scoped_key_and_audits_it(site, admin_user, user):
    response = site.post(
        reverse("admin:accounts_apikey_add"),
        {
            "user": str(user.pk),
            "name": "webui",
            "allowed_models": '["auto"]',
            "is_trusted_frontend": "on",
            "token_budget_day": "10",
        },
    )

    assert response.status_code == 302
    key = ApiKey.objects.get(name="webui")
    assert (key.allowed_models, key.is_trusted_frontend, key.token_budget_day) == (
        ["auto"],
        True,
        10,
    )
    [event] = AuditEvent.objects.filter(target_id=str(key.pk))
    assert (event.actor, event.via, event.action) == (admin_user, "admin", "api_key.create")


def test_admin_actions_are_audited(site, admin_user, user, outsider, user_key):
    admin_action(site, USERS, "deactivate_users", user)
    admin_action(site, USERS, "make_admins", outsider)
    admin_action(site, KEYS, "revoke_keys", user_key.api_key)

    actions = {
        (e.action, e.target_id, e.via, e.actor_id)
        for e in AuditEvent.objects.filter(actor=admin_user)
    }
    assert actions == {
        ("user.deactivate", str(user.pk), "admin", admin_user.pk),
        ("user.role", str(outsider.pk), "admin", admin_user.pk),
        ("api_key.revoke", str(user_key.api_key.pk), "admin", admin_user.pk),
    }


def test_the_audit_trail_is_viewable_and_read_only_in_the_admin(site, user_key, user_client):
    user_client.delete(f"/api/user/api-keys/{user_key.api_key.pk}")
    event = AuditEvent.objects.get(action="api_key.revoke")

    listing = site.get(AUDIT, {"action": "api_key.revoke"})
    detail = site.get(reverse("admin:accounts_auditevent_change", args=[event.pk]))

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list) == [event]
    assert detail.status_code == 200  # viewable, with no save button
    assert not detail.context["has_change_permission"]
    assert site.get(reverse("admin:accounts_auditevent_add")).status_code == 403
