"""One matter on the villager's phone (/desk/my/<pk>/): status, timeline, due date, materials;
bringing missing material after a return; withdrawing; only the household's own matters."""

from __future__ import annotations

import pytest
from django.urls import NoReverseMatch, reverse

from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application, Status
from cunshe.servicedesk.services.applications import _status_link
from cunshe.servicedesk.tests.factories import PNG, act, upload
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def url(app, name: str = "my_application") -> str:  # type: ignore[no-untyped-def]
    return reverse(f"servicedesk:{name}", args=[app.pk])


def fresh(cast, app) -> Application:  # type: ignore[no-untyped-def]
    return Application.objects.within(jurisdiction_of(cast.clerk_a)).get(pk=app.pk)


def test_the_page_notifications_link_to(my_app):
    assert _status_link(my_app) == url(my_app) == f"/desk/my/{my_app.pk}/"


def test_status_number_due_date_timeline_and_materials(cast, client_as, me, item):
    from cunshe.servicedesk.tests.factories import submit

    id_req = item.materials.get(doc_type="id_card")
    app = submit(cast, me, item, by="villager", mode="online", uploads={id_req.pk: upload()})
    app = act(cast, app, "accept")
    r = client_as("villager").get(url(app))
    assert r.status_code == 200
    html = r.content.decode()
    assert "已受理" in html and app.due_on.isoformat() in html
    assert " ".join(app.number[i : i + 4] for i in range(0, 12, 4)) in html
    assert [e.title for e in r.context["timeline"]] == ["已提交", "已受理"]
    assert "闵家镇已受理" in html
    assert "township_officer" not in html  # no officer names
    assert [m.name for m in r.context["materials"]] == ["居民身份证"]
    assert r.context["missing"] == ["户口簿"]
    assert r.context["withdraw"] is not None  # still withdrawable once accepted
    try:
        receipt = reverse("servicedesk:receipt", args=[app.pk])
    except NoReverseMatch:
        receipt = None
    assert r.context["receipt_url"] == receipt  # the acceptance receipt, once accepted


def test_another_households_matter_is_404(client_as, me, my_app, neighbour_app):
    client = client_as("villager")
    assert client.get(url(neighbour_app)).status_code == 404
    assert (
        client.post(url(neighbour_app, "my_withdraw"), {"withdraw-reason": "x"}).status_code == 404
    )
    assert client.post(url(neighbour_app, "my_resubmit"), {}).status_code == 404


def test_outsider_gets_404_on_every_url_with_real_ids(cast, client_as, my_app, neighbour_app):
    client = client_as("outsider")
    for app in (my_app, neighbour_app):
        assert client.get(url(app)).status_code == 404
        assert client.post(url(app, "my_resubmit"), {}).status_code == 404
        r = client.post(
            url(app, "my_withdraw"), {"withdraw-reason": "x", "withdraw-expected_version": 1}
        )
        assert r.status_code == 404
    assert fresh(cast, my_app).status == Status.SUBMITTED


def test_staff_in_scope_are_sent_to_the_desk_page(client_as, my_app):
    r = client_as("township_officer").get(url(my_app))
    try:
        desk = reverse("servicedesk:application", args=[my_app.pk])
    except NoReverseMatch:
        assert r.status_code == 200
    else:
        assert r.status_code == 302 and r["Location"] == desk


