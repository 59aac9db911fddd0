"""What operators see: /api/admin/backends, /api/admin/models, /health and pull_models
across the fleet, and the start-up warning when OLLAMA_URL and OLLAMA_URLS are both set."""

from __future__ import annotations

import io
import logging

import pytest
from django.core.management import CommandError, call_command

from routing.ollama.fleet import configured_urls, fleet, warn_if_both_set

BACKENDS = "/api/admin/backends"
MODELS = "/api/admin/models"
PROBES = {"/api/tags", "/api/ps", "/api/version"}


@pytest.mark.django_db
def test_admin_backends_shows_each_backend_with_its_models(admin_client, servers):
    body = admin_client.get(BACKENDS).json()

    rows = {row["url"]: row for row in body["backends"]}
    assert list(rows) == [server.url for server in servers]
    assert [row["state"] for row in rows.values()] == ["up", "up", "up"]
    assert rows[servers[0].url]["served_models"] == ["llama3.2:3b", "qwen2.5:7b"]
    assert rows[servers[2].url]["served_models"] == ["llama3.2:3b"]
    assert all(row["in_flight"] == 0 and row["queued"] == 0 for row in rows.values())
    assert all(row["last_check"] and row["version"] == "0.12.10" for row in rows.values())
    assert (body["max_concurrency"], body["queue_timeout"]) == (0, 30.0)
    assert {r.path for server in servers for r in server.requests} == PROBES


@pytest.mark.django_db
def test_admin_backends_tells_a_stopped_backend_and_loaded_models(admin_client, servers):
    import asyncio

    from langchain_core.messages import HumanMessage

    from routing.ollama import chat_models as llm

    async def one_chat() -> None:
        await llm.call(llm.chat_model("qwen2.5:7b"), [HumanMessage("hi")], model="qwen2.5:7b")

    asyncio.run(one_chat())
    servers[1].stop()
    fleet().last_refresh = 0.0  # the next read probes again (instead of waiting a second)

    rows = {row["url"]: row for row in admin_client.get(BACKENDS).json()["backends"]}

    assert rows[servers[1].url]["state"] == "down"
    assert rows[servers[1].url]["last_error"]
    loaded = [row["loaded_models"] for row in rows.values()]
    assert loaded.count(["qwen2.5:7b"]) == 1 and loaded.count([]) == 2


@pytest.mark.django_db
def test_a_stopped_backend_shows_no_loaded_models(admin_client, servers):
    """A backend killed after a chat showed the model still loaded (its last /api/ps)."""
    import asyncio

    from langchain_core.messages import HumanMessage

    from routing.ollama import chat_models as llm

    async def one_chat() -> None:
        await llm.call(llm.chat_model("qwen2.5:7b"), [HumanMessage("hi")], model="qwen2.5:7b")

    asyncio.run(one_chat())
    served = next(s for s in servers if any(r.path == "/api/chat" for r in s.requests))
    fleet().last_refresh = 0.0
    row = _rows(admin_client)[served.url]
    assert (row["state"], row["loaded_models"]) == ("up", ["qwen2.5:7b"])

    served.stop()
    fleet().last_refresh = 0.0
    row = _rows(admin_client)[served.url]

    assert (row["state"], row["loaded_models"]) == ("down", [])
    assert row["served_models"] == ["llama3.2:3b", "qwen2.5:7b"]  # last known, still tried


def _rows(admin_client) -> dict[str, dict]:
    return {row["url"]: row for row in admin_client.get(BACKENDS).json()["backends"]}


@pytest.mark.django_db
def test_admin_backends_is_for_admins_only(user_client, api_client, servers):
    assert user_client.get(BACKENDS).status_code == 403
    assert api_client.get(BACKENDS).status_code == 401


@pytest.mark.django_db
def test_admin_models_says_which_backends_serve_each_model(admin_client, servers):
    body = admin_client.get(MODELS).json()

    serving = {model["name"]: model["backends"] for model in body["models"]}
    urls = [server.url for server in servers]
    assert serving == {"llama3.2:3b": urls, "qwen2.5:7b": urls[:2]}
    assert body["missing"] == []
    lacking = {row["url"]: row["lacking"] for row in body["backends"]}
    assert lacking == {urls[0]: [], urls[1]: [], urls[2]: ["qwen2.5:7b"]}


