"""Minutes PDF: what it says (quorum figures, names for body meetings, each item's counts)."""

from __future__ import annotations

import os

from cunshe.selfgov.minutes import build_minutes, render_minutes
from cunshe.selfgov.models import MeetingKind
from cunshe.selfgov.selectors import meetings as sel
from cunshe.selfgov.services import meetings as svc
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)


def _run(cast, clerk_j, meeting, people, votes):
    meeting = svc.meeting_open(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting)
    for p in people:
        svc.attendee_sign_in(actor=cast.clerk_a, jurisdiction=clerk_j, meeting=meeting, person=p)
    item = sel.agenda_of(meeting)[0]
    svc.decision_record(
        actor=cast.clerk_a, jurisdiction=clerk_j, item=item, text="同意修建村东水渠", **votes
    )
    return svc.meeting_close(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        meeting=meeting,
        minutes_text="会议由村委会主任主持。",
    )


def test_villagers_meeting_minutes(cast, clerk_j, hamlet, convene):
    adults = [*hamlet.heads, hamlet.wives[0]]
    meeting = _run(cast, clerk_j, convene(), adults, {"votes_for": 5, "votes_against": 1})
    text = build_minutes(meeting).text()
    assert "村民会议" in text and "应到11，实到7，需6：已达到" in text
    assert "同意修建村东水渠" in text and "通过" in text and "未表决" in text
    assert hamlet.heads[0].name not in text  # a count, not the names, for a 村民会议
    data = render_minutes(meeting)
    assert data.startswith(b"%PDF")
    out = os.environ.get("SELFGOV_MINUTES_OUT")
    if out:  # to look at it: SELFGOV_MINUTES_OUT=/tmp/minutes.pdf pytest … then pdftoppm
        with open(out, "wb") as fh:
            fh.write(data)


def test_body_meeting_minutes_name_the_attendees(cast, clerk_j, hamlet, bodies, convene):
    meeting = convene(kind=MeetingKind.JOINT, title="两委联席会议")
    meeting = _run(
        cast,
        clerk_j,
        meeting,
        [hamlet.heads[0], hamlet.heads[3], hamlet.wives[2]],
        {"votes_for": 2, "votes_against": 1},
    )
    text = build_minutes(meeting).text()
    assert "到会人员（3人）" in text and hamlet.heads[3].name in text
    assert "应到5，实到3，需3：已达到" in text
