"""OpenAPI description of the Bearer-key scheme the /v1 and /ollama clients use."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension

from accounts.schema import GatewayJWTScheme


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


class CompatJWTScheme(OpenApiAuthenticationExtension):
    """The native JWT schemes (registered by the native API's views under their names);
    this class only steps aside for Bearer keys, so it defines no scheme of its own."""

    target_class = "compat.auth.CompatJWTAuthentication"
    name: list[str] = []

    def get_security_requirement(self, auto_schema):
        return GatewayJWTScheme.get_security_requirement(self, auto_schema)

    def get_security_definition(self, auto_schema):
        return []
