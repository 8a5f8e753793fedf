"""The candidates page and the kin page: the "how it will be checked" flow (a father leaving
for work, recorded on the register page, makes his child a candidate; the clerk confirms it),
refusals (outsider 404, wrong role 403), bad input, stale versions, audit, query counts."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cunshe.care.models import KinLink
from cunshe.care.selectors.candidates import CandidateFilters, candidates
from cunshe.care.services import identification as svc
from cunshe.care.tests.identification_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.identification_fixtures import profile_of
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.models import AuditEvent
from cunshe.residents import services as register

URL = "/care/candidates/"


def _all(f):  # type: ignore[no-untyped-def]
    return [f.father.pk, f.mother.pk, f.child.pk, f.grandfather.pk, f.grandmother.pk]


@pytest.fixture
def identified(family):  # type: ignore[no-untyped-def]
    svc.identify_persons(_all(family), refresh_kin=True)
    return family


def test_father_leaving_on_the_register_page_makes_his_child_a_candidate(
    identified, record, cast, clerk_j, client_as, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    f = identified
    mother = register.Person._base_manager.get(pk=f.mother.pk)
    register.person_update(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=mother,
        expected_version=mother.version,
        lacks_guardianship_capacity=True,
    )
    record(f.father, "return", date(2026, 1, 10))
    assert profile_of(f.child, "child") is None
    clerk = client_as("clerk_a")
    father = register.Person._base_manager.get(pk=f.father.pk)
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(
            reverse("residents:event_new", args=[father.pk]),
            {"version": father.version, "kind": "leave_work", "occurred_on": "2026-03-05",
             "destination": "大连市", "note": "", "corrects": "", "corrected_kind": ""},
        )  # fmt: skip
    assert r.status_code == 302, r.content.decode()[:500]
    page = clerk.get(URL)
    assert page.status_code == 200
    html = page.content.decode()
    assert "张小明" in html
    assert "父亲2026-03起在外务工，母亲无监护能力" in html
    child = profile_of(f.child, "child")
    r = clerk.post(
        reverse("care:candidate_confirm", args=[child.pk]),
        {f"c{child.pk}-version": child.version, f"c{child.pk}-risk_level": "high",
         f"c{child.pk}-note": "入户核实"},
    )  # fmt: skip
    assert r.status_code == 302
    child = profile_of(f.child, "child")
    assert child.status == "active" and child.risk_level == "high"
    assert f'id="candidate-{child.pk}"' not in clerk.get(URL).content.decode()


def test_list_is_audited_and_filtered(identified, client_as):  # type: ignore[no-untyped-def]
    clerk = client_as("clerk_a")
    html = clerk.get(URL, {"kind": "elderly"}).content.decode()
    assert "张大山" in html and "李娜" not in html
    html = clerk.get(URL, {"village": "220182102200", "kind": "woman"}).content.decode()
    assert "张大山" not in html and "李娜" in html
    event = AuditEvent.objects.filter(action="care.candidates.viewed").order_by("-id").first()
    assert event is not None and event.detail["count"] == 1 and event.detail["children"] == 0


def test_refusals(identified, client_as):  # type: ignore[no-untyped-def]
    f = identified
    woman = profile_of(f.mother, "woman")
    outsider = client_as("outsider")
    assert "李娜" not in outsider.get(URL).content.decode()  # their own (empty) village
    r = outsider.post(reverse("care:candidate_confirm", args=[woman.pk]),
                      {f"c{woman.pk}-version": 1, f"c{woman.pk}-risk_level": "high"})  # fmt: skip
    assert r.status_code == 404
    assert outsider.get(reverse("care:household_kin", args=[f.household.pk])).status_code == 404
    leader = client_as("leader_a")
    assert leader.get(URL).status_code == 403
    assert leader.get(reverse("care:household_kin", args=[f.household.pk])).status_code == 403
    r = leader.post(reverse("care:candidate_dismiss", args=[woman.pk]),
                    {f"d{woman.pk}-version": 1, f"d{woman.pk}-reason": "x"})  # fmt: skip
    assert r.status_code == 403
    assert client_as("villager").get(URL).status_code in (403, 404)
    assert client_as("county_civil").get(URL).status_code == 403  # reads care, decides nothing
    assert AuditEvent.objects.filter(action="care.permission.denied").exists()
    assert profile_of(f.mother, "woman").status == "candidate"


def test_dismiss_needs_a_reason_and_stale_versions_are_refused(identified, client_as):  # type: ignore[no-untyped-def]
    f = identified
    woman = profile_of(f.mother, "woman")
    clerk = client_as("clerk_a")
    url = reverse("care:candidate_dismiss", args=[woman.pk])
    r = clerk.post(url, {f"d{woman.pk}-version": woman.version, f"d{woman.pk}-reason": ""})
    assert r.status_code == 400
    assert "这个字段是必填项" in r.content.decode() or "必填" in r.content.decode()
    r = clerk.post(url, {f"d{woman.pk}-version": woman.version + 5, f"d{woman.pk}-reason": "x"})
    assert r.status_code == 409
    assert "已被他人修改" in r.content.decode()
    assert profile_of(f.mother, "woman").status == "candidate"
    r = clerk.post(
        url, {f"d{woman.pk}-version": woman.version, f"d{woman.pk}-reason": "丈夫在县城"}
    )
    assert r.status_code == 302
    assert profile_of(f.mother, "woman").status == "dismissed"
    assert AuditEvent.objects.filter(action="care.candidate.dismissed").count() == 1


def test_list_query_count_does_not_grow_with_rows(identified, client_as, register, make_profile):  # type: ignore[no-untyped-def]
    clerk = client_as("clerk_a")
    clerk.get(URL)  # warm the session and caches

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert clerk.get(URL).status_code == 200
        return len(ctx.captured_queries)

    before = count()
    for i in range(4):
        p = register(f"刘老{i}", date(1950, 2, i + 1), "M", "99", seq=50 + i)
        make_profile(p, "elderly", status="candidate", reason=[{"fact": "no_children"}])
    html = clerk.get(URL).content.decode()
    assert "刘老3" in html and "在本村无子女" in html
    assert count() == before


def test_children_only_with_view_children(identified, record):  # type: ignore[no-untyped-def]
    f = identified
    record(f.mother, "leave_work", date(2026, 9, 1))
    perms = frozenset({"care.view", "care.edit"})
    j = Jurisdiction(prefixes=("220182102200",), permissions=perms, role="test")
    kinds = {p.kind for p in candidates(j, CandidateFilters())}
    assert "child" not in kinds and "elderly" in kinds
    j2 = Jurisdiction(prefixes=("220182102200",), permissions=perms | {"care.view_children"})
    assert "child" in {p.kind for p in candidates(j2, CandidateFilters())}


def test_kin_page_shows_links_and_unresolved_and_takes_corrections(
    identified, client_as, register, cast, django_capture_on_commit_callbacks
):  # type: ignore[no-untyped-def]
    f = identified
    clerk = client_as("clerk_a")
    url = reverse("care:household_kin", args=[f.household.pk])
    html = clerk.get(url).content.decode()
    assert "张小明" in html and "由户内关系推断" in html
    assert "父母关系待确认" not in html
    # A grandchild with no married child of the head in the household: unresolved.
    with django_capture_on_commit_callbacks(execute=True):
        kid = register("张小雨", date(2019, 4, 4), "F", "42", seq=40)
    assert "父母关系待确认" in clerk.get(url).content.decode()
    # Link the grandchild to her parents by hand (the head and his wife, say).
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(reverse("care:household_kin_add", args=[f.household.pk]),
                       {"person": kid.pk, "kind": "parent", "relative": "",
                        "relative_id": f.father.pk, "note": "村委核实"})  # fmt: skip
    assert r.status_code == 302
    with system_scope("test"):
        link = KinLink.objects.get(person=kid, relative=f.father)
    assert link.source == "clerk" and link.active
    # Bad input: neither a member nor an id.
    r = clerk.post(reverse("care:household_kin_add", args=[f.household.pk]),
                   {"person": kid.pk, "kind": "parent", "relative_id": ""})  # fmt: skip
    assert r.status_code == 400
    # The same again is refused with a message.
    r = clerk.post(reverse("care:household_kin_add", args=[f.household.pk]),
                   {"person": kid.pk, "kind": "parent", "relative_id": f.father.pk})  # fmt: skip
    assert r.status_code == 400 and "这条关系已经登记" in r.content.decode()
    # Switch an inferred link off: kept, inactive, and not inferred again.
    with system_scope("test"):
        inferred = KinLink.objects.get(person=f.child, relative=f.mother)
    with django_capture_on_commit_callbacks(execute=True):
        r = clerk.post(reverse("care:household_kin_disable", args=[f.household.pk, inferred.pk]),
                       {"note": "登记有误"})  # fmt: skip
    assert r.status_code == 302
    svc.identify_persons([f.child.pk], refresh_kin=True)
    with system_scope("test"):
        inferred.refresh_from_db()
    assert not inferred.active
    assert AuditEvent.objects.filter(action="care.kin.added").count() == 1
    assert AuditEvent.objects.filter(action="care.kin.disabled").count() == 1
    # The outsider cannot switch links off.
    r = client_as("outsider").post(
        reverse("care:household_kin_disable", args=[f.household.pk, link.pk]), {"note": "x"}
    )
    assert r.status_code == 404
