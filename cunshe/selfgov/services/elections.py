"""换届选举: elections, the voter roll generated from the register, the timetable, objections,
proxies, candidates and results, non-hukou approvals, deprivations and recall petitions.

Every write is atomic, needs `selfgov.elections` inside the caller's jurisdiction, refuses bad
input with a ValidationError naming the rule (nothing is written), and writes one audit event
`selfgov.<thing>.<verb>`. The voter rules themselves are in `cunshe.selfgov.eligibility`.

The roll is generated set-based: one query over the village's persons computes each one's
category (or none) for the vote day from the register, the opt-ins (b), the approvals (c) and the
deprivations; a second finds who already stands on another village's roll for an election in the
same round (ROLL_OVERLAP_DAYS). Entries are then added, re-instated, updated or marked removed so
that running it again changes nothing. A clerk's removal (removed_rule blank) is never undone by
a re-generation; the generator's own removals name their rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import (
    Case,
    CharField,
    Exists,
    F,
    OuterRef,
    Q,
    Subquery,
    Value,
    When,
)
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.regions.models import Region
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov import eligibility as el
from cunshe.selfgov.models.bodies import BodyKind, Membership, Position
from cunshe.selfgov.models.elections import (
    Candidate,
    Election,
    ElectionResult,
    NonHukouApproval,
    Proxy,
    RecallPetition,
    RightsDeprivation,
    RollObjection,
    VoterOptIn,
    VoterRollEntry,
)
from cunshe.selfgov.models.meetings import Decision, MeetingKind
from cunshe.selfgov.rules import rule

ELECTIONS = "selfgov.elections"
Category = VoterRollEntry.Category


# --- access ----------------------------------------------------------------------------------


def _require(jurisdiction: Jurisdiction, region_code: str) -> None:
    """404 outside the subtree; 403 (audited) inside it without selfgov.elections."""
    if jurisdiction is None or not jurisdiction.covers(region_code):
        raise Http404
    if not jurisdiction.has_perm(ELECTIONS):
        audit(
            "core.permission.denied",
            jurisdiction=jurisdiction,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": ELECTIONS},
        )
        raise PermissionDenied(ELECTIONS)


def _bump(election: Election, expected_version: int | None = None) -> None:
    """Refuse a stale page, then move the election's version on (row locked). Internal reads
    here and below use `_base_manager`: the caller's jurisdiction was checked first."""
    locked = Election._base_manager.select_for_update().get(pk=election.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEdit
    Election._base_manager.filter(pk=election.pk).update(version=F("version") + 1)
    election.version = locked.version + 1


def _village_of(region: Region) -> Region:
    if region.code and len(region.code) > 12:
        return Region.objects.get(code=region.code[:12])
    return region


def _open(election: Election) -> None:
    if election.status in (Election.Status.RESULTS, Election.Status.CANCELLED):
        raise ValidationError(_("该选举已公布结果或已取消，不能再修改选民名单。"))


# --- elections -------------------------------------------------------------------------------


@transaction.atomic
def election_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    title: str,
    vote_on: date,
    seats: int = 5,
) -> Election:
    village = _village_of(village)
    _require(jurisdiction, village.code)
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("请填写选举名称。")
    if vote_on < timezone.localdate():
        errors["vote_on"] = _("选举日不能早于今天。")
    lo, hi = rule("COMMITTEE_MIN_MEMBERS"), rule("COMMITTEE_MAX_MEMBERS")
    if not lo <= seats <= hi:
        errors["seats"] = _("应选名额须在%(lo)s至%(hi)s人之间——村民委员会组织法第六条。") % {
            "lo": lo,
            "hi": hi,
        }
    if errors:
        raise ValidationError(errors)
    election = Election._base_manager.create(
        region=village, title=title.strip(), vote_on=vote_on, seats=seats, created_by=actor
    )
    audit("selfgov.election.created", actor=actor, jurisdiction=jurisdiction, obj=election)
    return election


# --- the roll --------------------------------------------------------------------------------


@dataclass
class RollSummary:
    total: int = 0
    added: int = 0
    reinstated: int = 0
    updated: int = 0
    removed: int = 0
    elsewhere: int = 0
    by_category: dict[str, int] | None = None


def overlapping_elections(election: Election) -> Q:
    """Elections of OTHER villages in the same round (vote days within ROLL_OVERLAP_DAYS)."""
    days = timedelta(days=rule("ROLL_OVERLAP_DAYS"))
    return (
        Q(election__vote_on__gte=election.vote_on - days)
        & Q(election__vote_on__lte=election.vote_on + days)
        & ~Q(election__status=Election.Status.CANCELLED)
        & ~Q(election__region_code=election.region_code)
    )


def _approvals(election: Election):  # type: ignore[no-untyped-def]
    """Approvals (category c) valid for this election: same village, a passed decision of a
    村民会议 or 代表会议 of this village, approved on or before the vote day."""
    return NonHukouApproval._base_manager.filter(
        region_code=election.region_code,
        decision__isnull=False,
        decision__passed=True,
        decision__agenda_item__meeting__kind__in=(
            MeetingKind.VILLAGERS,
            MeetingKind.REPRESENTATIVES,
        ),
        decision__agenda_item__meeting__region_code=election.region_code,
        approved_on__isnull=False,
        approved_on__lte=election.vote_on,
    )


