"""OpenAPI description of GatewayJWTAuthentication, so Swagger's "Authorize" can sign in.

drf-spectacular's simplejwt scheme matches JWTAuthentication itself, not subclasses. Ours
offers two equivalent ways in: paste an access token (jwtAuth), or let Swagger post the
OAuth2 password form to /api/auth/login (OAuth2PasswordBearer). Imported in AccountsConfig.
"""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object

LOGIN_URL = "/api/auth/login"


class GatewayJWTScheme(OpenApiAuthenticationExtension):
    target_class = "accounts.authentication.GatewayJWTAuthentication"
    name = ["jwtAuth", "OAuth2PasswordBearer"]

    def get_security_requirement(self, auto_schema):
        # Either scheme alone is enough (OR), unlike a list of names in one dict (AND).
        return [{"jwtAuth": []}, {"OAuth2PasswordBearer": []}]

    def get_security_definition(self, auto_schema):
        return [
            build_bearer_security_scheme_object(
                header_name="HTTP_AUTHORIZATION", token_prefix="Bearer", bearer_format="JWT"
            ),
            {
                "type": "oauth2",
                "description": "Username and password, posted as a form to " + LOGIN_URL,
                "flows": {"password": {"tokenUrl": LOGIN_URL, "scopes": {}}},
            },
        ]
