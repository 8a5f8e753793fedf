"""四议两公开 in order: every skip and reorder is refused with the rule named and records nothing;
records of the wrong kind or another village are refused; a failed decision leaves the matter at
step 3 to be put to a meeting again; a stale version is refused; each step is audited; the
decision makes the major disclosure due, which the decision's publication fulfils."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent
from cunshe.selfgov.models import DisclosureDue, MatterStep, MeetingKind, Step
from cunshe.selfgov.rules import rule
from cunshe.selfgov.services import disclosure as disclosure_services
from cunshe.selfgov.services import matters as services
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db

KIND_OF = {1: MeetingKind.BRANCH, 2: MeetingKind.JOINT, 3: MeetingKind.PARTY_MEMBERS}


def _advance(cast, js, matter, step, **records):  # type: ignore[no-untyped-def]
    return services.matter_advance(
        actor=cast.clerk_a, jurisdiction=js.clerk_a, matter=matter, step=step, **records
    )


def _record_for(step, matter, make_meeting, make_decision, cast, js):  # type: ignore[no-untyped-def]
    """A record that would be right for `step` if it were the step's turn."""
    if step in KIND_OF:
        return {"meeting": make_meeting(KIND_OF[step])}
    if step == Step.DECIDED:
        return {"decision": make_decision(make_meeting(MeetingKind.VILLAGERS), matter=matter)}
    with system_scope("test set-up"):
        from cunshe.selfgov.models import Disclosure

        item = Disclosure.objects.create(
            region=cast.village_a, category="major", title="公开", body="内容",
            published_at=timezone.now(), published_by=cast.clerk_a, matter=matter,
        )  # fmt: skip
    return {"disclosure": item}


@pytest.mark.parametrize("done", [0, 1, 2, 3, 4, 5])
def test_every_skip_is_refused_with_the_rule_named_and_nothing_recorded(
    cast, js, new_matter, walk, make_meeting, make_decision, done
):
    matter = walk(new_matter(), done)
    for step in range(done + 2, 7):
        records = _record_for(step, matter, make_meeting, make_decision, cast, js)
        with pytest.raises(ValidationError) as exc:
            _advance(cast, js, matter, step, **records)
        expected = f"四议两公开须依次进行：请先完成“{Step(done + 1).label}”"
        assert expected in str(exc.value)
    matter.refresh_from_db()
    assert matter.step == done
    assert MatterStep.objects.filter(matter=matter).count() == done


def test_a_done_step_cannot_be_recorded_again(cast, js, new_matter, walk, make_meeting):
    matter = walk(new_matter(), 2)
    with pytest.raises(ValidationError, match="已经完成"):
        _advance(cast, js, matter, 1, meeting=make_meeting(MeetingKind.BRANCH))
    assert MatterStep.objects.filter(matter=matter).count() == 2


def test_all_six_steps_in_order_link_their_records_and_are_audited(cast, js, new_matter, walk):
    matter = walk(new_matter(), 6)
    assert matter.step == Step.RESULT_PUBLISHED
    rows = list(MatterStep.objects.filter(matter=matter).order_by("step"))
    assert [r.step for r in rows] == [1, 2, 3, 4, 5, 6]
    assert [r.meeting.kind for r in rows[:3]] == ["branch", "joint", "party_members"]
    assert (
        rows[3].decision.passed and rows[3].decision.agenda_item.meeting.kind == "representatives"
    )
    assert rows[4].disclosure.category == "major" and rows[4].disclosure.matter_id == matter.pk
    assert rows[5].disclosure_id not in (None, rows[4].disclosure_id)
    events = AuditEvent.objects.filter(action="selfgov.matter.advanced", object_id=str(matter.pk))
    assert sorted(e.detail["step"] for e in events) == [1, 2, 3, 4, 5, 6]
    with pytest.raises(ValidationError, match="已全部完成"):
        _advance(cast, js, matter, 6)


@pytest.mark.parametrize(
    ("step", "wrong_kind"),
    [(1, MeetingKind.JOINT), (2, MeetingKind.PARTY_MEMBERS), (3, MeetingKind.VILLAGERS)],
)
def test_a_meeting_of_the_wrong_kind_is_refused(
    cast, js, new_matter, walk, make_meeting, step, wrong_kind
):
    matter = walk(new_matter(), step - 1)
    with pytest.raises(ValidationError) as exc:
        _advance(cast, js, matter, step, meeting=make_meeting(wrong_kind))
    assert f"须由{MeetingKind(KIND_OF[step]).label}进行" in str(exc.value)
    matter.refresh_from_db()
    assert matter.step == step - 1


def test_a_meeting_of_another_village_is_refused(cast, js, new_matter, make_meeting):
    matter = new_matter()
    other = make_meeting(MeetingKind.BRANCH, village=cast.village_b)
    with pytest.raises(ValidationError, match="不是本村的会议"):
        _advance(cast, js, matter, 1, meeting=other)
    assert matter.step == 0 and not MatterStep.objects.filter(matter=matter).exists()


def test_a_cancelled_meeting_is_refused(cast, js, new_matter, make_meeting):
    matter = new_matter()
    cancelled = make_meeting(MeetingKind.BRANCH, status="cancelled")
    with pytest.raises(ValidationError, match="已取消"):
        _advance(cast, js, matter, 1, meeting=cancelled)


