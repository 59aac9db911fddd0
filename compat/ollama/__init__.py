"""Ollama's own API under /ollama: typed requests, the `auto` model's shapes, views."""
