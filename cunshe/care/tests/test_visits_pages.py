"""Visit pages: recording on the phone form (photos by content), the due list (mine, per
village, per carer, coverage, follow-ups), photo download access; outsider 404."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from cunshe.care.models import Visit
from cunshe.care.services import profiles as psvc
from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import GIF, JPEG
from cunshe.core.models import AuditEvent

DUE = reverse("care:visits_due")


@pytest.fixture
def elderly(family, make_profile):  # type: ignore[no-untyped-def]
    return make_profile(
        family.grandmother, "elderly", status_changed_at=timezone.now() - timedelta(days=100),
        next_visit_due=timezone.now() - timedelta(days=10),
    )  # fmt: skip


def _form(**kw):  # type: ignore[no-untyped-def]
    data = {
        "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "mode": "home",
        "findings": "老人身体尚可。",
    }
    data.update(kw)
    return data


def test_leader_records_a_visit_with_a_photo_and_the_plan_moves(
    client_as, elderly, media, cast, j_of
):
    c = client_as("leader_a")
    url = reverse("care:visit_new", args=[elderly.pk])
    r = c.get(url)
    assert r.status_code == 200
    assert 'capture="environment"' in r.content.decode()
    assert "carer" not in r.context["form"].fields  # a leader records only their own visits
    r = c.post(url, _form(photos=[SimpleUploadedFile("p.jpg", JPEG, "image/jpeg")]))
    assert r.status_code == 302
    elderly.refresh_from_db()
    assert elderly.next_visit_due > timezone.now() + timedelta(days=80)
    v = Visit.objects.within(j_of("clerk_a")).get()
    assert v.carer == cast.leader_a and v.photos.count() == 1
    photo_url = reverse("care:visit_photo", args=[v.pk, v.photos.get().pk])
    r = client_as("township_officer").get(photo_url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == JPEG
    assert AuditEvent.objects.filter(action="care.visit_photo.viewed").exists()
    assert client_as("outsider").get(photo_url).status_code == 404


def test_future_visit_and_fake_photo_are_refused_with_messages(client_as, elderly, media, j_of):
    c = client_as("clerk_a")
    url = reverse("care:visit_new", args=[elderly.pk])
    later = (timezone.localtime() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(url, _form(visited_at=later))
    assert r.status_code == 400
    assert "探访时间不能晚于现在" in r.content.decode()
    r = c.post(url, _form(photos=[SimpleUploadedFile("p.jpg", GIF, "image/jpeg")]))
    assert r.status_code == 400
    assert "不是JPG或PNG照片" in r.content.decode()
    assert not Visit.objects.within(j_of("clerk_a")).exists()


def test_clerk_records_for_a_named_carer(client_as, elderly, cast, j_of):
    carer = psvc.carer_assign(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=elderly, expected_version=1,
        carer_type="volunteer", name="志愿者小王", phone="13700000000",
    )  # fmt: skip
    c = client_as("clerk_a")
    r = c.post(reverse("care:visit_new", args=[elderly.pk]), _form(carer=str(carer.pk)))
    assert r.status_code == 302
    assert Visit.objects.within(j_of("clerk_a")).get().carer_name == "志愿者小王"


def test_outsider_and_roles_without_visit_right(client_as, elderly, county_officer):
    assert (
        client_as("outsider").get(reverse("care:visit_new", args=[elderly.pk])).status_code == 404
    )
    assert client_as("outsider").post(reverse("care:visit_new", args=[elderly.pk]),
                                      _form()).status_code == 404  # fmt: skip
    civil = client_as("county_civil")
    assert civil.get(reverse("care:visit_new", args=[elderly.pk])).status_code == 403
    assert civil.get(DUE).status_code == 403
    assert client_as("province_official").get(DUE).status_code == 403


def test_due_list_mine_per_carer_and_coverage(client_as, elderly, family, make_profile, cast, j_of):
    psvc.carer_assign(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=elderly, expected_version=1,
        carer_type="cadre", user=cast.leader_a,
    )  # fmt: skip
    make_profile(family.mother, "woman", next_visit_due=timezone.now() + timedelta(days=1))
    make_profile(family.grandfather, "elderly", next_visit_due=timezone.now() + timedelta(days=60))
    r = client_as("leader_a").get(DUE)
    assert r.status_code == 200
    assert [p.person.name for p in r.context["profiles"]] == ["王桂芝", "李娜"]
    assert r.context["overdue_count"] == 1
    assert (
        r.context["by_carer"][0]["name"] == "leader_a" and r.context["by_carer"][0]["overdue"] == 1
    )
    assert r.context["coverage"][0]["active"] == 3
    r = client_as("leader_a").get(DUE, {"mine": "on"})
    assert [p.person.name for p in r.context["profiles"]] == ["王桂芝"]
    r = client_as("township_officer").get(DUE)
    assert len(r.context["profiles"]) == 2
    assert AuditEvent.objects.filter(action="care.due_list.viewed").count() == 3


def test_due_list_query_count_is_pinned(client_as, elderly, family, make_profile):
    c = client_as("clerk_a")
    c.get(DUE)
    with CaptureQueriesContext(connection) as one:
        c.get(DUE)
    make_profile(family.mother, "woman", next_visit_due=timezone.now())
    make_profile(family.grandfather, "elderly", next_visit_due=timezone.now())
    with CaptureQueriesContext(connection) as three:
        r = c.get(DUE)
    assert len(r.context["profiles"]) == 3
    assert len(three.captured_queries) == len(one.captured_queries)
    # Session, user, role, nav; the page's reads; one audit event (PostgreSQL also takes
    # the audit chain's advisory lock).
    assert len(three.captured_queries) == 18 + (connection.vendor == "postgresql")


def test_follow_up_done_from_the_due_list(client_as, elderly, cast, j_of):
    from cunshe.care.services import visits as vsvc

    v = vsvc.visit_record(
        actor=cast.clerk_a, jurisdiction=j_of("clerk_a"), profile=elderly,
        visited_at=timezone.now() - timedelta(hours=1), mode="phone", findings="电话联系",
        follow_up="送米面",
    )  # fmt: skip
    c = client_as("leader_a")
    assert [x.pk for x in c.get(DUE).context["follow_ups"]] == [v.pk]
    r = c.post(reverse("care:follow_up_done", args=[v.pk]), {"next": "due"})
    assert r.status_code == 302 and r["Location"] == DUE
    v.refresh_from_db()
    assert v.follow_up_done_at is not None
    assert (
        client_as("outsider").post(reverse("care:follow_up_done", args=[v.pk])).status_code == 404
    )
