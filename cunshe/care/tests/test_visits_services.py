"""Recording visits and the visit plan: the plan's edges, visits in the future or outside the
jurisdiction refused, photos by content, a clerk recording for a named carer, follow-ups."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404

from cunshe.care.models import CareProfile, Visit
from cunshe.care.selectors import visits as sel
from cunshe.care.services import profiles as psvc
from cunshe.care.services import visits as svc
from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import GIF, JPEG, PNG, at
from cunshe.core.models import AuditEvent


def record(cast, j, profile, when, **kw):  # type: ignore[no-untyped-def]
    kw.setdefault("mode", "home")
    kw.setdefault("findings", "身体尚好，家中有米有油。")
    return svc.visit_record(
        actor=kw.pop("actor", cast.clerk_a), jurisdiction=j, profile=profile, visited_at=when, **kw
    )


@pytest.fixture
def elderly(family, make_profile):  # type: ignore[no-untyped-def]
    return make_profile(family.grandmother, "elderly", status_changed_at=at("2026-01-05 09:00"))


def test_general_plan_90_days_exactly_is_due_not_overdue(cast, elderly, j_of):
    record(cast, j_of("clerk_a"), elderly, at("2026-01-10 10:00"), now=at("2026-01-10 10:30"))
    elderly.refresh_from_db()
    assert elderly.last_visit_at == at("2026-01-10 10:00")
    due = elderly.next_visit_due
    assert due.date() == date(2026, 4, 10)  # 90 days later, to the end of that day
    day_90 = at("2026-04-10 23:00")
    assert not svc.is_overdue(elderly, day_90)
    assert elderly in sel.due_profiles(j_of("clerk_a"), now=day_90)
    assert elderly not in sel.due_profiles(j_of("clerk_a"), now=day_90, overdue_only=True)
    assert svc.is_overdue(elderly, at("2026-04-11 00:01"))
    assert elderly in sel.due_profiles(
        j_of("clerk_a"), now=at("2026-04-11 00:01"), overdue_only=True
    )


def test_high_risk_after_major_change_is_due_24_hours_later_then_weekly(cast, elderly, j_of):
    j = j_of("clerk_a")
    record(cast, j, elderly, at("2026-01-30 10:00"), now=at("2026-01-30 10:05"))
    changed = at("2026-02-01 15:20")
    p = psvc.profile_set_risk(
        actor=cast.clerk_a, jurisdiction=j, profile=elderly, expected_version=1,
        criteria=["incapacitated"], now=changed,
    )  # fmt: skip
    assert p.next_visit_due == changed + timedelta(hours=24)
    assert not svc.is_overdue(p, changed + timedelta(hours=24))
    assert svc.is_overdue(p, changed + timedelta(hours=24, minutes=1))
    record(cast, j, p, at("2026-02-02 09:00"), now=at("2026-02-02 09:05"))
    p.refresh_from_db()
    assert p.next_visit_due.date() == date(2026, 2, 9)


def test_visit_in_the_future_is_refused_beyond_the_clock_skew(cast, elderly, j_of):
    now = at("2026-03-01 10:00")
    record(cast, j_of("clerk_a"), elderly, now + timedelta(minutes=4), now=now)
    with pytest.raises(ValidationError) as e:
        record(cast, j_of("clerk_a"), elderly, now + timedelta(minutes=30), now=now)
    assert "visited_at" in e.value.message_dict
    assert Visit.objects.within(j_of("clerk_a")).count() == 1


def test_visit_before_the_profile_existed_is_refused(cast, elderly, j_of):
    with pytest.raises(ValidationError) as e:
        record(cast, j_of("clerk_a"), elderly, at("2025-12-31 10:00"), now=at("2026-03-01 10:00"))
    assert "visited_at" in e.value.message_dict


def test_visit_outside_the_jurisdiction_is_404_and_without_right_403(cast, elderly, j_of):
    with pytest.raises(Http404):
        record(cast, j_of("outsider"), elderly, at("2026-03-01 10:00"), actor=cast.outsider)
    with pytest.raises(PermissionDenied):
        record(cast, j_of("county_civil"), elderly, at("2026-03-01 10:00"), actor=cast.county_civil)
    assert AuditEvent.objects.filter(
        action="care.permission.denied", role="county_officer"
    ).exists()
    assert not Visit.objects.within(j_of("clerk_a")).exists()


def test_closed_or_dismissed_profile_takes_no_visit(cast, family, make_profile, j_of):
    p = make_profile(family.grandfather, "elderly", status="closed")
    with pytest.raises(ValidationError):
        record(cast, j_of("clerk_a"), p, at("2026-03-01 10:00"))


def test_photos_are_checked_by_content_and_counted(cast, elderly, j_of, media, settings):
    j = j_of("clerk_a")
    with pytest.raises(ValidationError) as e:
        record(cast, j, elderly, at("2026-03-01 10:00"),
               photos=[SimpleUploadedFile("x.jpg", GIF, "image/jpeg")])  # fmt: skip
    assert "photos" in e.value.message_dict
    settings.CARE_RULES = {"MAX_PHOTOS_PER_VISIT": 2}
    with pytest.raises(ValidationError):
        record(cast, j, elderly, at("2026-03-01 10:00"),
               photos=[SimpleUploadedFile(f"{i}.jpg", JPEG) for i in range(3)])  # fmt: skip
    settings.CARE_RULES = {"MAX_PHOTO_BYTES": 50}
    with pytest.raises(ValidationError):
        record(cast, j, elderly, at("2026-03-01 10:00"),
               photos=[SimpleUploadedFile("big.png", PNG, "image/png")])  # fmt: skip
    settings.CARE_RULES = {}
    v = record(cast, j, elderly, at("2026-03-01 10:00"),
               photos=[SimpleUploadedFile("a.jpg", JPEG, "image/jpeg"),
                       SimpleUploadedFile("b.png", PNG, "application/octet-stream")])  # fmt: skip
    assert sorted(v.photos.values_list("content_type", flat=True)) == ["image/jpeg", "image/png"]
    assert Visit.objects.within(j).count() == 1


def test_clerk_records_for_a_named_carer_a_leader_only_for_self(cast, elderly, j_of):
    j = j_of("clerk_a")
    named = psvc.carer_assign(
        actor=cast.clerk_a, jurisdiction=j, profile=elderly, expected_version=1,
        carer_type="volunteer", name="志愿者小王", phone="13700000000",
    )  # fmt: skip
    v = record(cast, j, elderly, at("2026-03-01 10:00"), carer=named)
    assert v.carer is None and v.carer_name == "志愿者小王" and v.recorded_by == cast.clerk_a
    with pytest.raises(PermissionDenied):
        record(cast, j_of("leader_a"), elderly, at("2026-03-02 10:00"), carer=named,
               actor=cast.leader_a)  # fmt: skip
    v2 = record(cast, j_of("leader_a"), elderly, at("2026-03-02 10:00"), actor=cast.leader_a)
    assert v2.carer == cast.leader_a


def test_follow_up_done_once(cast, elderly, j_of):
    j = j_of("clerk_a")
    v = record(
        cast,
        j,
        elderly,
        at("2026-03-01 10:00"),
        follow_up="联系村医上门",
        follow_up_due=date(2026, 3, 5),
    )
    assert list(sel.open_follow_ups(j)) == [v]
    svc.follow_up_done(actor=cast.clerk_a, jurisdiction=j, visit=v)
    assert list(sel.open_follow_ups(j)) == []
    with pytest.raises(ValidationError):
        svc.follow_up_done(actor=cast.clerk_a, jurisdiction=j, visit=v)


def test_follow_up_due_needs_a_follow_up(cast, elderly, j_of):
    with pytest.raises(ValidationError) as e:
        record(
            cast, j_of("clerk_a"), elderly, at("2026-03-01 10:00"), follow_up_due=date(2026, 3, 5)
        )
    assert "follow_up" in e.value.message_dict


def test_an_earlier_visit_recorded_late_does_not_move_the_last_visit_back(cast, elderly, j_of):
    j = j_of("clerk_a")
    record(cast, j, elderly, at("2026-03-10 10:00"))
    record(cast, j, elderly, at("2026-03-01 10:00"))
    elderly.refresh_from_db()
    assert elderly.last_visit_at == at("2026-03-10 10:00")
    assert CareProfile.objects.within(j).get(pk=elderly.pk).next_visit_due.date() == date(
        2026, 6, 8
    )
