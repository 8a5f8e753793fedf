"""Writes of needs and their matches (docs/volunteering/needs.md).

A need is posted by a clerk (volunteering.manage), by a villager for their own household
(volunteering.participate, source "recipient"), or converted from a care need
(`volunteer_need_from_care`). `need_propose` writes the top rule("MATCH_TOP_N") volunteers as
proposed matches with their explanation; the clerk confirms (`match_confirm`, the volunteer's
time checked under a lock), the volunteer accepts or declines; the clerk may withdraw a
confirmed match. When the accepted matches reach `volunteers_needed` the need is matched.
Every write is atomic, checks scope and permission, writes one audit event per row changed
(`volunteering.need.*`, `volunteering.match.*`) and refuses bad input changing nothing.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.notifications import Message, notify_many
from cunshe.regions.models import Level, Region
from cunshe.residents.models import Person
from cunshe.residents.selectors import own_household_id
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.matching import score as sc
from cunshe.volunteering.models import HamletLocation, Match, Need, ServiceCategory, Volunteer
from cunshe.volunteering.models.volunteers import Skill
from cunshe.volunteering.rules import rule
from cunshe.volunteering.selectors.volunteers import own_volunteer
from cunshe.volunteering.services import commitments

VIEW, MANAGE, PARTICIPATE = "volunteering.view", "volunteering.manage", "volunteering.participate"
LIVE = (Match.Status.PROPOSED, Match.Status.CONFIRMED, Match.Status.ACCEPTED)
HOLDING = (Match.Status.CONFIRMED, Match.Status.ACCEPTED)
OPEN_NEED = (Need.Status.OPEN, Need.Status.MATCHED)
MAX_HOURS = 24 * 7

# Care need category → the skills a volunteer needs (cunshe.care.services.needs.CATEGORIES).
CARE_SKILLS = {
    "daily_care": [Skill.CARE],
    "medical": [Skill.MEDICAL],
    "meals": [Skill.ERRANDS],
    "education": [Skill.TUTORING],
    "psychological": [Skill.PSYCHOLOGY],
    "legal_aid": [Skill.LEGAL],
    "policy": [Skill.ERRANDS],
    "other": [],
}
CARE_KIND_CATEGORY = {
    "elderly": ServiceCategory.ELDERLY,
    "child": ServiceCategory.CHILDREN,
    "woman": ServiceCategory.OTHER,
}


# --- checks ---------------------------------------------------------------------------------


def _require(j: Jurisdiction, code: str, perm: str = MANAGE) -> None:
    if not j.covers(code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not j.has_perm(perm):
        raise PermissionDenied(perm)


def _lock_need(need: Need | int) -> Need:
    pk = need.pk if isinstance(need, Need) else need
    return Need._base_manager.select_for_update().select_related("region").get(pk=pk)


def _check_version(need: Need, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != need.version:
        raise ConcurrentEdit()


def _bump(need: Need, *fields: str) -> None:
    need.version += 1
    need.save(update_fields=[*fields, "version"])


def _text(value: Any, field: str, limit: int, *, required: bool) -> str:
    text = " ".join(str(value or "").split())
    if required and not text:
        raise ValidationError({field: _("必填。")})
    if len(text) > limit:
        raise ValidationError({field: _("最多%(n)s字。") % {"n": limit}})
    if "\x00" in text:
        raise ValidationError({field: _("不能包含空字符。")})
    return text


def _clean_need(
    j: Jurisdiction,
    *,
    region: Region,
    title: Any,
    description: Any,
    category: Any,
    skills: Any,
    place: Any,
    starts_at: datetime,
    ends_at: datetime,
    volunteers_needed: Any,
) -> dict[str, Any]:
    if region.level not in (Level.VILLAGE, Level.GROUP) or not j.covers(region.code):
        raise ValidationError({"region": _("请选择您管辖范围内的村或村民小组。")})
    if category not in ServiceCategory.values:
        raise ValidationError({"category": _("请选择服务类别。")})
    skills = list(dict.fromkeys(skills or []))
    if any(s not in Skill.values for s in skills):
        raise ValidationError({"skills": _("技能不在列表中。")})
    if starts_at is None or ends_at is None or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": _("请填写开始和结束时间。")})
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间。")})
    if ends_at - starts_at > timedelta(hours=MAX_HOURS):
        raise ValidationError({"ends_at": _("一次需求最长7天。")})
    if ends_at <= timezone.now():
        raise ValidationError({"ends_at": _("结束时间已过。")})
    try:
        needed = int(volunteers_needed)
    except (TypeError, ValueError):
        needed = 0
    if not 1 <= needed <= 50:
        raise ValidationError({"volunteers_needed": _("需要人数为1到50人。")})
    return {
        "title": _text(title, "title", 100, required=True),
        "description": _text(description, "description", 500, required=False),
        "category": category,
        "skills": skills,
        "place": _text(place, "place", 200, required=False),
        "starts_at": starts_at,
        "ends_at": ends_at,
        "volunteers_needed": needed,
    }


# --- needs ----------------------------------------------------------------------------------


@transaction.atomic
def need_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    title: str,
    category: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    skills: list[str] | None = None,
    place: str = "",
    volunteers_needed: int = 1,
    recipient: Person | None = None,
) -> Need:
    """A clerk posts a need (volunteering.manage) in a village or hamlet of the jurisdiction."""
    _require(jurisdiction, region.code)
    data = _clean_need(
        jurisdiction,
        region=region,
        title=title,
        description=description,
        category=category,
        skills=skills,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        volunteers_needed=volunteers_needed,
    )
    if (
        recipient is not None
        and not Person.objects.within(jurisdiction).filter(pk=recipient.pk).exists()
    ):
        raise ValidationError({"recipient": _("服务对象不在您的管辖范围内。")})
    need = Need._base_manager.create(
        region=region, source=Need.Source.CLERK, recipient=recipient, posted_by=actor, **data
    )
    audit(
        "volunteering.need.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"source": need.source, "region": region.code},
    )
    return need


@transaction.atomic
def need_request(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    recipient: Person,
    title: str,
    category: str,
    starts_at: datetime,
    ends_at: datetime,
    description: str = "",
    skills: list[str] | None = None,
    place: str = "",
) -> Need:
    """A villager (volunteering.participate) asks for help for a person of their own
    household; the need lies where that person lives."""
    if not jurisdiction.has_perm(PARTICIPATE):
        raise PermissionDenied(PARTICIPATE)
    household = own_household_id(jurisdiction)
    if household is None or recipient.household_id != household:
        raise ValidationError({"recipient": _("只能为本户成员申请。")})
    region = recipient.region
    if region.level not in (Level.VILLAGE, Level.GROUP):
        region = Region.objects.get(code=recipient.region_code[:12])
    data = _clean_need(
        jurisdiction,
        region=region,
        title=title,
        description=description,
        category=category,
        skills=skills,
        place=place,
        starts_at=starts_at,
        ends_at=ends_at,
        volunteers_needed=1,
    )
    need = Need._base_manager.create(
        region=region, source=Need.Source.RECIPIENT, recipient=recipient, posted_by=actor, **data
    )
    audit(
        "volunteering.need.requested",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"region": region.code},
    )
    return need


def _withdraw_live(need: Need, statuses: tuple[str, ...], actor: Any, j: Jurisdiction) -> int:
    matches = list(
        Match._base_manager.filter(need=need, status__in=statuses).select_related(
            "volunteer__account"
        )
    )
    if not matches:
        return 0
    Match._base_manager.filter(pk__in=[m.pk for m in matches]).update(
        status=Match.Status.WITHDRAWN, responded_at=timezone.now()
    )
    told = [m for m in matches if m.status in HOLDING]
    _tell(told, _("志愿服务已取消"), _("您接受的志愿服务“%(title)s”已取消，感谢您的支持。"))
    return len(matches)


@transaction.atomic
def need_close(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    need: Need,
    outcome: str,
    expected_version: int | None = None,
) -> Need:
    """Close as done with an outcome; unanswered proposals and confirmations are withdrawn."""
    need = _lock_need(need)
    _require(jurisdiction, need.region_code)
    _check_version(need, expected_version)
    if need.status not in OPEN_NEED:
        raise ValidationError(_("该需求已经结束。"))
    need.outcome = _text(outcome, "outcome", 300, required=True)
    need.status, need.closed_at = Need.Status.DONE, timezone.now()
    _bump(need, "outcome", "status", "closed_at")
    Match._base_manager.filter(need=need, status=Match.Status.PROPOSED).delete()
    withdrawn = _withdraw_live(need, (Match.Status.CONFIRMED,), actor, jurisdiction)
    audit(
        "volunteering.need.done",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"withdrawn": withdrawn},
    )
    return need


@transaction.atomic
def need_cancel(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    need: Need,
    reason: str,
    expected_version: int | None = None,
) -> Need:
    """Cancel with a reason; every live match is withdrawn and held ones are told."""
    need = _lock_need(need)
    _require(jurisdiction, need.region_code)
    _check_version(need, expected_version)
    if need.status not in OPEN_NEED:
        raise ValidationError(_("该需求已经结束。"))
    need.outcome = _text(reason, "reason", 300, required=True)
    need.status, need.closed_at = Need.Status.CANCELLED, timezone.now()
    _bump(need, "outcome", "status", "closed_at")
    Match._base_manager.filter(need=need, status=Match.Status.PROPOSED).delete()
    withdrawn = _withdraw_live(need, HOLDING, actor, jurisdiction)
    audit(
        "volunteering.need.cancelled",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"withdrawn": withdrawn},
    )
    return need


def _next_hour_plus_day(now: datetime) -> datetime:
    """The next full hour one day ahead; moved to 09:00 when that falls at night (before 08:00
    or after 19:00 local), since a 2-hour visit at 01:00 is nobody's plan."""
    local = timezone.localtime(now)
    base = local.replace(minute=0, second=0, microsecond=0)
    if base < local:
        base += timedelta(hours=1)
    base += timedelta(days=1)
    if base.hour < 8:
        base = base.replace(hour=9)
    elif base.hour > 19:
        base = (base + timedelta(days=1)).replace(hour=9)
    return base


