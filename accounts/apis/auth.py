"""/api/auth/*: register, login (JSON or OAuth2 password form), refresh, logout."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.parsers import FormParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import services, tokens
from accounts.apis.docs import JWT_SECURITY, UNAUTHENTICATED, VALIDATION, error
from accounts.permissions import IsJwtAuthenticated
from accounts.serializers import (
    LoginCredentialsSerializer,
    RefreshTokenBodySerializer,
    RegisteredUserSerializer,
    RegistrationSerializer,
    TokenPairSerializer,
)
from core.parsers import GatewayJSONParser

TAGS = ["auth"]


class _PublicApi(APIView):
    # No authentication at all: a stale Authorization header must not block signing in.
    authentication_classes: list = []
    permission_classes = [AllowAny]


class RegisterApi(_PublicApi):
    @extend_schema(
        tags=TAGS,
        operation_id="auth_register",
        request=RegistrationSerializer,
        responses={
            201: RegisteredUserSerializer,
            400: error("Invalid input or a password that breaks the policy."),
            409: error("The username or email address is already taken (conflict)."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RegistrationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        user = services.user_create(**serializer.validated_data)
        return Response(RegisteredUserSerializer(user).data, status=status.HTTP_201_CREATED)


class LoginApi(_PublicApi):
    parser_classes = [GatewayJSONParser, FormParser]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_login",
        request={
            "application/json": LoginCredentialsSerializer,
            "application/x-www-form-urlencoded": LoginCredentialsSerializer,
        },
        responses={
            200: TokenPairSerializer,
            400: VALIDATION,
            401: error("Wrong username or password, or a disabled account."),
            429: error("Too many failed attempts for this username or address; see Retry-After."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = LoginCredentialsSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = tokens.token_pair_obtain(
            request=request,
            username=serializer.validated_data["username"],
            password=serializer.validated_data["password"],
        )
        return Response(TokenPairSerializer(pair).data)


class RefreshApi(_PublicApi):
    @extend_schema(
        tags=TAGS,
        operation_id="auth_refresh",
        request=RefreshTokenBodySerializer,
        responses={
            200: TokenPairSerializer,
            400: VALIDATION,
            401: error(
                "The refresh token is invalid, expired, already used or not a refresh "
                "token, or its user is disabled."
            ),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        pair = tokens.token_pair_refresh(refresh_token=serializer.validated_data["refresh_token"])
        return Response(TokenPairSerializer(pair).data)


class LogoutApi(APIView):
    permission_classes = [IsJwtAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="auth_logout",
        auth=JWT_SECURITY,
        request=RefreshTokenBodySerializer,
        responses={
            204: OpenApiResponse(description="The refresh token is revoked."),
            400: error("The refresh token is invalid, already revoked or someone else's."),
            401: UNAUTHENTICATED,
            403: error("Authenticated with an API key; sign out needs a JWT."),
        },
    )
    def post(self, request: Request) -> Response:
        serializer = RefreshTokenBodySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        tokens.refresh_token_revoke(
            user=request.user, refresh_token=serializer.validated_data["refresh_token"]
        )
        return Response(status=status.HTTP_204_NO_CONTENT)
