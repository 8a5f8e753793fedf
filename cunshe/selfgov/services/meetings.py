"""Writes of meetings: convene (with the notice rule), add agenda items, open (fixing the
quorum's bases), sign attendees in or out, record decisions (only with a quorum; passed only by
more than half of those present), close, cancel; keep files with a meeting (attachments).

Each service is atomic and writes one audit event; a refusal raises ValidationError naming the
rule and records nothing.
"""

from __future__ import annotations

import hashlib
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov import quorum as q
from cunshe.selfgov.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyKind,
    Decision,
    DecisionVote,
    Meeting,
    MeetingAttachment,
    MeetingKind,
)
from cunshe.selfgov.rules import rule
from cunshe.selfgov.selectors import meetings as sel
from cunshe.selfgov.selectors.bodies import MANAGE, adult_cutoff
from cunshe.servicedesk.services.applications import sniff_content_type

Status = Meeting.Status
RequestedBy = Meeting.RequestedBy
MAX_ITEMS = 30

NOTICE_RULE = gettext_lazy(
    "村民提议或村民代表提议召集的村民会议，应当提前%(days)s天通知村民（村民委员会组织法第二十一条）"
)
NO_QUORUM_RULE = gettext_lazy("会议未达到法定人数，不能作出决定")
MAJORITY_RULE = gettext_lazy("所作决定应当经到会人员的过半数同意")

QUORUM_RULES = {
    MeetingKind.VILLAGERS: gettext_lazy(
        "村民会议应当有本村十八周岁以上村民的过半数，或者本村三分之二以上的户的代表参加（第二十二条）"
    ),
    MeetingKind.REPRESENTATIVES: gettext_lazy(
        "村民代表会议有三分之二以上的组成人员参加方可召开（第二十六条）"
    ),
    MeetingKind.GROUP: gettext_lazy(
        "村民小组会议应当有本村民小组十八周岁以上的村民三分之二以上，或者本村民小组三分之二以上的户的代表参加（第二十八条）"
    ),
}
BODY_QUORUM_RULE = gettext_lazy("应当有过半数的组成人员到会")


def quorum_rule_text(kind: str) -> str:
    return str(QUORUM_RULES.get(kind, BODY_QUORUM_RULE))


def _require(jurisdiction: Jurisdiction, code: str) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)


