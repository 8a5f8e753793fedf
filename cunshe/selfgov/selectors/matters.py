"""Scoped reads of 四议两公开 matters: the staff list and page, the records a step may link, and
the six-step progress shown to staff and on the village's public page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Prefetch, Q, QuerySet

from cunshe.core.access import get_scoped_or_404, require_jurisdiction
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.selfgov.models import (
    Decision,
    Disclosure,
    Matter,
    MatterStep,
    Meeting,
    Step,
)
from cunshe.selfgov.services.matters import DECIDING_KINDS, MEETING_FOR_STEP, record_kind

VIEW = "selfgov.view"
LIST_LIMIT = 200


def _with_steps() -> Prefetch:
    return Prefetch(
        "steps",
        queryset=MatterStep.objects.select_related(
            "meeting", "decision__agenda_item__meeting", "disclosure"
        ).order_by("step"),
        to_attr="step_rows",
    )


def matters_for(jurisdiction: Jurisdiction, *, step: int | None = None) -> QuerySet[Matter]:
    """Matters in the jurisdiction, newest first (village loaded for the list)."""
    qs = Matter.objects.within(jurisdiction).select_related("region")
    if step is not None:
        qs = qs.filter(step=step)
    return qs.order_by("-created_at", "-id")


def get_matter_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Matter:
    """404 outside the jurisdiction, 403 (audited) inside without `need`; steps loaded."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Matter.objects.within(j)
        .select_related("region", "created_by")
        .prefetch_related(_with_steps()),
        j,
        need=need,
        pk=pk,
    )


@dataclass
class StepView:
    number: int
    label: str
    done: bool
    current: bool  # the next step to take
    at: datetime | None
    record: str  # what it links, in words
    meeting_id: int | None = None
    disclosure_id: int | None = None
    note: str = ""


def progress(matter: Matter, step_rows: list[MatterStep] | None = None) -> list[StepView]:
    """The six steps with what each links (done) or awaits (the next one)."""
    rows = {
        r.step: r
        for r in (step_rows if step_rows is not None else getattr(matter, "step_rows", []))
    }
    out = []
    for number, label in Step.choices:
        row = rows.get(number)
        record = ""
        meeting_id = disclosure_id = None
        # The date shown is the record's own (when the meeting sat, when the item was
        # published), not when the clerk got round to linking it.
        at = row.at if row is not None else None
        if row is not None:
            if row.meeting_id:
                record = row.meeting.title
                meeting_id = row.meeting_id
                at = row.meeting.scheduled_at
            elif row.decision_id:
                meeting = row.decision.agenda_item.meeting
                record = f"{meeting.title} · {row.decision.agenda_item.title}"
                meeting_id = meeting.pk
                at = meeting.scheduled_at
            elif row.disclosure_id:
                record = row.disclosure.title
                disclosure_id = row.disclosure_id
                at = row.disclosure.published_at
        out.append(
            StepView(
                number=number,
                label=str(label),
                done=row is not None,
                current=number == matter.step + 1,
                at=at,
                record=record,
                meeting_id=meeting_id,
                disclosure_id=disclosure_id,
                note=row.note if row else "",
            )
        )
    return out


def step_candidates(jurisdiction: Jurisdiction, matter: Matter) -> list:
    """Records of the matter's village that its next step may link: meetings of the right kind,
    passed decisions of 村民会议/代表会议 (not another matter's), or its own disclosures."""
    following = matter.step + 1
    if following > Step.RESULT_PUBLISHED:
        return []
    village = matter.region_code[:12]
    kind = record_kind(following)
    if kind == "meeting":
        return list(
            Meeting.objects.within(jurisdiction)
            .filter(region_code__startswith=village, kind=MEETING_FOR_STEP[Step(following)])
            .exclude(status=Meeting.Status.CANCELLED)
            .order_by("-scheduled_at", "-id")[:50]
        )
    if kind == "decision":
        meetings = Meeting.objects.within(jurisdiction).filter(
            region_code__startswith=village, kind__in=DECIDING_KINDS
        )
        return list(
            Decision.objects.filter(agenda_item__meeting__in=meetings, passed=True)
            .filter(Q(agenda_item__matter__isnull=True) | Q(agenda_item__matter=matter))
            .select_related("agenda_item__meeting")
            .order_by("-recorded_at", "-id")[:50]
        )
    used = [r.disclosure_id for r in getattr(matter, "step_rows", []) if r.disclosure_id]
    return list(
        Disclosure.objects.within(jurisdiction)
        .filter(matter=matter)
        .exclude(pk__in=used)
        .order_by("-published_at", "-id")[:50]
    )
