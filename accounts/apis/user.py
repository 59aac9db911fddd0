"""/api/user/*: the caller's profile, quota and budgets, their API keys (JWT only) and the
usage of their keys."""

from __future__ import annotations

import uuid

from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts import selectors, services
from accounts.apis.docs import JWT_ONLY, JWT_SECURITY, UNAUTHENTICATED, VALIDATION, error
from accounts.permissions import IsJwtAuthenticated
from accounts.serializers import (
    ApiKeyCreatedSerializer,
    ApiKeyCreateSerializer,
    ApiKeySerializer,
    UserProfileSerializer,
    UserUsageQuerySerializer,
    UserUsageSerializer,
)
from metrics.selectors import usage_summary

TAGS = ["user"]


class MeApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="user_me",
        responses={200: UserProfileSerializer, 401: UNAUTHENTICATED},
        description="The caller's profile, quota this minute and token budgets (UTC day and "
        "month) with what is left.",
    )
    def get(self, request: Request) -> Response:
        profile = selectors.user_profile_get(user=request.user)
        return Response(UserProfileSerializer(profile).data)


class ApiKeyListCreateApi(APIView):
    permission_classes = [IsJwtAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="user_api_keys_list",
        auth=JWT_SECURITY,
        responses={200: ApiKeySerializer(many=True), 401: UNAUTHENTICATED, 403: JWT_ONLY},
    )
    def get(self, request: Request) -> Response:
        api_keys = selectors.api_key_list(user=request.user)
        return Response(ApiKeySerializer(api_keys, many=True).data)

    @extend_schema(
        tags=TAGS,
        operation_id="user_api_keys_create",
        auth=JWT_SECURITY,
        request=ApiKeyCreateSerializer,
        responses={
            201: ApiKeyCreatedSerializer,
            400: error(
                "The body is invalid, or a key limit is above the caller's own "
                "(validation_error, details name the field)."
            ),
            401: UNAUTHENTICATED,
            403: JWT_ONLY,
        },
    )
    def post(self, request: Request) -> Response:
        serializer = ApiKeyCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        created = services.api_key_create(
            user=request.user, actor=request.user, **serializer.validated_data
        )
        return Response(ApiKeyCreatedSerializer(created).data, status=status.HTTP_201_CREATED)


class ApiKeyRevokeApi(APIView):
    permission_classes = [IsJwtAuthenticated]

    @extend_schema(
        tags=TAGS,
        operation_id="user_api_keys_revoke",
        auth=JWT_SECURITY,
        responses={
            204: OpenApiResponse(description="The key is revoked and stops working at once."),
            401: UNAUTHENTICATED,
            403: JWT_ONLY,
            404: error("No such key among the caller's keys (not_found)."),
        },
    )
    def delete(self, request: Request, api_key_id: uuid.UUID) -> Response:
        services.api_key_revoke(user=request.user, api_key_id=api_key_id)
        return Response(status=status.HTTP_204_NO_CONTENT)


class UsageApi(APIView):
    @extend_schema(
        tags=TAGS,
        operation_id="user_usage",
        parameters=[UserUsageQuerySerializer],
        responses={200: UserUsageSerializer, 400: VALIDATION, 401: UNAUTHENTICATED},
        description="Token and request usage of the caller's API keys over the last `days` "
        "days, by key, by person (behind a trusted front-end key) and by model.",
    )
    def get(self, request: Request) -> Response:
        query = UserUsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        summary = usage_summary(days=query.validated_data["days"], key_owner_id=request.user.pk)
        return Response(UserUsageSerializer(summary).data)
