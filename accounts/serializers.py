"""Request and response shapes of /api/auth/* and /api/user/* (I/O only, no logic).

Names are unique across the project so each is one OpenAPI component.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from rest_framework import serializers

from accounts.models import ApiKey, User
from accounts.validators import validate_single_script_username
from metrics.admin_api import (
    AdminUsageKeySerializer,
    AdminUsageModelSerializer,
    AdminUsagePersonSerializer,
    AdminUsageTotalsSerializer,
)


class NormalizedUsernameField(serializers.CharField):
    """A username NFKC-normalised first, as User.normalize_username stores it, so the length
    limit and the allowed characters are checked on what is saved (U+FDFA alone expands to
    18 characters, spaces among them)."""

    def to_internal_value(self, data) -> str:
        value = super().to_internal_value(data)
        if self.max_length is not None and len(value) > self.max_length:
            return value  # refused as typed, not normalised first (as Django's UsernameField)
        return User.normalize_username(value)


class RegistrationSerializer(serializers.Serializer):
    username = NormalizedUsernameField(
        max_length=150,
        validators=[UnicodeUsernameValidator(), validate_single_script_username],
    )
    email = serializers.EmailField(max_length=254)
    password = serializers.CharField(
        max_length=128, write_only=True, trim_whitespace=False, style={"input_type": "password"}
    )

    def validate(self, attrs: dict) -> dict:
        candidate = User(username=attrs["username"], email=attrs["email"])
        try:
            validate_password(attrs["password"], user=candidate)
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"password": list(exc.messages)}) from exc
        return attrs


class RegisteredUserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username", "email", "role", "created_at"]
        read_only_fields = fields


class LoginCredentialsSerializer(serializers.Serializer):
    """JSON, or the OAuth2 password form Swagger's "Authorize" posts (grant_type=password)."""

    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=128, trim_whitespace=False, style={"input_type": "password"}
    )
    grant_type = serializers.ChoiceField(
        choices=["password"], required=False, help_text="OAuth2 form only; must be `password`."
    )


class TokenPairSerializer(serializers.Serializer):
    access_token = serializers.CharField()
    refresh_token = serializers.CharField()
    token_type = serializers.ChoiceField(choices=["bearer"])
    expires_in = serializers.IntegerField(help_text="Seconds until the access token expires.")


class RefreshTokenBodySerializer(serializers.Serializer):
    refresh_token = serializers.CharField(max_length=4096)


class UserQuotaSerializer(serializers.Serializer):
    per_minute = serializers.IntegerField()
    used_this_minute = serializers.IntegerField(
        allow_null=True, help_text="Null when the counter store (Redis) is unavailable."
    )
    remaining = serializers.IntegerField(allow_null=True)


class UserBudgetSerializer(serializers.Serializer):
    period = serializers.ChoiceField(choices=["day", "month"], help_text="UTC day or month.")
    limit = serializers.IntegerField(allow_null=True, help_text="Tokens; null means no limit.")
    used = serializers.IntegerField(
        allow_null=True,
        help_text="Tokens spent this period plus those reserved by requests in flight; "
        "null when Redis is unavailable.",
    )
    remaining = serializers.IntegerField(allow_null=True, help_text="Null when unlimited.")
    resets_at = serializers.DateTimeField()


class UserProfileSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="user.id")
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(source="user.role", choices=["user", "admin"])
    is_active = serializers.BooleanField(source="user.is_active")
    created_at = serializers.DateTimeField(source="user.created_at")
    quota = UserQuotaSerializer()
    budgets = UserBudgetSerializer(many=True, help_text="Token budgets: the day, then the month.")


_OPTIONAL = {"min_value": 1, "required": False, "allow_null": True, "default": None}
# The columns' ranges (PostgreSQL integer and bigint): larger is a 400, never a 500.
_INT_MAX = 2**31 - 1
_BIGINT_MAX = 2**63 - 1


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)
    allowed_models = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        default=list,
        max_length=100,
        help_text='Models the key may use ("auto" is the routed agent); empty means all.',
    )
    expires_at = serializers.DateTimeField(
        required=False, allow_null=True, default=None, help_text="ISO 8601; null never expires."
    )
    requests_per_minute = serializers.IntegerField(max_value=_INT_MAX, **_OPTIONAL)
    tokens_per_minute = serializers.IntegerField(max_value=_INT_MAX, **_OPTIONAL)
    token_budget_day = serializers.IntegerField(max_value=_BIGINT_MAX, **_OPTIONAL)
    token_budget_month = serializers.IntegerField(max_value=_BIGINT_MAX, **_OPTIONAL)

    def validate_expires_at(self, value):
        if value is not None and value <= timezone.now():
            raise serializers.ValidationError("The expiry must be in the future.")
        return value


_KEY_FIELDS = [
    "id",
    "name",
    "prefix",
    "is_active",
    *ApiKey.SCOPE_FIELDS,
    "last_used_at",
    "created_at",
]


class ApiKeySerializer(serializers.ModelSerializer):
    allowed_models = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = ApiKey
        fields = _KEY_FIELDS
        read_only_fields = fields


class ApiKeyCreatedSerializer(ApiKeySerializer):
    key = serializers.CharField(help_text="The full key. It is shown only in this response.")

    class Meta(ApiKeySerializer.Meta):
        fields = [*_KEY_FIELDS, "key"]
        read_only_fields = fields

    def to_representation(self, instance) -> dict:
        # A CreatedApiKey: the stored key plus the raw value shown this once.
        data = ApiKeySerializer(instance.api_key, context=self.context).data
        return {**data, "key": instance.raw_key}


class UserUsageQuerySerializer(serializers.Serializer):
    days = serializers.IntegerField(min_value=1, max_value=365, default=7)


class UserUsageSerializer(serializers.Serializer):
    days = serializers.IntegerField()
    since = serializers.DateField()
    until = serializers.DateField()
    totals = AdminUsageTotalsSerializer()
    by_key = AdminUsageKeySerializer(many=True, help_text="Each of the caller's keys.")
    by_person = AdminUsagePersonSerializer(
        many=True, help_text="People a trusted front end named through the caller's keys."
    )
    by_model = AdminUsageModelSerializer(many=True)