def _deprived_on(day: date):  # type: ignore[no-untyped-def]
    return RightsDeprivation._base_manager.filter(
        Q(until__isnull=True) | Q(until__gte=day), since__lte=day
    )


def eligible_persons(election: Election):  # type: ignore[no-untyped-def]
    """The village's persons eligible on the vote day, annotated with `voter_category` and
    `approval_id` (one query; the set-based form of eligibility.judge)."""
    vote_on = election.vote_on
    approvals = _approvals(election).filter(person=OuterRef("pk")).order_by("-approved_on", "-pk")
    opted_in = VoterOptIn.objects.filter(election=election, person=OuterRef("pk"))
    deprived = _deprived_on(vote_on).filter(person=OuterRef("pk"))
    return (
        Person._base_manager.filter(
            region_code__startswith=election.region_code,
            birth_date__lte=el.latest_birth_date(vote_on),
        )
        .exclude(residence_status__in=el.GONE)
        .annotate(
            voter_category=Case(
                When(
                    hukou_here=True,
                    residence_status__in=el.LIVING_HERE,
                    then=Value(Category.RESIDENT),
                ),
                When(
                    Q(hukou_here=True, residence_status__in=el.AWAY) & Exists(opted_in),
                    then=Value(Category.AWAY_OPTED_IN),
                ),
                When(
                    Q(
                        hukou_here=False,
                        residence_status__in=el.LIVING_HERE,
                        living_here_since__lte=el.latest_residence_start(vote_on),
                    )
                    & Exists(approvals),
                    then=Value(Category.NON_HUKOU),
                ),
                default=Value(""),
                output_field=CharField(),
            ),
            approval_id=Subquery(approvals.values("pk")[:1]),
        )
        .exclude(voter_category="")
        .exclude(Exists(deprived))
    )


def _elsewhere_bidx(election: Election, bidxs: set[str]) -> set[str]:
    """Which of these blind indexes stand on another village's roll in the same round."""
    found: set[str] = set()
    chunk = list(bidxs)
    for i in range(0, len(chunk), 900):
        found.update(
            VoterRollEntry.objects.filter(
                overlapping_elections(election),
                removed=False,
                id_number_bidx__in=chunk[i : i + 900],
            ).values_list("id_number_bidx", flat=True)
        )
    return found


def _facts(election: Election, person: Person) -> el.Facts:
    return el.Facts(
        birth_date=person.birth_date,
        hukou_here=person.hukou_here,
        residence_status=person.residence_status,
        living_here_since=person.living_here_since,
        opted_in=VoterOptIn.objects.filter(election=election, person=person).exists(),
        approved=_approvals(election).filter(person=person).exists(),
        deprived=_deprived_on(election.vote_on).filter(person=person).exists(),
    )


def judge_person(election: Election, person: Person) -> el.Verdict:
    """The verdict for one person on this election's roll (the rules, then one village)."""
    if not person.region_code.startswith(election.region_code):
        return el.Verdict(None, el.INELIGIBLE, _("此人不在本村登记。"))
    verdict = el.judge(_facts(election, person), election.vote_on)
    if (
        verdict.eligible
        and person.id_number_bidx
        and _elsewhere_bidx(election, {person.id_number_bidx})
    ):
        return el.Verdict(None, el.ONE_VILLAGE, el.reason_for(el.ONE_VILLAGE, election.vote_on))
    return verdict


@transaction.atomic
def roll_generate(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    expected_version: int | None = None,
) -> RollSummary:
    """Generate (or bring up to date) the roll from the register for the vote day. Only while
    preparing: once published, the roll changes by objections and recorded additions/removals."""
    _require(jurisdiction, election.region_code)
    if election.status != Election.Status.PREPARING:
        raise ValidationError(
            _("选民名单已公布，不能重新生成；请通过异议处理或逐人增减（须写明理由）。")
        )
    _bump(election, expected_version)
    summary = _sync_roll(election)
    now = timezone.now()
    Election._base_manager.filter(pk=election.pk).update(roll_generated_at=now)
    election.roll_generated_at = now
    audit(
        "selfgov.roll.generated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=election,
        detail={
            "total": summary.total,
            "added": summary.added,
            "reinstated": summary.reinstated,
            "updated": summary.updated,
            "removed": summary.removed,
            "elsewhere": summary.elsewhere,
        },
    )
    return summary


