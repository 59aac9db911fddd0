"""What the fleet's Ollama backends hold against what the gateway is configured to use (a selector).

A live read: every backend's /api/tags is asked now (concurrently), not the fleet's cache.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.conf import settings

from routing.ollama.admin import OllamaModel, list_models, normalize_model_name, same_model
from routing.ollama.errors import OllamaError
from routing.ollama.fleet import configured_urls


@dataclass(frozen=True)
class InventoryEntry:
    """A served model, the configured roles (`simple`, `complex`) it fills, and who serves it."""

    model: OllamaModel
    roles: list[str] = field(default_factory=list)
    backends: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class BackendListing:
    """One backend's answer: its models, or why it could not be read."""

    url: str
    models: list[OllamaModel] | None
    error: str = ""


@dataclass(frozen=True)
class ModelInventory:
    models: list[InventoryEntry]
    configured: dict[str, str]
    missing: list[str]  # configured models no answering backend has
    backends: list[BackendListing] = field(default_factory=list)

    def lacking(self) -> dict[str, list[str]]:
        """Per answering backend, the configured models it does not have."""
        return {
            listing.url: [
                name
                for name in dict.fromkeys(self.configured.values())
                if not any(same_model(name, m.name) for m in listing.models or [])
            ]
            for listing in self.backends
            if listing.models is not None
        }


def configured_models() -> dict[str, str]:
    """The role → model name table from settings (MODEL_SIMPLE, MODEL_COMPLEX)."""
    return {"simple": settings.MODEL_SIMPLE, "complex": settings.MODEL_COMPLEX}


def _listing(url: str) -> BackendListing:
    try:
        return BackendListing(url=url, models=list_models(url=url))
    except OllamaError as exc:
        return BackendListing(url=url, models=None, error=str(exc))


def fleet_listings(urls: list[str] | None = None) -> list[BackendListing]:
    """Every backend's /api/tags, asked concurrently, in configuration order."""
    urls = urls or configured_urls()
    if len(urls) == 1:
        return [_listing(urls[0])]
    with ThreadPoolExecutor(max_workers=len(urls)) as pool:
        return list(pool.map(_listing, urls))


def model_inventory() -> ModelInventory:
    """Served models with their roles and backends, and configured names nobody serves.

    Names match the way Ollama resolves them, so `llama3` matches `llama3:latest`.
    Raises `routing.ollama.errors.OllamaError` when no backend can be asked.
    """
    configured = configured_models()
    listings = fleet_listings()
    answering = [listing for listing in listings if listing.models is not None]
    if not answering:
        raise OllamaError("; ".join(listing.error for listing in listings))
    entries: dict[str, InventoryEntry] = {}
    for listing in answering:
        for model in listing.models or []:
            key = normalize_model_name(model.name)
            if key not in entries:
                roles = [role for role, name in configured.items() if same_model(name, model.name)]
                entries[key] = InventoryEntry(model=model, roles=roles)
            entries[key].backends.append(listing.url)
    missing: list[str] = []
    for name in configured.values():
        served = any(same_model(name, entry.model.name) for entry in entries.values())
        if not served and name not in missing:
            missing.append(name)
    return ModelInventory(
        models=list(entries.values()), configured=configured, missing=missing, backends=listings
    )
