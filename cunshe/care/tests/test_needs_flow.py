"""Needs (关爱需求): recorded from a visit, an alert or the profile; turned into a 代办 service
application with the villager's signed authorisation; the need page reads the application's
status through; settled with an outcome. Bad input and stale pages change nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from cunshe.care.models import CareNeed
from cunshe.care.services import needs as svc
from cunshe.care.tests.needs_fixtures import *  # noqa: F403 (fixtures)
from cunshe.core.models import AuditEvent
from cunshe.residents.services import ConcurrentEdit
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application
from cunshe.servicedesk.tests.factories import PDF, act, upload

pytestmark = pytest.mark.django_db


def _create(cast, profile, by="clerk_a", **kw):  # type: ignore[no-untyped-def]
    user = cast.users[by]
    kw.setdefault("category", "meals")
    kw.setdefault("description", "独居，需要每天送一顿午餐")
    return svc.need_create(
        actor=user, jurisdiction=jurisdiction_of(user), profile_id=profile.pk, **kw
    )


def _refer(cast, need, item, by="clerk_a", **kw):  # type: ignore[no-untyped-def]
    user = cast.users[by]
    kw.setdefault("authorised_on", timezone.localdate())
    kw.setdefault("authorisation", upload("weituo.pdf", PDF))
    kw.setdefault("idempotency_key", "need-key-1")
    return svc.need_refer_to_desk(
        actor=user, jurisdiction=jurisdiction_of(user), need_id=need.pk, item=item, **kw
    )


def test_a_need_found_on_a_visit_keeps_the_visit_and_is_audited(cast, elder, make_visit):
    visit = make_visit(elder)
    need = _create(cast, elder, visit_id=visit.pk)
    assert (need.status, need.visit_id, need.region_code) == ("open", visit.pk, elder.region_code)
    event = AuditEvent.objects.get(action="care.need.created")
    assert event.detail["source"] == "visit" and event.detail["category"] == "meals"


def test_a_need_from_an_alert_of_another_person_is_refused(cast, elder, child, make_alert):
    other = make_alert(child)
    with pytest.raises(ValidationError) as exc:
        _create(cast, elder, alert_id=other.pk)
    assert "alert" in exc.value.message_dict
    assert CareNeed._base_manager.count() == 0


def test_bad_category_and_empty_description_are_named(cast, elder):
    with pytest.raises(ValidationError) as exc:
        _create(cast, elder, category="lottery", description="  ")
    assert set(exc.value.message_dict) == {"category", "description"}


def test_the_outsider_gets_404_and_the_province_403(cast, elder):
    with pytest.raises(Http404):
        _create(cast, elder, by="outsider")
    with pytest.raises(PermissionDenied):
        _create(cast, elder, by="province_official")
    assert CareNeed._base_manager.count() == 0


def test_referral_makes_a_daiban_application_and_stores_it(cast, elder, desk_item):
    need = _create(cast, elder)
    need = _refer(cast, need, desk_item, details="家中无人照料")
    app = need.application
    assert need.status == "referred"
    assert (app.mode, app.applicant_id, app.item_id) == ("daiban", elder.person_id, desk_item.pk)
    assert app.authorised_on == timezone.localdate()
    assert app.materials.filter(doc_type="authorisation").count() == 1
    assert "助餐" in app.details and "家中无人照料" in app.details
    assert AuditEvent.objects.filter(action="care.need.referred").count() == 1
    assert AuditEvent.objects.filter(action="servicedesk.application.submitted").count() == 1


def test_referral_without_the_signed_authorisation_changes_nothing(cast, elder, desk_item):
    need = _create(cast, elder)
    with pytest.raises(ValidationError) as exc:
        _refer(cast, need, desk_item, authorisation=None, authorised_on=None)
    assert {"authorisation", "authorised_on"} <= set(exc.value.message_dict)
    need.refresh_from_db()
    assert need.status == "open" and need.application_id is None
    assert Application._base_manager.count() == 0


def test_referral_with_a_file_that_is_not_a_scan_is_refused(cast, elder, desk_item):
    need = _create(cast, elder)
    with pytest.raises(ValidationError) as exc:
        _refer(cast, need, desk_item, authorisation=upload("x.pdf", b"MZ\x90\x00 not a pdf"))
    assert "authorisation" in exc.value.message_dict
    assert Application._base_manager.count() == 0


def test_a_leader_without_intake_may_not_refer(cast, elder, desk_item):
    need = _create(cast, elder, by="leader_a")
    with pytest.raises(PermissionDenied):
        _refer(cast, need, desk_item, by="leader_a")
    assert Application._base_manager.count() == 0


def test_the_same_referral_sent_twice_makes_one_application(cast, elder, desk_item):
    need = _create(cast, elder)
    _refer(cast, need, desk_item)
    again = _refer(cast, need, desk_item, authorisation=upload("weituo.pdf", PDF))
    assert again.application_id is not None
    assert Application._base_manager.count() == 1


def test_a_stale_page_is_refused(cast, elder, desk_item):
    need = _create(cast, elder)
    old = svc.need_version(need)
    svc.need_settle(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), need_id=need.pk,
        status="closed", outcome="家属已接回城里", expected_version=old,
    )  # fmt: skip
    with pytest.raises(ConcurrentEdit):
        svc.need_settle(
            actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), need_id=need.pk,
            status="met", outcome="again", expected_version=old,
        )  # fmt: skip
    need.refresh_from_db()
    assert (need.status, need.outcome) == ("closed", "家属已接回城里")


def test_settling_needs_an_outcome_and_happens_once(cast, elder):
    need = _create(cast, elder)
    j = jurisdiction_of(cast.clerk_a)
    with pytest.raises(ValidationError) as exc:
        svc.need_settle(
            actor=cast.clerk_a, jurisdiction=j, need_id=need.pk, status="met", outcome=""
        )
    assert "outcome" in exc.value.message_dict
    svc.need_settle(
        actor=cast.clerk_a, jurisdiction=j, need_id=need.pk, status="met", outcome="已送餐"
    )
    with pytest.raises(ValidationError):
        svc.need_settle(
            actor=cast.clerk_a, jurisdiction=j, need_id=need.pk, status="closed", outcome="x"
        )
    assert AuditEvent.objects.filter(action="care.need.settled").count() == 1


def test_the_need_page_reads_the_application_status_through(cast, elder, desk_item, client_as):
    need = _refer(cast, _create(cast, elder), desk_item)
    app = need.application
    url = reverse("care:need_detail", args=[need.pk])
    html = client_as("clerk_a").get(url).content.decode()
    assert app.number in html and "已提交" in html and "data-app-done" not in html
    assert reverse("servicedesk:application", args=[app.pk]) in html
    # The township works the matter to an approval: the need page shows it without a copy.
    for action in ("accept", "start", "approve"):
        app = act(cast, app, action)
    html = client_as("clerk_a").get(url).content.decode()
    assert "准予办理" in html and "data-app-done" in html
