"""LLM Gateway: the Django project package."""
