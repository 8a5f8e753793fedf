"""Writes of bodies and memberships: create a body, put a person on it, end a membership.

Composition the law says a body "should" have (committee size and women, the assembly's shares,
households per representative) is shown as warnings on the body page (selectors.bodies
.body_warnings) — the data may be mid-change. The one hard rule is Art. 32: nobody who is on the
villagers' committee, nor a near relative of a member, sits on the supervision committee; it is
refused both ways (joining the supervision committee, and joining the committee while a relative
sits on the supervision committee).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.care.models import KinLink
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.models import GONE, Person
from cunshe.selfgov import kinship
from cunshe.selfgov.models import Body, BodyKind, Membership, Position
from cunshe.selfgov.rules import rule
from cunshe.selfgov.selectors.bodies import MANAGE, adult_cutoff

ART_32 = gettext_lazy(
    "村务监督委员会成员不得由村民委员会成员及其近亲属担任（村民委员会组织法第三十二条）"
)


def _require(jurisdiction: Jurisdiction, code: str) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)


def _add_years(d: date, years: int) -> date:
    try:
        return d.replace(year=d.year + years)
    except ValueError:
        return d.replace(year=d.year + years, day=28)


@transaction.atomic
def body_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    kind: str,
    name: str,
    term_start: date | None = None,
    term_end: date | None = None,
) -> Body:
    """A body of a village (a 村民小组 sits on its group). The committee's term defaults to
    TERM_YEARS from its start."""
    _require(jurisdiction, region.code)
    name = (name or "").strip()
    errors: dict[str, str] = {}
    if kind not in BodyKind.values:
        errors["kind"] = _("请选择组织类别。")
    if kind == BodyKind.GROUP and region.level != Level.GROUP:
        errors["region"] = _("村民小组必须建在一个村民小组（区划）上。")
    elif kind != BodyKind.GROUP and region.level != Level.VILLAGE:
        errors["region"] = _("该组织必须建在一个村上。")
    if not name:
        errors["name"] = _("请填写名称。")
    elif len(name) > 100:
        errors["name"] = _("名称最多100字。")
    if kind in (BodyKind.COMMITTEE, BodyKind.SUPERVISION) and term_start and not term_end:
        term_end = _add_years(term_start, rule("TERM_YEARS"))
    if term_start and term_end and term_end <= term_start:
        errors["term_end"] = _("届满日期必须晚于起始日期。")
    if errors:
        raise ValidationError(errors)
    body = Body(region=region, kind=kind, name=name, term_start=term_start, term_end=term_end)
    body.save()
    audit(
        "selfgov.body.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=body,
        detail={"kind": kind, "region": region.code},
    )
    return body


def _kin_data(
    jurisdiction: Jurisdiction, person_ids: set[int]
) -> tuple[list[kinship.Member], list[kinship.Link]]:
    """Households and kin links around `person_ids`, two link-steps out."""
    ids = set(person_ids)
    links: dict[int, kinship.Link] = {}
    for _round in range(2):
        for row in (
            KinLink.objects.within(jurisdiction)
            .filter(active=True)
            .filter(Q(person_id__in=ids) | Q(relative_id__in=ids))
            .values("pk", "person_id", "relative_id", "kind")
        ):
            links[row["pk"]] = kinship.Link(row["person_id"], row["relative_id"], row["kind"])
        for link in links.values():
            ids.update((link.person_id, link.relative_id))
    households = (
        Person.objects.within(jurisdiction)
        .filter(pk__in=ids)
        .values_list("household_id", flat=True)
    )
    members = [
        kinship.Member(pk, hid, code)
        for pk, hid, code in Person.objects.within(jurisdiction)
        .filter(household_id__in=households)
        .exclude(residence_status__in=GONE)
        .values_list("pk", "household_id", "relationship")
    ]
    return members, list(links.values())


def check_supervision(
    jurisdiction: Jurisdiction, body: Body, person: Person, start: date, end: date | None
) -> None:
    """Refuse (Art. 32) a supervision-committee member who is on the villagers' committee or a
    near relative of a member there — and a committee member in the same relation to the
    supervision committee — for memberships overlapping [start, end]."""
    if body.kind == BodyKind.SUPERVISION:
        other_kind = BodyKind.COMMITTEE
    elif body.kind == BodyKind.COMMITTEE:
        other_kind = BodyKind.SUPERVISION
    else:
        return
    # Serialise with a concurrent add on the other committee of the same village: both lock
    # the village's committee and supervision-committee rows before reading their members.
    list(
        Body.objects.within(jurisdiction)
        .select_for_update()
        .filter(
            village_code=body.village_code,
            kind__in=(BodyKind.COMMITTEE, BodyKind.SUPERVISION),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    overlap = Q(end__isnull=True) | Q(end__gte=start)
    if end is not None:
        overlap &= Q(start__lte=end)
    others = list(
        Membership.objects.within(jurisdiction)
        .filter(overlap, body__village_code=body.village_code, body__kind=other_kind)
        .select_related("person")
    )
    if not others:
        return
    for m in others:
        if m.person_id == person.pk:
            raise ValidationError(
                {
                    "person": _("%(rule)s：%(name)s 已是%(body)s成员。")
                    % {"rule": ART_32, "name": person.name, "body": m.body.name}
                }
            )
    members, links = _kin_data(jurisdiction, {person.pk, *(m.person_id for m in others)})
    for m in others:
        kin = kinship.near_relative(person.pk, m.person_id, members, links)
        if kin is not None:
            template = (
                _("%(rule)s：%(other)s（%(body)s）是 %(name)s 的%(relation)s。")
                if kin.certain
                else _(
                    "%(rule)s：按户籍登记，%(other)s（%(body)s）可能是 %(name)s 的%(relation)s。"
                )
            )
            raise ValidationError(
                {
                    "person": template
                    % {
                        "rule": ART_32,
                        "other": m.person.name,
                        "body": m.body.name,
                        "name": person.name,
                        "relation": kin.label,
                    }
                }
            )


@transaction.atomic
def membership_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    body: Body,
    person: Person,
    position: str,
    start: date,
    end: date | None = None,
    households_represented: int | None = None,
    group: Region | None = None,
    note: str = "",
) -> Membership:
    """Put an adult of the body's village (group) on the body from `start` (to `end`)."""
    _require(jurisdiction, body.region_code)
    errors: dict[str, str] = {}
    if not body.active:
        errors["body"] = _("该组织已停用。")
    if position not in Position.values:
        errors["position"] = _("请选择职务。")
    elif position == Position.REPRESENTATIVE and body.kind != BodyKind.ASSEMBLY:
        errors["position"] = _("村民代表只能加入村民代表会议。")
    elif position == Position.GROUP_LEADER and body.kind != BodyKind.GROUP:
        errors["position"] = _("村民小组长只能加入村民小组。")
    if not person.region_code.startswith(body.region_code) or person.residence_status in GONE:
        errors["person"] = _("只能选择本村（本组）在册的村民。")
    elif person.birth_date > adult_cutoff(start):
        errors["person"] = _("%(name)s 任职时未满十八周岁。") % {"name": person.name}
    if end is not None and end < start:
        errors["end"] = _("终止日期不能早于起始日期。")
    if households_represented is not None and households_represented < 1:
        errors["households_represented"] = _("联系户数必须是正整数。")
    if group is not None and (group.level != Level.GROUP or group.parent_id != body.region_id):
        errors["group"] = _("请选择本村的村民小组。")
    if errors:
        raise ValidationError(errors)
    overlap = Q(end__isnull=True) | Q(end__gte=start)
    if end is not None:
        overlap &= Q(start__lte=end)
    if body.memberships.filter(overlap, person=person).exists():
        raise ValidationError(
            {"person": _("%(name)s 在这段时间已是该组织成员。") % {"name": person.name}}
        )
    check_supervision(jurisdiction, body, person, start, end)
    membership = Membership(
        region_id=body.region_id,
        body=body,
        person=person,
        position=position,
        start=start,
        end=end,
        households_represented=households_represented,
        group=group,
        note=(note or "").strip()[:200],
        recorded_by=actor,
    )
    membership.save()
    audit(
        "selfgov.membership.added",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=membership,
        detail={"body": body.pk, "kind": body.kind, "position": position, "start": str(start)},
    )
    return membership


@transaction.atomic
def membership_end(
    *, actor: Any, jurisdiction: Jurisdiction, membership: Membership, end: date, note: str = ""
) -> Membership:
    """End a current membership on `end` (resignation, recall, end of term)."""
    _require(jurisdiction, membership.region_code)
    if membership.end is not None:
        raise ValidationError({"end": _("该任职已经终止。")})
    if end < membership.start:
        raise ValidationError({"end": _("终止日期不能早于起始日期。")})
    membership.end = end
    if note:
        membership.note = note.strip()[:200]
    membership.save(update_fields=["end", "note"])
    audit(
        "selfgov.membership.ended",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=membership,
        detail={"body": membership.body_id, "end": str(end)},
    )
    return membership
