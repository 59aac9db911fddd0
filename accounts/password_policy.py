"""The registration password policy: 8+ characters with a letter, a digit and a special one.

Listed in AUTH_PASSWORD_VALIDATORS, so the API, the admin forms and `changepassword` all
apply it. Letters and digits may be any script's (a Korean password is fine); a special
character is anything printable that is neither (punctuation, symbols).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

MIN_LENGTH = 8


def _is_special(char: str) -> bool:
    return not char.isalnum() and not char.isspace() and char.isprintable()


class GatewayPasswordValidator:
    def __init__(self, min_length: int = MIN_LENGTH):
        self.min_length = min_length

    def validate(self, password: str, user=None) -> None:
        errors = []
        if len(password) < self.min_length:
            errors.append(
                ValidationError(
                    f"The password must be at least {self.min_length} characters long.",
                    code="password_too_short",
                )
            )
        if not any(char.isalpha() for char in password):
            errors.append(
                ValidationError("The password must contain a letter.", code="password_no_letter")
            )
        if not any(char.isdecimal() for char in password):
            errors.append(
                ValidationError("The password must contain a digit.", code="password_no_digit")
            )
        if not any(_is_special(char) for char in password):
            errors.append(
                ValidationError(
                    "The password must contain a special character (e.g. ! ? # - _).",
                    code="password_no_special",
                )
            )
        if errors:
            raise ValidationError(errors)

    def get_help_text(self) -> str:
        return (
            f"Your password must be at least {self.min_length} characters long and contain "
            "a letter, a digit and a special character."
        )
