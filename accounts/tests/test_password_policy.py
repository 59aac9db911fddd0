from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from accounts.password_policy import GatewayPasswordValidator


@pytest.mark.parametrize("password", ["Sup3r-secret!", "비밀번호1234!", "a1!aaaaa"])
def test_it_accepts_a_password_with_a_letter_a_digit_and_a_special_character(password):
    GatewayPasswordValidator().validate(password)


@pytest.mark.parametrize(
    ("password", "code"),
    [
        ("a1!aaaa", "password_too_short"),
        ("12345678!", "password_no_letter"),
        ("abcdefgh!", "password_no_digit"),
        ("abcdefgh1", "password_no_special"),
        ("abcd efgh1", "password_no_special"),
    ],
)
def test_it_names_each_rule_a_password_breaks(password, code):
    with pytest.raises(ValidationError) as excinfo:
        GatewayPasswordValidator().validate(password)

    assert code in {error.code for error in excinfo.value.error_list}


def test_it_reports_every_broken_rule_at_once():
    with pytest.raises(ValidationError) as excinfo:
        GatewayPasswordValidator().validate("abc")

    codes = {error.code for error in excinfo.value.error_list}
    assert codes == {"password_too_short", "password_no_digit", "password_no_special"}


def test_it_explains_the_policy():
    assert "8 characters" in GatewayPasswordValidator().get_help_text()
