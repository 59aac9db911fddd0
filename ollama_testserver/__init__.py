"""A loopback HTTP server that speaks Ollama's real API, scriptable per test.

    server = OllamaTestServer(models=["llama3.2:3b"]).start()   # or `with OllamaTestServer():`
    server.add_rule(Reply(content="Paris"), when="capital of france", times=1)
    server.on_structured(Reply(content='{"intent": "general"}'))
    server.on_tools(Reply(tool_calls=[{"name": "calculate", "arguments": {"expression": "2+2"}}]))
    server.set_default(Reply(content="hi", first_token_delay=0.5))
    server.fail("/api/embed", status=500, times=1)   # any endpoint answers an error
    ... server.url, server.requests, server.chat_requests, server.disconnects,
    server.active_streams, server.wait_for(lambda: ...), server.reset(), server.stop()

Endpoints: POST /api/chat, /api/generate, /api/show, /api/pull, /api/embed,
/api/embeddings (deterministic vectors, `embedding_for`); GET|HEAD /api/tags,
/api/ps, /api/version, /. Wire shapes follow /work/shared/ollama-api.md (Go-style JSON,
NDJSON streams with the counts on the final chunk only, gin's 404/405 bodies).
Run standalone with `python -m ollama_testserver --port 11434`.
"""

from .catalog import DEFAULT_MODELS, ModelSpec
from .embed import embedding_for
from .schema_instance import schema_instance
from .script import FAULTS, Reply, default_answer
from .server import OllamaTestServer
from .state import RecordedRequest

__all__ = [
    "DEFAULT_MODELS",
    "FAULTS",
    "ModelSpec",
    "OllamaTestServer",
    "RecordedRequest",
    "Reply",
    "default_answer",
    "embedding_for",
    "schema_instance",
]
