"""Environment defaults for the test run, loaded with `-p` before Django reads its settings.

`make test` sets the database and Redis URLs itself; these defaults make a bare `pytest`
behave the same. Secrets are test-only values long enough for DEBUG-off live processes.
"""

import os

TEST_DEFAULTS = {
    "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/llmgateway",
    "REDIS_URL": "redis://127.0.0.1:6379/1",
    "DEBUG": "1",
    "OLLAMA_URL": "http://127.0.0.1:9",  # nothing listens there; tests point at their server
    "WEB_SEARCH_BACKEND": "routing.tests.fakes.FakeSearchBackend",
    "LOG_LEVEL": "WARNING",
    # Each test sees its own dependencies' state; the cache has a test of its own.
    "HEALTH_CACHE_SECONDS": "0",
    "SECRET_KEY": "test-only-secret-key-0123456789-abcdefghijklmnop",
    "JWT_SECRET": "test-only-jwt-secret-0123456789-abcdefghijklmnop",
    # Tests script the LLM classifier; the pre-router's own tests turn fast routing on.
    "ROUTER_ENABLED": "0",
    # In-process tests run each request inside the test's own transaction, which only the
    # thread-side Django connection sees; live gateways (committed data) and the async
    # pool's own tests turn the async path on (llmgateway/tests/live.py, core/tests).
    "DB_ASYNC_QUERIES": "0",
}

for _name, _value in TEST_DEFAULTS.items():
    os.environ.setdefault(_name, _value)
