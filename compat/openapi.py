"""OpenAPI description of the Bearer-key scheme the /v1 and /ollama clients use."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class BearerApiKeyScheme(OpenApiAuthenticationExtension):
    target_class = "compat.auth.BearerApiKeyAuthentication"
    name = "BearerApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API key (`sk-...`) as the Bearer token, as OpenAI and Ollama "
            "clients send it (a JWT access token works too).",
        }
