"""`manage.py residents_verify [--region CODE]`: prove the register is consistent; exit 1 if not.

Read-only. Replays every person's events through `residents.events.project` (the logic of
`services.person_rebuild_state`, without writing) and compares the result with the stored state
columns; also reports persons with no REGISTERED event, households that have current members
but no current head, and ID-number blind indexes used more than once. Persons are read in
keyset batches with only plain columns (nothing is decrypted), so it runs on a province.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Exists, OuterRef, Q

from cunshe.core.jurisdiction import is_valid_code, system_scope
from cunshe.residents.codes import HEAD, EventKind
from cunshe.residents.events import EventFacts, State, project
from cunshe.residents.models import GONE, Household, Person, ResidenceEvent

STATE_FIELDS = list(State.__dataclass_fields__)
EVENT_FIELDS = [
    "id", "kind", "occurred_on", "destination", "destination_code", "status", "hukou_here",
    "corrects_id", "corrected_kind",
]  # fmt: skip
SHOWN = 20  # problems printed per kind; the counts are always complete


@dataclass
class Report:
    persons: int = 0
    households: int = 0
    state_mismatch: list[tuple[int, dict[str, tuple[Any, Any]]]] = field(default_factory=list)
    not_registered: list[int] = field(default_factory=list)
    headless: list[int] = field(default_factory=list)
    duplicate_ids: list[tuple[str, int]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not (
            self.state_mismatch or self.not_registered or self.headless or self.duplicate_ids
        )


def _prefix_q(region: str, name: str = "region_code") -> Q:
    return Q(**{f"{name}__startswith": region}) if region else Q()


def verify(region: str = "", batch_size: int = 5000) -> Report:
    """Check the register under `region` (a code prefix; '' = everything). Caller holds a
    system scope."""
    report = Report()
    persons = Person._base_manager.filter(_prefix_q(region)).order_by("pk")
    last = 0
    while True:
        rows = list(persons.filter(pk__gt=last).values("pk", *STATE_FIELDS)[:batch_size])
        if not rows:
            break
        lo, hi = rows[0]["pk"], rows[-1]["pk"]
        last = hi
        # By person id, not region: a person who moved village keeps events filed elsewhere.
        events: dict[int, list[EventFacts]] = {}
        for e in (
            ResidenceEvent._base_manager.filter(person_id__gte=lo, person_id__lte=hi)
            .order_by()
            .values("person_id", *EVENT_FIELDS)
        ):
            person_id = e.pop("person_id")
            events.setdefault(person_id, []).append(EventFacts(**e))
        for row in rows:
            report.persons += 1
            facts = events.get(row["pk"], [])
            if not any(f.kind == EventKind.REGISTERED for f in facts):
                report.not_registered.append(row["pk"])
            projected = asdict(project(facts))
            diff = {k: (row[k], v) for k, v in projected.items() if row[k] != v}
            if diff:
                report.state_mismatch.append((row["pk"], diff))

    households = Household._base_manager.filter(_prefix_q(region))
    report.households = households.count()
    current = Person._base_manager.filter(household=OuterRef("pk")).exclude(
        residence_status__in=GONE
    )
    report.headless = list(
        households.annotate(
            has_current=Exists(current), has_head=Exists(current.filter(relationship=HEAD))
        )
        .filter(has_current=True, has_head=False)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    report.duplicate_ids = list(
        persons.exclude(id_number_bidx="")
        .order_by()
        .values("id_number_bidx")
        .annotate(n=Count("pk"))
        .filter(n__gt=1)
        .values_list("id_number_bidx", "n")
    )
    return report


class Command(BaseCommand):
    help = "Replay every person's events and check the register; exit code 1 if anything is off."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--region", default="", help="Only this code's subtree.")
        parser.add_argument("--batch-size", type=int, default=5000)

    def handle(self, *args: Any, region: str, batch_size: int, **options: Any) -> None:
        if region and not is_valid_code(region):
            raise CommandError(f"Not a region code: {region}")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1")
        with system_scope("residents_verify"):
            report = verify(region, batch_size)
        out = self.stdout.write
        out(f"checked {report.persons} persons, {report.households} households")
        for pk, diff in report.state_mismatch[:SHOWN]:
            fields = "; ".join(f"{k}: stored {a!r}, events say {b!r}" for k, (a, b) in diff.items())
            out(f"  person {pk}: state differs from its events ({fields})")
        for pk in report.not_registered[:SHOWN]:
            out(f"  person {pk}: no REGISTERED event")
        for pk in report.headless[:SHOWN]:
            out(f"  household {pk}: current members but no current head")
        for bidx, n in report.duplicate_ids[:SHOWN]:
            out(f"  ID-number blind index {bidx[:8]}… used by {n} persons")
        summary = (
            f"state mismatches {len(report.state_mismatch)}, "
            f"without REGISTERED {len(report.not_registered)}, "
            f"households without head {len(report.headless)}, "
            f"duplicate ID numbers {len(report.duplicate_ids)}"
        )
        if not report.ok:
            self.stderr.write(f"register INCONSISTENT: {summary}")
            raise SystemExit(1)
        self.stdout.write(self.style.SUCCESS(f"register consistent: {summary}"))
