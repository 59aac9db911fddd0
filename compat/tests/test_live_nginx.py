"""The drop-in APIs through the shipped nginx config: chunks reach the client as the model
produces them (no buffering of /v1 or /ollama), and image-sized bodies pass the edge."""

from __future__ import annotations

import time

import httpx
import pytest

from bench.nginx_harness import BASE_DIR, NGINX, start_nginx
from ollama_testserver import Reply

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(NGINX is None, reason="nginx is not installed (apt-get install nginx)"),
]
MODEL = "llama3.2:3b"


@pytest.fixture(scope="module")
def nginx(gateway, tmp_path_factory):
    running = start_nginx([gateway.url], tmp_path_factory.mktemp("nginx"))
    yield running
    running.stop()


def test_the_config_streams_both_apis_unbuffered_with_image_sized_bodies():
    config = (BASE_DIR / "nginx/nginx.conf").read_text()
    for prefix in ("/v1/", "/ollama/"):
        block = config.split(f"location {prefix} {{", 1)[1].split("}", 1)[0]
        assert "proxy_buffering off;" in block
        assert "proxy_request_buffering off;" in block
        assert "client_max_body_size 20m;" in block


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/v1/chat/completions", {"stream": True}),
        ("/ollama/api/chat", {}),
    ],
)
def test_chunks_arrive_through_nginx_as_the_model_writes_them(nginx, ollama, bob, path, body):
    answer = " ".join(f"word{i}" for i in range(12))
    ollama.set_default(Reply(content=answer, chunk_count=12, chunk_interval=0.25))
    request = {"model": MODEL, "messages": [{"role": "user", "content": "a story"}], **body}
    arrivals = []

    with httpx.stream(
        "POST",
        f"{nginx.url}{path}",
        json=request,
        headers={"Authorization": f"Bearer {bob.key}"},
        timeout=30,
    ) as response:
        assert response.status_code == 200
        for line in response.iter_lines():
            if line.strip() and "word" in line:
                arrivals.append(time.monotonic())
                if len(arrivals) == 1:
                    # Unbuffered end to end: the model still has most of its answer to write.
                    assert ollama.active_streams == 1

    assert len(arrivals) >= 10
    # Spread over the model's ~3 s of writing, not delivered in one flush at the end.
    assert arrivals[-1] - arrivals[0] > 1.0
