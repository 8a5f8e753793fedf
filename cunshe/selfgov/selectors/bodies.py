"""Reads of bodies and memberships, and the register look-ups the bodies and meetings pages
share (adults living in a village or group, households, name/pinyin search).

Adults (for bodies and meeting quorums): 18 or over (rules MEETING_ADULT_AGE) on the day, with
residence status 在本村居住 or 非户籍常住 — the people who live in the village and can come to
its meetings. Villagers away for work or otherwise are not counted (docs/selfgov/meetings.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.models import Household, Person
from cunshe.selfgov.models import Body, BodyKind, Membership, Position
from cunshe.selfgov.rules import at_least, rule

VIEW = "selfgov.view"
MANAGE = "selfgov.manage"
LIVING = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
SEARCH_LIMIT = 20


def adult_cutoff(on: date) -> date:
    """Born on or before this date = adult on `on` (a 29 February birthday counts from 1 March)."""
    years = rule("MEETING_ADULT_AGE")
    try:
        return on.replace(year=on.year - years)
    except ValueError:
        return on.replace(year=on.year - years, day=28)


def adults(jurisdiction: Jurisdiction, region_code: str, on: date) -> QuerySet[Person]:
    """Adults living in the village or group `region_code` on `on`."""
    return Person.objects.within(jurisdiction).filter(
        region_code__startswith=region_code,
        residence_status__in=LIVING,
        birth_date__lte=adult_cutoff(on),
    )


def households(jurisdiction: Jurisdiction, region_code: str) -> QuerySet[Household]:
    """Households of the village or group with at least one member living there."""
    living = Person.objects.within(jurisdiction).filter(
        region_code__startswith=region_code, residence_status__in=LIVING
    )
    return Household.objects.within(jurisdiction).filter(
        region_code__startswith=region_code, pk__in=living.values("household_id")
    )


def search_people(
    jurisdiction: Jurisdiction, region_code: str, q: str, on: date, *, limit: int = SEARCH_LIMIT
) -> list[Person]:
    """Adults living in `region_code` whose name starts with `q`, or whose pinyin or initials
    do (zsf → 张三丰); household loaded. Empty `q`: nobody."""
    q = "".join((q or "").split())
    if not q or len(q) > 30:
        return []
    qs = adults(jurisdiction, region_code, on).select_related("household")
    if q.isascii() and q.isalpha():
        low = q.lower()
        qs = qs.filter(Q(name_initials__startswith=low) | Q(name_pinyin__startswith=low))
    else:
        qs = qs.filter(name__startswith=q)
    return list(qs.order_by("name_pinyin", "id")[:limit])


def person_in(jurisdiction: Jurisdiction, region_code: str, pk: int) -> Person | None:
    """A person of the village or group `region_code` (household loaded), or None."""
    return (
        Person.objects.within(jurisdiction)
        .filter(pk=pk, region_code__startswith=region_code)
        .select_related("household")
        .first()
    )


# --- bodies -------------------------------------------------------------------------------------


def villages_for(jurisdiction: Jurisdiction) -> QuerySet[Region]:
    """Villages and groups a body or meeting may be placed on."""
    return (
        Region.objects.within(jurisdiction)
        .current()
        .filter(level__in=(Level.VILLAGE, Level.GROUP))
        .order_by("code")
    )


def bodies_for(jurisdiction: Jurisdiction, *, village_code: str = "") -> QuerySet[Body]:
    """Bodies in the jurisdiction with their count of current members."""
    j = require_perm(jurisdiction, VIEW)
    today = timezone.localdate()
    qs = Body.objects.within(j).select_related("region")
    if village_code:
        qs = qs.filter(village_code=village_code)
    return qs.annotate(
        current_members=Count(
            "memberships",
            filter=Q(memberships__start__lte=today)
            & (Q(memberships__end__isnull=True) | Q(memberships__end__gte=today)),
        )
    ).order_by("region_code", "kind", "id")


def get_body_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Body:
    """One body: 404 outside the jurisdiction, 403 (audited) inside it without `need`."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(Body.objects.within(j).select_related("region"), j, need=need, pk=pk)


def current_q(on: date, prefix: str = "") -> Q:
    return Q(**{f"{prefix}start__lte": on}) & (
        Q(**{f"{prefix}end__isnull": True}) | Q(**{f"{prefix}end__gte": on})
    )


def memberships_of(body: Body, *, on: date | None = None) -> list[Membership]:
    """The body's memberships, current ones (on `on`) first, then past ones; persons loaded."""
    on = on or timezone.localdate()
    rows = list(
        body.memberships.select_related("person", "group").order_by("position", "start", "id")
    )
    for m in rows:
        m.is_current = m.start <= on and (m.end is None or m.end >= on)  # type: ignore[attr-defined]
    return sorted(rows, key=lambda m: not m.is_current)  # type: ignore[attr-defined]


