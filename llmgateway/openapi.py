"""OpenAPI extensions: the API-key scheme, so Swagger's "Authorize" offers both ways in.

simplejwt's Bearer scheme comes with drf-spectacular; the API key needs describing.
Imported from llmgateway/urls.py so it is registered before the schema is generated.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class ApiKeyAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.ApiKeyAuthentication"
    name = "ApiKeyAuth"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "X-API-Key",
            "description": "An API key (`sk-...`) created at POST /api/user/api-keys.",
        }
