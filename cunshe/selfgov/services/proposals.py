"""Proposals, co-signatures and the convene threshold (Art. 21), and consultation records.

- A villager (selfgov.participate) proposes in their own village and is its first signature;
  a clerk or leader (selfgov.manage) records a paper proposal or signature for a named villager.
- One signature per person (a DB constraint; a second is refused, nothing recorded).
- When villagers' signatures reach 1/10 of the village's adults (VILLAGERS_MEETING_REQUEST_
  VILLAGERS, at least) or representatives' reach 1/3 of the serving representatives
  (VILLAGERS_MEETING_REQUEST_REPRESENTATIVES), the proposal "must convene": the date, the bases
  and a deadline (CONVENE_WITHIN_DAYS) are fixed and the committee is told.
- The deadline is met by linking a 村民会议 of the village convened at the villagers' or
  representatives' request (Meeting.requested_by); a meeting noticed after the deadline is
  linked all the same and shows as late.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import ROLE_PERMISSIONS
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.notifications import notify
from cunshe.regions.models import Kind, Level, Region
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models import Consultation, Meeting, MeetingKind, Proposal, ProposalSignature
from cunshe.selfgov.rules import rule
from cunshe.selfgov.selectors import proposals as sel
from cunshe.selfgov.selectors.bodies import adults

MANAGE = sel.MANAGE
PARTICIPATE = sel.PARTICIPATE
MAX_TITLE = 200
MAX_TEXT = 4000
_COMMITTEE_ROLES = sorted(r for r, perms in ROLE_PERMISSIONS.items() if MANAGE in perms)


def _check_version(row: Any, expected: int | None) -> None:
    if expected is not None and row.version != expected:
        raise ConcurrentEdit(_("已被他人修改，请刷新页面后再操作。"))


def _is_village(region: Region | None) -> bool:
    return (
        region is not None and region.level == Level.VILLAGE and region.kind == Kind.RURAL_VILLAGE
    )


def _acting_person(
    jurisdiction: Jurisdiction, actor: Any, village_code: str, person: Person | None
) -> tuple[Person, bool]:
    """(the signer, on paper?): staff name the villager; a villager signs for themself."""
    if not jurisdiction.covers(village_code):
        raise PermissionDenied(_("只有本村村民可以参与本村的提议。"))
    if jurisdiction.has_perm(MANAGE):
        if person is None:
            raise ValidationError({"person": _("请选择代为登记的村民。")})
        return person, True
    if not jurisdiction.has_perm(PARTICIPATE):
        raise PermissionDenied(_("只有本村村民可以参与本村的提议。"))
    own = sel.person_of_user(jurisdiction, village_code, actor)
    if own is None:
        raise ValidationError(
            {"person": _("在本村户籍登记中找不到与您的手机号对应的村民，请到村委会登记联署。")}
        )
    return own, False


def _eligibility(
    jurisdiction: Jurisdiction, village_code: str, person: Person, on: date
) -> tuple[bool, bool]:
    """(counts as an adult villager, counts as a representative) on `on`; refuse neither."""
    if not person.region_code.startswith(village_code):
        raise ValidationError({"person": _("只有本村村民可以联署。")})
    villager = adults(jurisdiction, village_code, on).filter(pk=person.pk).exists()
    rep = sel.representatives(jurisdiction, village_code, on).filter(person=person).exists()
    if not (villager or rep):
        raise ValidationError(
            {"person": _("联署人须为在本村居住的年满十八周岁村民或本村村民代表"
                         "（村民委员会组织法第二十一条）。")}
        )  # fmt: skip
    return villager, rep


def _committee(village_code: str) -> list[User]:
    held = RoleAssignment.objects.active().filter(
        region_code=village_code, role__in=_COMMITTEE_ROLES
    )
    return list(User.objects.filter(is_active=True, pk__in=held.values("user_id")).order_by("pk"))


def _add_signature(
    jurisdiction: Jurisdiction, actor: Any, proposal: Proposal, person: Person, on_paper: bool
) -> ProposalSignature:
    today = timezone.localdate()
    villager, rep = _eligibility(jurisdiction, proposal.region_code, person, today)
    if proposal.signatures.filter(person=person).exists():
        raise ValidationError({"person": _("%(name)s已经联署过这项提议，每人只能联署一次。")
                               % {"name": person.name}})  # fmt: skip
    try:
        with transaction.atomic():
            row = ProposalSignature.objects.create(
                proposal=proposal, person=person, as_villager=villager, as_representative=rep,
                on_paper=on_paper, signed_at=timezone.now(), recorded_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError({"person": _("%(name)s已经联署过这项提议，每人只能联署一次。")
                               % {"name": person.name}}) from exc  # fmt: skip
    proposal.villager_signatures += int(villager)
    proposal.representative_signatures += int(rep)
    fields = ["villager_signatures", "representative_signatures", "version"]
    if proposal.reached_on is None:
        fields += _check_threshold(jurisdiction, proposal, today)
    proposal.version += 1
    proposal.save(update_fields=fields)
    return row


def _check_threshold(jurisdiction: Jurisdiction, proposal: Proposal, today: date) -> list[str]:
    standing = sel.standing(jurisdiction, proposal, today)
    if not (standing.by_villagers or standing.by_representatives):
        return []
    proposal.status = Proposal.Status.MUST_CONVENE
    proposal.reached_on = today
    proposal.reached_by = "villagers" if standing.by_villagers else "representatives"
    proposal.base_adults = standing.adults
    proposal.base_representatives = standing.representatives
    proposal.convene_by = today + timedelta(days=rule("CONVENE_WITHIN_DAYS"))
    for user in _committee(proposal.region_code):
        notify(
            recipient=user,
            subject=_("村民提议已达到召开村民会议的联署人数"),
            body=_("“%(title)s”的联署已达到法定人数，请在%(by)s前召集村民会议。")
            % {"title": proposal.title, "by": proposal.convene_by.isoformat()},
            link=f"/gov/proposals/{proposal.pk}/",
        )
    return ["status", "reached_on", "reached_by", "base_adults", "base_representatives",
            "convene_by"]  # fmt: skip


def _insert(model, **fields):  # type: ignore[no-untyped-def]
    """Create a scoped row (the bare manager refuses unscoped use; saving needs no scope)."""
    row = model(**fields)
    row.save(force_insert=True)
    return row


def _clean(value: str, field: str, limit: int, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError({field: _("最多%(n)s字。") % {"n": limit}})
    if "\x00" in text:
        raise ValidationError({field: _("不能包含空字符。")})
    return text


@transaction.atomic
def proposal_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    title: str,
    text: str,
    proposer: Person | None = None,
) -> Proposal:
    """A proposal in `village`; the proposer's signature is its first."""
    if not _is_village(village):
        raise ValidationError({"village": _("提议须属于一个村。")})
    person, on_paper = _acting_person(jurisdiction, actor, village.code, proposer)
    title = _clean(title, "title", MAX_TITLE, _("请填写议题。"))
    text = _clean(text, "text", MAX_TEXT, _("请写明提议内容。"))
    _eligibility(jurisdiction, village.code, person, timezone.localdate())
    proposal = _insert(Proposal,
        region=village, title=title, text=text, proposer=person, on_paper=on_paper,
        created_by=actor,
    )  # fmt: skip
    _add_signature(jurisdiction, actor, proposal, person, on_paper)
    audit("selfgov.proposal.created", actor=actor, jurisdiction=jurisdiction, obj=proposal,
          detail={"on_paper": on_paper, "status": proposal.status})  # fmt: skip
    return proposal


