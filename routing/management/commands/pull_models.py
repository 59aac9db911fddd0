"""`manage.py pull_models [names...]`: pull models into every Ollama backend, with progress.

Without names it pulls MODEL_SIMPLE and MODEL_COMPLEX onto every backend of the fleet
(`--backend URL`, repeatable, for some of them), one progress bar per layer and backend.
Models a backend already has are skipped ("already present"), so the command is safe to
run on every start-up, offline too; `--force` pulls them anyway to fetch updates. At the end
it names the backends that still lack a configured model. Any failure exits non-zero.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from routing.model_inventory import configured_models, fleet_listings
from routing.ollama.admin import (
    PullProgress,
    list_models,
    pull_model,
    same_model,
)
from routing.ollama.errors import OllamaError, OllamaUnreachable
from routing.ollama.fleet import configured_urls

BAR_WIDTH = 30
NO_SUCCESS_MESSAGE = "the pull stream ended without a success status"


def human_bytes(count: int) -> str:
    """Decimal units, as Ollama's own CLI prints them: 2.0 GB, 512.3 MB, 80 B."""
    size, unit = float(count), "B"
    for bigger in ("KB", "MB", "GB"):
        if size < 1000:
            break
        size, unit = size / 1000, bigger
    return f"{count} B" if unit == "B" else f"{size:.1f} {unit}"


class ProgressPrinter:
    """Renders /api/pull progress: one redrawn bar per layer on a tty, else a line per 10%."""

    def __init__(self, out: OutputWrapper, *, tty: bool) -> None:
        self.out = out
        self.tty = tty
        self.open_bar: str | None = None  # the layer whose bar the cursor is on (tty)
        self.last_status: str | None = None
        self.printed_decile: dict[str, int] = {}

    def show(self, progress: PullProgress) -> None:
        if progress.digest and progress.total:
            self._layer(progress.status, progress.completed or 0, progress.total)
        elif progress.status != self.last_status:
            self._end_bar()
            self.out.write(f"  {progress.status}")
        self.last_status = progress.status

    def finish(self) -> None:
        self._end_bar()

    def _layer(self, status: str, completed: int, total: int) -> None:
        completed = min(completed, total)
        line = self._bar_line(status, completed, total)
        if self.tty:
            if self.open_bar not in (None, status):
                self._end_bar()
            self.out.write(f"\r{line}", ending="")
            self.out.flush()
            self.open_bar = status
            if completed >= total:
                self._end_bar()
            return
        decile = completed * 10 // total
        if decile > self.printed_decile.get(status, -1):
            self.printed_decile[status] = decile
            self.out.write(line)

    def _end_bar(self) -> None:
        if self.open_bar is not None:
            self.out.write("")
            self.open_bar = None

    @staticmethod
    def _bar_line(status: str, completed: int, total: int) -> str:
        filled = completed * BAR_WIDTH // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        percent = completed * 100 // total
        sizes = f"{human_bytes(completed)} / {human_bytes(total)}"
        return f"  {status:<22} [{bar}] {percent:>3}%  {sizes}"


class Command(BaseCommand):
    help = "Pull models into Ollama (default: MODEL_SIMPLE and MODEL_COMPLEX) with progress."
    # Needs neither the database nor the URLconf, so the one-shot pull container can run it
    # before anything else is up.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser) -> None:
        parser.add_argument("names", nargs="*", help="Model names (default: the configured two).")
        parser.add_argument(
            "--force", action="store_true", help="Pull even models the server already has."
        )
        parser.add_argument(
            "--backend",
            action="append",
            default=[],
            metavar="URL",
            help="Pull onto this backend only (one of OLLAMA_URLS; repeatable).",
        )

    def handle(
        self, *args: Any, names: list[str], force: bool, backend: list[str], **options: Any
    ) -> None:
        wanted = list(dict.fromkeys(names or configured_models().values()))
        urls = self._backends(backend)
        failures: list[str] = []
        for url in urls:
            if len(urls) > 1:
                self.stdout.write(self.style.MIGRATE_HEADING(f"Backend {url}"))
            failures += [f"{url}: {failure}" for failure in self._pull_all(url, wanted, force)]
        self._report_lacking(urls)
        if failures:
            raise CommandError(f"Could not pull {len(failures)} model(s): {'; '.join(failures)}")

    @staticmethod
    def _backends(chosen: list[str]) -> list[str]:
        fleet = configured_urls()
        picked = [url.rstrip("/") for url in chosen]
        unknown = [url for url in picked if url not in fleet]
        if unknown:
            raise CommandError(
                f"Not a configured backend: {', '.join(unknown)} (OLLAMA_URLS: {', '.join(fleet)})"
            )
        return list(dict.fromkeys(picked)) or fleet

    def _pull_all(self, url: str, wanted: list[str], force: bool) -> list[str]:
        """Pull `wanted` onto one backend; the failures, as text (one unreachable backend is
        fatal only when it is the only one)."""
        try:
            present = [] if force else [model.name for model in list_models(url=url)]
        except OllamaError as exc:
            if len(configured_urls()) == 1:
                raise CommandError(f"Cannot list the models on Ollama: {exc}") from exc
            self.stderr.write(f"{url}: cannot list its models: {exc}")
            return [f"cannot list models ({exc})"]
        failures: list[str] = []
        for name in wanted:
            if any(same_model(name, served) for served in present):
                self.stdout.write(f"{name}: already present")
                continue
            try:
                self._pull(name, url)
            except OllamaUnreachable as exc:
                if len(configured_urls()) == 1:
                    raise CommandError(f"Pulling {name} failed: {exc}") from exc
                self.stderr.write(f"{name}: failed: {exc}")
                return [*failures, f"{name} ({exc})"]
            except OllamaError as exc:
                self.stderr.write(f"{name}: failed: {exc}")
                failures.append(f"{name} ({exc})")
        return failures

    def _report_lacking(self, urls: list[str]) -> None:
        """Name the backends that still lack a configured model (the agent needs both)."""
        inventory_lacking = {
            listing.url: [
                name
                for name in dict.fromkeys(configured_models().values())
                if not any(same_model(name, model.name) for model in listing.models or [])
            ]
            for listing in fleet_listings(urls)
            if listing.models is not None
        }
        for url, lacking in inventory_lacking.items():
            if lacking:
                self.stdout.write(
                    self.style.WARNING(f"{url} lacks configured model(s): {', '.join(lacking)}")
                )

    def _pull(self, name: str, url: str) -> None:
        self.stdout.write(f"Pulling {name}")
        printer = ProgressPrinter(self.stdout, tty=self.stdout.isatty())
        succeeded = False
        try:
            for progress in pull_model(name, url=url):
                printer.show(progress)
                succeeded = progress.status == "success"
        finally:
            printer.finish()
        if not succeeded:
            raise OllamaError(NO_SUCCESS_MESSAGE)
        self.stdout.write(self.style.SUCCESS(f"{name}: pulled"))
