"""`python -m bench.provision --quota N [--username U]`: (re)create the bench user; print
its credentials.

Runs in a subprocess with the gateway's environment, so it writes to the bench database
with the gateway's own services and signs the JWT with the gateway's JWT_SECRET. Prints
one JSON line: {"user_id", "jwt", "api_key"}.
"""

from __future__ import annotations

import argparse
import json
import os

USERNAME = "bench"
PASSWORD = "Bench-passw0rd!"  # never used to log in; the user needs one all the same


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.provision")
    parser.add_argument("--quota", type=int, required=True, help="quota_per_minute override")
    parser.add_argument("--username", default=USERNAME, help="default: bench")
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "llmgateway.settings")
    import django

    django.setup()
    from accounts.models import User
    from accounts.services import api_key_create, user_create
    from accounts.tokens import token_pair_issue

    # Deleting cascades to the previous run's keys, conversations and usage rows.
    User.objects.filter(username=args.username).delete()
    user = user_create(
        username=args.username, email=f"{args.username}@example.com", password=PASSWORD
    )
    user.quota_per_minute = args.quota
    user.save(update_fields=["quota_per_minute"])
    created = api_key_create(user=user, name="bench")
    tokens = token_pair_issue(user=user)
    print(
        json.dumps(
            {"user_id": str(user.pk), "jwt": tokens.access_token, "api_key": created.raw_key}
        )
    )


if __name__ == "__main__":
    main()
