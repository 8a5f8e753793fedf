"""Village rules pages: the public page (no sign-in) shows the current version and older ones
with dates and no personal data; adoption page refuses a failed decision; township filing;
outsider 404."""

from __future__ import annotations

from django.utils import timezone

from cunshe.selfgov.models import RulesKind, RulesVersion
from cunshe.selfgov.services import village_rules as svc
from cunshe.selfgov.tests.proposals_fixtures import *  # noqa: F403


def _adopt(cast, clerk_j, decision, title):
    return svc.rules_adopt(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, kind=RulesKind.COVENANT,
        title=title, text=f"{title}全文：爱护公共设施。", decision=decision,
    )  # fmt: skip


def test_public_page_current_and_older_no_personal_data(client, cast, clerk_j, hamlet,
                                                        passed_decision):  # fmt: skip
    v1 = _adopt(cast, clerk_j, passed_decision(), "村规民约2021")
    v2 = _adopt(cast, clerk_j, passed_decision(title="修订"), "村规民约2026")
    r = client.get(f"/gov/villages/{cast.village_a.code}/rules/")
    assert r.status_code == 200
    body = r.content.decode()
    assert "村规民约2026全文" in body and "村规民约2021全文" not in body
    assert f"/rules/{v1.pk}/" in body
    for p in [*hamlet.heads, *hamlet.wives]:
        assert p.name not in body
        assert p.id_number not in body
    assert "clerk_a" not in body
    older = client.get(f"/gov/villages/{cast.village_a.code}/rules/{v1.pk}/")
    assert older.status_code == 200 and "村规民约2021全文" in older.content.decode()
    assert client.get(f"/gov/villages/{cast.village_b.code}/rules/{v2.pk}/").status_code == 404
    assert client.get("/gov/villages/22018210220/rules/").status_code == 404


def test_adopt_page_refuses_failed_decision(cast, clerk_j, passed_decision, client_as):
    failed = passed_decision(passed=False)
    c = client_as("clerk_a")
    assert c.get("/gov/rules/new/").status_code == 200
    r = c.post("/gov/rules/new/", {"kind": "covenant", "title": "t", "text": "x",
                                   "decision": failed.pk})  # fmt: skip
    assert r.status_code == 400 and "第二十七条" in r.content.decode()
    assert not RulesVersion.objects.within(clerk_j).exists()
    ok = passed_decision(title="制定村规民约")
    r = c.post("/gov/rules/new/", {"kind": "covenant", "title": "t", "text": "x",
                                   "decision": ok.pk})  # fmt: skip
    assert r.status_code == 302


def test_township_files_and_refusals(cast, clerk_j, passed_decision, client_as):
    v = _adopt(cast, clerk_j, passed_decision(), "村规民约")
    today = timezone.localdate().isoformat()
    assert (
        client_as("clerk_a").post(f"/gov/rules/{v.pk}/file/", {"filed_on": today}).status_code
        == 403
    )
    assert client_as("outsider").get(f"/gov/rules/{v.pk}/").status_code == 404
    r = client_as("township_officer").post(f"/gov/rules/{v.pk}/file/", {"filed_on": today})
    assert r.status_code == 302
    v.refresh_from_db()
    assert v.filed_on == timezone.localdate()
    assert "已备案" in client_as("clerk_a").get("/gov/rules/").content.decode()
