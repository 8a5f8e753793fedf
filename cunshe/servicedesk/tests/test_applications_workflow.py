"""The application workflow through the services: submission, routing, deadlines, transitions,
re-routing, materials, notifications and the public status lookup."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.core.models import AuditEvent, Notification
from cunshe.core.workdays import add_working_days
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import (
    Application,
    ApplicationEvent,
    CountyAdjustment,
    Material,
    Status,
)
from cunshe.servicedesk.selectors.applications import status_lookup
from cunshe.servicedesk.services import applications as svc
from cunshe.servicedesk.tests.factories import act, make_item, submit, upload, villager_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(db):  # type: ignore[no-untyped-def]
    return make_item()


@pytest.fixture
def person(cast, register):  # type: ignore[no-untyped-def]
    return villager_person(cast, register)


def test_daiban_submission_is_routed_to_the_township_with_an_acceptance_deadline(
    cast, person, item
):
    app = submit(cast, person, item, mode="daiban")
    assert app.status == Status.SUBMITTED
    assert (app.handler_level, app.handler_code) == ("township", cast.township.code)
    assert app.handler_department == "civil_affairs"
    assert app.region_code == person.region_code
    assert app.due_on == add_working_days(timezone.localdate(), 2)
    assert app.trips == 0
    assert app.materials.get(doc_type="authorisation").content_type == "application/pdf"
    event = app.events.get()
    assert event.to_status == Status.SUBMITTED and "闵家镇" in event.public_text
    assert AuditEvent.objects.filter(
        action="servicedesk.application.submitted", object_id=str(app.pk)
    ).exists()


def test_county_level_item_goes_to_the_county_department(cast, person):
    item = make_item("T-002", level="county", department="disabled_federation")
    app = submit(cast, person, item)
    assert (app.handler_code, app.handler_department) == (cast.county.code, "disabled_federation")


def test_daiban_without_written_authorisation_is_refused_and_nothing_is_written(cast, person, item):
    with pytest.raises(ValidationError) as exc:
        submit(cast, person, item, mode="daiban", authorisation=None, authorised_on=None)
    assert {"authorised_on", "authorisation"} <= set(exc.value.message_dict)
    assert Application.objects.within(jurisdiction_of(cast.clerk_a)).count() == 0


def test_lingban_needs_where_and_when(cast, person, item):
    with pytest.raises(ValidationError):
        submit(cast, person, item, mode="lingban", accompanied_place="")
    app = submit(cast, person, item, mode="lingban")
    assert app.accompanied_place and app.trips == 1


def test_double_click_creates_one_application(cast, person, item):
    first = submit(cast, person, item, key="same-key")
    second = submit(cast, person, item, key="same-key")
    assert first.pk == second.pk
    assert Application.objects.within(jurisdiction_of(cast.clerk_a)).count() == 1


def test_villager_applies_online_for_own_household_only(cast, person, item, register):
    app = submit(cast, person, item, by="villager", mode="online")
    assert app.created_by == cast.villager
    with pytest.raises(ValidationError):
        submit(cast, person, item, by="villager", mode="daiban")
    from cunshe.residents import services as rsvc

    other_household = rsvc.household_create(
        actor=cast.clerk_a, jurisdiction=jurisdiction_of(cast.clerk_a), region=cast.village_a,
        number="A-002",
    )  # fmt: skip
    stranger = register(
        "李四", date(1980, 1, 1), relationship="02", household=other_household, seq=7
    )
    with pytest.raises(PermissionDenied):
        submit(cast, stranger, item, by="villager", mode="online")


def test_outsider_cannot_apply_for_a_villager_elsewhere(cast, person, item):
    with pytest.raises(PermissionDenied):
        submit(cast, person, item, by="outsider")


def test_item_not_offered_in_the_county_is_refused(cast, person, item):
    CountyAdjustment.objects.create(item=item, county=cast.county, offered=False)
    with pytest.raises(ValidationError) as exc:
        submit(cast, person, item)
    assert "item" in exc.value.message_dict


def test_mode_the_item_does_not_allow_is_refused(cast, person):
    item = make_item("T-003", modes=("online",))
    with pytest.raises(ValidationError) as exc:
        submit(cast, person, item, mode="daiban")
    assert "mode" in exc.value.message_dict


def test_a_file_that_is_not_what_it_claims_is_refused(cast, person, item):
    req = item.materials.first()
    fake = upload("id.pdf", b"MZ\x90\x00 this is an executable", "application/pdf")
    with pytest.raises(ValidationError) as exc:
        submit(cast, person, item, uploads={req.pk: fake})
    assert f"material_{req.pk}" in exc.value.message_dict
    assert Application.objects.within(jurisdiction_of(cast.clerk_a)).count() == 0
    assert Material.objects.count() == 0


def test_whole_path_to_delivery_with_deadlines_notifications_and_timeline(
    cast, person, item, django_capture_on_commit_callbacks
):
    app = submit(cast, person, item)
    with django_capture_on_commit_callbacks(execute=True):
        app = act(cast, app, "accept")
    assert app.status == Status.ACCEPTED
    assert app.due_on == add_working_days(timezone.localdate(), item.promised_days)
    assert app.assignee == cast.township_officer
    sent = Notification.objects.filter(recipient=cast.villager)
    assert [n.channel for n in sent] == ["in_app"] and app.number in sent.first().body
    # The villager's account has no phone: the text goes to the register's number.
    sms = Notification.objects.get(channel="sms", recipient=None)
    assert sms.phone == "13800001234" and sms.phone_masked.endswith("1234")
    app = act(cast, app, "start")
    app = act(cast, app, "approve")
    assert app.finished_on_time is True and app.decided_at is not None
    app = act(cast, app, "deliver", by="clerk_a")
    assert app.status == Status.DELIVERED and app.is_finished and app.finished_at
    timeline = svc.public_timeline(app)
    assert [str(e.title) for e in timeline] == ["已提交", "已受理", "办理中", "准予办理", "已送达"]
    assert all("township_officer" not in e.text for e in timeline)
    actions = set(AuditEvent.objects.filter(object_id=str(app.pk)).values_list("action", flat=True))
    assert {"servicedesk.application.accept", "servicedesk.application.deliver"} <= actions


def test_transition_not_allowed_from_the_current_state_changes_nothing(cast, person, item):
    app = submit(cast, person, item)
    with pytest.raises(ValidationError):
        act(cast, app, "approve")
    app.refresh_from_db()
    assert app.status == Status.SUBMITTED and app.version == 1


def test_only_the_handling_unit_may_accept(cast, person, item):
    app = submit(cast, person, item)
    with pytest.raises(PermissionDenied):
        act(cast, app, "accept", by="clerk_a")  # a township-level matter
    with pytest.raises(PermissionDenied):
        act(cast, app, "accept", by="county_civil")  # supervises, does not handle
    county_item = make_item("T-004", level="county", department="civil_affairs")
    app2 = submit(cast, person, county_item)
    with pytest.raises(PermissionDenied):
        act(cast, app2, "accept")
    assert act(cast, app2, "accept", by="county_civil").status == Status.ACCEPTED


def test_refusal_and_rejection_need_a_reason(cast, person, item):
    app = submit(cast, person, item)
    with pytest.raises(ValidationError) as exc:
        act(cast, app, "reject", reason="  ")
    assert "reason" in exc.value.message_dict
    app = act(cast, app, "reject", reason="不属于本事项受理范围")
    assert app.status == Status.REJECTED and app.is_finished
    assert "不属于本事项受理范围" in app.events.last().public_text


def test_returned_material_stops_the_clock_until_resubmitted(cast, person, item):
    app = submit(cast, person, item)
    app = act(cast, app, "accept")
    app = act(cast, app, "start")
    due_before = app.due_on
    app = act(cast, app, "return", reason="请补充户口簿首页")
    assert app.status == Status.RETURNED and app.paused_on == timezone.localdate()
    # The villager took three working days to bring the material.
    paused_on = date(2026, 11, 2)  # a Monday; three working days until Thursday the 5th
    Application.objects.within(jurisdiction_of(cast.clerk_a)).filter(pk=app.pk).update(
        paused_on=paused_on
    )
    app.refresh_from_db()
    from cunshe.core import workdays

    paused = workdays.working_days_between(paused_on, timezone.localdate())
    req = item.materials.get(doc_type="hukou_book")
    app = act(
        cast,
        app,
        "resubmit",
        by="clerk_a",
        uploads={req.pk: upload("hukou.png", b"\x89PNG\r\n\x1a\n" + b"1" * 20, "image/png")},
    )
    assert app.status == Status.IN_PROGRESS
    assert app.due_on == add_working_days(due_before, paused)
    assert app.paused_on is None
    assert app.events.last().detail["paused_working_days"] == paused


def test_reroute_keeps_number_and_materials_and_sends_to_the_new_unit(cast, person, item):
    req = item.materials.first()
    app = submit(cast, person, item, uploads={req.pk: upload()})
    app = act(cast, app, "accept")
    number = app.number
    other = make_item(
        "T-005", name="残疾人两项补贴", level="county", department="disabled_federation"
    )
    with pytest.raises(ValidationError):
        svc.application_reroute(
            actor=cast.township_officer,
            jurisdiction=jurisdiction_of(cast.township_officer),
            application=app,
            reason="",
        )
    app = svc.application_reroute(
        actor=cast.township_officer,
        jurisdiction=jurisdiction_of(cast.township_officer),
        application=app,
        item=other,
        reason="应为残疾人两项补贴",
    )
    assert app.number == number and app.item == other
    assert (app.handler_code, app.handler_department) == (cast.county.code, "disabled_federation")
    assert app.status == Status.SUBMITTED and app.assignee is None
    assert app.materials.count() == 2  # authorisation + id card, nothing lost
    assert app.events.filter(kind=ApplicationEvent.Kind.REROUTE).exists()


def test_material_on_file_is_reused_not_uploaded_again(cast, person, item):
    id_req = item.materials.get(doc_type="id_card")
    first = submit(cast, person, item, uploads={id_req.pk: upload()})
    on_file = first.materials.get(doc_type="id_card")
    second_item = make_item("T-006", name="临时救助")
    req2 = second_item.materials.get(doc_type="id_card")
    second = submit(cast, person, second_item, reuse={req2.pk: on_file.pk})
    reused = second.materials.get(doc_type="id_card")
    assert reused.reused_from == on_file and reused.file.name == on_file.file.name
    # Someone else's material cannot be "reused".
    with pytest.raises(ValidationError):
        submit(cast, person, second_item, reuse={req2.pk: on_file.pk + 999})


def test_concurrent_edit_is_refused(cast, person, item):
    app = submit(cast, person, item)
    with pytest.raises(svc.ConcurrentEdit):
        act(cast, app, "accept", expected_version=app.version + 1)


def test_withdraw_by_the_villager(cast, person, item):
    app = submit(cast, person, item, by="villager", mode="online")
    app = act(cast, app, "withdraw", by="villager", reason="不需要了")
    assert app.status == Status.WITHDRAWN


def test_status_lookup_needs_number_and_the_phone_last_four(cast, person, item):
    app = submit(cast, person, item)
    assert status_lookup(app.number, "1234") == app
    assert status_lookup(app.number.lower(), "1234") == app
    assert status_lookup(app.number, "9999") is None
    assert status_lookup("X" * 12, "1234") is None
    assert status_lookup(app.number, "12a4") is None


def test_allowed_actions_follow_the_table(cast, person, item):
    app = submit(cast, person, item)
    assert svc.allowed_actions(jurisdiction_of(cast.township_officer), app) == [
        "accept", "reject", "return",
    ]  # fmt: skip
    assert svc.allowed_actions(jurisdiction_of(cast.clerk_a), app) == ["withdraw"]
    assert svc.allowed_actions(jurisdiction_of(cast.county_civil), app) == []


def test_forms_and_pledges_are_never_offered_for_reuse(cast, person):
    item = make_item("T-007", materials=(("申请表", "application_form", True),))
    req = item.materials.get()
    submit(cast, person, item, uploads={req.pk: upload()})
    assert "application_form" not in svc.reusable_materials(person)


def test_reroute_within_the_same_unit_keeps_the_clock(cast, person, item):
    app = act(cast, submit(cast, person, item), "accept")
    Application.objects.within(jurisdiction_of(cast.clerk_a)).filter(pk=app.pk).update(
        due_on=date(2026, 1, 5), escalation_level=2
    )
    app.refresh_from_db()
    same_unit_item = make_item("T-008", name="临时救助")  # also township 民政
    app = svc.application_reroute(
        actor=cast.township_officer,
        jurisdiction=jurisdiction_of(cast.township_officer),
        application=app,
        item=same_unit_item,
        reason="事项选错",
    )
    assert app.item == same_unit_item and app.status == Status.ACCEPTED
    assert app.due_on == date(2026, 1, 5) and app.escalation_level == 2
    assert app.assignee == cast.township_officer
