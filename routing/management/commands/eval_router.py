"""`manage.py eval_router [FILE]`: score the pre-router on labelled queries.

FILE is a TSV with the columns `text intent complexity [lang] [tags]` (default: the shipped
held-out set). Prints accuracy, the coverage and precision of the decisions it takes alone
at the threshold, precision and recall per intent, and the confusion table.
"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from routing.agent.router.dataset import HELDOUT_PATH, read_examples
from routing.agent.router.evaluation import evaluate_model
from routing.agent.router.model import decision_threshold, get_model, model_dir


class Command(BaseCommand):
    help = "Evaluate the fast pre-router on a labelled TSV file (default: the held-out set)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("file", nargs="?", default=str(HELDOUT_PATH))
        parser.add_argument(
            "--threshold", type=float, default=None, help="instead of the configured one"
        )

    def handle(self, *args, **options) -> None:
        try:
            examples = read_examples(options["file"])
            model = get_model()
        except (OSError, ValueError) as exc:
            raise CommandError(str(exc)) from exc
        if not examples:
            raise CommandError(f"{options['file']}: no labelled queries")
        threshold = options["threshold"]
        if threshold is None:
            threshold = decision_threshold(model)
        self.stdout.write(f"model {model_dir()}   file {options['file']}")
        self.stdout.write(evaluate_model(model, examples, threshold).text())