@transaction.atomic
def proposal_sign(
    *, actor: Any, jurisdiction: Jurisdiction, proposal: Proposal, person: Person | None = None
) -> ProposalSignature:
    """One co-signature (the villager's own, or a paper one recorded by the committee)."""
    signer, on_paper = _acting_person(jurisdiction, actor, proposal.region_code, person)
    row = Proposal.objects.within(jurisdiction).select_for_update().get(pk=proposal.pk)
    if row.status not in (Proposal.Status.OPEN, Proposal.Status.MUST_CONVENE):
        raise ValidationError({"person": _("这项提议已%(status)s，不再征集联署。")
                               % {"status": row.get_status_display()}})  # fmt: skip
    was = row.status
    signature = _add_signature(jurisdiction, actor, row, signer, on_paper)
    audit("selfgov.proposal.signed", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"signature": signature.pk, "on_paper": on_paper,
                  "representative": signature.as_representative,
                  "reached": was != row.status})  # fmt: skip
    for name in ("status", "villager_signatures", "representative_signatures", "reached_on",
                 "convene_by", "version"):  # fmt: skip
        setattr(proposal, name, getattr(row, name))
    return signature


@transaction.atomic
def proposal_link_meeting(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    proposal: Proposal,
    meeting: Meeting,
    expected_version: int | None = None,
) -> Proposal:
    """Meet the obligation: the 村民会议 convened at the villagers' or representatives' request."""
    if not (jurisdiction.has_perm(MANAGE) and jurisdiction.covers(proposal.region_code)):
        raise PermissionDenied(_("只有村委会可以登记召集的村民会议。"))
    row = Proposal.objects.within(jurisdiction).select_for_update().get(pk=proposal.pk)
    _check_version(row, expected_version)
    if row.status != Proposal.Status.MUST_CONVENE:
        raise ValidationError(
            {"meeting": _("只有达到联署人数、须召开村民会议的提议才能关联会议。")}
        )
    if meeting.kind != MeetingKind.VILLAGERS or meeting.region_code != row.region_code:
        raise ValidationError(
            {"meeting": _("须关联本村的村民会议（村民委员会组织法第二十一条）。")}
        )
    if meeting.requested_by not in (Meeting.RequestedBy.VILLAGERS,
                                    Meeting.RequestedBy.REPRESENTATIVES):  # fmt: skip
        raise ValidationError(
            {"meeting": _("这次村民会议的召集依据不是村民或村民代表提议；"
                          "请按提议召集（提前十日通知）。")}
        )  # fmt: skip
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({"meeting": _("这次会议已取消。")})
    row.meeting = meeting
    row.linked_at = timezone.now()
    row.status = Proposal.Status.CONVENED
    row.version += 1
    row.save(update_fields=["meeting", "linked_at", "status", "version"])
    late = row.convene_by is not None and meeting.notice_on > row.convene_by
    audit("selfgov.proposal.convened", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"meeting": meeting.pk, "late": late})  # fmt: skip
    return row


