"""GET /api/admin/usage?days=N: token and request totals by user, key, person (behind a trusted
front end), model, intent and day."""

from __future__ import annotations

from django.db import OperationalError
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.permissions import IsAdminRole
from core.errors import ServiceUnavailable
from core.schema import error_response
from metrics.selectors import DEFAULT_DAYS, MAX_DAYS, usage_summary

LEDGER_DOWN_MESSAGE = "The usage ledger is unavailable; try again shortly."


class AdminUsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(
        min_value=1,
        max_value=MAX_DAYS,
        default=DEFAULT_DAYS,
        help_text="Days back, today included.",
    )


class AdminUsageCountsSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    prompt_tokens = serializers.IntegerField()
    completion_tokens = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    compute_seconds = serializers.FloatField(
        help_text="Ollama compute time: load + prompt-eval + eval durations of every LLM call."
    )


class AdminUsageOutcomesSerializer(serializers.Serializer):
    ok = serializers.IntegerField()
    blocked = serializers.IntegerField()
    fallback = serializers.IntegerField()
    error = serializers.IntegerField()


class AdminUsageTotalsSerializer(AdminUsageCountsSerializer):
    cached_requests = serializers.IntegerField()
    by_outcome = AdminUsageOutcomesSerializer()


class AdminUsageLifetimeSerializer(serializers.Serializer):
    total_tokens = serializers.IntegerField()
    request_count = serializers.IntegerField()


class AdminUsageUserSerializer(AdminUsageCountsSerializer):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    lifetime = AdminUsageLifetimeSerializer(
        allow_null=True, help_text="Lifetime counters from Redis; null when Redis is down."
    )


class AdminUsageKeySerializer(AdminUsageCountsSerializer):
    api_key_id = serializers.UUIDField(allow_null=True, help_text="Null: signed in with a JWT.")
    name = serializers.CharField()
    prefix = serializers.CharField()
    owner = serializers.CharField(help_text="The key owner's username.")
    trusted_frontend = serializers.BooleanField()


class AdminUsagePersonSerializer(AdminUsageCountsSerializer):
    user_id = serializers.UUIDField()
    username = serializers.CharField()
    email = serializers.CharField()
    frontend_key = serializers.CharField(help_text="The trusted front end's key that named them.")


class AdminUsageModelSerializer(AdminUsageCountsSerializer):
    model = serializers.CharField()


class AdminUsageIntentSerializer(AdminUsageCountsSerializer):
    intent = serializers.CharField()


class AdminUsageDayModelSerializer(serializers.Serializer):
    requests = serializers.IntegerField()
    total_tokens = serializers.IntegerField()
    compute_seconds = serializers.FloatField(
        help_text="Ollama compute time: load + prompt-eval + eval durations of every LLM call."
    )


class AdminUsageDaySerializer(AdminUsageCountsSerializer):
    date = serializers.DateField()
    by_model = serializers.DictField(child=AdminUsageDayModelSerializer())


class AdminUsageResponseSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateField()
    until = serializers.DateField()
    totals = AdminUsageTotalsSerializer()
    by_user = AdminUsageUserSerializer(many=True)
    by_key = AdminUsageKeySerializer(many=True)
    by_person = AdminUsagePersonSerializer(
        many=True, help_text="People named by a trusted front end (Open WebUI), per key."
    )
    by_model = AdminUsageModelSerializer(many=True)
    by_intent = AdminUsageIntentSerializer(many=True)
    by_day = AdminUsageDaySerializer(many=True, help_text="Every day of the window, oldest first.")


_error = error_response


class AdminUsageApi(APIView):
    permission_classes = [IsAdminRole]

    @extend_schema(
        operation_id="admin_usage_summary",
        summary="Token and request usage by user, model, intent and day",
        tags=["admin"],
        parameters=[AdminUsageQuerySerializer],
        responses={
            200: AdminUsageResponseSerializer,
            400: _error("`days` is not an integer from 1 to 365 (`validation_error`)."),
            401: _error("Not authenticated."),
            403: _error("Not an admin."),
            503: _error("The usage ledger (database) is unavailable (`service_unavailable`)."),
        },
    )
    def get(self, request: Request) -> Response:
        query = AdminUsageQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        try:
            summary = usage_summary(days=query.validated_data["days"])
        except OperationalError as exc:
            raise ServiceUnavailable(LEDGER_DOWN_MESSAGE) from exc
        return Response(AdminUsageResponseSerializer(summary).data)