def _sync_roll(election: Election) -> RollSummary:
    summary = RollSummary()
    wanted = {
        pid: (bidx, cat, appr)
        for pid, bidx, cat, appr in eligible_persons(election).values_list(
            "pk", "id_number_bidx", "voter_category", "approval_id"
        )
    }
    elsewhere = _elsewhere_bidx(election, {b for b, _c, _a in wanted.values() if b})
    existing = {
        row[0]: row[1:]
        for row in VoterRollEntry.objects.filter(election=election).values_list(
            "person_id", "pk", "category", "approval_id", "removed", "removed_rule"
        )
    }
    one_village = el.reason_for(el.ONE_VILLAGE, election.vote_on)
    new_rows: list[VoterRollEntry] = []
    reinstate: list[int] = []
    to_elsewhere: list[int] = []
    updates: dict[tuple[str, int | None], list[int]] = {}
    for pid, (bidx, cat, appr) in wanted.items():
        clash = bool(bidx) and bidx in elsewhere
        if clash:
            summary.elsewhere += 1
        old = existing.get(pid)
        if old is None:
            new_rows.append(
                VoterRollEntry(
                    election=election,
                    person_id=pid,
                    id_number_bidx=bidx,
                    category=cat,
                    approval_id=appr if cat == Category.NON_HUKOU else None,
                    removed=clash,
                    removed_rule=el.ONE_VILLAGE if clash else "",
                    removed_reason=one_village if clash else "",
                )
            )
            summary.added += 0 if clash else 1
            continue
        entry_id, old_cat, old_appr, removed, removed_rule = old
        appr = appr if cat == Category.NON_HUKOU else None
        if removed and not removed_rule:
            continue  # a clerk's removal stands
        if clash:
            if not removed or removed_rule != el.ONE_VILLAGE:
                to_elsewhere.append(entry_id)
            continue
        if removed:
            reinstate.append(entry_id)
        if (old_cat, old_appr) != (cat, appr):
            updates.setdefault((cat, appr), []).append(entry_id)
            summary.updated += 0 if removed else 1
    VoterRollEntry.objects.bulk_create(new_rows, batch_size=1000)
    if reinstate:
        VoterRollEntry.objects.filter(pk__in=reinstate).update(
            removed=False, removed_rule="", removed_reason=""
        )
        summary.reinstated = len(reinstate)
    for (cat, appr), ids in updates.items():
        VoterRollEntry.objects.filter(pk__in=ids).update(category=cat, approval_id=appr)
    if to_elsewhere:
        VoterRollEntry.objects.filter(pk__in=to_elsewhere).update(
            removed=True, removed_rule=el.ONE_VILLAGE, removed_reason=one_village
        )
    # Whoever stands on the roll but is no longer eligible: removed, each with their rule.
    gone_ids = [
        pid
        for pid, (_e, _c, _a, removed, _r) in existing.items()
        if not removed and pid not in wanted
    ]
    summary.removed = len(gone_ids) + len(to_elsewhere)
    if gone_ids:
        for person in Person._base_manager.filter(pk__in=gone_ids):
            verdict = el.judge(_facts(election, person), election.vote_on)
            VoterRollEntry.objects.filter(election=election, person=person).update(
                removed=True,
                removed_rule=verdict.rule or el.INELIGIBLE,
                removed_reason=(verdict.reason or el.reason_for(el.INELIGIBLE, election.vote_on))[
                    :200
                ],
            )
    counts = roll_counts(election)
    summary.total = sum(counts.values())
    summary.by_category = counts
    return summary


def roll_counts(election: Election) -> dict[str, int]:
    from django.db.models import Count

    out = {c: 0 for c in Category.values}
    for row in (
        VoterRollEntry.objects.filter(election=election, removed=False)
        .values("category")
        .annotate(n=Count("pk"))
    ):
        out[row["category"]] = row["n"]
    return out


def registered_voters(election: Election) -> int:
    return VoterRollEntry.objects.filter(election=election, removed=False).count()


@transaction.atomic
def roll_entry_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    person: Person,
    reason: str,
    opted_in_on: date | None = None,
) -> VoterRollEntry:
    """Put one person on the roll by hand (a late opt-in or approval, an upheld objection), with
    the reason; refused with the rule when the person is not eligible."""
    _require(jurisdiction, election.region_code)
    _open(election)
    if not reason.strip():
        raise ValidationError({"reason": _("请写明增补理由。")})
    if opted_in_on is not None:
        _record_opt_in(actor, election, person, opted_in_on)
    verdict = judge_person(election, person)
    if not verdict.eligible:
        raise ValidationError({"person": verdict.reason})
    entry = VoterRollEntry.objects.filter(election=election, person=person).first()
    if entry is not None and not entry.removed:
        raise ValidationError({"person": _("此人已在选民名单上。")})
    _bump(election)
    approval = (
        _approvals(election).filter(person=person).order_by("-approved_on", "-pk").first()
        if verdict.category == Category.NON_HUKOU
        else None
    )
    if entry is None:
        entry = VoterRollEntry(election=election, person=person)
    entry.id_number_bidx = person.id_number_bidx
    entry.category = verdict.category
    entry.approval = approval
    entry.removed, entry.removed_rule, entry.removed_reason = False, "", ""
    entry.manual, entry.added_reason = True, reason.strip()[:200]
    entry.save()
    audit(
        "selfgov.roll.added",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=entry,
        detail={"election_id": election.pk, "category": entry.category},
    )
    return entry


