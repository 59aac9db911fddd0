"""Registration password policy (placeholder until the accounts work lands)."""


class GatewayPasswordValidator:
    def validate(self, password, user=None):
        return None

    def get_help_text(self):
        return ""
