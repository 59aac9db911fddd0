"""Pytest fixtures for the Ollama test server (filled in by the agent work)."""