@transaction.atomic
def roll_entry_remove(
    *, actor: Any, jurisdiction: Jurisdiction, entry: VoterRollEntry, reason: str
) -> VoterRollEntry:
    election = entry.election
    _require(jurisdiction, election.region_code)
    _open(election)
    if not reason.strip():
        raise ValidationError({"reason": _("请写明移出理由。")})
    if entry.removed:
        raise ValidationError({"person": _("此人已不在选民名单上。")})
    if Proxy.objects.filter(Q(principal=entry) | Q(holder=entry)).exists():
        raise ValidationError({"person": _("此人有委托投票记录，请先撤销委托。")})
    _bump(election)
    entry.removed, entry.removed_rule, entry.removed_reason = True, "", reason.strip()[:200]
    entry.save(update_fields=["removed", "removed_rule", "removed_reason"])
    audit(
        "selfgov.roll.removed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=entry,
        detail={"election_id": election.pk},
    )
    return entry


def _record_opt_in(actor: Any, election: Election, person: Person, on: date) -> VoterOptIn:
    if not person.hukou_here or person.residence_status not in el.AWAY:
        raise ValidationError(
            {"opted_in_on": _("只有户籍在本村、不在本村居住的村民需要表示参加选举。")}
        )
    if on > timezone.localdate() or on > election.vote_on:
        raise ValidationError({"opted_in_on": _("表示参加选举的日期不能晚于今天或选举日。")})
    opt, _created = VoterOptIn.objects.get_or_create(
        election=election, person=person, defaults={"opted_in_on": on, "recorded_by": actor}
    )
    return opt


@transaction.atomic
def optin_record(
    *, actor: Any, jurisdiction: Jurisdiction, election: Election, person: Person, opted_in_on: date
) -> VoterOptIn:
    """Category (b): record that a villager living away takes part; once a roll exists they go
    on it at once (with the same eligibility checks)."""
    _require(jurisdiction, election.region_code)
    _open(election)
    if not person.region_code.startswith(election.region_code):
        raise ValidationError({"person": _("此人不在本村登记。")})
    opt = _record_opt_in(actor, election, person, opted_in_on)
    audit(
        "selfgov.optin.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=opt,
        detail={"election_id": election.pk},
    )
    if election.roll_generated_at is not None and election.status == Election.Status.PREPARING:
        _sync_roll(election)
    return opt


# --- approvals and deprivations --------------------------------------------------------------


def _check_decision(decision: Decision, village_code: str) -> None:
    """The approving decision must be a passed decision of a 村民会议 or 代表会议 of the village
    the PERSON lives in (`village_code`, from the person's own region code), not merely of one
    inside the recording user's jurisdiction: a township user's jurisdiction covers every
    village of the township (security review L2)."""
    meeting = decision.agenda_item.meeting
    if meeting.kind not in (MeetingKind.VILLAGERS, MeetingKind.REPRESENTATIVES):
        raise ValidationError(
            {"decision": _("须由村民会议或村民代表会议作出同意决定——村民委员会组织法第十三条。")}
        )
    if meeting.region_code != village_code:
        raise ValidationError(
            {
                "decision": _(
                    "该决定不是本村（此人居住的村，%(village)s）的村民会议或村民代表会议作出的——村民委员会组织法第十三条第二款第（三）项。"
                )
                % {"village": village_code}
            }
        )
    if not decision.passed:
        raise ValidationError({"decision": _("该决定未获通过。")})


@transaction.atomic
def approval_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    applied_on: date,
    decision: Decision | None = None,
) -> NonHukouApproval:
    """A non-hukou resident's application to vote here; with the decision when the 村民会议 or
    代表会议 has approved it (approved on the meeting's day)."""
    village_code = person.region_code[:12]
    _require(jurisdiction, village_code)
    if person.hukou_here:
        raise ValidationError({"person": _("此人户籍在本村，无需申请。")})
    if person.residence_status not in el.LIVING_HERE:
        raise ValidationError({"person": el.reason_for(el.NOT_LIVING_HERE, applied_on)})
    if applied_on > timezone.localdate():
        raise ValidationError({"applied_on": _("申请日期不能晚于今天。")})
    approved_on = None
    if decision is not None:
        _check_decision(decision, village_code)
        approved_on = timezone.localtime(decision.agenda_item.meeting.scheduled_at).date()
        if approved_on < applied_on:
            raise ValidationError({"decision": _("同意决定早于申请日期。")})
    approval = NonHukouApproval._base_manager.create(
        region_id=Region.objects.only("pk").get(code=village_code).pk,
        person=person,
        applied_on=applied_on,
        decision=decision,
        approved_on=approved_on,
        recorded_by=actor,
    )
    audit(
        "selfgov.approval.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=approval,
        detail={"decision_id": decision.pk if decision else None},
    )
    return approval


