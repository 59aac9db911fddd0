"""docker-compose.yml and the Dockerfile wired as SPEC section 11 says.

No Docker engine runs here, so the files are parsed and their wiring checked.
"""

from pathlib import Path

import pytest
import yaml

BASE_DIR = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((BASE_DIR / "docker-compose.yml").read_text())


def test_it_runs_every_service_the_spec_names(compose):
    assert set(compose["services"]) == {
        "nginx",
        "gateway",
        "ollama",
        "ollama-pull",
        "redis",
        "postgres",
    }


def test_only_nginx_is_published_on_port_80(compose):
    published = {name: svc.get("ports", []) for name, svc in compose["services"].items()}

    assert published.pop("nginx") == ["80:80"]
    assert all(ports == [] for ports in published.values())


def test_nginx_uses_the_project_config_and_waits_for_a_healthy_gateway(compose):
    nginx = compose["services"]["nginx"]

    assert "./nginx/nginx.conf:/etc/nginx/nginx.conf:ro" in nginx["volumes"]
    assert nginx["depends_on"]["gateway"]["condition"] == "service_healthy"
    upstream = (BASE_DIR / "nginx/nginx.conf").read_text()
    assert "server gateway:8000;" in upstream


def test_the_gateway_migrates_then_runs_daphne_on_the_services(compose):
    gateway = compose["services"]["gateway"]

    command = gateway["command"]
    assert command.index("migrate --noinput") < command.index("daphne")
    assert "-p 8000" in command
    assert "llmgateway.asgi:application" in command
    assert gateway["env_file"] == ".env"
    env = gateway["environment"]
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert env["OLLAMA_URL"] == "http://ollama:11434"
    assert (
        env["DATABASE_URL"].startswith("postgres://") and "@postgres:5432/" in env["DATABASE_URL"]
    )
    assert env["DEBUG"] == "0"
    assert gateway["depends_on"] == {
        "postgres": {"condition": "service_healthy"},
        "redis": {"condition": "service_healthy"},
        "ollama": {"condition": "service_healthy"},
    }
    assert "/health" in " ".join(gateway["healthcheck"]["test"])


def test_ollama_pull_is_a_one_shot_that_pulls_both_configured_models(compose):
    pull = compose["services"]["ollama-pull"]

    assert pull["restart"] == "no"
    assert pull["environment"]["OLLAMA_HOST"] == "http://ollama:11434"
    script = " ".join(pull["entrypoint"])
    assert "ollama pull" in script and "MODEL_SIMPLE" in script and "MODEL_COMPLEX" in script
    assert pull["depends_on"]["ollama"]["condition"] == "service_healthy"


@pytest.mark.parametrize(
    ("service", "volume"),
    [
        ("ollama", "ollama-models:/root/.ollama"),
        ("postgres", "postgres-data:/var/lib/postgresql/data"),
        ("redis", "redis-data:/data"),
    ],
)
def test_state_lives_in_named_volumes(compose, service, volume):
    assert volume in compose["services"][service]["volumes"]
    assert volume.split(":")[0] in compose["volumes"]


@pytest.mark.parametrize("service", ["gateway", "ollama", "redis", "postgres"])
def test_long_running_services_have_healthchecks(compose, service):
    assert compose["services"][service]["healthcheck"]["test"]


def test_the_dockerfile_installs_pinned_requirements_and_serves_with_daphne():
    dockerfile = (BASE_DIR / "Dockerfile").read_text()

    assert dockerfile.startswith("# ") and "FROM python:3.11" in dockerfile
    assert "pip install -r requirements.txt" in dockerfile
    assert "collectstatic --noinput" in dockerfile
    assert "daphne" in dockerfile and "USER gateway" in dockerfile


def test_env_example_documents_every_variable_compose_reads(compose):
    documented = {
        line.split("=", 1)[0].lstrip("# ").strip()
        for line in (BASE_DIR / ".env.example").read_text().splitlines()
        if "=" in line
    }

    for name in ["SECRET_KEY", "JWT_SECRET", "MODEL_SIMPLE", "MODEL_COMPLEX", "POSTGRES_PASSWORD"]:
        assert name in documented


def test_the_gateway_believes_forwarded_addresses_from_its_nginx_only(compose):
    from ipaddress import ip_address, ip_network

    nginx_address = compose["services"]["nginx"]["networks"]["default"]["ipv4_address"]
    subnet = compose["networks"]["default"]["ipam"]["config"][0]["subnet"]
    gateway = compose["services"]["gateway"]

    assert gateway["environment"]["TRUSTED_PROXIES"] == nginx_address
    assert ip_address(nginx_address) in ip_network(subnet)
    # Daphne's --proxy-headers would believe any caller: TRUSTED_PROXIES decides instead.
    assert "--proxy-headers" not in gateway["command"]
    assert "--proxy-headers" not in (BASE_DIR / "Dockerfile").read_text()


def test_the_healthcheck_host_is_always_allowed(compose):
    # Host is checked on every endpoint, /health included: whatever ALLOWED_HOSTS the
    # operator sets, the container's own healthcheck (Host: 127.0.0.1) must pass it.
    gateway = compose["services"]["gateway"]

    assert gateway["environment"]["ALLOWED_HOSTS"].endswith(",127.0.0.1")
    assert "http://127.0.0.1:8000/health" in " ".join(gateway["healthcheck"]["test"])