@transaction.atomic
def volunteer_need_from_care(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    care_need: Any,
    starts_at: datetime | None = None,
    title: str = "",
    description: str = "",
) -> Need:
    """Turn a care need (关爱需求) into a volunteer need: the recipient is the profile's person,
    the place the profile's region, the category from the profile's kind and the skills from
    the care category; 2 hours from the next full hour tomorrow unless `starts_at` is given.
    The public text names nobody (a child's need says only "关爱儿童"); the care need is
    marked referred and keeps the id. A second conversion is refused."""
    from cunshe.care.models import CareNeed
    from cunshe.care.services.needs import category_label

    care = (
        CareNeed._base_manager.select_for_update()
        .select_related("profile__person", "region")
        .filter(pk=care_need.pk)
        .first()
    )
    if care is None or not jurisdiction.covers(care.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    _require(jurisdiction, care.region_code)
    child = care.profile.kind == "child"
    if child and not jurisdiction.has_perm("care.view_children"):
        raise PermissionDenied("care.view_children")
    if care.volunteer_need_id or Need._base_manager.filter(care_need=care).exists():
        raise ValidationError(_("该关爱需求已经转为志愿服务需求。"))
    if care.status not in (CareNeed.Status.OPEN, CareNeed.Status.REFERRED):
        raise ValidationError(_("该关爱需求已经办结，不能再转。"))
    region = care.region
    if region.level not in (Level.VILLAGE, Level.GROUP):
        raise ValidationError(_("关爱对象的所在地不是村或村民小组。"))
    starts_at = starts_at or _next_hour_plus_day(timezone.now())
    category = CARE_KIND_CATEGORY.get(care.profile.kind, ServiceCategory.OTHER)
    kind_label = str(care.profile.get_kind_display())
    default_title = _("%(kind)s · %(what)s") % {
        "kind": kind_label,
        "what": category_label(care.category),
    }
    data = _clean_need(
        jurisdiction,
        region=region,
        title=title or default_title,
        description=description or _("由关爱需求转入，详情请与村委会联系。"),
        category=category,
        skills=[str(s) for s in CARE_SKILLS.get(care.category, [])],
        place="",
        starts_at=starts_at,
        ends_at=starts_at + timedelta(hours=2),
        volunteers_needed=1,
    )
    need = Need._base_manager.create(
        region=region,
        source=Need.Source.CARE,
        recipient=care.profile.person,
        care_need=care,
        posted_by=actor,
        **data,
    )
    care.volunteer_need_id = need.pk
    fields = ["volunteer_need_id", "updated_at"]
    if care.status == CareNeed.Status.OPEN:
        care.status = CareNeed.Status.REFERRED
        fields.append("status")
    care.save(update_fields=fields)
    audit(
        "volunteering.need.from_care",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"care_need": care.pk, "child": child},
    )
    audit(
        "care.need.referred",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=care,
        detail={"to": "volunteering", "volunteer_need": need.pk},
    )
    return need


