"""The OpenAI API under /v1: typed requests, pure translations to and from Ollama, views."""