@transaction.atomic
def approval_decide(
    *, actor: Any, jurisdiction: Jurisdiction, approval: NonHukouApproval, decision: Decision
) -> NonHukouApproval:
    _require(jurisdiction, approval.region_code)
    if approval.decision_id is not None:
        raise ValidationError({"decision": _("该申请已有同意决定。")})
    _check_decision(decision, approval.region_code[:12])
    approval.decision = decision
    approval.approved_on = timezone.localtime(decision.agenda_item.meeting.scheduled_at).date()
    approval.save(update_fields=["decision", "approved_on"])
    audit("selfgov.approval.decided", actor=actor, jurisdiction=jurisdiction, obj=approval)
    return approval


@transaction.atomic
def deprivation_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    since: date,
    until: date | None,
    basis: str,
) -> RightsDeprivation:
    """A deprivation of political rights (a court's judgment). Rolls of elections not yet past
    their results lose the person when the vote day falls inside it."""
    _require(jurisdiction, person.region_code)
    if not basis.strip():
        raise ValidationError({"basis": _("请填写判决文书编号。")})
    if until is not None and until < since:
        raise ValidationError({"until": _("终止日期不能早于起始日期。")})
    row = RightsDeprivation._base_manager.create(
        region_id=person.region_id,
        person=person,
        since=since,
        until=until,
        basis=basis.strip()[:200],
        recorded_by=actor,
    )
    hit = Q(election__vote_on__gte=since)
    if until is not None:
        hit &= Q(election__vote_on__lte=until)
    VoterRollEntry.objects.filter(
        hit,
        person=person,
        removed=False,
        election__status__in=(Election.Status.PREPARING, Election.Status.ROLL_PUBLISHED),
    ).update(
        removed=True,
        removed_rule=el.DEPRIVED,
        removed_reason=el.reason_for(el.DEPRIVED, since)[:200],
    )
    audit("selfgov.deprivation.recorded", actor=actor, jurisdiction=jurisdiction, obj=row)
    return row


# --- the timetable: publication and objections (Art. 14) -------------------------------------


@transaction.atomic
def roll_publish(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    on: date | None = None,
    expected_version: int | None = None,
) -> Election:
    """Publish the roll on `on` (default today): at least ROLL_PUBLISH_MIN_DAYS_BEFORE days
    before the vote, or refused with the rule named."""
    _require(jurisdiction, election.region_code)
    on = on or timezone.localdate()
    if election.status != Election.Status.PREPARING:
        raise ValidationError(_("选民名单已经公布。"))
    if election.roll_generated_at is None:
        raise ValidationError(_("请先生成选民名单。"))
    if on > timezone.localdate():
        raise ValidationError({"roll_published_on": _("公布日期不能晚于今天。")})
    if not el.publication_in_time(on, election.vote_on):
        raise ValidationError(
            {
                "roll_published_on": _(
                    "选民名单应当在选举日%(n)s日以前公布（最迟%(last)s），现距选举日只有%(d)s日——村民委员会组织法第十四条。"
                )
                % {
                    "n": rule("ROLL_PUBLISH_MIN_DAYS_BEFORE"),
                    "last": el.latest_publication(election.vote_on).isoformat(),
                    "d": (election.vote_on - on).days,
                }
            }
        )
    _bump(election, expected_version)
    Election._base_manager.filter(pk=election.pk).update(
        status=Election.Status.ROLL_PUBLISHED, roll_published_on=on
    )
    election.status, election.roll_published_on = Election.Status.ROLL_PUBLISHED, on
    audit(
        "selfgov.roll.published",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=election,
        detail={"published_on": on.isoformat(), "voters": registered_voters(election)},
    )
    return election


@transaction.atomic
def objection_file(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    text: str,
    filed_by_name: str,
    filed_on: date | None = None,
    entry: VoterRollEntry | None = None,
    subject: Person | None = None,
) -> RollObjection:
    """An objection to the published roll (someone wrongly on it: `entry`; someone missing:
    `subject`), within ROLL_OBJECTION_DAYS of publication."""
    _require(jurisdiction, election.region_code)
    filed_on = filed_on or timezone.localdate()
    errors: dict[str, str] = {}
    if election.status != Election.Status.ROLL_PUBLISHED or election.roll_published_on is None:
        raise ValidationError(_("选民名单尚未公布或选举已结束，不能提出异议。"))
    if filed_on > timezone.localdate():
        errors["filed_on"] = _("提出日期不能晚于今天。")
    elif filed_on < election.roll_published_on:
        errors["filed_on"] = _("提出日期不能早于名单公布日期。")
    elif filed_on > el.objection_deadline(election.roll_published_on):
        errors["filed_on"] = _(
            "对选民名单有异议的，应当自名单公布之日起%(n)s日内提出（截至%(last)s）——村民委员会组织法第十四条。"
        ) % {
            "n": rule("ROLL_OBJECTION_DAYS"),
            "last": el.objection_deadline(election.roll_published_on).isoformat(),
        }
    if not text.strip():
        errors["text"] = _("请填写异议内容。")
    if not filed_by_name.strip():
        errors["filed_by_name"] = _("请填写提出人。")
    if entry is not None and entry.election_id != election.pk:
        errors["entry"] = _("该选民不在本次选举的名单上。")
    if subject is not None and not subject.region_code.startswith(election.region_code):
        errors["subject"] = _("此人不在本村登记。")
    if errors:
        raise ValidationError(errors)
    objection = RollObjection.objects.create(
        election=election,
        entry=entry,
        subject=subject if entry is None else entry.person,
        text=text.strip(),
        filed_on=filed_on,
        filed_by_name=filed_by_name.strip()[:60],
        recorded_by=actor,
    )
    audit(
        "selfgov.objection.filed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=objection,
        detail={"election_id": election.pk},
    )
    return objection


