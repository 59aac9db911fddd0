"""Drop-in protocol adapters: the OpenAI API under /v1 and Ollama's own API under /ollama."""
