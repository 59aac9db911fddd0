"""The chat pipeline: quota, cache, persistence, usage, and the chat + SSE endpoints."""
