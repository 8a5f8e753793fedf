"""The workflow through the detail page: the township accepts, starts and approves; refused
actions (not allowed now, not this unit's, stale page, missing reason) change nothing; a
mis-filed matter is re-routed; the handling unit assigns; the clerk resubmits material."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.servicedesk.models import Application, ApplicationEvent, Status
from cunshe.servicedesk.tests.desk_fixtures import *  # noqa: F403 - the fixtures
from cunshe.servicedesk.tests.desk_fixtures import act_url, detail_url
from cunshe.servicedesk.tests.factories import act, make_item, submit, upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def app(cast, person, item):  # type: ignore[no-untyped-def]
    return submit(cast, person, item)


def _fresh(app: Application) -> Application:
    return Application._base_manager.get(pk=app.pk)


def _post_action(client, app, action, version=None, **extra):  # type: ignore[no-untyped-def]
    data = {"action": action, "expected_version": version or _fresh(app).version, **extra}
    return client.post(act_url(app), data)


def test_township_officer_accepts_starts_and_approves_on_the_page(client_as, app, cast):
    c = client_as("township_officer")
    page = c.get(detail_url(app))
    assert [a["name"] for a in page.context["actions"]] == ["accept", "reject", "return"]
    for action, status in (
        ("accept", Status.ACCEPTED),
        ("start", Status.IN_PROGRESS),
        ("approve", Status.APPROVED),
    ):
        r = _post_action(c, app, action)
        assert r.status_code == 302 and r["Location"] == detail_url(app)
        assert _fresh(app).status == status
    page = c.get(detail_url(app))
    text = page.content.decode()
    assert "准予办理" in text and "township_officer" in text  # who did it, in the timeline
    assert "乡镇干部" in text  # with the role
    assert [row["title"] for row in page.context["timeline"]] == [
        "已提交", "已受理", "办理中", "准予办理",
    ]  # fmt: skip
    assert _fresh(app).assignee == cast.township_officer


def test_an_action_not_allowed_now_is_refused_and_changes_nothing(client_as, app):
    r = _post_action(client_as("township_officer"), app, "approve")
    assert r.status_code == 400
    assert "不能执行" in r.content.decode()
    fresh = _fresh(app)
    assert fresh.status == Status.SUBMITTED and fresh.version == 1
    assert fresh.events.count() == 1


def test_an_unknown_action_is_refused(client_as, app):
    r = _post_action(client_as("township_officer"), app, "delete")
    assert r.status_code == 400
    assert "未知的操作" in r.content.decode()
    assert _fresh(app).version == 1


def test_a_unit_that_does_not_handle_the_matter_cannot_accept(client_as, app):
    r = _post_action(client_as("clerk_a"), app, "accept")
    assert r.status_code == 400
    assert "不由您所在单位办理" in r.content.decode()
    assert _fresh(app).status == Status.SUBMITTED


def test_a_stale_page_gets_the_conflict_message_and_changes_nothing(client_as, app, cast):
    c = client_as("township_officer")
    seen = c.get(detail_url(app)).context["app"].version
    act(cast, app, "accept")  # someone else, meanwhile
    r = _post_action(c, app, "return", version=seen, reason="请补充户口簿")
    assert r.status_code == 409
    assert "已被他人修改，请刷新" in r.content.decode()
    assert _fresh(app).status == Status.ACCEPTED


def test_reasons_are_required_where_the_villager_is_told_why(client_as, app):
    r = _post_action(client_as("township_officer"), app, "reject", reason="  ")
    assert r.status_code == 400
    assert "请填写理由" in r.content.decode()
    assert _fresh(app).status == Status.SUBMITTED
    r = _post_action(client_as("township_officer"), app, "reject", reason="不属于本事项")
    assert r.status_code == 302
    fresh = _fresh(app)
    assert fresh.status == Status.REJECTED and fresh.decision_reason == "不属于本事项"


def test_reroute_through_the_page_keeps_the_number(client_as, app, cast):
    other = make_item(
        "T-020", name="残疾人两项补贴", level="county", department="disabled_federation"
    )
    c = client_as("township_officer")
    url = reverse("servicedesk:application_reroute", args=[app.pk])
    r = c.post(url, {"expected_version": 1, "item": other.pk, "department": "", "reason": ""})
    assert r.status_code == 400 and _fresh(app).item_id != other.pk
    r = c.post(
        url, {"expected_version": 1, "item": other.pk, "department": "", "reason": "应为残补"}
    )
    assert r.status_code == 302
    fresh = _fresh(app)
    assert fresh.number == app.number and fresh.item == other
    assert (fresh.handler_code, fresh.handler_department) == (
        cast.county.code,
        "disabled_federation",
    )
    assert fresh.events.filter(kind=ApplicationEvent.Kind.REROUTE).exists()
    assert "榆树市残联" in c.get(r["Location"]).content.decode()
    # The township no longer handles it: no actions, no re-route form.
    page = c.get(detail_url(app))
    assert page.context["actions"] == [] and page.context["reroute"] is None


def test_reroute_to_another_department_for_a_county_item(client_as, person, cast):
    county_item = make_item("T-021", level="county", department="civil_affairs")
    app = submit(cast, person, county_item)
    url = reverse("servicedesk:application_reroute", args=[app.pk])
    r = client_as("county_civil").post(
        url, {"expected_version": 1, "item": county_item.pk, "department": "disabled_federation",
              "reason": "归残联办理"},
    )  # fmt: skip
    assert r.status_code == 302
    assert _fresh(app).handler_department == "disabled_federation"


def test_handler_assigns_to_another_officer_of_the_same_unit(client_as, app, cast):
    colleague = User.objects.create_user("township_2", password="x" * 12, display_name="王干事")
    RoleAssignment.objects.create(user=colleague, role=Role.TOWNSHIP_OFFICER, region=cast.township)
    c = client_as("township_officer")
    page = c.get(detail_url(app))
    officers = dict(page.context["assign"].fields["assignee"].choices)
    assert colleague.pk in officers and cast.outsider.pk not in officers
    url = reverse("servicedesk:application_assign", args=[app.pk])
    r = c.post(url, {"expected_version": 1, "assignee": cast.outsider.pk})
    assert r.status_code == 400 and _fresh(app).assignee_id is None
    r = c.post(url, {"expected_version": 1, "assignee": colleague.pk})
    assert r.status_code == 302 and _fresh(app).assignee == colleague
    assert "王干事" in c.get(detail_url(app)).content.decode()


def test_clerk_resubmits_the_missing_material_after_a_return(client_as, app, cast, item):
    act(cast, app, "return", reason="请补充户口簿")
    c = client_as("clerk_a")
    page = c.get(detail_url(app))
    assert "resubmit" in [a["name"] for a in page.context["actions"]]
    req = item.materials.get(doc_type="hukou_book")
    r = c.post(
        act_url(app),
        {"action": "resubmit", "expected_version": _fresh(app).version,
         f"material_{req.pk}": upload("hukou.png", b"\x89PNG\r\n\x1a\n" + b"1" * 20, "image/png")},
    )  # fmt: skip
    assert r.status_code == 302
    fresh = _fresh(app)
    assert fresh.status == Status.SUBMITTED
    assert fresh.materials.filter(doc_type="hukou_book").exists()


def test_outsider_gets_404_and_a_role_without_view_403_on_every_page(client_as, app, cast):
    urls = [
        detail_url(app),
        act_url(app),
        reverse("servicedesk:application_reroute", args=[app.pk]),
        reverse("servicedesk:application_assign", args=[app.pk]),
    ]
    outsider = client_as("outsider")
    assert outsider.get(urls[0]).status_code == 404
    for url in urls[1:]:
        assert outsider.post(url, {"action": "accept", "expected_version": 1}).status_code == 404
    admin = client_as("security_admin")
    assert admin.get(urls[0]).status_code == 403
    assert admin.post(urls[1], {"action": "accept", "expected_version": 1}).status_code == 403
    # The villager has her own page; the desk page is for staff.
    assert client_as("villager").get(urls[0]).status_code == 403
    assert _fresh(app).status == Status.SUBMITTED


def test_applicant_name_is_masked_for_roles_that_may_not_unmask(client_as, app):
    assert "张桂兰" in client_as("clerk_a").get(detail_url(app)).content.decode()
    text = client_as("township_officer").get(detail_url(app)).content.decode()
    assert "张桂兰" not in text and "张**" in text


def test_overdue_matter_says_by_how_many_working_days(client_as, app, cast):
    from datetime import date

    Application._base_manager.filter(pk=app.pk).update(due_on=date(2020, 1, 3))  # a Friday
    page = client_as("township_officer").get(detail_url(app))
    assert page.context["overdue_days"] > 0
    assert "已超期" in page.content.decode()


def test_detail_query_count_does_not_grow_with_events_and_materials(
    client_as, cast, person, item, django_assert_num_queries
):
    colleague = User.objects.create_user("township_3", password="x" * 12)
    RoleAssignment.objects.create(user=colleague, role=Role.TOWNSHIP_OFFICER, region=cast.township)
    c = client_as("township_officer")
    small = submit(cast, person, item)
    id_req = item.materials.get(doc_type="id_card")
    big = submit(cast, person, item, uploads={id_req.pk: upload()})
    for action in ("accept", "start"):
        big = act(cast, big, action)
    c.get(detail_url(small))  # warm the session
    with django_assert_num_queries(17):
        c.get(detail_url(small))
    with django_assert_num_queries(17):
        r = c.get(detail_url(big))
    assert len(r.context["timeline"]) == 3 and len(r.context["materials"]) == 2


def test_the_clerk_re_routes_only_before_the_handling_unit_accepts(client_as, app, cast):
    # The clerk may correct a mis-filing they made; once the township has accepted the matter it
    # is the township's, and only the township may send it elsewhere (a re-route restarts the
    # acceptance, the deadline and the escalation).
    other = make_item("T-022", name="特困人员救助供养申请")
    clerk = client_as("clerk_a")
    url = reverse("servicedesk:application_reroute", args=[app.pk])
    act(cast, app, "accept")
    assert clerk.get(detail_url(app)).context["reroute"] is None
    r = clerk.post(url, {"expected_version": _fresh(app).version, "item": other.pk,
                         "department": "", "reason": "应为特困"})  # fmt: skip
    assert r.status_code in (400, 403)
    fresh = _fresh(app)
    assert (fresh.status, fresh.item_id) == (Status.ACCEPTED, app.item_id)
    assert not fresh.events.filter(kind=ApplicationEvent.Kind.REROUTE).exists()
    # The handling unit still may.
    township = client_as("township_officer")
    assert township.get(detail_url(app)).context["reroute"] is not None
    r = township.post(url, {"expected_version": _fresh(app).version, "item": other.pk,
                            "department": "", "reason": "应为特困"})  # fmt: skip
    assert r.status_code == 302 and _fresh(app).item == other


def test_the_clerk_re_routes_a_matter_not_yet_accepted(client_as, app):
    other = make_item("T-023", name="特困人员救助供养申请")
    clerk = client_as("clerk_a")
    assert clerk.get(detail_url(app)).context["reroute"] is not None
    r = clerk.post(
        reverse("servicedesk:application_reroute", args=[app.pk]),
        {"expected_version": 1, "item": other.pk, "department": "", "reason": "选错了事项"},
    )
    assert r.status_code == 302 and _fresh(app).item == other
