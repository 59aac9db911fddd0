"""ASGI entry point: Daphne serves HTTP (including SSE) through Channels' protocol router.

Outermost first: one shared pool for the request's synchronous calls
(core/sync_threads.py), the client's real address (core/proxies.py), the body limit
(core/body_limit.py), then Django. When Daphne is the server, its own request handling is
replaced by llmgateway/daphne_protocol.py, which refuses oversized bodies before reading.
"""

import os
import sys

from channels.routing import ProtocolTypeRouter
from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")

django_asgi_app = get_asgi_application()

from core.body_limit import BodySizeLimitMiddleware  # noqa: E402  (needs settings)
from core.proxies import TrustedProxyMiddleware  # noqa: E402
from core.sync_threads import SharedSyncThreads  # noqa: E402

application = ProtocolTypeRouter(
    {"http": SharedSyncThreads(TrustedProxyMiddleware(BodySizeLimitMiddleware(django_asgi_app)))}
)

# The operator hears at once if Ollama cannot be reached (a background probe: start-up
# never waits for it).
from routing.ollama.reachability import probe_in_background  # noqa: E402

probe_in_background()

# Start-up's objects frozen out of the collector's way, and fewer young collections
# (core/gc_tuning.py); the agent's graph is compiled first, as every chat needs it.
from core.gc_tuning import tune_for_serving  # noqa: E402
from routing.agent.graph import get_graph  # noqa: E402

tune_for_serving(warm_up=get_graph)

# Daphne's CLI and `manage.py runserver` import daphne.server before they load this module
# and build their HTTP factory after it; anywhere else (tests, other servers) nothing changes.
if "daphne.server" in sys.modules:
    from llmgateway import daphne_protocol

    daphne_protocol.install()
