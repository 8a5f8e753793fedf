"""好差评: one rating per finished matter; a real-name bad rating opens a rectification that can
only be closed after the villager was reached; statistics per item, officer and unit."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.core.models import AuditEvent, Notification
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Rating, Rectification
from cunshe.servicedesk.selectors.ratings import rating_stats, rectifications_for
from cunshe.servicedesk.services import ratings as svc
from cunshe.servicedesk.tests.factories import act, make_item, submit, villager_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(cast, register):  # type: ignore[no-untyped-def]
    person = villager_person(cast, register)
    item = make_item()
    app = submit(cast, person, item)
    for action in ("accept", "start", "approve"):
        app = act(cast, app, action)
    return act(cast, app, "deliver", by="clerk_a")


def rate(cast, app, score, who="villager", **kw):  # type: ignore[no-untyped-def]
    user = cast.users[who]
    return svc.rating_submit(
        actor=user, jurisdiction=jurisdiction_of(user), application=app, score=score, **kw
    )


def test_good_rating_opens_nothing(cast, finished):
    rating = rate(cast, finished, 5, indicators=["一次办好"])
    assert rating.officer == cast.township_officer
    assert not Rectification.objects.within(jurisdiction_of(cast.township_officer)).exists()


def test_one_rating_per_matter(cast, finished):
    rate(cast, finished, 4)
    with pytest.raises(ValidationError):
        rate(cast, finished, 1, indicators=["超时办理"])
    assert Rating.objects.within(jurisdiction_of(cast.clerk_a)).count() == 1


def test_unfinished_matter_cannot_be_rated(cast, register):
    person = villager_person(cast, register)
    app = submit(cast, person, make_item())
    with pytest.raises(ValidationError):
        rate(cast, app, 5)


def test_indicators_must_fit_the_score(cast, finished):
    with pytest.raises(ValidationError):
        rate(cast, finished, 5, indicators=["服务态度差"])
    with pytest.raises(ValidationError):
        rate(cast, finished, 1)  # a bad rating needs a reason


def test_only_the_applicant_side_rates(cast, finished):
    with pytest.raises(PermissionDenied):
        rate(cast, finished, 5, who="township_officer")
    with pytest.raises(PermissionDenied):
        rate(cast, finished, 5, who="outsider")


def test_real_name_bad_rating_opens_rectification_and_tells_the_unit(
    cast, finished, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        rating = rate(cast, finished, 1, indicators=["超时办理"], comment="跑了三趟")
    rect = rating.rectification
    assert rect.state == Rectification.State.OPEN and rect.handler_code == cast.township.code
    assert Notification.objects.filter(recipient=cast.township_officer).exists()
    assert not Notification.objects.filter(recipient=cast.outsider).exists()
    j = jurisdiction_of(cast.township_officer)
    assert list(rectifications_for(j)) == [rect]
    assert list(rectifications_for(jurisdiction_of(cast.outsider))) == []


def test_anonymous_bad_rating_opens_no_rectification(cast, finished):
    rating = rate(cast, finished, 2, indicators=["多次跑动"], real_name=False)
    assert (
        not Rectification.objects.within(jurisdiction_of(cast.clerk_a))
        .filter(rating=rating)
        .exists()
    )


def test_rectification_closes_only_after_the_villager_was_reached(cast, finished):
    rating = rate(cast, finished, 1, indicators=["服务态度差"])
    rect = rating.rectification
    officer = cast.township_officer
    j = jurisdiction_of(officer)
    with pytest.raises(ValidationError):
        svc.rectification_close(actor=officer, jurisdiction=j, rectification=rect,
                                outcome="rectified", result="已批评教育")  # fmt: skip
    svc.callback_record(actor=officer, jurisdiction=j, rectification=rect, reached=False,
                        summary="电话未接")  # fmt: skip
    with pytest.raises(ValidationError):
        svc.rectification_close(actor=officer, jurisdiction=j, rectification=rect,
                                outcome="rectified", result="已批评教育")  # fmt: skip
    svc.callback_record(actor=officer, jurisdiction=j, rectification=rect, reached=True,
                        summary="已道歉并说明", satisfied_after=True)  # fmt: skip
    rect = svc.rectification_close(actor=officer, jurisdiction=j, rectification=rect,
                                   outcome="rectified", result="已批评教育")  # fmt: skip
    assert rect.state == "rectified" and rect.closed_at
    assert AuditEvent.objects.filter(action="servicedesk.rectification.closed").count() == 1
    stats = rating_stats(j, by="unit")
    assert stats[0].rectifications == 1 and stats[0].called_back == 1


def test_a_village_clerk_cannot_work_a_township_rectification(cast, finished):
    rect = rate(cast, finished, 1, indicators=["超时办理"]).rectification
    with pytest.raises(PermissionDenied):
        svc.callback_record(actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a),
                            rectification=rect, reached=True, summary="x")  # fmt: skip


def test_a_county_officer_of_another_department_cannot_open_or_work_a_rectification(
    cast, finished, client_as
):
    # The matter is the township's 民政 matter: a county 司法 officer may not see it (403 on the
    # application), so neither its rectification, the villager's phone on it, nor its call-backs.
    from django.urls import reverse

    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Department, Role
    from cunshe.servicedesk.selectors.ratings import rectification_for

    rect = rate(cast, finished, 1, indicators=["超时办理"]).rectification
    justice = User.objects.create_user("county_justice", password="x" * 12)
    RoleAssignment.objects.create(
        user=justice, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.JUSTICE
    )
    j = jurisdiction_of(justice)
    assert list(rectifications_for(j)) == []
    with pytest.raises(PermissionDenied):
        rectification_for(j, rect.pk)
    with pytest.raises(PermissionDenied):
        svc.callback_record(actor=justice, jurisdiction=j, rectification=rect, reached=True,
                            summary="x")  # fmt: skip
    c = client_as(justice)
    assert c.get(reverse("servicedesk:rectification", args=[rect.pk])).status_code == 403
    r = c.post(
        reverse("servicedesk:rectification_callback", args=[rect.pk]),
        {"reached": "on", "summary": "x"},
    )
    assert r.status_code == 403 and not rect.callbacks.exists()
    # The county's 民政 officer (the matter's department) still may.
    assert rectification_for(jurisdiction_of(cast.county_civil), rect.pk) == rect


def test_stats_by_item_officer_and_unit(cast, register, finished):
    rate(cast, finished, 4, indicators=["办理快捷"])
    j = jurisdiction_of(cast.township_officer)
    by_item = rating_stats(j, by="item")
    assert [(r.label, r.count, r.average, r.satisfied) for r in by_item] == [
        ("最低生活保障申请", 1, 4.0, 1)
    ]
    assert rating_stats(j, by="officer")[0].key == str(cast.township_officer.pk)
    assert (
        rating_stats(jurisdiction_of(cast.province_official), by="unit")[0].key
        == cast.township.code
    )


def test_daily_reminder_reaches_the_unit_of_an_overdue_rectification(cast, finished):
    from datetime import timedelta

    from django.utils import timezone

    from cunshe.servicedesk.jobs.ratings import remind_rectifications

    rect = rate(cast, finished, 1, indicators=["超时办理"]).rectification
    assert remind_rectifications(today=rect.due_on - timedelta(days=1)) == 0
    assert remind_rectifications(today=rect.due_on) == 1
    assert Notification.objects.filter(
        recipient=cast.township_officer, subject__contains="1"
    ).exists()
    assert not Notification.objects.filter(recipient=cast.outsider).exists()
    assert timezone.localdate() <= rect.due_on


def test_a_village_matters_bad_rating_alerts_the_officers_not_the_villagers(
    cast, register, django_capture_on_commit_callbacks
):
    person = villager_person(cast, register)
    app = submit(cast, person, make_item("V-001", level="village"))
    for action in ("accept", "start", "approve", "deliver"):
        app = act(cast, app, action, by="clerk_a")
    with django_capture_on_commit_callbacks(execute=True):
        rate(cast, app, 1, indicators=["超时办理"])
    told = set(
        Notification.objects.filter(subject__startswith="差评").values_list("recipient", flat=True)
    )
    assert cast.clerk_a.pk in told
    assert cast.villager.pk not in told and cast.leader_a.pk not in told
