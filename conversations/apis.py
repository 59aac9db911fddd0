"""The conversation API (SPEC section 6): thin views over services and selectors."""

from __future__ import annotations

from uuid import UUID

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from conversations import selectors, services
from conversations.serializers import (
    ConversationCreateInputSerializer,
    ConversationDetailOutputSerializer,
    ConversationOutputSerializer,
    ConversationPageOutputSerializer,
    ConversationRenameInputSerializer,
)
from core.schema import ErrorSerializer

TAGS = ["conversations"]
UNAUTHENTICATED = {401: ErrorSerializer}
# Unknown, foreign and malformed ids alike (and, for the list, a page past the end).
NOT_FOUND = {**UNAUTHENTICATED, 404: ErrorSerializer}
INVALID = {400: ErrorSerializer}


class ConversationPagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class ConversationListCreateApi(APIView):
    @extend_schema(
        operation_id="conversations_list",
        tags=TAGS,
        summary="List your conversations, newest activity first",
        parameters=[
            OpenApiParameter("page", int, description="Page number, from 1."),
            OpenApiParameter("page_size", int, description="Items per page (default 20, max 100)."),
        ],
        responses={200: ConversationPageOutputSerializer, **NOT_FOUND},
    )
    def get(self, request: Request) -> Response:
        paginator = ConversationPagination()
        conversations = selectors.conversation_list_for_user(user=request.user)
        page = paginator.paginate_queryset(conversations, request, view=self)
        data = ConversationOutputSerializer(page, many=True).data
        return paginator.get_paginated_response(data)

    @extend_schema(
        operation_id="conversations_create",
        tags=TAGS,
        summary="Start a conversation",
        request=ConversationCreateInputSerializer,
        responses={201: ConversationDetailOutputSerializer, **INVALID, **UNAUTHENTICATED},
    )
    def post(self, request: Request) -> Response:
        serializer = ConversationCreateInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = services.conversation_create(user=request.user, **serializer.validated_data)
        data = ConversationDetailOutputSerializer(conversation).data
        return Response(data, status=status.HTTP_201_CREATED)


class ConversationDetailApi(APIView):
    @extend_schema(
        operation_id="conversations_retrieve",
        tags=TAGS,
        summary="A conversation with its messages, oldest first",
        responses={200: ConversationDetailOutputSerializer, **NOT_FOUND},
    )
    def get(self, request: Request, id: UUID) -> Response:
        conversation = selectors.conversation_detail_for_user(user=request.user, conversation_id=id)
        return Response(ConversationDetailOutputSerializer(conversation).data)

    @extend_schema(
        operation_id="conversations_rename",
        tags=TAGS,
        summary="Rename a conversation",
        request=ConversationRenameInputSerializer,
        responses={
            200: ConversationDetailOutputSerializer,
            **INVALID,
            **NOT_FOUND,
        },
    )
    def patch(self, request: Request, id: UUID) -> Response:
        conversation = selectors.conversation_detail_for_user(user=request.user, conversation_id=id)
        serializer = ConversationRenameInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        conversation = services.conversation_rename(
            conversation=conversation, title=serializer.validated_data["title"]
        )
        return Response(ConversationDetailOutputSerializer(conversation).data)

    @extend_schema(
        operation_id="conversations_destroy",
        tags=TAGS,
        summary="Delete a conversation and its messages",
        responses={204: None, **NOT_FOUND},
    )
    def delete(self, request: Request, id: UUID) -> Response:
        conversation = selectors.conversation_get_for_user(user=request.user, conversation_id=id)
        services.conversation_delete(conversation=conversation)
        return Response(status=status.HTTP_204_NO_CONTENT)
