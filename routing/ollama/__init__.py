"""The Ollama provider: every call to Ollama goes through this package.

It owns the HTTP clients, the chat-model factory, the admin calls and the one error
vocabulary; the agent, the protocol adapters, /health and the commands import it.
"""
