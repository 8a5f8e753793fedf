from django.core.management.base import BaseCommand

from cunshe.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create the deterministic demo data (idempotent)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=1)

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        counts = demo_seed(seed=options["seed"])
        self.stdout.write("demo_seed: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