# --- candidates and scores ------------------------------------------------------------------


def candidates(j: Jurisdiction, county_code: str) -> Any:
    """Volunteers who may be matched: in the jurisdiction and the need's county, active, and
    verified (ID checked by a clerk, or linked to the register)."""
    return (
        Volunteer.objects.within(j)
        .filter(region_code__startswith=county_code[:6], status=Volunteer.Status.ACTIVE)
        .filter(Q(verified_at__isnull=False) | Q(person__isnull=False))
    )


CANDIDATE_FIELDS = (
    "id",
    "region_code",
    "skills",
    "availability",
    "shifts_attended",
    "shifts_signed",
)


def places_for(codes: set[str]) -> sc.Places:
    """Coordinates of these regions and their villages (one query)."""
    wanted = set(codes) | {c[:12] for c in codes}
    rows = HamletLocation._base_manager.filter(region_code__in=wanted).values_list(
        "region_code", "lat_micro", "lon_micro"
    )
    return sc.Places({code: (lat / 1e6, lon / 1e6) for code, lat, lon in rows})


def need_row(need: Need, capacity: int = 1) -> dict[str, Any]:
    return {
        "id": need.pk,
        "region_code": need.region_code,
        "skills": need.skills,
        "starts_at": need.starts_at,
        "ends_at": need.ends_at,
        "capacity": capacity,
    }


