"""Writes of 四议两公开 matters: open a matter, and move it one step at a time.

The six steps go in order and each links its record: 1 a 党支部 meeting (kind branch), 2 a 两委
joint meeting, 3 a party members' meeting, 4 a passed decision of a 村民会议 or 代表会议, 5 the
published decision (a major-matter disclosure linked to the matter), 6 the published result
(another disclosure linked to the matter). A step out of order, a record of the wrong kind or of
another village, or a decision that failed is refused with the rule named and nothing is
recorded. Step 4 also makes the major-matter disclosure due within DISCLOSURE_MAJOR_DAYS.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models import (
    Decision,
    Disclosure,
    DisclosureCategory,
    DisclosureDue,
    Matter,
    MatterCategory,
    MatterStep,
    Meeting,
    MeetingKind,
    Step,
)
from cunshe.selfgov.rules import rule

MANAGE = "selfgov.manage"
DISCLOSE = "selfgov.disclose"

# The meeting kind each of the first three steps needs.
MEETING_FOR_STEP = {
    Step.PROPOSED: MeetingKind.BRANCH,
    Step.DELIBERATED: MeetingKind.JOINT,
    Step.REVIEWED: MeetingKind.PARTY_MEMBERS,
}
DECIDING_KINDS = (MeetingKind.VILLAGERS, MeetingKind.REPRESENTATIVES)
MAX_TITLE = 200
MAX_DESCRIPTION = 4000
MAX_NOTE = 300

__all__ = ["ConcurrentEdit", "matter_advance", "matter_create", "record_kind"]


def record_kind(step: int) -> str:
    """Which record a step links: 'meeting', 'decision' or 'disclosure'."""
    if step in MEETING_FOR_STEP:
        return "meeting"
    if step == Step.DECIDED:
        return "decision"
    return "disclosure"


def _insert(model, **fields):  # type: ignore[no-untyped-def]
    # Scoped managers refuse unscoped use; a new row is saved through the model instead.
    row = model(**fields)
    row.save(force_insert=True)
    return row


def _require(jurisdiction: Jurisdiction, perm: str, code: str) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("该村不在您的管辖范围内。"))
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def _order_message(next_step: int) -> str:
    return _("四议两公开须依次进行：请先完成“%(step)s”。") % {"step": Step(next_step).label}


@transaction.atomic
def matter_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    title: str,
    category: str,
    description: str = "",
) -> Matter:
    """Open a matter of `village` that must go through 四议两公开 (nothing done yet)."""
    _require(jurisdiction, MANAGE, village.code)
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": _("四议两公开事项属于一个村。")})
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写事项名称。")})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": _("事项名称最多200字。")})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": _("内容最多4000字。")})
    if category not in MatterCategory.values:
        raise ValidationError({"category": _("请选择《村民委员会组织法》第二十四条所列的类别。")})
    matter = _insert(
        Matter,
        region=village,
        title=title,
        category=category,
        description=description,
        created_by=actor,
    )
    audit(
        "selfgov.matter.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=matter,
        detail={"village": village.code, "category": category},
    )
    return matter


def _same_village(matter: Matter, code: str) -> bool:
    return code[:12] == matter.region_code[:12]


def _check_meeting(matter: Matter, step: int, meeting: Meeting | None) -> None:
    wanted = MEETING_FOR_STEP[step]
    if meeting is None:
        raise ValidationError(
            {"meeting": _("“%(step)s”须关联一次%(kind)s的记录。")
             % {"step": Step(step).label, "kind": MeetingKind(wanted).label}}
        )  # fmt: skip
    if not _same_village(matter, meeting.region_code):
        raise ValidationError({"meeting": _("这次会议不是本村的会议。")})
    if meeting.kind != wanted:
        raise ValidationError(
            {"meeting": _("四议两公开：“%(step)s”须由%(kind)s进行，所选会议是%(given)s。")
             % {"step": Step(step).label, "kind": MeetingKind(wanted).label,
                "given": meeting.get_kind_display()}}
        )  # fmt: skip
    if meeting.status == Meeting.Status.CANCELLED:
        raise ValidationError({"meeting": _("这次会议已取消，不能作为四议两公开的记录。")})


def _check_decision(matter: Matter, decision: Decision | None) -> Meeting:
    if decision is None:
        raise ValidationError({"decision": _("“村民会议或村民代表会议决议”须关联一项会议决议。")})
    item = decision.agenda_item
    meeting = item.meeting
    if not _same_village(matter, meeting.region_code):
        raise ValidationError({"decision": _("这项决议不是本村会议作出的。")})
    if meeting.kind not in DECIDING_KINDS:
        raise ValidationError(
            {"decision": _("四议两公开：决议须由村民会议或村民代表会议作出，所选会议是%(given)s。")
             % {"given": meeting.get_kind_display()}}
        )  # fmt: skip
    if item.matter_id is not None and item.matter_id != matter.pk:
        raise ValidationError({"decision": _("这项决议是另一事项的议题。")})
    if not decision.passed:
        raise ValidationError(
            {"decision": _("这项决议未获通过（须经到会人员过半数同意），事项仍停在“党员大会审议”，"
                           "可以再次提交村民会议或村民代表会议表决。")}
        )  # fmt: skip
    return meeting


def _check_disclosure(matter: Matter, step: int, disclosure: Disclosure | None) -> None:
    if disclosure is None:
        raise ValidationError(
            {"disclosure": _("“%(step)s”须关联一条已公开的村务公开。") % {"step": Step(step).label}}
        )
    if not _same_village(matter, disclosure.region_code):
        raise ValidationError({"disclosure": _("这条公开不是本村的公开。")})
    if disclosure.matter_id != matter.pk:
        raise ValidationError({"disclosure": _("这条公开没有关联本事项。")})
    if step == Step.DECISION_PUBLISHED and disclosure.category != DisclosureCategory.MAJOR:
        raise ValidationError({"disclosure": _("决议须作为“重大事项”公开。")})
    if step == Step.RESULT_PUBLISHED:
        earlier = matter.steps.filter(step=Step.DECISION_PUBLISHED).values_list(
            "disclosure_id", flat=True
        )
        if disclosure.pk in list(earlier):
            raise ValidationError(
                {"disclosure": _("实施结果须另行公开，不能沿用决议公开的那一条。")}
            )


@transaction.atomic
def matter_advance(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    matter: Matter,
    step: int,
    meeting: Meeting | None = None,
    decision: Decision | None = None,
    disclosure: Disclosure | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> MatterStep:
    """Record the matter's next step with its record; steps 5 and 6 need selfgov.disclose
    (they are publications), the others selfgov.manage."""
    _require(jurisdiction, DISCLOSE if step >= Step.DECISION_PUBLISHED else MANAGE,
             matter.region_code)  # fmt: skip
    current = Matter.objects.within(jurisdiction).select_for_update().get(pk=matter.pk)
    if expected_version is not None and current.version != expected_version:
        raise ConcurrentEdit
    if step not in Step.values:
        raise ValidationError({"step": _("没有这一步。")})
    if current.step >= Step.RESULT_PUBLISHED:
        raise ValidationError({"step": _("这一事项的四议两公开已全部完成。")})
    if step != current.step + 1:
        if step <= current.step:
            raise ValidationError(
                {"step": _("“%(step)s”已经完成，不能重复或倒序记录。") % {"step": Step(step).label}}
            )
        raise ValidationError({"step": _order_message(current.step + 1)})
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationError({"note": _("说明最多300字。")})
    kind = record_kind(step)
    # Only the record the step names is kept: a stray second record is refused, not dropped.
    given = {"meeting": meeting, "decision": decision, "disclosure": disclosure}
    stray = [name for name, value in given.items() if value is not None and name != kind]
    if stray:
        raise ValidationError({stray[0]: _("这一步只关联一项记录。")})
    if kind == "meeting":
        _check_meeting(current, step, meeting)
    elif kind == "decision":
        meeting = _check_decision(current, decision)
    else:
        _check_disclosure(current, step, disclosure)
    now = timezone.now()
    row = MatterStep.objects.create(
        matter=current,
        step=step,
        meeting=meeting,
        decision=decision,
        disclosure=disclosure,
        note=note,
        at=now,
        recorded_by=actor,
    )
    Matter.objects.within(jurisdiction).filter(pk=current.pk).update(
        step=step, version=F("version") + 1
    )
    if step == Step.DECIDED:
        decided_on = timezone.localdate(decision.recorded_at or now)  # type: ignore[union-attr]
        _insert(
            DisclosureDue,
            region_id=current.region_id,
            region_code=current.region_code,
            category=DisclosureCategory.MAJOR,
            period_start=decided_on,
            period_end=decided_on,
            due_on=decided_on + timedelta(days=rule("DISCLOSURE_MAJOR_DAYS")),
            matter=current,
        )
    if step == Step.DECISION_PUBLISHED:
        DisclosureDue.objects.within(jurisdiction).filter(
            matter=current, fulfilled_by__isnull=True
        ).update(fulfilled_by=disclosure)
    matter.step = step
    matter.version = current.version + 1
    audit(
        "selfgov.matter.advanced",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=current,
        detail={
            "step": step,
            "meeting": getattr(meeting, "pk", None),
            "decision": getattr(decision, "pk", None),
            "disclosure": getattr(disclosure, "pk", None),
        },
    )
    return row
