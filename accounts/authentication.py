"""DRF authentication classes (placeholder until the accounts work lands)."""

from rest_framework.authentication import BaseAuthentication
from rest_framework_simplejwt.authentication import JWTAuthentication


class GatewayJWTAuthentication(JWTAuthentication):
    pass


class ApiKeyAuthentication(BaseAuthentication):
    def authenticate(self, request):
        return None
