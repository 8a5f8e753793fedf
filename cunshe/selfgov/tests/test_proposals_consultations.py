"""Consultation (协商) pages: the committee records topic, parties and notice, then each stage in
order with its date (a skipped stage, a date before the last one or in the future refused on
the form, nothing changed); a stale version is refused; staff read, villagers do not, the
outsider gets 404; every write audited."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.selfgov.models import Consultation
from cunshe.selfgov.services import proposals as svc
from cunshe.selfgov.tests.proposals_fixtures import *  # noqa: F403


def _new(cast, clerk_j, days_ago=3):  # type: ignore[no-untyped-def]
    return svc.consultation_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, topic="村道拓宽占地补偿",
        parties="村委会、涉及的六户村民、镇国土所",
        notice_on=timezone.localdate() - timedelta(days=days_ago), notice_how="公告栏、微信群",
    )  # fmt: skip


def test_clerk_creates_and_walks_the_stages(cast, clerk_j, client_as):
    c = client_as("clerk_a")
    assert c.get("/gov/consultations/new/").status_code == 200
    today = timezone.localdate()
    r = c.post("/gov/consultations/new/", {
        "topic": "村道拓宽占地补偿", "parties": "村委会、六户村民",
        "notice_on": (today - timedelta(days=2)).isoformat(), "notice_how": "公告栏",
    })  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:500]
    row = Consultation.objects.within(clerk_j).get()
    url = f"/gov/consultations/{row.pk}/advance/"
    # A skipped stage (outcome before discussion) is refused on the form.
    r = c.post(url, {"stage": 3, "on": today.isoformat(), "text": "同意", "version": row.version})
    assert r.status_code == 400 and "须依次记录" in r.content.decode()
    # A date before the notice is refused.
    early = (today - timedelta(days=5)).isoformat()
    r = c.post(url, {"stage": 2, "on": early, "text": "讨论", "version": row.version})
    assert r.status_code == 400 and "不能早于上一步" in r.content.decode()
    for stage, text in [(2, "召开协商会"), (3, "按亩补偿"), (4, "已发放"), (5, "村民满意")]:
        row.refresh_from_db()
        r = c.post(url, {"stage": stage, "on": today.isoformat(), "text": text,
                         "version": row.version})  # fmt: skip
        assert r.status_code == 302, r.content.decode()[:800]
    row.refresh_from_db()
    assert row.stage == Consultation.Stage.FEEDBACK and row.feedback == "村民满意"
    page = c.get(f"/gov/consultations/{row.pk}/").content.decode()
    assert "按亩补偿" in page and "记录这一步" not in page
    assert "村道拓宽占地补偿" in c.get("/gov/consultations/").content.decode()
    assert AuditEvent.objects.filter(action="selfgov.consultation.advanced").count() == 4


def test_stale_version_and_refusals(cast, clerk_j, client_as):
    row = _new(cast, clerk_j)
    today = timezone.localdate().isoformat()
    url = f"/gov/consultations/{row.pk}/advance/"
    r = client_as("clerk_a").post(url, {"stage": 2, "on": today, "text": "x", "version": 99})
    assert r.status_code == 400 and "已被他人修改" in r.content.decode()
    out = client_as("outsider")
    assert out.get(f"/gov/consultations/{row.pk}/").status_code == 404
    assert out.post(url, {"stage": 2, "on": today, "text": "x"}).status_code == 404
    assert "村道拓宽" not in out.get("/gov/consultations/").content.decode()
    township = client_as("township_officer")
    assert township.get(f"/gov/consultations/{row.pk}/").status_code == 200
    assert township.post(url, {"stage": 2, "on": today, "text": "x"}).status_code == 403
    assert township.get("/gov/consultations/new/").status_code == 403
    assert client_as("villager").get("/gov/consultations/").status_code == 403
    r = client_as("clerk_a").post("/gov/consultations/new/", {"topic": "", "parties": "",
                                                               "notice_on": today})  # fmt: skip
    assert r.status_code == 400
    row.refresh_from_db()
    assert row.stage == Consultation.Stage.NOTICED
    assert Consultation.objects.within(clerk_j).count() == 1


def test_list_query_count(cast, clerk_j, client_as, django_assert_num_queries):
    for i in range(4):
        _new(cast, clerk_j, days_ago=i)
    c = client_as("clerk_a")
    c.get("/gov/consultations/")
    with django_assert_num_queries(8):
        assert c.get("/gov/consultations/").status_code == 200


def test_nav_entries(cast):
    from cunshe.accounts.roles import ROLE_PERMISSIONS
    from cunshe.web.nav import NAV

    urls = {(i.url_name, i.perm, i.audience) for i in NAV}
    assert ("selfgov:proposals", "selfgov.view", "desk") in urls
    assert ("selfgov:rules", "selfgov.view", "desk") in urls
    assert ("selfgov:consultations", "selfgov.view", "desk") in urls
    # The villager (selfgov.participate) reaches proposals in the phone layout to co-sign.
    assert ("selfgov:proposals", "selfgov.participate", "villager") in urls
    assert any("selfgov.participate" in perms for perms in ROLE_PERMISSIONS.values())
