"""Reads of meetings: lists, one meeting with its agenda and decisions, who may sign in, the
bases of the quorum and the live quorum.

Who counts (fixed as `base_*` when the meeting opens; docs/selfgov/meetings.md):
- 村民会议: the village's adults living there, and its households with someone living there.
- 村民小组会议: the same within the group.
- 村民代表会议: current members of the village's 村民代表会议 body.
- 党支部 / 议事会 / 村务监督委员会 meetings: current members of that body.
- 两委联席会议: current members of the committee and of the party branch (each person once).
- 党员大会: the register's party members (中共党员, 预备党员) living in the village.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.codes import PARTY_MEMBER
from cunshe.residents.models import Person
from cunshe.selfgov import quorum as q
from cunshe.selfgov.models import (
    AgendaItem,
    Attendance,
    Body,
    BodyKind,
    Decision,
    Meeting,
    MeetingAttachment,
    MeetingKind,
)
from cunshe.selfgov.selectors.bodies import (
    LIVING,
    MANAGE,
    VIEW,
    adult_cutoff,
    adults,
    households,
    member_ids,
)

# Meetings whose attendees are the members of one body of this kind.
BODY_OF_KIND = {
    MeetingKind.REPRESENTATIVES: BodyKind.ASSEMBLY,
    MeetingKind.BRANCH: BodyKind.PARTY_BRANCH,
    MeetingKind.COUNCIL: BodyKind.COUNCIL,
    MeetingKind.SUPERVISION: BodyKind.SUPERVISION,
}
# Meetings counted by adults and households (a person may sign in for their household).
BY_HOUSEHOLD = (MeetingKind.VILLAGERS, MeetingKind.GROUP)
PAGE_SIZE = 50


def meetings_for(jurisdiction: Jurisdiction | None, *, status: str = "") -> QuerySet[Meeting]:
    """Meetings in the jurisdiction, newest first, with their attendance counts."""
    j = require_perm(jurisdiction, VIEW)
    qs = Meeting.objects.within(j).select_related("region", "body")
    if status:
        qs = qs.filter(status=status)
    return qs.annotate(present=Count("attendance")).order_by("-scheduled_at", "-id")


def get_meeting_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW) -> Meeting:
    """One meeting: 404 outside the jurisdiction, 403 (audited) inside it without `need`."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Meeting.objects.within(j).select_related("region", "body"), j, need=need, pk=pk
    )


def get_item_for(jurisdiction: Jurisdiction | None, pk: int, *, need: str = MANAGE) -> AgendaItem:
    """An agenda item, through its meeting's scope (404 outside, 403 without `need`)."""
    item = AgendaItem.objects.filter(pk=pk).first()
    if item is None:
        raise Http404
    item.meeting = get_meeting_for(jurisdiction, item.meeting_id, need=need)
    return item


def get_attachment_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> MeetingAttachment:
    """A meeting's attachment, through its meeting's scope (404 outside, 403 without `need`)."""
    attachment = MeetingAttachment.objects.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    attachment.meeting = get_meeting_for(jurisdiction, attachment.meeting_id, need=need)
    return attachment


def attachments_of(meeting: Meeting) -> list[MeetingAttachment]:
    """The meeting's attachments, oldest first, with who uploaded them."""
    return list(meeting.attachments.select_related("uploaded_by").order_by("uploaded_at", "id"))


def agenda_of(meeting: Meeting) -> list[AgendaItem]:
    """Agenda items in order with their decisions (None when not decided)."""
    items = list(
        meeting.agenda.select_related("decision").prefetch_related(Prefetch("decision__votes"))
    )
    for item in items:
        try:
            item.the_decision = item.decision  # type: ignore[attr-defined]
        except Decision.DoesNotExist:
            item.the_decision = None  # type: ignore[attr-defined]
    return items


def attendance_of(meeting: Meeting) -> list[Attendance]:
    return list(
        meeting.attendance.select_related("person", "household").order_by("signed_in_at", "id")
    )


def meeting_day(meeting: Meeting) -> date:
    """The day ages and memberships are judged on: the opening day, else the scheduled one."""
    at = meeting.opened_at or meeting.scheduled_at
    return timezone.localtime(at).date()


def bodies_for_meeting(jurisdiction: Jurisdiction, meeting: Meeting) -> list[Body]:
    """The bodies whose members attend a body meeting (none for 村民会议 and 小组会议)."""
    if meeting.kind in BODY_OF_KIND:
        return [meeting.body] if meeting.body is not None else []
    if meeting.kind == MeetingKind.JOINT:
        return list(
            Body.objects.within(jurisdiction).filter(
                village_code=meeting.region_code[:12],
                kind__in=(BodyKind.COMMITTEE, BodyKind.PARTY_BRANCH),
                active=True,
            )
        )
    return []


def eligible_member_ids(jurisdiction: Jurisdiction, meeting: Meeting, on: date) -> set[int] | None:
    """Persons who may attend a members' meeting; None for meetings of adults (villagers, group)."""
    if meeting.kind in BY_HOUSEHOLD:
        return None
    if meeting.kind == MeetingKind.PARTY_MEMBERS:
        return set(
            Person.objects.within(jurisdiction)
            .filter(
                region_code__startswith=meeting.region_code[:12],
                residence_status__in=LIVING,
                political_status__in=PARTY_MEMBER,
                birth_date__lte=adult_cutoff(on),
            )
            .values_list("pk", flat=True)
        )
    return member_ids(jurisdiction, bodies_for_meeting(jurisdiction, meeting), on)


@dataclass(frozen=True)
class Bases:
    adults: int | None
    households: int | None
    members: int | None


def compute_bases(jurisdiction: Jurisdiction, meeting: Meeting, on: date) -> Bases:
    """The quorum's bases for this meeting on `on`, from the register and the bodies."""
    if meeting.kind in BY_HOUSEHOLD:
        return Bases(
            adults=adults(jurisdiction, meeting.region_code, on).count(),
            households=households(jurisdiction, meeting.region_code).count(),
            members=None,
        )
    ids = eligible_member_ids(jurisdiction, meeting, on) or set()
    return Bases(adults=None, households=None, members=len(ids))


@dataclass(frozen=True)
class Counts:
    present: int
    households_present: int


def counts_of(meeting: Meeting) -> Counts:
    row = meeting.attendance.aggregate(
        present=Count("id"), households=Count("id", filter=Q(household__isnull=False))
    )
    return Counts(row["present"] or 0, row["households"] or 0)


def quorum_of(meeting: Meeting, counts: Counts | None = None) -> q.Quorum | None:
    """The live quorum of an opened meeting (None before it opens: no bases yet)."""
    if meeting.opened_at is None:
        return None
    counts = counts or counts_of(meeting)
    return q.quorum_for(
        meeting.kind,
        present=counts.present,
        households_present=counts.households_present,
        adults=meeting.base_adults or 0,
        households=meeting.base_households or 0,
        members=meeting.base_members or 0,
    )