@transaction.atomic
def objection_answer(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    objection: RollObjection,
    answer: str,
    upheld: bool,
    answered_on: date | None = None,
) -> RollObjection:
    """Answer an objection (due ROLL_ANSWER_DAYS after it was filed; a late answer is still
    recorded and shown as late). Upheld: the entry objected to leaves the roll, or the person
    said to be missing is added — if the rules allow."""
    election = objection.election
    _require(jurisdiction, election.region_code)
    answered_on = answered_on or timezone.localdate()
    if objection.answered_on is not None:
        raise ValidationError(_("该异议已经答复。"))
    if not answer.strip():
        raise ValidationError({"answer": _("请填写答复内容。")})
    if answered_on < objection.filed_on or answered_on > timezone.localdate():
        raise ValidationError({"answered_on": _("答复日期须在提出日期与今天之间。")})
    if upheld:
        reason = _("异议成立（%(date)s）") % {"date": answered_on.isoformat()}
        if objection.entry is not None:
            roll_entry_remove(
                actor=actor, jurisdiction=jurisdiction, entry=objection.entry, reason=reason
            )
        elif objection.subject is not None:
            roll_entry_add(
                actor=actor,
                jurisdiction=jurisdiction,
                election=election,
                person=objection.subject,
                reason=reason,
            )
    objection.answer, objection.upheld, objection.answered_on = answer.strip(), upheld, answered_on
    objection.save(update_fields=["answer", "upheld", "answered_on"])
    audit(
        "selfgov.objection.answered",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=objection,
        detail={"upheld": upheld, "late": answered_on > el.answer_due(objection.filed_on)},
    )
    return objection


# --- proxies (Art. 15) -----------------------------------------------------------------------


def near_relation(a: Person, b: Person) -> str | None:
    """The near relation of `b` to `a` from the register (None: not near, or the register cannot
    tell — two households with no recorded link)."""
    from cunshe.selfgov import kinship

    if a.household_id == b.household_id:
        kin = kinship.near_in_household(a.relationship, b.relationship)
    else:
        members = [
            kinship.Member(p.pk, p.household_id, p.relationship)
            for p in Person._base_manager.filter(household_id__in=(a.household_id, b.household_id))
        ]
        kin = kinship.near_relative(a.pk, b.pk, members)
    return None if kin is None else str(kin.label)


@transaction.atomic
def proxy_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    principal: VoterRollEntry,
    holder: VoterRollEntry,
    written_on: date,
) -> Proxy:
    """A written proxy: both on the roll, the holder a near relative of the principal, and no
    holder with more than PROXY_MAX_PER_HOLDER principals."""
    _require(jurisdiction, election.region_code)
    _open(election)
    errors: dict[str, str] = {}
    for field, entry in (("principal", principal), ("holder", holder)):
        if entry.election_id != election.pk or entry.removed:
            errors[field] = _("此人不在本次选举的选民名单上。")
    if principal.pk == holder.pk:
        errors["holder"] = _("不能委托本人。")
    if written_on > timezone.localdate() or written_on > election.vote_on:
        errors["written_on"] = _("委托日期不能晚于今天或选举日。")
    if errors:
        raise ValidationError(errors)
    Election._base_manager.select_for_update().get(pk=election.pk)  # serialise the cap
    if Proxy.objects.filter(election=election, principal=principal).exists():
        raise ValidationError({"principal": _("此人已委托他人投票。")})
    if Proxy.objects.filter(election=election, principal=holder).exists():
        raise ValidationError({"holder": _("受托人本人已委托他人投票，不能再接受委托。")})
    relation = near_relation(principal.person, holder.person)
    if relation is None:
        raise ValidationError(
            {
                "holder": _(
                    "受托人须是委托人的近亲属（按户籍登记的家庭关系）——村民委员会组织法第十五条。"
                )
            }
        )
    cap = rule("PROXY_MAX_PER_HOLDER")
    if Proxy.objects.filter(election=election, holder=holder).count() >= cap:
        raise ValidationError(
            {
                "holder": _("每一受托人接受委托不得超过%(n)s人——村民委员会组织法第十五条。")
                % {"n": cap}
            }
        )
    proxy = Proxy.objects.create(
        election=election,
        principal=principal,
        holder=holder,
        relation=relation[:20],
        written_on=written_on,
        recorded_by=actor,
    )
    audit(
        "selfgov.proxy.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=proxy,
        detail={"election_id": election.pk},
    )
    return proxy


