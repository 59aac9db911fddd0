"""Health probes of one Ollama backend that never load a model.

Only GET /api/tags (what it serves), GET /api/ps (what it has loaded) and GET /api/version
are used: /api/chat, /api/generate and /api/show would make Ollama load weights into memory.
"""

from __future__ import annotations

from dataclasses import dataclass

import httpx

from routing.ollama.transport import ssl_context

PROBE_TIMEOUT = httpx.Timeout(2.0, connect=1.0)


def probe_client() -> httpx.AsyncClient:
    """A client for one round of probes (cheap: the SSL context is shared)."""
    return httpx.AsyncClient(timeout=PROBE_TIMEOUT, verify=ssl_context())


@dataclass(frozen=True)
class ProbeResult:
    ok: bool
    served: list[str]
    loaded: list[str]
    version: str = ""
    error: str = ""


def _names(body: object) -> list[str]:
    models = body.get("models") if isinstance(body, dict) else None
    if not isinstance(models, list):
        raise ValueError("no models list")
    return [
        str(entry.get("model") or entry.get("name"))
        for entry in models
        if isinstance(entry, dict) and (entry.get("model") or entry.get("name"))
    ]


async def probe(client: httpx.AsyncClient, url: str) -> ProbeResult:
    """Ask `url` what it serves and has loaded; any failure is reported, never raised."""
    try:
        tags = await client.get(f"{url}/api/tags")
        tags.raise_for_status()
        served = _names(tags.json())
        ps = await client.get(f"{url}/api/ps")
        # An older Ollama without /api/ps still serves: only the loaded list stays empty.
        loaded = _names(ps.json()) if ps.status_code == 200 else []
        version = await client.get(f"{url}/api/version")
        number = version.json().get("version", "") if version.status_code == 200 else ""
    except (httpx.HTTPError, ValueError, AttributeError) as exc:
        return ProbeResult(ok=False, served=[], loaded=[], error=_describe(exc))
    return ProbeResult(ok=True, served=served, loaded=loaded, version=str(number))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP {exc.response.status_code} on {exc.request.url.path}"
    return f"{type(exc).__name__}: {exc}"[:200]
