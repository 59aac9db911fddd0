"""`manage.py usage_report [--days N] [--user NAME|EMAIL] [--key PREFIX|ID] [--format ...]`.

`--user` also finds a person a trusted front end named (by their email); `--key` narrows
the report to one API key, given by its shown prefix (sk-…) or its id.

Reads the usage ledger through metrics.selectors.usage_summary: `table` for people (aligned
sections), `csv` with a header (one row per section and key; text a spreadsheet would run
as a formula is prefixed with `'`), `json` for machines.
"""

from __future__ import annotations

import csv
import io
import json
import uuid
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from metrics.selectors import DEFAULT_DAYS, MAX_DAYS, usage_summary

COUNTS = ("requests", "prompt_tokens", "completion_tokens", "total_tokens", "compute_seconds")
CSV_HEADER = ("section", "key", *COUNTS)


def format_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """Columns padded to their widest cell; numbers right-aligned, text left-aligned."""
    cells = [headers, *[[_cell(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [
        all(isinstance(row[i], int | float | None) for row in rows) for i in range(len(headers))
    ]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *map(line, cells[1:])]


def _cell(value: Any) -> str:
    if value in (None, ""):
        return "-"
    return f"{value:.2f}" if isinstance(value, float) else str(value)


def _counts(row: dict[str, Any]) -> list[Any]:
    # Compute seconds are sums of floats: three decimals (a millisecond) are plenty.
    return [round(v, 3) if isinstance(v := row.get(key), float) else v for key in COUNTS]


def _lifetime(row: dict[str, Any]) -> list[int | None]:
    lifetime = row["lifetime"]  # None when Redis was down
    return [lifetime["total_tokens"], lifetime["request_count"]] if lifetime else [None, None]


# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets;
# model names come from the Ollama server and usernames from users, so neither is trusted.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: Any) -> Any:
    """Text a spreadsheet would evaluate, prefixed with `'` so it stays text (OWASP)."""
    if isinstance(value, str) and value.startswith(_FORMULA_STARTS):
        return "'" + value
    return value


def _csv_rows(summary: dict[str, Any]) -> list[list[Any]]:
    rows = [["total", "all", *_counts(summary["totals"])]]
    rows += [["user", row["username"], *_counts(row)] for row in summary["by_user"]]
    rows += [["key", _key_label(row), *_counts(row)] for row in summary["by_key"]]
    rows += [["person", row["email"], *_counts(row)] for row in summary["by_person"]]
    rows += [["model", row["model"], *_counts(row)] for row in summary["by_model"]]
    rows += [["intent", row["intent"], *_counts(row)] for row in summary["by_intent"]]
    rows += [["day", row["date"].isoformat(), *_counts(row)] for row in summary["by_day"]]
    return rows


def _key_label(row: dict[str, Any]) -> str:
    """A key as `name (prefix…)`; usage signed in with a JWT has no key."""
    return f"{row['name']} ({row['prefix']}…)" if row["api_key_id"] else "(no key: JWT)"


def _find_key(raw: str):
    from accounts.models import ApiKey

    keys = ApiKey.objects.select_related("user")
    try:
        found = keys.filter(pk=uuid.UUID(raw)).first()
    except ValueError:
        found = None
    matches = list(keys.filter(prefix=raw[:10])[:2]) if found is None else [found]
    if len(matches) != 1:
        raise CommandError(f"No single API key with prefix or id {raw!r}")
    return matches[0]


class Command(BaseCommand):
    help = "Print token and request usage from the usage ledger."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Days back (1-365).")
        parser.add_argument("--user", help="Only this user's (person's) usage: username or email.")
        parser.add_argument("--key", help="Only this API key's usage: its prefix (sk-…) or id.")
        parser.add_argument(
            "--format", dest="output_format", choices=("table", "csv", "json"), default="table"
        )

    def handle(
        self,
        *args: Any,
        days: int,
        user: str | None,
        output_format: str,
        key: str | None = None,
        **options: Any,
    ):
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}, got {days}")
        user_id = None
        if user is not None:
            users = get_user_model().objects
            found = (
                users.filter(username__iexact=user).first()
                or users.filter(email__iexact=user).first()
            )
            if found is None:
                raise CommandError(f"No user named {user!r}")
            user, user_id = found.username, found.id
        api_key = _find_key(key) if key is not None else None
        summary = usage_summary(
            days=days, user_id=user_id, api_key_id=api_key.pk if api_key else None
        )
        if api_key is not None:
            key = _key_label({"api_key_id": api_key.pk, "name": api_key.name,
                              "prefix": api_key.prefix})  # fmt: skip
            user = f"{user} with key {key}" if user else f"key {key}"
        if output_format == "json":
            self.stdout.write(
                json.dumps({"user": user, **summary}, cls=DjangoJSONEncoder, indent=2)
            )
        elif output_format == "csv":
            buffer = io.StringIO()
            rows = [[csv_safe(cell) for cell in row] for row in _csv_rows(summary)]
            # RFC 4180's CRLF: the writer then quotes any cell holding a CR or LF, which would
            # otherwise start a row of its own.
            csv.writer(buffer, lineterminator="\r\n").writerows([CSV_HEADER, *rows])
            self.stdout.write(buffer.getvalue(), ending="")
        else:
            self._table(summary, user)

    def _table(self, summary: dict[str, Any], user: str | None) -> None:
        scope = f" for {user}" if user else ""
        self.stdout.write(
            f"Usage{scope}, {summary['since']} to {summary['until']} ({summary['days']} days)"
        )
        totals = summary["totals"]
        outcomes = totals["by_outcome"]
        sections = [
            (
                "Totals",
                [*COUNTS, "cached", *outcomes],
                [[*_counts(totals), totals["cached_requests"], *outcomes.values()]],
            ),
            (
                "By user",
                ["user", *COUNTS, "lifetime_tokens", "lifetime_requests"],
                [[r["username"], *_counts(r), *_lifetime(r)] for r in summary["by_user"]],
            ),
            (
                "By key",
                ["key", "owner", *COUNTS],
                [[_key_label(r), r["owner"] or None, *_counts(r)] for r in summary["by_key"]],
            ),
            (
                "By person (trusted front ends)",
                ["person", "via key", *COUNTS],
                [[r["email"], r["frontend_key"], *_counts(r)] for r in summary["by_person"]],
            ),
            (
                "By model",
                ["model", *COUNTS],
                [[r["model"], *_counts(r)] for r in summary["by_model"]],
            ),
            (
                "By intent",
                ["intent", *COUNTS],
                [[r["intent"], *_counts(r)] for r in summary["by_intent"]],
            ),
            (
                "By day",
                ["date", "requests", "total_tokens", "compute_seconds"],
                [
                    [str(r["date"]), r["requests"], r["total_tokens"], r["compute_seconds"]]
                    for r in summary["by_day"]
                ],
            ),
        ]
        for title, headers, rows in sections:
            self.stdout.write(f"\n{title}")
            for line in format_table(headers, rows) if rows else ["(none)"]:
                self.stdout.write(f"  {line}")