@transaction.atomic
def proxy_revoke(*, actor: Any, jurisdiction: Jurisdiction, proxy: Proxy) -> None:
    election = proxy.election
    _require(jurisdiction, election.region_code)
    _open(election)
    pk = proxy.pk
    proxy.delete()
    audit(
        "selfgov.proxy.revoked",
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="selfgov.proxy",
        object_id=pk,
        detail={"election_id": election.pk},
    )


# --- candidates and results (Art. 15) --------------------------------------------------------


@transaction.atomic
def candidate_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    person: Person,
    position: str,
    round: int = 1,
) -> Candidate:
    _require(jurisdiction, election.region_code)
    if election.status == Election.Status.CANCELLED:
        raise ValidationError(_("该选举已取消。"))
    if not position.strip():
        raise ValidationError({"position": _("请填写职位。")})
    if not VoterRollEntry.objects.filter(election=election, person=person, removed=False).exists():
        raise ValidationError({"person": _("候选人须是本次选举的登记选民。")})
    if ElectionResult.objects.filter(election=election, round=round).exists():
        raise ValidationError({"round": _("该轮已录入结果。")})
    if Candidate.objects.filter(
        election=election, person=person, position=position.strip(), round=round
    ).exists():
        raise ValidationError({"person": _("此人已是该职位本轮的候选人。")})
    candidate = Candidate.objects.create(
        election=election, person=person, position=position.strip()[:20], round=round
    )
    audit("selfgov.candidate.added", actor=actor, jurisdiction=jurisdiction, obj=candidate)
    return candidate


def winners(votes: dict[int, int], ballots_cast: int, seats_left: int, *, runoff: bool) -> set[int]:
    """Candidates elected in one round: those over the threshold (more than half; a run-off at
    least one third) by most votes, up to the seats left; a tie across the last seat elects
    none of the tied (they go to another round)."""
    passing = sorted(
        ((v, cid) for cid, v in votes.items() if el.wins(v, ballots_cast, runoff=runoff)),
        reverse=True,
    )
    if len(passing) <= seats_left:
        return {cid for _v, cid in passing}
    cut = passing[seats_left - 1][0] if seats_left > 0 else None
    if cut is None:
        return set()
    above = {cid for v, cid in passing if v > cut}
    at_cut = [cid for v, cid in passing if v == cut]
    if len(above) + len(at_cut) <= seats_left:
        return above | set(at_cut)
    return above


@transaction.atomic
def result_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    election: Election,
    ballots_cast: int,
    invalid_ballots: int,
    votes: dict[int, int],
    round: int = 1,
) -> ElectionResult:
    """One round's count. Registered voters = the roll. Valid only with more than half of them
    voting; in round 1 a candidate needs more than half of the ballots cast, in a run-off at
    least one third."""
    _require(jurisdiction, election.region_code)
    if election.status not in (Election.Status.ROLL_PUBLISHED, Election.Status.RESULTS):
        raise ValidationError(_("选民名单公布后才能录入选举结果。"))
    if timezone.localdate() < election.vote_on:
        raise ValidationError(_("选举日之前不能录入结果。"))
    if ElectionResult.objects.filter(election=election, round=round).exists():
        raise ValidationError({"round": _("该轮结果已录入。")})
    if (
        round > 1
        and not ElectionResult.objects.filter(
            election=election, round=round - 1, valid=True
        ).exists()
    ):
        raise ValidationError({"round": _("上一轮选举有效后才能另行选举。")})
    registered = registered_voters(election)
    candidates = {c.pk: c for c in Candidate.objects.filter(election=election, round=round)}
    errors: dict[str, str] = {}
    if ballots_cast < 0 or ballots_cast > registered:
        errors["ballots_cast"] = _("投票人数须在0至登记选民数（%(n)s）之间。") % {"n": registered}
    if invalid_ballots < 0 or invalid_ballots > max(ballots_cast, 0):
        errors["invalid_ballots"] = _("无效票数不能超过投票人数。")
    if not candidates:
        errors["votes"] = _("本轮没有候选人。")
    elif set(votes) != set(candidates):
        errors["votes"] = _("请为本轮每位候选人填写得票数。")
    elif any(v < 0 or v > ballots_cast - invalid_ballots for v in votes.values()):
        errors["votes"] = _("候选人得票数不能超过有效票数。")
    if errors:
        raise ValidationError(errors)
    valid = el.turnout_valid(ballots_cast, registered)
    elected: set[int] = set()
    if valid:
        already = Candidate.objects.filter(election=election, elected=True).count()
        elected = winners(votes, ballots_cast, max(election.seats - already, 0), runoff=round > 1)
    for cid, candidate in candidates.items():
        candidate.votes = votes[cid]
        candidate.elected = cid in elected
        candidate.save(update_fields=["votes", "elected"])
    result = ElectionResult.objects.create(
        election=election,
        round=round,
        registered=registered,
        ballots_cast=ballots_cast,
        invalid_ballots=invalid_ballots,
        valid=valid,
        recorded_by=actor,
    )
    if valid:
        Election._base_manager.filter(pk=election.pk).update(
            status=Election.Status.RESULTS, version=F("version") + 1
        )
        election.status = Election.Status.RESULTS
    audit(
        "selfgov.result.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=result,
        detail={
            "election_id": election.pk,
            "round": round,
            "valid": valid,
            "elected": len(elected),
        },
    )
    return result


