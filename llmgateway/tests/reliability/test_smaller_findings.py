"""Issue 13's smaller findings, over real HTTP: the envelope for every 404/405 with DEBUG on
and off, Host checked against ALLOWED_HOSTS everywhere, X-Forwarded-For believed only from
TRUSTED_PROXIES."""

from __future__ import annotations

import subprocess
import sys
import time

import httpx
import pytest
from django.conf import settings

from accounts import throttling
from core.redis_client import sync_redis
from llmgateway.tests.live import BASE_DIR, GatewayProcess, free_port, gateway_env
from llmgateway.tests.reliability.client import assert_envelope

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

NOT_FOUND = [
    ("GET", "/nope"),
    ("GET", "/api/conversations/not-a-uuid"),
    ("DELETE", "/api/user/api-keys/123"),
    ("GET", "/api/chat/stream/extra"),
    ("GET", "/static/nothing-here.js"),
]


@pytest.fixture(scope="module", params=["0", "1"], ids=["debug-off", "debug-on"])
def any_debug_gateway(request, start_gateway):
    return start_gateway(DEBUG=request.param)


@pytest.fixture(scope="module")
def gateway(start_gateway):
    return start_gateway()


@pytest.mark.parametrize(("method", "path"), NOT_FOUND)
def test_an_unknown_path_is_a_404_in_the_envelope(any_debug_gateway, method, path):
    response = httpx.request(method, f"{any_debug_gateway.url}{path}", timeout=10)

    assert_envelope(response, 404, "not_found")


@pytest.mark.parametrize(
    ("method", "path"), [("POST", "/health"), ("PUT", "/api/metrics"), ("POST", "/")]
)
def test_a_wrong_method_is_a_405_in_the_envelope(any_debug_gateway, method, path):
    response = httpx.request(method, f"{any_debug_gateway.url}{path}", timeout=10)

    assert_envelope(response, 405, "method_not_allowed")
    assert response.headers["allow"]


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/health"), ("GET", "/api/metrics"), ("POST", "/api/chat/"), ("GET", "/nope")],
)
def test_a_host_outside_allowed_hosts_is_refused_on_every_endpoint(gateway, method, path):
    response = httpx.request(
        method, f"{gateway.url}{path}", headers={"Host": "evil.example"}, timeout=10
    )

    assert_envelope(response, 400, "disallowed_host")


def _fail_logins(gateway, count: int, forged_prefix: str) -> list[int]:
    statuses = []
    for number in range(count):
        response = httpx.post(
            f"{gateway.url}/api/auth/login",
            json={"username": f"guess{number}", "password": "Wr0ng-guess!"},
            headers={"X-Forwarded-For": f"{forged_prefix}.{number + 1}"},
            timeout=10,
        )
        statuses.append(response.status_code)
    return statuses


def test_x_forwarded_for_from_an_untrusted_peer_picks_no_throttle_bucket(start_gateway):
    # Loopback is not a proxy here: the header is the caller's own word.
    gateway = start_gateway(TRUSTED_PROXIES="192.0.2.1", LOGIN_MAX_FAILURES="1")
    budget = throttling.IP_FAILURE_FACTOR

    statuses = _fail_logins(gateway, budget + 1, "203.0.113")

    assert statuses == [401] * budget + [429]
    assert sync_redis().get(throttling.ip_key("127.0.0.1")) is not None
    assert sync_redis().get(throttling.ip_key("203.0.113.1")) is None


def test_x_forwarded_for_from_a_trusted_proxy_names_the_client(gateway):
    assert settings.TRUSTED_PROXIES  # the default trusts loopback, where nginx runs locally
    _fail_logins(gateway, 1, "198.51.100")

    assert sync_redis().get(throttling.ip_key("198.51.100.1")) is not None
    assert sync_redis().get(throttling.ip_key("127.0.0.1")) is None


def test_daphne_proxy_headers_believe_only_trusted_proxies_too(django_db_setup, tmp_path):
    """Started with Daphne's --proxy-headers, an untrusted caller still cannot pick its
    address (llmgateway/daphne_protocol.py drops the headers before Daphne reads them)."""
    port = free_port()
    env = gateway_env(TRUSTED_PROXIES="192.0.2.1", LOGIN_MAX_FAILURES="1")
    log_path = tmp_path / "daphne-proxy-headers.log"
    with log_path.open("wb") as log:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "daphne", "--proxy-headers"),
                *("-b", "127.0.0.1", "-p", str(port), "llmgateway.asgi:application"),
            ],
            cwd=BASE_DIR,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    gateway = GatewayProcess(port=port, process=process, log_path=log_path)
    try:
        _wait_until_serving(gateway)
        _fail_logins(gateway, 1, "203.0.113")
    finally:
        process.kill()
        process.wait(timeout=10)

    assert sync_redis().get(throttling.ip_key("127.0.0.1")) is not None
    assert sync_redis().get(throttling.ip_key("203.0.113.1")) is None


def _wait_until_serving(gateway: GatewayProcess) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        assert gateway.process.poll() is None, gateway.log_tail()
        try:
            httpx.get(f"{gateway.url}/health", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.1)
    raise AssertionError(gateway.log_tail())


@pytest.mark.parametrize("encoding", ["urlencoded", "multipart"])
def test_a_form_post_reaches_django_whole_through_daphne(gateway, encoding):
    """Twisted no longer parses form bodies into `request.args` (daphne_protocol.py): the
    admin's sign-in form must still reach Django with its fields, in either encoding."""
    with httpx.Client(base_url=gateway.url, timeout=10) as client:
        client.get("/admin/login/")
        fields = {
            "csrfmiddlewaretoken": client.cookies["csrftoken"],
            "username": "nobody-here",
            "password": "Wr0ng-guess!",
        }
        if encoding == "multipart":
            files = {name: (None, value) for name, value in fields.items()}
            response = client.post("/admin/login/", files=files)
        else:
            response = client.post("/admin/login/", data=fields)

    assert response.status_code == 200
    # Django read both fields: it checked the credentials instead of asking for them.
    assert "Please enter the correct username and password" in response.text
    assert "This field is required" not in response.text
