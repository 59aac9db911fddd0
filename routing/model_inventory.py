"""What the Ollama server holds against what the gateway is configured to use (a selector)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings

from routing.ollama.admin import OllamaModel, list_models, same_model


@dataclass(frozen=True)
class InventoryEntry:
    """A served model and the configured roles (`simple`, `complex`) it fills."""

    model: OllamaModel
    roles: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class ModelInventory:
    models: list[InventoryEntry]
    configured: dict[str, str]
    missing: list[str]


def configured_models() -> dict[str, str]:
    """The role → model name table from settings (MODEL_SIMPLE, MODEL_COMPLEX)."""
    return {"simple": settings.MODEL_SIMPLE, "complex": settings.MODEL_COMPLEX}


def model_inventory() -> ModelInventory:
    """Served models with their roles, and configured names the server lacks.

    Names match the way Ollama resolves them, so `llama3` matches `llama3:latest`.
    Raises `routing.ollama.errors.OllamaError` when the server cannot be asked.
    """
    configured = configured_models()
    served = list_models()
    entries = [
        InventoryEntry(
            model=model,
            roles=[role for role, name in configured.items() if same_model(name, model.name)],
        )
        for model in served
    ]
    missing: list[str] = []
    for name in configured.values():
        on_server = any(same_model(name, model.name) for model in served)
        if not on_server and name not in missing:
            missing.append(name)
    return ModelInventory(models=entries, configured=configured, missing=missing)
