import time

from django.core.management.base import BaseCommand, CommandError

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import system_scope
from cunshe.demo.services import demo_seed


class Command(BaseCommand):
    help = "Create the deterministic demo data (idempotent)."

    def add_arguments(self, parser) -> None:  # type: ignore[no-untyped-def]
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument(
            "--scale",
            choices=["demo", "province"],
            default="demo",
            help="province: a register for every rural village of Jilin (for benchmarks; "
            "use PostgreSQL)",
        )
        parser.add_argument(
            "--villages", type=int, default=None, help="with --scale province: only the first N"
        )

    def handle(self, *args, **options) -> None:  # type: ignore[no-untyped-def]
        seed, scale = options["seed"], options["scale"]
        if options["villages"] is not None and options["villages"] < 1:
            raise CommandError("--villages must be at least 1")
        started = time.perf_counter()
        counts = demo_seed(seed=seed)
        self.stdout.write("demo_seed: " + ", ".join(f"{k} +{v}" for k, v in counts.items()))
        if scale == "province":
            from cunshe.demo.residents import generate_population

            # Outside demo_seed's transaction: committed village by village, so an interrupted
            # run keeps what it wrote and the next one carries on where it stopped.
            with system_scope("demo_seed --scale province"):
                added = generate_population(
                    seed=seed,
                    scale="province",
                    limit=options["villages"],
                    batch=5000,
                    progress=lambda line: self.stdout.write("  " + line),
                )
                audit("demo.seed.province", detail={"seed": seed, **added})
            self.stdout.write(
                f"province: households +{added['households']}, persons +{added['persons']}"
            )
        self.stdout.write(f"demo_seed took {time.perf_counter() - started:.1f} s")