def held_count(need: Need) -> int:
    return Match._base_manager.filter(need=need, status__in=HOLDING).count()


@transaction.atomic
def need_propose(*, actor: Any, jurisdiction: Jurisdiction, need: Need) -> list[Match]:
    """Replace the need's proposals with the top rule("MATCH_TOP_N") free volunteers, each
    with its explanation; volunteers already answered or holding this need are left out."""
    need = _lock_need(need)
    _require(jurisdiction, need.region_code)
    if need.status != Need.Status.OPEN:
        raise ValidationError(_("只有待匹配的需求可以推荐志愿者。"))
    Match._base_manager.filter(need=need, status=Match.Status.PROPOSED).delete()
    seen = set(Match._base_manager.filter(need=need).values_list("volunteer_id", flat=True))
    rows = [
        r
        for r in candidates(jurisdiction, need.region_code).values(*CANDIDATE_FIELDS)
        if r["id"] not in seen
    ]
    if need.recipient_id:
        rows = [r for r in rows if r["id"] != _recipient_volunteer(need)]
    proposals: list[Match] = []
    if rows:
        vols = sc.Volunteers.build(rows)
        needs = sc.Needs.build([need_row(need)])
        places = places_for({need.region_code, *vols.region_codes})
        values = sc.score_matrix(vols, needs, places)[:, 0]
        busy = commitments.busy_intervals(vols.ids, need.starts_at, need.ends_at)
        free = sc.feasible_matrix(vols, needs, busy)[:, 0]
        order = [
            i for i in sorted(range(len(rows)), key=lambda i: (-values[i], vols.ids[i])) if free[i]
        ][: int(rule("MATCH_TOP_N"))]
        for i in order:
            exp = sc.explain_pair(vols, i, needs, 0, places)
            proposals.append(
                Match(
                    need=need,
                    volunteer_id=vols.ids[i],
                    region=need.region,
                    region_code=need.region_code,
                    score=exp["total"],
                    explanation=exp,
                    starts_at=need.starts_at,
                    ends_at=need.ends_at,
                )
            )
        Match._base_manager.bulk_create(proposals)
    audit(
        "volunteering.need.proposed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"proposals": len(proposals), "candidates": len(rows)},
    )
    return proposals


