"""`manage.py usage_report [--days N] [--user NAME] [--format table|csv|json]`.

Reads the usage ledger through metrics.selectors.usage_summary: `table` for people (aligned
sections), `csv` with a header (one row per section and key; text a spreadsheet would run
as a formula is prefixed with `'`), `json` for machines.
"""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.core.serializers.json import DjangoJSONEncoder

from metrics.selectors import DEFAULT_DAYS, MAX_DAYS, usage_summary

COUNTS = ("requests", "prompt_tokens", "completion_tokens", "total_tokens")
CSV_HEADER = ("section", "key", *COUNTS)


def format_table(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """Columns padded to their widest cell; numbers right-aligned, text left-aligned."""
    cells = [headers, *[["-" if v in (None, "") else str(v) for v in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    numeric = [all(isinstance(row[i], int | None) for row in rows) for i in range(len(headers))]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if right else cell.ljust(width)
            for cell, width, right in zip(row, widths, numeric, strict=True)
        ).rstrip()

    return [line(headers), line(["-" * width for width in widths]), *map(line, cells[1:])]


def _counts(row: dict[str, Any]) -> list[Any]:
    return [row.get(key) for key in COUNTS]


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
    rows += [["model", row["model"], *_counts(row)] for row in summary["by_model"]]
    rows += [["intent", row["intent"], *_counts(row)] for row in summary["by_intent"]]
    rows += [["day", row["date"].isoformat(), *_counts(row)] for row in summary["by_day"]]
    return rows


class Command(BaseCommand):
    help = "Print token and request usage from the usage ledger."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="Days back (1-365).")
        parser.add_argument("--user", help="Only this user's usage (username).")
        parser.add_argument(
            "--format", dest="output_format", choices=("table", "csv", "json"), default="table"
        )

    def handle(self, *args: Any, days: int, user: str | None, output_format: str, **options: Any):
        if not 1 <= days <= MAX_DAYS:
            raise CommandError(f"--days must be between 1 and {MAX_DAYS}, got {days}")
        user_id = None
        if user is not None:
            found = get_user_model().objects.filter(username__iexact=user).first()
            if found is None:
                raise CommandError(f"No user named {user!r}")
            user, user_id = found.username, found.id
        summary = usage_summary(days=days, user_id=user_id)
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
                ["date", "requests", "total_tokens"],
                [[str(r["date"]), r["requests"], r["total_tokens"]] for r in summary["by_day"]],
            ),
        ]
        for title, headers, rows in sections:
            self.stdout.write(f"\n{title}")
            for line in format_table(headers, rows) if rows else ["(none)"]:
                self.stdout.write(f"  {line}")
