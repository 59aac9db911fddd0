"""The shared kernel every app imports.

Errors and the envelope, the Redis client, the request context, strict serializers, the
JSON parser and the middleware. Configuration stays in `llmgateway/`.
"""