def _recipient_volunteer(need: Need) -> int | None:
    return (
        Volunteer._base_manager.filter(person_id=need.recipient_id)
        .values_list("pk", flat=True)
        .first()
    )


# --- matches --------------------------------------------------------------------------------


def _lock_match(match: Match | int) -> Match:
    pk = match.pk if isinstance(match, Match) else match
    return Match._base_manager.select_for_update().select_related("need", "volunteer").get(pk=pk)


def _tell(matches: list[Match], subject: str, body_template: str) -> None:
    link = reverse("volunteering:my_matches")
    notify_many(
        Message(
            recipient=m.volunteer.account,
            subject=subject,
            body=body_template % {"title": m.need.title},
            link=link,
        )
        for m in matches
        if m.volunteer.account_id
    )


@transaction.atomic
def match_confirm(*, actor: Any, jurisdiction: Jurisdiction, match: Match) -> Match:
    """The clerk sends a proposal to the volunteer (派单): the need must still have a place and
    the volunteer must be free then (checked under a lock on the volunteer)."""
    m = _lock_match(match)
    _require(jurisdiction, m.region_code)
    need = _lock_need(m.need_id)
    if m.status != Match.Status.PROPOSED:
        raise ValidationError(_("只有推荐中的志愿者可以派单。"))
    if need.status != Need.Status.OPEN:
        raise ValidationError(_("该需求已不在待匹配状态。"))
    if held_count(need) >= need.volunteers_needed:
        raise ValidationError(_("该需求的人数已满。"))
    volunteer = commitments.lock_volunteer(m.volunteer)
    if volunteer.status != Volunteer.Status.ACTIVE:
        raise ValidationError(_("该志愿者已暂停或退出。"))
    if commitments.clash(volunteer, m.starts_at, m.ends_at, ignore_match=m.pk) is not None:
        raise ValidationError(_("该志愿者在这段时间已有其他服务安排。"))
    m.status, m.confirmed_by, m.confirmed_at = Match.Status.CONFIRMED, actor, timezone.now()
    m.save(update_fields=["status", "confirmed_by", "confirmed_at"])
    m.volunteer = volunteer
    m.need = need
    _tell(
        [m],
        _("新的志愿服务邀请"),
        _("村里请您参加志愿服务“%(title)s”，请在“服务邀请”中接受或谢绝。"),
    )
    audit(
        "volunteering.match.confirmed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=m,
        detail={"need": need.pk, "volunteer": volunteer.pk, "score": m.score},
    )
    return m


@transaction.atomic
def match_withdraw(*, actor: Any, jurisdiction: Jurisdiction, match: Match) -> Match:
    """The clerk withdraws a confirmed or accepted match; a matched need opens again."""
    m = _lock_match(match)
    _require(jurisdiction, m.region_code)
    if m.status not in HOLDING:
        raise ValidationError(_("只有已派单或已接受的匹配可以撤回。"))
    need = _lock_need(m.need_id)
    m.status, m.responded_at = Match.Status.WITHDRAWN, timezone.now()
    m.save(update_fields=["status", "responded_at"])
    if need.status == Need.Status.MATCHED:
        need.status = Need.Status.OPEN
        _bump(need, "status")
    m.need = need
    _tell([m], _("志愿服务邀请已撤回"), _("志愿服务“%(title)s”的邀请已撤回，感谢您的支持。"))
    audit(
        "volunteering.match.withdrawn",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=m,
        detail={"need": need.pk},
    )
    return m


def _own_match(j: Jurisdiction, match: Match) -> Match:
    if not j.has_perm(PARTICIPATE):
        raise PermissionDenied(PARTICIPATE)
    me = own_volunteer(j)
    m = _lock_match(match)
    if me is None or m.volunteer_id != me.pk:
        raise PermissionDenied(_("这不是给您的邀请。"))
    if m.status != Match.Status.CONFIRMED:
        raise ValidationError(_("该邀请已经答复或已撤回。"))
    return m