# --- recall (Art. 16) ------------------------------------------------------------------------


def recall_base(village_code: str, on: date, *, by_representatives: bool) -> int:
    """Who may sign: the representatives serving on `on`, or the voters on the village's latest
    published roll."""
    if by_representatives:
        return Membership._base_manager.filter(
            Q(end__isnull=True) | Q(end__gte=on),
            body__village_code=village_code,
            body__kind=BodyKind.ASSEMBLY,
            position=Position.REPRESENTATIVE,
            start__lte=on,
        ).count()
    latest = (
        Election._base_manager.filter(
            region_code=village_code,
            status__in=(Election.Status.ROLL_PUBLISHED, Election.Status.RESULTS),
        )
        .order_by("-vote_on", "-pk")
        .first()
    )
    return registered_voters(latest) if latest is not None else 0


@transaction.atomic
def recall_file(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    member: Membership,
    reason: str,
    signatures: int,
    by_representatives: bool = False,
    filed_on: date | None = None,
) -> RecallPetition:
    """A recall request for a member of the villagers' committee, refused unless signed by at
    least 1/5 of the voters (or 1/3 of the representatives)."""
    village_code = member.body.village_code
    _require(jurisdiction, village_code)
    filed_on = filed_on or timezone.localdate()
    if member.body.kind != BodyKind.COMMITTEE:
        raise ValidationError({"member": _("只能罢免村民委员会成员。")})
    if member.end is not None and member.end < filed_on:
        raise ValidationError({"member": _("此人已不在任。")})
    if not reason.strip():
        raise ValidationError({"reason": _("请写明罢免理由。")})
    base = recall_base(village_code, filed_on, by_representatives=by_representatives)
    if base == 0:
        raise ValidationError(
            {"signatures": _("没有可作为基数的选民名单或村民代表，无法计算联名人数。")}
        )
    if signatures < 0 or signatures > base:
        raise ValidationError({"signatures": _("联名人数须在0至%(n)s之间。") % {"n": base}})
    if not el.recall_may_be_requested(signatures, base, by_representatives=by_representatives):
        name = "RECALL_REQUEST_REPRESENTATIVES" if by_representatives else "RECALL_REQUEST_VOTERS"
        num, den = rule(name)
        who = _("村民代表") if by_representatives else _("有选举权的村民")
        raise ValidationError(
            {
                "signatures": _(
                    "罢免要求须由本村%(who)s%(num)s/%(den)s以上联名提出（%(base)s人中至少%(need)s人），现有%(n)s人——村民委员会组织法第十六条。"
                )
                % {
                    "who": who,
                    "num": num,
                    "den": den,
                    "base": base,
                    "need": -(-base * num // den),
                    "n": signatures,
                }
            }
        )
    petition = RecallPetition._base_manager.create(
        region_id=member.body.region_id if len(member.region_code) == 12 else member.region_id,
        member=member,
        reason=reason.strip(),
        filed_on=filed_on,
        by_representatives=by_representatives,
        signatures=signatures,
        eligible_base=base,
        threshold_met=True,
        recorded_by=actor,
    )
    audit("selfgov.recall.filed", actor=actor, jurisdiction=jurisdiction, obj=petition)
    return petition


@transaction.atomic
def recall_result(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    petition: RecallPetition,
    voters_registered: int,
    voters_voting: int,
    votes_for: int,
    voted_on: date | None = None,
) -> RecallPetition:
    """The recall vote: passed with more than half of the registered voters voting and more
    than half of those voting in favour; a passed recall ends the membership on the vote day."""
    _require(jurisdiction, petition.region_code)
    voted_on = voted_on or timezone.localdate()
    if petition.passed is not None:
        raise ValidationError(_("该罢免已有表决结果。"))
    if not 0 <= voters_voting <= voters_registered:
        raise ValidationError({"voters_voting": _("参加投票人数不能超过登记选民数。")})
    if not 0 <= votes_for <= voters_voting:
        raise ValidationError({"votes_for": _("赞成票不能超过参加投票人数。")})
    passed = el.recall_passes(voters_registered, voters_voting, votes_for)
    petition.voters_registered = voters_registered
    petition.voters_voting = voters_voting
    petition.votes_for = votes_for
    petition.passed = passed
    petition.save(update_fields=["voters_registered", "voters_voting", "votes_for", "passed"])
    if passed:
        Membership._base_manager.filter(pk=petition.member_id).update(end=voted_on)
    audit(
        "selfgov.recall.decided",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=petition,
        detail={"passed": passed},
    )
    return petition
