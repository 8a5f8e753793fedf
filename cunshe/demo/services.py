"""The deterministic demo-data generator (`manage.py demo_seed`). Idempotent: run it again and
nothing changes. Later issues add their data here, drawing randomness only from `rng`."""

from __future__ import annotations

import random

from django.core.management.base import CommandError
from django.db import transaction

from cunshe.accounts.models import RoleAssignment, User
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import system_scope
from cunshe.demo.people import DEMO_GROUPS, DEMO_PASSWORD, DEMO_PEOPLE
from cunshe.regions.models import Kind, Level, Region


def _regions(codes: set[str]) -> dict[str, Region]:
    found = {r.code: r for r in Region.objects.filter(code__in=codes)}
    missing = sorted(codes - set(found))
    if missing:
        raise CommandError(
            "Demo regions missing: " + ", ".join(missing) + ". Import the tree first: "
            "manage.py import_regions --province 22"
        )
    return found


def _ensure_groups(regions: dict[str, Region]) -> int:
    created = 0
    for village_code, name, kind in DEMO_GROUPS:
        village = regions[village_code]
        if Region.objects.filter(parent=village, name=name).exists():
            continue
        taken = set(Region.objects.filter(parent=village).values_list("code", flat=True))
        n = next(i for i in range(1, 1000) if f"{village_code}{i:03d}" not in taken)
        Region.objects.create(
            code=f"{village_code}{n:03d}",
            name=name,
            level=Level.GROUP,
            kind=Kind.GROUP if kind == "group" else Kind.HAMLET,
            parent=village,
        )
        created += 1
    return created


@transaction.atomic
def demo_seed(
    *,
    seed: int = 1,
    population: bool = True,
    servicedesk: bool = True,
    care: bool = True,
    selfgov: bool = True,
    volunteering: bool = True,
) -> dict[str, int]:
    """Create the demo cast (and, as later issues add them, their data) from `seed`.
    Counts of register rows appear only when some were added, so a second run says {…: 0}."""
    rng = random.Random(seed)  # noqa: S311 - demo data, not security
    counts = {"users": 0, "assignments": 0, "groups": 0}
    with system_scope("demo_seed"):
        regions = _regions({p.region_code for p in DEMO_PEOPLE} | {g[0] for g in DEMO_GROUPS})
        counts["groups"] = _ensure_groups(regions)
        for person in DEMO_PEOPLE:
            user, created = User.objects.get_or_create(
                username=person.username,
                defaults={"display_name": person.name, "language": person.language},
            )
            if created:
                user.set_password(DEMO_PASSWORD)
                user.phone = f"138{rng.randrange(10**8):08d}"
                user.save()
                counts["users"] += 1
            _, created = RoleAssignment.objects.get_or_create(
                user=user,
                role=person.role,
                region=regions[person.region_code],
                department=person.department,
                revoked_at=None,
            )
            counts["assignments"] += int(created)
        if population:
            from cunshe.demo.residents import generate_population
            from cunshe.demo.servicedesk import seed_servicedesk

            added = generate_population(seed=seed)
            counts.update(added)
            if servicedesk:
                counts.update(seed_servicedesk(seed=seed))
            if care:
                from cunshe.demo.care import seed_care

                counts.update(seed_care(seed=seed))
            if selfgov:
                from cunshe.demo.selfgov import seed_selfgov

                counts.update(seed_selfgov(seed=seed))
            if volunteering:
                from cunshe.demo.volunteering import seed_volunteering

                counts.update(seed_volunteering(seed=seed))
        audit("demo.seed.completed", detail={"seed": seed, **counts})
    return counts
