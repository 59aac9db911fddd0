"""`manage.py train_router`: retrain the pre-router from the shipped set plus reviewed traffic.

Prints the held-out evaluation of the current model and of the new one, then replaces the
model (in ROUTER_MODEL_DIR, else the package's data folder) unless the new one is less
accurate on the held-out set (`--force` replaces anyway) or `--dry-run` is given. Gateway
processes load the model once: restart them to use the new one.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from routing.agent.router.dataset import HELDOUT_PATH, TRAIN_PATH
from routing.agent.router.retrain import install, retrain


class Command(BaseCommand):
    help = "Retrain the fast pre-router from the shipped queries plus reviewed decisions."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--train", default=str(TRAIN_PATH), help="training TSV")
        parser.add_argument("--heldout", default=str(HELDOUT_PATH), help="held-out TSV")
        parser.add_argument("--dry-run", action="store_true", help="evaluate, do not replace")
        parser.add_argument("--force", action="store_true", help="replace even if worse")

    def handle(self, *args, **options) -> None:
        try:
            result = retrain(train_path=options["train"], heldout_path=options["heldout"])
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"trained on {result.shipped_examples} shipped + {result.reviewed_examples} "
            "reviewed queries"
        )
        if result.current is not None:
            self.stdout.write("\n== current model, held-out set ==\n" + result.current.text())
        self.stdout.write("\n== new model, held-out set ==\n" + result.evaluation.text())
        if options["dry_run"]:
            self.stdout.write("\ndry run: the model was not replaced")
            return
        if not result.better and not options["force"]:
            raise CommandError(
                "the new model is less accurate on the held-out set; kept the current one "
                "(--force to replace it anyway)"
            )
        directory = install(result.model)
        self.stdout.write(self.style.SUCCESS(f"\nmodel replaced in {directory}"))