def _check_version(meeting: Meeting, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != meeting.version:
        raise ConcurrentEdit()


def _lock(jurisdiction: Jurisdiction, meeting: Meeting) -> Meeting:
    """The meeting row re-read under a lock, so concurrent sign-ins and decisions serialise."""
    return (
        Meeting.objects.within(jurisdiction)
        .select_for_update(of=("self",))
        .select_related("region", "body")
        .get(pk=meeting.pk)
    )


def _bump(meeting: Meeting, *fields: str) -> None:
    meeting.version += 1
    meeting.save(update_fields=[*fields, "version"])


def _clean_agenda(agenda: list[str]) -> list[str]:
    items = [" ".join(str(t).split()) for t in agenda or []]
    items = [t for t in items if t]
    if not items:
        raise ValidationError({"agenda": _("至少要有一个议题。")})
    if len(items) > MAX_ITEMS:
        raise ValidationError({"agenda": _("议题最多%(n)s个。") % {"n": MAX_ITEMS}})
    if any(len(t) > 200 for t in items):
        raise ValidationError({"agenda": _("每个议题最多200字。")})
    return items


def check_notice(kind: str, requested_by: str, notice_on: date, meeting_day: date) -> None:
    """Art. 21: a 村民会议 requested by villagers or representatives needs
    VILLAGERS_MEETING_NOTICE_DAYS days' notice (notice 10 days before: accepted, 9: refused)."""
    if notice_on > meeting_day:
        raise ValidationError({"notice_on": _("通知日期不能晚于开会日期。")})
    if kind != MeetingKind.VILLAGERS:
        return
    if requested_by not in (RequestedBy.VILLAGERS, RequestedBy.REPRESENTATIVES):
        return
    days = rule("VILLAGERS_MEETING_NOTICE_DAYS")
    given = (meeting_day - notice_on).days
    if given < days:
        raise ValidationError(
            {
                "notice_on": _("%(rule)s；现在只提前了%(given)s天。")
                % {"rule": NOTICE_RULE % {"days": days}, "given": given}
            }
        )


def _check_place(kind: str, region: Region, body: Body | None) -> None:
    errors: dict[str, str] = {}
    if kind not in MeetingKind.values:
        errors["kind"] = _("请选择会议类型。")
    elif kind == MeetingKind.GROUP:
        if region.level != Level.GROUP:
            errors["region"] = _("村民小组会议要选择一个村民小组。")
    elif region.level != Level.VILLAGE:
        errors["region"] = _("请选择一个村。")
    needed = sel.BODY_OF_KIND.get(kind)
    if needed is not None:
        if body is None:
            errors["body"] = _("请选择召开会议的组织（%(kind)s）。") % {
                "kind": BodyKind(needed).label
            }
        elif body.kind != needed or body.village_code != region.code[:12] or not body.active:
            errors["body"] = _("所选组织与会议类型或村不符。")
    elif body is not None and body.village_code != region.code[:12]:
        errors["body"] = _("所选组织不属于该村。")
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def meeting_convene(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    kind: str,
    title: str,
    notice_on: date,
    scheduled_at: datetime,
    place: str,
    agenda: list[str],
    requested_by: str = RequestedBy.COMMITTEE,
    body: Body | None = None,
) -> Meeting:
    """Convene a meeting of `kind` in a village (a group meeting: in its group)."""
    _require(jurisdiction, region.code)
    title = " ".join((title or "").split())
    place = " ".join((place or "").split())
    errors: dict[str, str] = {}
    if not title:
        errors["title"] = _("请填写会议名称。")
    elif len(title) > 150:
        errors["title"] = _("会议名称最多150字。")
    if not place:
        errors["place"] = _("请填写开会地点。")
    elif len(place) > 150:
        errors["place"] = _("地点最多150字。")
    if requested_by not in RequestedBy.values:
        errors["requested_by"] = _("请选择召集依据。")
    if timezone.is_naive(scheduled_at):
        scheduled_at = timezone.make_aware(scheduled_at)
    if errors:
        raise ValidationError(errors)
    _check_place(kind, region, body)
    check_notice(kind, requested_by, notice_on, timezone.localtime(scheduled_at).date())
    items = _clean_agenda(agenda)
    meeting = Meeting(
        region=region,
        kind=kind,
        body=body,
        title=title,
        requested_by=requested_by,
        notice_on=notice_on,
        scheduled_at=scheduled_at,
        place=place,
        convened_by=actor,
    )
    meeting.save()
    AgendaItem.objects.bulk_create(
        AgendaItem(meeting=meeting, order=i, title=t) for i, t in enumerate(items, start=1)
    )
    audit(
        "selfgov.meeting.convened",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=meeting,
        detail={
            "kind": kind,
            "requested_by": requested_by,
            "notice_on": str(notice_on),
            "scheduled_at": scheduled_at.isoformat(),
            "items": len(items),
        },
    )
    return meeting


@transaction.atomic
def agenda_item_add(
    *, actor: Any, jurisdiction: Jurisdiction, meeting: Meeting, title: str, description: str = ""
) -> AgendaItem:
    """Add an item to a meeting's agenda (before it closes)."""
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    if meeting.status in (Status.CLOSED, Status.CANCELLED):
        raise ValidationError({"title": _("会议已结束或已取消，不能再增加议题。")})
    title = _clean_agenda([title])[0]
    last = meeting.agenda.order_by("-order").values_list("order", flat=True).first() or 0
    if meeting.agenda.count() >= MAX_ITEMS:
        raise ValidationError({"title": _("议题最多%(n)s个。") % {"n": MAX_ITEMS}})
    item = AgendaItem.objects.create(
        meeting=meeting, order=last + 1, title=title, description=(description or "").strip()
    )
    _bump(meeting)
    audit("selfgov.agenda.added", actor=actor, jurisdiction=jurisdiction, obj=item,
          detail={"meeting": meeting.pk})  # fmt: skip
    return item


@transaction.atomic
def meeting_open(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    meeting: Meeting,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Open the meeting: fix the quorum's bases from the register and the bodies as they are
    now; sign-in and decisions follow."""
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    _check_version(meeting, expected_version)
    if meeting.status != Status.CONVENED:
        raise ValidationError({"status": _("只有已通知、尚未开始的会议才能开始。")})
    now = now or timezone.now()
    meeting.opened_at = now
    bases = sel.compute_bases(jurisdiction, meeting, timezone.localtime(now).date())
    if not (bases.adults or bases.households or bases.members):
        raise ValidationError(
            {"status": _("没有应到人员（登记的成年村民、户或组织成员为零），会议不能开始。")}
        )
    meeting.base_adults, meeting.base_households, meeting.base_members = (
        bases.adults,
        bases.households,
        bases.members,
    )
    meeting.status = Status.OPEN
    _bump(meeting, "opened_at", "status", "base_adults", "base_households", "base_members")
    audit(
        "selfgov.meeting.opened",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=meeting,
        detail={"adults": bases.adults, "households": bases.households, "members": bases.members},
    )
    return meeting


def _check_eligible(jurisdiction: Jurisdiction, meeting: Meeting, person: Person, on: date) -> None:
    if not person.region_code.startswith(meeting.region_code[:12]) or not person.is_current:
        raise ValidationError({"person": _("只有本村在册村民可以签到。")})
    if meeting.kind in sel.BY_HOUSEHOLD:
        if not person.region_code.startswith(meeting.region_code):
            raise ValidationError({"person": _("只有本组村民可以签到。")})
        if person.residence_status not in sel.LIVING:
            raise ValidationError(
                {"person": _("%(name)s 不在本村居住，不计入本次会议。") % {"name": person.name}}
            )
        if person.birth_date > adult_cutoff(on):
            raise ValidationError(
                {"person": _("%(name)s 未满十八周岁，不能签到。") % {"name": person.name}}
            )
        return
    ids = sel.eligible_member_ids(jurisdiction, meeting, on) or set()
    if person.pk not in ids:
        raise ValidationError(
            {"person": _("%(name)s 不是本次会议的应到人员（%(kind)s）。")
             % {"name": person.name, "kind": meeting.get_kind_display()}}
        )  # fmt: skip


@transaction.atomic
def attendee_sign_in(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    meeting: Meeting,
    person: Person,
    for_household: bool = False,
    now: datetime | None = None,
) -> Attendance:
    """Sign a person in by name; at a 村民会议 or 小组会议 they may sign in as their household's
    representative (one per household)."""
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    if meeting.status != Status.OPEN:
        raise ValidationError({"person": _("会议尚未开始或已经结束，不能签到。")})
    now = now or timezone.now()
    _check_eligible(jurisdiction, meeting, person, sel.meeting_day(meeting))
    if meeting.attendance.filter(person=person).exists():
        raise ValidationError({"person": _("%(name)s 已经签到。") % {"name": person.name}})
    household = None
    if for_household:
        if meeting.kind not in sel.BY_HOUSEHOLD:
            raise ValidationError({"for_household": _("只有村民会议和村民小组会议按户签到。")})
        taken = (
            meeting.attendance.filter(household_id=person.household_id)
            .select_related("person")
            .first()
        )
        if taken is not None:
            raise ValidationError(
                {"for_household": _("该户已由%(name)s代表签到，每户只能有一位代表。")
                 % {"name": taken.person.name}}
            )  # fmt: skip
        household = person.household
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                meeting=meeting,
                person=person,
                household=household,
                signed_in_at=now,
                signed_in_by=actor,
            )
    except IntegrityError:
        raise ValidationError(
            {"person": _("%(name)s 已经签到。") % {"name": person.name}}
        ) from None
    _bump(meeting)
    audit(
        "selfgov.attendance.signed_in",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=attendance,
        detail={"meeting": meeting.pk, "person": person.pk, "for_household": for_household},
    )
    return attendance


@transaction.atomic
def attendee_remove(*, actor: Any, jurisdiction: Jurisdiction, attendance: Attendance) -> None:
    """Take back a sign-in made in error (only while the meeting is open and before any
    decision: the decisions' 'present' would no longer match)."""
    meeting = attendance.meeting
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    if meeting.status != Status.OPEN:
        raise ValidationError({"person": _("会议不在进行中，不能撤销签到。")})
    if Decision.objects.filter(agenda_item__meeting=meeting).exists():
        raise ValidationError({"person": _("已有决议，不能再撤销签到。")})
    pk, person_id = attendance.pk, attendance.person_id
    attendance.delete()
    _bump(meeting)
    audit(
        "selfgov.attendance.removed",
        actor=actor,
        jurisdiction=jurisdiction,
        object_type="selfgov.attendance",
        object_id=pk,
        detail={"meeting": meeting.pk, "person": person_id},
    )


def _count(value: Any, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValidationError({field: _("票数必须是不小于0的整数。")})
    return value


@transaction.atomic
def decision_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    item: AgendaItem,
    text: str,
    votes_for: int = 0,
    votes_against: int = 0,
    abstentions: int = 0,
    named_votes: dict[int, str] | None = None,
) -> Decision:
    """Record the decision on one agenda item — by counts, or by named votes of attendees
    (then the counts are theirs). Refused without a quorum; `passed` only with more than half
    of those present voting for."""
    meeting = item.meeting
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    if meeting.status != Status.OPEN:
        raise ValidationError({"text": _("只有进行中的会议才能记录决议。")})
    counts = sel.counts_of(meeting)
    quorum = sel.quorum_of(meeting, counts)
    if quorum is None or not quorum.reached:
        main = quorum.main if quorum else None
        raise ValidationError(
            _("%(rule)s（%(law)s）。现到会%(present)s人，需%(needed)s人。")
            % {
                "rule": NO_QUORUM_RULE,
                "law": quorum_rule_text(meeting.kind),
                "present": counts.present,
                "needed": main.needed if main else "—",
            }
        )
    if Decision.objects.filter(agenda_item=item).exists():
        raise ValidationError({"text": _("该议题已有决议，不能重复表决。")})
    text = (text or "").strip()
    if not text:
        raise ValidationError({"text": _("请填写决议内容。")})
    if len(text) > 4000:
        raise ValidationError({"text": _("决议内容最多4000字。")})
    present = counts.present
    votes: list[tuple[int, str]] = []
    if named_votes:
        attendees = set(meeting.attendance.values_list("person_id", flat=True))
        for person_id, choice in named_votes.items():
            if choice not in DecisionVote.Choice.values:
                raise ValidationError({"votes": _("表决意见只能是赞成、反对或弃权。")})
            if person_id not in attendees:
                raise ValidationError({"votes": _("只有签到的与会人员可以表决。")})
            votes.append((person_id, choice))
        votes_for = sum(1 for _p, c in votes if c == DecisionVote.Choice.FOR)
        votes_against = sum(1 for _p, c in votes if c == DecisionVote.Choice.AGAINST)
        abstentions = sum(1 for _p, c in votes if c == DecisionVote.Choice.ABSTAIN)
    else:
        votes_for = _count(votes_for, "votes_for")
        votes_against = _count(votes_against, "votes_against")
        abstentions = _count(abstentions, "abstentions")
    if votes_for + votes_against + abstentions > present:
        raise ValidationError(
            {
                "votes_for": _("赞成、反对、弃权合计%(sum)s票，超过到会人数%(present)s。")
                % {"sum": votes_for + votes_against + abstentions, "present": present}
            }
        )
    decision = Decision.objects.create(
        agenda_item=item,
        text=text,
        present=present,
        votes_for=votes_for,
        votes_against=votes_against,
        abstentions=abstentions,
        named=bool(votes),
        passed=q.decision_passed(votes_for, present),
        recorded_by=actor,
    )
    if votes:
        DecisionVote.objects.bulk_create(
            DecisionVote(decision=decision, person_id=p, choice=c) for p, c in votes
        )
    _bump(meeting)
    audit(
        "selfgov.decision.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=decision,
        detail={
            "meeting": meeting.pk,
            "item": item.pk,
            "present": present,
            "for": votes_for,
            "against": votes_against,
            "abstain": abstentions,
            "named": bool(votes),
            "passed": decision.passed,
        },
    )
    return decision


@transaction.atomic
def meeting_close(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    meeting: Meeting,
    minutes_text: str = "",
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Meeting:
    """Close an open meeting, keeping the clerk's minutes text."""
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    _check_version(meeting, expected_version)
    if meeting.status != Status.OPEN:
        raise ValidationError({"status": _("只有进行中的会议才能结束。")})
    minutes_text = (minutes_text or "").strip()
    if len(minutes_text) > 20000:
        raise ValidationError({"minutes_text": _("会议记录最多20000字。")})
    meeting.status = Status.CLOSED
    meeting.closed_at = now or timezone.now()
    meeting.minutes_text = minutes_text
    _bump(meeting, "status", "closed_at", "minutes_text")
    audit("selfgov.meeting.closed", actor=actor, jurisdiction=jurisdiction, obj=meeting,
          detail={"present": sel.counts_of(meeting).present})  # fmt: skip
    return meeting


@transaction.atomic
def meeting_cancel(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    meeting: Meeting,
    reason: str,
    expected_version: int | None = None,
) -> Meeting:
    """Cancel a meeting that has not started."""
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    _check_version(meeting, expected_version)
    if meeting.status != Status.CONVENED:
        raise ValidationError({"status": _("只有尚未开始的会议才能取消。")})
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请写明取消原因。")})
    meeting.status = Status.CANCELLED
    meeting.minutes_text = _("会议取消：%(reason)s") % {"reason": reason[:500]}
    _bump(meeting, "status", "minutes_text")
    audit("selfgov.meeting.cancelled", actor=actor, jurisdiction=jurisdiction, obj=meeting,
          detail={})  # fmt: skip
    return meeting


# --- attachments -----------------------------------------------------------------------------

ATTACHMENT_TYPES = ("application/pdf", "image/jpeg", "image/png")


def _check_attachment(upload: UploadedFile | None) -> tuple[str, str]:
    """(content type, sha256) of an acceptable file, judged by its bytes: PDF, JPEG or PNG of
    at most MEETING_ATTACHMENT_MAX_BYTES. The name and the browser's stated type are ignored."""
    if upload is None:
        raise ValidationError({"file": _("请选择要上传的文件。")})
    limit = rule("MEETING_ATTACHMENT_MAX_BYTES")
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"file": _("文件太大：不能超过%(mb)sMB。") % {"mb": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"file": _("文件是空的。")})
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type not in ATTACHMENT_TYPES:
        raise ValidationError({"file": _("文件内容不是PDF、JPG或PNG，请重新选择。")})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


@transaction.atomic
def attachment_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    meeting: Meeting,
    title: str,
    upload: UploadedFile | None,
) -> MeetingAttachment:
    """Keep a file with a meeting (before, during or after it; not once it is cancelled).
    Checked in full before anything is written; stored under a random name."""
    _require(jurisdiction, meeting.region_code)
    meeting = _lock(jurisdiction, meeting)
    if meeting.status == Status.CANCELLED:
        raise ValidationError({"file": _("会议已取消，不能上传附件。")})
    title = " ".join((title or "").split())
    if not title:
        raise ValidationError({"title": _("请填写附件名称。")})
    if len(title) > 120:
        raise ValidationError({"title": _("附件名称最多120字。")})
    most = rule("MEETING_ATTACHMENTS_MAX")
    if meeting.attachments.count() >= most:
        raise ValidationError({"file": _("每个会议最多%(n)s个附件。") % {"n": most}})
    content_type, sha = _check_attachment(upload)
    attachment = MeetingAttachment(
        meeting=meeting,
        title=title,
        content_type=content_type,
        size=upload.size or 0,  # type: ignore[union-attr]
        sha256=sha,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    attachment.file.save("upload", upload, save=False)
    try:
        attachment.save()
        audit(
            "selfgov.attachment.added",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=attachment,
            detail={
                "meeting": meeting.pk,
                "content_type": content_type,
                "size": attachment.size,
                "sha256": sha,
            },
        )
    except Exception:
        attachment.file.delete(save=False)  # no stored file without its row
        raise
    return attachment