@pytest.mark.django_db
def test_admin_models_answers_while_one_backend_is_down(
    admin_client, servers, ollama_down_url, settings
):
    settings.OLLAMA_URLS = [ollama_down_url, servers[2].url]

    body = admin_client.get(MODELS).json()

    assert [m["name"] for m in body["models"]] == ["llama3.2:3b"]
    assert body["missing"] == ["qwen2.5:7b"]
    assert [row["reachable"] for row in body["backends"]] == [False, True]


@pytest.mark.django_db
def test_health_is_ok_degraded_or_down_and_stays_200(
    api_client, servers, ollama_down_url, settings
):
    def ollama_check() -> tuple[int, str, list[str]]:
        fleet().last_refresh = 0.0
        response = api_client.get("/health")
        body = response.json()
        return (
            response.status_code,
            body["checks"]["ollama"],
            [b["state"] for b in body["ollama_backends"]],
        )

    assert ollama_check() == (200, "ok", ["up", "up", "up"])
    settings.OLLAMA_URLS = [servers[0].url, ollama_down_url]
    assert ollama_check() == (200, "degraded", ["up", "down"])
    settings.OLLAMA_URLS = [ollama_down_url]
    assert ollama_check() == (200, "down", ["down"])


def pull(*args: str) -> tuple[str, CommandError | None]:
    """The command's output, and the CommandError it ended with (None on success)."""
    out = io.StringIO()
    try:
        call_command("pull_models", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return out.getvalue(), exc
    return out.getvalue(), None


def test_pull_models_pulls_onto_every_backend_and_names_what_is_lacking(servers):
    output, error = pull()

    assert "qwen2.5:7b" in str(error) and "file does not exist" in str(error)
    for server in servers:
        assert f"Backend {server.url}" in output
    assert output.count("already present") == 5
    assert f"{servers[2].url} lacks configured model(s): qwen2.5:7b" in output
    pulls = [[r.body["model"] for r in s.requests if r.path == "/api/pull"] for s in servers]
    assert pulls == [[], [], ["qwen2.5:7b"]]


def test_pull_models_with_backend_pulls_there_only_with_progress(servers):
    output, error = pull("--force", "--backend", servers[1].url, "llama3.2:3b")

    assert error is None
    assert "] 100%" in output and output.rstrip().endswith("llama3.2:3b: pulled")
    pulls = [[r.body["model"] for r in s.requests if r.path == "/api/pull"] for s in servers]
    assert pulls == [[], ["llama3.2:3b"], []]


def test_pull_models_refuses_a_backend_outside_the_fleet(servers):
    _, error = pull("--backend", "http://127.0.0.1:1")

    assert "Not a configured backend" in str(error)


def test_ollama_urls_wins_over_ollama_url_with_a_warning(settings, caplog):
    settings.OLLAMA_URL = "http://one:11434"
    settings.OLLAMA_URLS = ["http://a:11434", "http://b:11434"]
    settings.OLLAMA_URLS_AND_URL_SET = True

    with caplog.at_level(logging.WARNING, logger="routing.ollama.fleet"):
        warn_if_both_set()

    assert configured_urls() == ["http://a:11434", "http://b:11434"]
    assert "OLLAMA_URLS and OLLAMA_URL are both set" in caplog.text
    settings.OLLAMA_URLS = []
    assert configured_urls() == ["http://one:11434"]


@pytest.mark.django_db
def test_the_admin_dashboard_shows_the_fleet(
    client, admin_user, servers, ollama_down_url, settings
):
    settings.OLLAMA_URLS = [servers[2].url, ollama_down_url]
    client.force_login(admin_user)

    content = client.get("/admin/usage-dashboard/").content.decode()

    assert "Ollama fleet" in content
    assert f'<tr class="ud-backend ud-state-up">\n          <td>{servers[2].url}' in content
    assert f'<tr class="ud-backend ud-state-down">\n          <td>{ollama_down_url}' in content
    assert "llama3.2:3b" in content