def test_resubmission_after_return_through_the_page(cast, client_as, my_app, item):
    app = act(cast, my_app, "accept")
    app = act(cast, app, "return", reason="请补充户口簿首页")
    client = client_as("villager")
    page = client.get(url(app))
    html = page.content.decode()
    assert "需要补充材料" in html and "请补充户口簿首页" in html
    assert page.context["resubmit"] is not None and page.context["withdraw"] is not None
    hukou = item.materials.get(doc_type="hukou_book")
    r = client.post(
        url(app, "my_resubmit"),
        {
            "resubmit-expected_version": app.version,
            f"resubmit-material_{hukou.pk}": upload("hukou.png", PNG, "image/png"),
        },
    )
    assert r.status_code == 302 and r["Location"] == url(app)
    app = fresh(cast, app)
    assert app.status == Status.ACCEPTED and app.paused_on is None
    assert app.materials.filter(doc_type="hukou_book", superseded=False).count() == 1
    after = client.get(url(app))
    assert [e.title for e in after.context["timeline"]][-1] == "已受理"
    assert after.context["resubmit"] is None


def test_resubmission_with_a_bad_file_or_nothing_changes_nothing(cast, client_as, my_app, item):
    app = act(cast, my_app, "return", reason="身份证看不清")
    client = client_as("villager")
    req = item.materials.get(doc_type="id_card")
    bad = upload("id.jpg", b"GIF89a not allowed", "image/jpeg")
    r = client.post(
        url(app, "my_resubmit"),
        {"resubmit-expected_version": app.version, f"resubmit-material_{req.pk}": bad},
    )
    assert r.status_code == 400 and "文件内容不是PDF、JPG或PNG" in r.content.decode()
    r = client.post(url(app, "my_resubmit"), {"resubmit-expected_version": app.version})
    assert r.status_code == 400 and "请至少选择一份材料" in r.content.decode()
    app = fresh(cast, app)
    assert app.status == Status.RETURNED and app.materials.count() == 0


def test_withdraw_with_a_reason(cast, client_as, my_app):
    client = client_as("villager")
    r = client.post(
        url(my_app, "my_withdraw"),
        {"withdraw-reason": "", "withdraw-expected_version": my_app.version},
    )
    assert r.status_code == 400 and "请写一下为什么撤回" in r.content.decode()
    assert fresh(cast, my_app).status == Status.SUBMITTED
    r = client.post(
        url(my_app, "my_withdraw"),
        {"withdraw-reason": "不需要了", "withdraw-expected_version": my_app.version},
    )
    assert r.status_code == 302
    app = fresh(cast, my_app)
    assert app.status == Status.WITHDRAWN
    page = client.get(url(app))
    assert page.context["withdraw"] is None and page.context["rate_url"] is None
    assert "申请已撤回" in page.content.decode()


def test_withdraw_once_in_progress_is_refused_with_a_message(cast, client_as, my_app):
    app = act(cast, act(cast, my_app, "accept"), "start")
    client = client_as("villager")
    assert client.get(url(app)).context["withdraw"] is None
    r = client.post(
        url(app, "my_withdraw"),
        {"withdraw-reason": "不想办了", "withdraw-expected_version": app.version},
        follow=True,
    )
    assert "不能执行“撤回申请”" in r.content.decode()
    assert fresh(cast, app).status == Status.IN_PROGRESS


def test_a_stale_page_cannot_withdraw(cast, client_as, my_app):
    client = client_as("villager")
    stale_version = my_app.version
    act(cast, my_app, "accept")
    r = client.post(
        url(my_app, "my_withdraw"),
        {"withdraw-reason": "不想办了", "withdraw-expected_version": stale_version},
        follow=True,
    )
    assert "新的进展" in r.content.decode()
    assert fresh(cast, my_app).status == Status.ACCEPTED


def test_a_finished_matter_links_to_the_rating_page(cast, client_as, my_app):
    app = act(cast, act(cast, act(cast, my_app, "accept"), "start"), "approve")
    client = client_as("villager")
    assert client.get(url(app)).context["rate_url"] is None  # decided, not yet delivered
    app = act(cast, app, "deliver", by="clerk_a")
    page = client.get(url(app))
    try:
        rate = reverse("servicedesk:rate", args=[app.pk])
    except NoReverseMatch:
        assert page.context["rate_url"] is None
    else:
        assert page.context["rate_url"] == rate and rate in page.content.decode()
