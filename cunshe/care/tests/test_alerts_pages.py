"""The board and the alert page: who sees what (clerk and leader of the village, the township
over many villages; the outsider gets 404, roles without care.alerts 403), the htmx table
refresh, acknowledging (once), closing with a note (required; stale page → 409), query counts
pinned, reads audited."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cunshe.care.models import Alert
from cunshe.care.selectors.alerts import board
from cunshe.care.services.alerts import alert_raise
from cunshe.care.tests.alerts_fixtures import *  # noqa: F403 (fixtures)
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def sos(alerting):  # type: ignore[no-untyped-def]
    now = timezone.now()
    return alert_raise(terminal=alerting.terminal, kind="sos", at=now - timedelta(minutes=3))


def _village_b_alert(cast, make_terminal, n: int):  # type: ignore[no-untyped-def]
    """An old man of village B with a terminal and a missed check-in alert."""
    from datetime import date

    from cunshe.residents import idcard
    from cunshe.residents import services as register_services

    system = Jurisdiction.system("test set-up")
    household = register_services.household_create(
        actor=cast.clerk_a, jurisdiction=system, region=cast.village_b,
        number=f"B-{n:03d}", address="古城村",
    )  # fmt: skip
    person = register_services.person_register(
        actor=cast.clerk_a, jurisdiction=system, household=household, relationship="02",
        name=f"古城老人{n}", id_number=idcard.make("220182", date(1945, 1, 1), 300 + n, "M"),
        since=date(2020, 1, 1),
    )  # fmt: skip
    terminal = make_terminal(person, serial=f"T-B-{n}")
    return alert_raise(
        terminal=terminal, kind="missed_checkin", at=timezone.now(), for_date=timezone.localdate()
    )


def test_the_clerk_sees_the_board_and_the_alert(client_as, sos, cast):
    page = client_as(cast.clerk_a).get("/care/board/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "张大山" in html and f'data-alert="{sos.pk}"' in html
    assert 'hx-trigger="every 5s"' in html and "闵家村" in html
    assert AuditEvent.objects.filter(action="care.alerts.viewed").count() == 1


def test_the_htmx_refresh_returns_only_the_table_and_is_not_audited_again(client_as, sos, cast):
    client = client_as(cast.clerk_a)
    client.get("/care/board/")
    part = client.get("/care/board/", HTTP_HX_REQUEST="true")
    assert part.status_code == 200
    html = part.content.decode()
    assert html.startswith('<div id="care-board"') and "<html" not in html
    assert AuditEvent.objects.filter(action="care.alerts.viewed").count() == 1


def test_the_township_officer_sees_every_village_grouped(
    client_as, sos, cast, register, make_terminal, clerk_j
):
    for n in range(3):
        _village_b_alert(cast, make_terminal, n)
    html = client_as(cast.township_officer).get("/care/board/").content.decode()
    assert "闵家村委会" in html and "古城村委会" in html
    assert html.count("data-alert=") == 4
    # The village A clerk sees only village A.
    html_a = client_as(cast.clerk_a).get("/care/board/").content.decode()
    assert html_a.count("data-alert=") == 1


def test_board_query_count_does_not_grow_with_rows(alerting, cast, register, make_terminal):
    j = alerting.township_j
    alert_raise(terminal=alerting.terminal, kind="sos", at=timezone.now())
    with CaptureQueriesContext(connection) as one:
        board(j)
    for n in range(5):
        _village_b_alert(cast, make_terminal, n)
    with CaptureQueriesContext(connection) as six:
        data = board(j)
    assert data.total == 6
    assert len(one.captured_queries) == len(six.captured_queries) == 3


def test_the_board_page_query_count_is_pinned(client_as, sos, cast, django_assert_num_queries):
    client = client_as(cast.clerk_a)
    client.get("/care/board/")  # the first view writes the read's audit event
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/care/board/", HTTP_HX_REQUEST="true").status_code == 200
    count = len(ctx.captured_queries)
    with django_assert_num_queries(count):
        client.get("/care/board/", HTTP_HX_REQUEST="true")
    assert count <= 12


def test_outsider_gets_404_and_roles_without_alerts_403(client_as, sos, cast):
    assert client_as(cast.outsider).get(f"/care/alerts/{sos.pk}/").status_code == 404
    outsider_board = client_as(cast.outsider).get("/care/board/")
    assert outsider_board.status_code == 200 and "张大山" not in outsider_board.content.decode()
    for who in ("county_civil", "province_official", "auditor", "system_admin"):
        response = client_as(getattr(cast, who)).get(f"/care/alerts/{sos.pk}/")
        assert response.status_code in (403, 404), who
        board_page = client_as(getattr(cast, who)).get("/care/board/")
        assert board_page.status_code == 403, who
    assert client_as(cast.county_civil).get(f"/care/alerts/{sos.pk}/").status_code == 403
    assert AuditEvent.objects.filter(action="care.permission.denied").exists()
    assert client_as(cast.villager).get("/care/board/").status_code == 403


def test_a_childs_alert_is_masked_for_a_role_without_view_children(
    alerting, cast, make_terminal, make_profile
):
    make_profile(alerting.family.child, "child")
    terminal = make_terminal(alerting.family.child, serial="T-CHILD")
    alert_raise(terminal=terminal, kind="sos", at=timezone.now())
    limited = Jurisdiction(
        prefixes=("220182102200",),
        permissions=frozenset({"care.alerts", "care.view"}),
        role="village_leader",
    )
    rows = [r for g in board(limited).villages for r in g.rows]
    assert [r.name for r in rows] == ["儿童（无权查看详情）"] and rows[0].hidden
    full = [r for g in board(alerting.leader_j).villages for r in g.rows]
    assert [r.name for r in full] == ["张小明"]


def test_acknowledge_then_a_second_acknowledgement_is_refused(client_as, sos, cast):
    page = client_as(cast.leader_a).post(f"/care/alerts/{sos.pk}/", {"action": "acknowledge"})
    assert page.status_code == 302
    alert = Alert._base_manager.get(pk=sos.pk)
    assert alert.status == "acknowledged" and alert.acknowledged_by == cast.leader_a
    again = client_as(cast.clerk_a).post(f"/care/alerts/{sos.pk}/", {"action": "acknowledge"})
    # The page no longer offers it; a stale page posting it is told who and when.
    assert again.status_code == 409
    assert "已由leader_a于" in again.content.decode()
    assert AuditEvent.objects.filter(action="care.alert.acknowledged").count() == 1


def test_close_needs_a_note_then_closes_and_acknowledges(client_as, sos, cast):
    client = client_as(cast.clerk_a)
    empty = client.post(
        f"/care/alerts/{sos.pk}/",
        {"action": "close", "note": " ", "visit_made": "1", "version": sos.version},
    )
    assert empty.status_code == 400
    assert Alert._base_manager.get(pk=sos.pk).status == "open"
    done = client.post(
        f"/care/alerts/{sos.pk}/",
        {"action": "close", "note": "误按，已电话确认", "visit_made": "0", "version": sos.version},
    )
    assert done.status_code == 302
    alert = Alert._base_manager.get(pk=sos.pk)
    assert alert.status == "closed" and alert.close_note == "误按，已电话确认"
    assert alert.acknowledged_by == cast.clerk_a and alert.acknowledged_at == alert.closed_at
    assert alert.visit_made is False
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"care.alert.acknowledged", "care.alert.closed"} <= actions
    page = client.get(f"/care/alerts/{sos.pk}/").content.decode()
    assert "误按，已电话确认" in page and "data-close-form" not in page


def test_closing_from_a_stale_page_is_a_conflict(client_as, sos, cast):
    client_as(cast.leader_a).post(f"/care/alerts/{sos.pk}/", {"action": "acknowledge"})
    stale = client_as(cast.clerk_a).post(
        f"/care/alerts/{sos.pk}/",
        {"action": "close", "note": "x", "visit_made": "0", "version": sos.version},
    )
    assert stale.status_code == 409
    assert "已被他人修改" in stale.content.decode()
    assert Alert._base_manager.get(pk=sos.pk).status == "acknowledged"


def test_alert_page_shows_the_timeline_and_is_audited(client_as, sos, cast):
    html = client_as(cast.clerk_a).get(f"/care/alerts/{sos.pk}/").content.decode()
    assert "第1级：家属" in html and "已通知 2 人" in html and "13900001111" in html
    assert f"/care/needs/new/?alert={sos.pk}" in html
    assert AuditEvent.objects.filter(action="care.alert.viewed", object_id=str(sos.pk)).exists()


def test_closing_links_a_visit(client_as, sos, cast, alerting):
    from cunshe.care.models import Visit
    from cunshe.core.jurisdiction import system_scope

    with system_scope("test"):
        visit = Visit.objects.create(
            profile=alerting.profile,
            region=alerting.profile.region,
            visited_at=timezone.now(),
            mode="home",
            carer_name="网格员小刘",
            recorded_by=cast.clerk_a,
        )
    done = client_as(cast.clerk_a).post(
        f"/care/alerts/{sos.pk}/",
        {
            "action": "close",
            "note": "已上门查看",
            "visit_made": "0",
            "visit": visit.pk,
            "version": sos.version,
        },
    )
    assert done.status_code == 302
    visit.refresh_from_db()
    assert visit.alert_id == sos.pk
    assert Alert._base_manager.get(pk=sos.pk).visit_made is True