@transaction.atomic
def match_accept(*, actor: Any, jurisdiction: Jurisdiction, match: Match) -> Match:
    """The volunteer accepts; when the accepted matches reach the places the need is matched."""
    m = _own_match(jurisdiction, match)
    volunteer = commitments.lock_volunteer(m.volunteer)
    if commitments.clash(volunteer, m.starts_at, m.ends_at, ignore_match=m.pk) is not None:
        raise ValidationError(_("您在这段时间已有其他服务安排。"))
    need = _lock_need(m.need_id)
    if need.status not in OPEN_NEED:
        raise ValidationError(_("该需求已经结束。"))
    m.status, m.responded_at = Match.Status.ACCEPTED, timezone.now()
    m.save(update_fields=["status", "responded_at"])
    accepted = Match._base_manager.filter(need=need, status=Match.Status.ACCEPTED).count()
    if accepted >= need.volunteers_needed and need.status == Need.Status.OPEN:
        need.status = Need.Status.MATCHED
        _bump(need, "status")
        Match._base_manager.filter(need=need, status=Match.Status.PROPOSED).delete()
    audit(
        "volunteering.match.accepted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=m,
        detail={"need": need.pk, "need_status": need.status},
    )
    return m


@transaction.atomic
def match_decline(*, actor: Any, jurisdiction: Jurisdiction, match: Match, reason: str) -> Match:
    """The volunteer declines with a reason; the place is free for another proposal."""
    m = _own_match(jurisdiction, match)
    m.decline_reason = _text(reason, "reason", 200, required=True)
    m.status, m.responded_at = Match.Status.DECLINED, timezone.now()
    m.save(update_fields=["status", "responded_at", "decline_reason"])
    audit(
        "volunteering.match.declined",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=m,
        detail={"need": m.need_id},
    )
    return m


# --- hours of a need done -------------------------------------------------------------------


def need_minutes(need: Need) -> int:
    """The need's length in whole minutes (the default of each volunteer's hours)."""
    return max(1, int((need.ends_at - need.starts_at).total_seconds() // 60))


def hours_pending(need: Need) -> list[Match]:
    """The accepted matches of a done need whose volunteer has no live hours entry for it yet."""
    if need.status != Need.Status.DONE:
        return []
    from cunshe.volunteering.models import HoursEntry

    recorded = HoursEntry._base_manager.filter(need=need).exclude(status=HoursEntry.Status.REJECTED)
    return list(
        Match._base_manager.filter(need=need, status=Match.Status.ACCEPTED)
        .exclude(volunteer_id__in=recorded.values("volunteer_id"))
        .select_related("volunteer")
        .order_by("id")
    )


@transaction.atomic
def need_record_hours(
    *, actor: Any, jurisdiction: Jurisdiction, need: Need, minutes: dict[int, Any]
) -> list[Any]:
    """A clerk records the actual minutes of each accepted volunteer of a need done:
    `minutes` = {match id: minutes}. Each becomes a manual HoursEntry (need=need, reason
    "需求服务：<title>", no organisation) through services/hours.py, so it is confirmed and
    approved by others as any manual entry. All or none; a volunteer already recorded for the
    need (entry not rejected) is refused."""
    from cunshe.volunteering.services import hours as hours_svc

    need = _lock_need(need)
    _require(jurisdiction, need.region_code)
    if need.status != Need.Status.DONE:
        raise ValidationError(_("需求完成后才能登记服务时长。"))
    pending = {m.pk: m for m in hours_pending(need)}
    if not minutes:
        raise ValidationError({"minutes": _("请至少填写一位志愿者的时长。")})
    unknown = set(minutes) - set(pending)
    if unknown:
        raise ValidationError({"minutes": _("该志愿者没有接受此需求，或时长已登记。")})
    reason = _("需求服务：%(title)s") % {"title": need.title}
    service_date = timezone.localtime(need.starts_at).date()
    entries = []
    for match_id in sorted(minutes):
        try:
            value = int(minutes[match_id])
        except (TypeError, ValueError):
            raise ValidationError({"minutes": _("时长须在1到1440分钟之间。")}) from None
        entries.append(
            hours_svc.hours_record_manual(
                actor=actor,
                jurisdiction=jurisdiction,
                volunteer=pending[match_id].volunteer,
                minutes=value,
                service_date=service_date,
                reason=reason[:300],
                need=need,
            )
        )
    audit(
        "volunteering.need.hours_recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"entries": [e.pk for e in entries], "minutes": sum(e.minutes for e in entries)},
    )
    return entries