@transaction.atomic
def proposal_withdraw(
    *, actor: Any, jurisdiction: Jurisdiction, proposal: Proposal, reason: str
) -> Proposal:
    """The committee records that the proposer withdrew (only before the threshold)."""
    if not (jurisdiction.has_perm(MANAGE) and jurisdiction.covers(proposal.region_code)):
        raise PermissionDenied(_("只有村委会可以登记撤回。"))
    reason = _clean(reason, "reason", 300, _("请写明撤回原因。"))
    row = Proposal.objects.within(jurisdiction).select_for_update().get(pk=proposal.pk)
    if row.status != Proposal.Status.OPEN:
        raise ValidationError({"reason": _("已达到联署人数的提议不能撤回，须召集村民会议。")})
    row.status = Proposal.Status.WITHDRAWN
    row.version += 1
    row.save(update_fields=["status", "version"])
    audit("selfgov.proposal.withdrawn", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"reason": reason})  # fmt: skip
    return row


# --- consultation (协商) -----------------------------------------------------------------------

_STAGE_FIELDS = {
    Consultation.Stage.DISCUSSED: ("discussed_on", "discussion"),
    Consultation.Stage.CONCLUDED: ("concluded_on", "outcome"),
    Consultation.Stage.IMPLEMENTED: ("implemented_on", "implementation"),
    Consultation.Stage.FEEDBACK: ("feedback_on", "feedback"),
}


def _stage_date(c: Consultation, stage: int) -> date:
    if stage == Consultation.Stage.NOTICED:
        return c.notice_on
    return getattr(c, _STAGE_FIELDS[Consultation.Stage(stage)][0])


@transaction.atomic
def consultation_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    topic: str,
    parties: str,
    notice_on: date,
    notice_how: str,
    proposal: Proposal | None = None,
) -> Consultation:
    if not (jurisdiction.has_perm(MANAGE) and jurisdiction.covers(village.code)):
        raise PermissionDenied(_("只有村委会可以登记协商。"))
    if not _is_village(village):
        raise ValidationError({"village": _("协商须属于一个村。")})
    topic = _clean(topic, "topic", 200, _("请填写协商议题。"))
    parties = _clean(parties, "parties", 1000, _("请写明参与协商的各方。"))
    notice_how = _clean(
        notice_how, "notice_how", 200, _("请写明通知方式（如公告栏、广播、微信群）。")
    )
    if notice_on > timezone.localdate():
        raise ValidationError({"notice_on": _("通知日期不能晚于今天。")})
    if proposal is not None and proposal.region_code != village.code:
        raise ValidationError({"proposal": _("关联的提议须属于同一个村。")})
    row = _insert(Consultation,
        region=village, topic=topic, parties=parties, notice_on=notice_on,
        notice_how=notice_how, proposal=proposal, created_by=actor,
    )  # fmt: skip
    audit("selfgov.consultation.created", actor=actor, jurisdiction=jurisdiction, obj=row)
    return row


@transaction.atomic
def consultation_advance(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    consultation: Consultation,
    stage: int,
    on: date,
    text: str,
    expected_version: int | None = None,
) -> Consultation:
    """Record the next stage (discussion, outcome, implementation, feedback), in order, dated
    no earlier than the stage before and no later than today."""
    if not (jurisdiction.has_perm(MANAGE) and jurisdiction.covers(consultation.region_code)):
        raise PermissionDenied(_("只有村委会可以登记协商。"))
    row = Consultation.objects.within(jurisdiction).select_for_update().get(pk=consultation.pk)
    _check_version(row, expected_version)
    if row.stage >= Consultation.Stage.FEEDBACK:
        raise ValidationError({"stage": _("协商记录已完成。")})
    if stage != row.stage + 1:
        raise ValidationError(
            {"stage": _("须依次记录：下一步是“%(next)s”。")
             % {"next": Consultation.Stage(row.stage + 1).label}}
        )  # fmt: skip
    previous = _stage_date(row, row.stage)
    if on < previous:
        raise ValidationError({"on": _("日期不能早于上一步（%(d)s）。") % {"d": previous}})
    if on > timezone.localdate():
        raise ValidationError({"on": _("日期不能晚于今天。")})
    text = _clean(text, "text", 4000, _("请填写内容。"))
    date_field, text_field = _STAGE_FIELDS[Consultation.Stage(stage)]
    setattr(row, date_field, on)
    setattr(row, text_field, text)
    row.stage = stage
    row.version += 1
    row.save(update_fields=[date_field, text_field, "stage", "version"])
    audit("selfgov.consultation.advanced", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"stage": int(stage)})  # fmt: skip
    return row
