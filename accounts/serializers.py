"""Request and response shapes of /api/auth/* and /api/user/* (I/O only, no logic).

Names are unique across the project so each is one OpenAPI component.
"""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from accounts.models import ApiKey, User
from accounts.validators import validate_single_script_username


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


class UserProfileSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="user.id")
    username = serializers.CharField(source="user.username")
    email = serializers.EmailField(source="user.email")
    role = serializers.ChoiceField(source="user.role", choices=["user", "admin"])
    is_active = serializers.BooleanField(source="user.is_active")
    created_at = serializers.DateTimeField(source="user.created_at")
    quota = UserQuotaSerializer()


class ApiKeyCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class ApiKeySerializer(serializers.ModelSerializer):
    class Meta:
        model = ApiKey
        fields = ["id", "name", "prefix", "is_active", "last_used_at", "created_at"]
        read_only_fields = fields


class ApiKeyCreatedSerializer(serializers.Serializer):
    id = serializers.UUIDField(source="api_key.id")
    name = serializers.CharField(source="api_key.name")
    prefix = serializers.CharField(source="api_key.prefix")
    key = serializers.CharField(
        source="raw_key", help_text="The full key. It is shown only in this response."
    )
    is_active = serializers.BooleanField(source="api_key.is_active")
    created_at = serializers.DateTimeField(source="api_key.created_at")
