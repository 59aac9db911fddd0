"""OpenAPI extensions: the API-key scheme (so Swagger's "Authorize" offers both ways in)
and strict request bodies.

simplejwt's Bearer scheme comes with drf-spectacular; the API key needs describing.
Imported from llmgateway/urls.py so it is registered before the schema is generated.
"""

from drf_spectacular.extensions import OpenApiAuthenticationExtension, OpenApiSerializerExtension


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


class NoUnknownFieldsSchema(OpenApiSerializerExtension):
    """Serializers that reject undeclared fields say so: `additionalProperties: false`."""

    target_class = "core.serializers.NoUnknownFieldsMixin"
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = False
        return schema
