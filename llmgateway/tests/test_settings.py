"""Settings are read once from the environment; bad values stop start-up naming the variable."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

BASE_DIR = Path(__file__).resolve().parents[2]


def run_manage(*args: str, **env_overrides: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "JWT_SECRET", "DEBUG"}}
    env.update({"REDIS_URL": "redis://127.0.0.1:6379/14", **env_overrides})
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def production_env() -> dict[str, str]:
    return {
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SECRET": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "gateway.example.com",
        "SECURE_SSL_REDIRECT": "1",
        "SECURE_HSTS_SECONDS": "31536000",
    }


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("QUOTA_PER_MINUTE", "lots"),
        ("OLLAMA_TIMEOUT", "-1"),
        ("DEBUG", "maybe"),
        ("OLLAMA_URL", "ftp://ollama:11434"),
        ("JWT_ALGORITHM", "none"),
        ("QUOTA_WHEN_REDIS_DOWN", "sometimes"),
        ("REDIS_POOL_MAX_CONNECTIONS", "0"),
        ("OLLAMA_URLS", "http://gpu1:11434,gpu2:11434"),
        ("OLLAMA_MAX_CONCURRENCY", "-1"),
        ("OLLAMA_QUEUE_TIMEOUT", "soon"),
    ],
)
def test_it_refuses_to_start_on_a_bad_value_and_names_the_variable(variable, value):
    result = run_manage("check", **{"DEBUG": "1", variable: value})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert variable in result.stderr


def test_ollama_urls_wins_over_ollama_url_and_start_up_says_so():
    result = run_manage(
        "check",
        DEBUG="1",
        OLLAMA_URL="http://one:11434",
        OLLAMA_URLS="http://gpu1:11434,http://gpu2:11434",
    )

    assert result.returncode == 0, result.stderr
    assert "OLLAMA_URLS and OLLAMA_URL are both set" in result.stderr + result.stdout


@pytest.mark.parametrize("secret_name", ["SECRET_KEY", "JWT_SECRET"])
def test_it_refuses_the_default_secrets_when_debug_is_off(secret_name):
    env = production_env()
    del env[secret_name]

    result = run_manage("check", **env)

    assert result.returncode != 0
    assert f"{secret_name} must be set" in result.stderr


def test_migrations_can_be_checked_without_production_secrets():
    # A fresh checkout (no .env, DEBUG off) checks its migrations; nothing is signed.
    result = run_manage("makemigrations", "--check", "--dry-run", DEBUG="0")

    assert result.returncode == 0, result.stderr
    assert "No changes detected" in result.stdout


def test_check_deploy_is_clean_with_production_like_values():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", **production_env())

    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_env_example_documents_every_variable_the_settings_read():
    import re

    read = set(
        re.findall(r'env_\w+\(\s*"([A-Z_]+)"', (BASE_DIR / "llmgateway/settings.py").read_text())
    )
    documented = {
        line.split("=", 1)[0].strip()
        for line in (BASE_DIR / ".env.example").read_text().splitlines()
        if line and not line.startswith("#") and "=" in line
    }

    assert read - documented == set()
