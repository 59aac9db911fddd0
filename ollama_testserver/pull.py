"""POST /api/pull: the progress stream of a (pretend) download of an installed model."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator

from aiohttp import web

from .catalog import ModelSpec
from .handlers import STATE, read_body
from .wire import NDJSON_CONTENT_TYPE, error_response, json_response, ndjson_line

MANIFEST_MISSING = "pull model manifest: file does not exist"


def _layer_progress(digest: str, total: int, steps: int) -> Iterator[dict]:
    status = f"pulling {digest[:12]}"  # digest characters 7..19 of "sha256:<hex>"
    # `completed` is omitempty: absent while nothing has arrived yet.
    yield {"status": status, "digest": f"sha256:{digest}", "total": total}
    for step in range(1, steps + 1):
        completed = total * step // steps
        yield {
            "status": status,
            "digest": f"sha256:{digest}",
            "total": total,
            "completed": completed,
        }


def progress(spec: ModelSpec) -> Iterator[dict]:
    """Every status line of a successful pull, in Ollama's order."""
    yield {"status": "pulling manifest"}
    small = {"template": 1429, "license": 7711, "params": 96}
    yield from _layer_progress(spec.blob_digest, spec.size - sum(small.values()), steps=4)
    for name, size in small.items():
        digest = hashlib.sha256(f"{spec.name}:{name}".encode()).hexdigest()
        yield from _layer_progress(digest, size, steps=1)
    yield {"status": "verifying sha256 digest"}
    yield {"status": "writing manifest"}
    yield {"status": "success"}


async def pull(request: web.Request) -> web.StreamResponse:
    state = request.app[STATE]
    body, error = await read_body(request, "api.PullRequest")
    if error:
        return error
    name = body.get("model") or body.get("name") or ""
    if not name:
        return error_response(400, "model is required")
    spec = state.catalog.find(name)
    if body.get("stream") is False:
        if spec is None:
            return error_response(500, MANIFEST_MISSING)
        return json_response({"status": "success"})
    lines = (
        progress(spec)
        if spec
        else iter([{"status": "pulling manifest"}, {"error": MANIFEST_MISSING}])
    )
    response = web.StreamResponse(headers={"Content-Type": NDJSON_CONTENT_TYPE})
    response.enable_chunked_encoding()
    await response.prepare(request)
    for line in lines:
        await response.write(ndjson_line(line))
    await response.write_eof()
    return response