def member_ids(jurisdiction: Jurisdiction, bodies: list[Body], on: date) -> set[int]:
    """Persons who are members of any of `bodies` on `on`."""
    return set(
        Membership.objects.within(jurisdiction)
        .filter(current_q(on), body__in=bodies)
        .values_list("person_id", flat=True)
    )


def active_bodies(jurisdiction: Jurisdiction, village_code: str, kind: str) -> QuerySet[Body]:
    return Body.objects.within(jurisdiction).filter(
        village_code=village_code, kind=kind, active=True
    )


@dataclass(frozen=True)
class Warning:
    code: str
    text: str


def body_warnings(
    body: Body, current: list[Membership], *, village_households: int, on: date
) -> list[Warning]:
    """Composition the law says a body 'should' have, broken now: shown, never refused."""
    out: list[Warning] = []
    people = [m.person for m in current]
    count = len({p.pk for p in people})
    women = len({p.pk for p in people if p.sex == Person.Sex.FEMALE})
    if body.term_end and body.term_end < on:
        out.append(
            Warning("term", _("本届任期已于%(date)s届满，请及时换届。") % {"date": body.term_end})
        )
    if body.kind == BodyKind.COMMITTEE:
        low, high = rule("COMMITTEE_MIN_MEMBERS"), rule("COMMITTEE_MAX_MEMBERS")
        if not low <= count <= high:
            out.append(
                Warning(
                    "size",
                    _(
                        "村民委员会应由%(low)s至%(high)s人组成，现有%(count)s人（村民委员会组织法第六条）。"
                    )
                    % {"low": low, "high": high, "count": count},
                )
            )
        if women < rule("COMMITTEE_MIN_WOMEN"):
            out.append(
                Warning("women", _("村民委员会成员中应当有妇女成员（村民委员会组织法第六条）。"))
            )
    if body.kind == BodyKind.ASSEMBLY and count:
        reps = [m for m in current if m.position == Position.REPRESENTATIVE]
        rep_count = len({m.person_id for m in reps})
        if not at_least(rep_count, count, rule("ASSEMBLY_REPRESENTATIVES_MIN_SHARE")):
            num, den = rule("ASSEMBLY_REPRESENTATIVES_MIN_SHARE")
            out.append(
                Warning(
                    "representatives",
                    _(
                        "村民代表应当占村民代表会议组成人员的%(num)s/%(den)s以上，现为%(reps)s/%(count)s（第二十五条）。"
                    )
                    % {"num": num, "den": den, "reps": rep_count, "count": count},
                )
            )
        if not at_least(women, count, rule("ASSEMBLY_WOMEN_MIN_SHARE")):
            num, den = rule("ASSEMBLY_WOMEN_MIN_SHARE")
            out.append(
                Warning(
                    "assembly_women",
                    _(
                        "妇女村民代表应当占村民代表会议组成人员的%(num)s/%(den)s以上，现为%(women)s/%(count)s（第二十五条）。"
                    )
                    % {"num": num, "den": den, "women": women, "count": count},
                )
            )
        low, high = rule("HOUSEHOLDS_PER_REPRESENTATIVE")
        for m in reps:
            n = m.households_represented
            if n is not None and not low <= n <= high:
                out.append(
                    Warning(
                        "households_each",
                        _("村民代表%(name)s联系%(n)s户，应为每%(low)s至%(high)s户推选一人。")
                        % {"name": m.person.name, "n": n, "low": low, "high": high},
                    )
                )
        by_households = [m for m in reps if m.group_id is None]
        if rep_count and by_households and len(by_households) == len(reps):
            if village_households > high * rep_count or village_households < low * rep_count:
                out.append(
                    Warning(
                        "households_total",
                        _("本村%(h)s户、村民代表%(reps)s人，不符合每%(low)s至%(high)s户推选一人。")
                        % {"h": village_households, "reps": rep_count, "low": low, "high": high},
                    )
                )
    return out


def bodies_with_members(jurisdiction: Jurisdiction, village_code: str, on: date) -> list[Body]:
    """The village's active bodies with their current memberships prefetched."""
    current = Membership.objects.within(jurisdiction).filter(current_q(on)).select_related("person")
    return list(
        Body.objects.within(jurisdiction)
        .filter(village_code=village_code, active=True)
        .prefetch_related(Prefetch("memberships", queryset=current, to_attr="current"))
    )