def test_step_one_without_a_meeting_is_refused(cast, js, new_matter):
    with pytest.raises(ValidationError, match="党支部委员会会议"):
        _advance(cast, js, new_matter(), 1)


def test_a_failed_decision_leaves_the_matter_at_step_three_and_it_can_be_put_again(
    cast, js, new_matter, walk, make_meeting, make_decision
):
    matter = walk(new_matter(), 3)
    failed = make_decision(make_meeting(MeetingKind.VILLAGERS), passed=False, matter=matter)
    with pytest.raises(ValidationError, match="未获通过") as exc:
        _advance(cast, js, matter, 4, decision=failed)
    assert "党员大会审议" in str(exc.value)
    matter.refresh_from_db()
    assert matter.step == 3
    assert not DisclosureDue.objects.within(js.clerk_a).filter(matter=matter).exists()
    passed = make_decision(make_meeting(MeetingKind.VILLAGERS), matter=matter)
    _advance(cast, js, matter, 4, decision=passed)
    matter.refresh_from_db()
    assert matter.step == 4


def test_a_decision_of_a_non_deciding_meeting_or_another_village_is_refused(
    cast, js, new_matter, walk, make_meeting, make_decision
):
    matter = walk(new_matter(), 3)
    joint = make_decision(make_meeting(MeetingKind.JOINT), matter=matter)
    with pytest.raises(ValidationError, match="须由村民会议或村民代表会议作出"):
        _advance(cast, js, matter, 4, decision=joint)
    elsewhere = make_decision(make_meeting(MeetingKind.VILLAGERS, village=cast.village_b))
    with pytest.raises(ValidationError, match="不是本村会议作出的"):
        _advance(cast, js, matter, 4, decision=elsewhere)
    other_matter = new_matter(title="另一事项")
    for_other = make_decision(make_meeting(MeetingKind.VILLAGERS), matter=other_matter)
    with pytest.raises(ValidationError, match="另一事项"):
        _advance(cast, js, matter, 4, decision=for_other)
    matter.refresh_from_db()
    assert matter.step == 3


def test_the_decision_makes_the_major_disclosure_due_and_publishing_fulfils_it(
    cast, js, new_matter, walk
):
    matter = walk(new_matter(), 4)
    due = DisclosureDue.objects.within(js.clerk_a).get(matter=matter)
    decided = timezone.localdate(MatterStep.objects.get(matter=matter, step=4).decision.recorded_at)
    assert due.category == "major"
    assert due.due_on == decided + timedelta(days=rule("DISCLOSURE_MAJOR_DAYS"))
    assert due.fulfilled_by is None
    matter = walk(matter, 5)
    due.refresh_from_db()
    assert due.fulfilled_by_id == MatterStep.objects.get(matter=matter, step=5).disclosure_id


def test_publishing_for_a_matter_before_its_decision_is_refused(cast, js, new_matter, walk):
    matter = walk(new_matter(), 3)
    with pytest.raises(ValidationError, match="请先完成“村民会议或村民代表会议决议”"):
        disclosure_services.disclosure_publish(
            actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a,
            category="major", title="决议", body="内容", matter=matter,
        )  # fmt: skip
    from cunshe.selfgov.models import Disclosure

    assert not Disclosure.objects.within(js.clerk_a).exists()


def test_the_result_cannot_reuse_the_decision_disclosure(cast, js, new_matter, walk):
    matter = walk(new_matter(), 5)
    first = MatterStep.objects.get(matter=matter, step=5).disclosure
    with pytest.raises(ValidationError, match="另行公开"):
        _advance(cast, js, matter, 6, disclosure=first)


def test_a_stale_version_is_refused(cast, js, new_matter, make_meeting):
    matter = new_matter()
    opened = matter.version
    _advance(cast, js, matter, 1, meeting=make_meeting(MeetingKind.BRANCH))
    with pytest.raises(services.ConcurrentEdit):
        services.matter_advance(
            actor=cast.leader_a, jurisdiction=js.leader_a, matter=matter, step=2,
            meeting=make_meeting(MeetingKind.JOINT), expected_version=opened,
        )  # fmt: skip
    matter.refresh_from_db()
    assert matter.step == 1


def test_only_the_committee_of_the_village_moves_a_matter(cast, js, new_matter, make_meeting):
    matter = new_matter()
    meeting = make_meeting(MeetingKind.BRANCH)
    for who in ("township_officer", "villager", "outsider"):
        with pytest.raises(PermissionDenied):
            services.matter_advance(
                actor=cast.users[who], jurisdiction=getattr(js, who), matter=matter, step=1,
                meeting=meeting,
            )  # fmt: skip
    assert MatterStep.objects.filter(matter=matter).count() == 0


def test_creating_a_matter_checks_its_input(cast, js):
    bad = [
        ({"title": "", "category": "homestead"}, "title"),
        ({"title": "x" * 201, "category": "homestead"}, "title"),
        ({"title": "宅基地", "category": "nonsense"}, "category"),
    ]
    for kwargs, field in bad:
        with pytest.raises(ValidationError) as exc:
            services.matter_create(
                actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.village_a, **kwargs
            )
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError):
        services.matter_create(
            actor=cast.clerk_a, jurisdiction=js.clerk_a, village=cast.regions["220182102200001"],
            title="组里的事", category="homestead",
        )  # fmt: skip
