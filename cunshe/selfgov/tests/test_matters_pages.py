"""四议两公开 pages: the list, opening a matter, the matter's page with its six steps and the form
for the next one (a skip refused on the page with the rule named), refusals for others."""

from __future__ import annotations

import pytest

from cunshe.core.models import AuditEvent
from cunshe.selfgov.models import Matter, MatterStep, MeetingKind
from cunshe.selfgov.tests.matters_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db


def test_clerk_opens_a_matter_and_records_step_one_on_the_page(cast, js, client_as, make_meeting):
    client = client_as("clerk_a")
    page = client.get("/gov/matters/new/")
    assert page.status_code == 200
    response = client.post(
        "/gov/matters/new/",
        {
            "village": cast.village_a.pk,
            "title": "集体果园承包方案",
            "category": "collective_project",
            "description": "果园承包五年。",
        },
    )
    assert response.status_code == 302
    matter = Matter.objects.within(js.clerk_a).get(title="集体果园承包方案")
    assert response["Location"] == f"/gov/matters/{matter.pk}/"
    branch = make_meeting(MeetingKind.BRANCH, title="党支部委员会三月会议")
    make_meeting(MeetingKind.JOINT, title="两委联席会议")  # not offered for step 1
    page = client.get(f"/gov/matters/{matter.pk}/")
    body = page.content.decode()
    assert page.status_code == 200
    assert 'data-step-state="current"' in body and "党支部委员会三月会议" in body
    assert "两委联席会议" not in body
    response = client.post(
        f"/gov/matters/{matter.pk}/", {"record": branch.pk, "note": "", "version": matter.version}
    )
    assert response.status_code == 302
    assert MatterStep.objects.get(matter=matter).meeting_id == branch.pk
    body = client.get(f"/gov/matters/{matter.pk}/").content.decode()
    assert body.count('data-step-state="done"') == 1
    assert "党支部委员会三月会议" in body


def test_a_stale_page_is_refused_and_changes_nothing(cast, client_as, new_matter, make_meeting, js):
    from cunshe.selfgov.services import matters as services

    matter = new_matter()
    opened = matter.version
    services.matter_advance(actor=cast.leader_a, jurisdiction=js.leader_a, matter=matter, step=1,
                            meeting=make_meeting(MeetingKind.BRANCH))  # fmt: skip
    joint = make_meeting(MeetingKind.JOINT)
    response = client_as("clerk_a").post(
        f"/gov/matters/{matter.pk}/", {"record": joint.pk, "version": opened}
    )
    assert response.status_code == 400
    assert "已被他人修改" in response.content.decode()
    assert MatterStep.objects.filter(matter=matter).count() == 1


def test_the_list_shows_matters_and_filters_by_step(cast, client_as, new_matter, walk):
    walk(new_matter("第一件"), 2)
    new_matter("第二件")
    body = client_as("township_officer").get("/gov/matters/").content.decode()
    assert "第一件" in body and "第二件" in body
    body = client_as("clerk_a").get("/gov/matters/?step=2").content.decode()
    assert "第一件" in body and "第二件" not in body


def test_a_record_of_the_wrong_step_cannot_be_posted(cast, client_as, new_matter, make_meeting):
    matter = new_matter()
    joint = make_meeting(MeetingKind.JOINT)
    response = client_as("clerk_a").post(
        f"/gov/matters/{matter.pk}/", {"record": joint.pk, "version": matter.version}
    )
    assert response.status_code == 400  # not among the step's candidates
    assert not MatterStep.objects.filter(matter=matter).exists()


def test_refusals(cast, client_as, new_matter, make_meeting):
    matter = new_matter()
    branch = make_meeting(MeetingKind.BRANCH)
    assert client_as("outsider").get(f"/gov/matters/{matter.pk}/").status_code == 404
    assert client_as("villager").get("/gov/matters/").status_code == 403
    assert client_as("villager").get(f"/gov/matters/{matter.pk}/").status_code in (403, 404)
    township = client_as("township_officer")
    assert township.get(f"/gov/matters/{matter.pk}/").status_code == 200
    before = AuditEvent.objects.filter(outcome="denied").count()
    response = township.post(f"/gov/matters/{matter.pk}/", {"record": branch.pk, "version": 1})
    assert response.status_code == 403
    assert AuditEvent.objects.filter(outcome="denied").count() == before + 1
    assert township.get("/gov/matters/new/").status_code == 403
    assert not MatterStep.objects.filter(matter=matter).exists()
    assert client_as("clerk_a").get("/gov/matters/").status_code == 200


def test_the_list_and_page_take_a_fixed_number_of_queries(
    cast, js, client_as, new_matter, walk, django_assert_max_num_queries
):
    for i in range(3):
        walk(new_matter(f"事项{i}"), i + 2)
    client = client_as("clerk_a")
    client.get("/gov/matters/")
    with django_assert_max_num_queries(12):
        assert client.get("/gov/matters/").status_code == 200
    matter = Matter.objects.within(js.clerk_a).first()
    with django_assert_max_num_queries(16):
        assert client.get(f"/gov/matters/{matter.pk}/").status_code == 200


def test_the_steps_link_their_records_on_the_staff_page(cast, js, client_as, new_matter, walk):
    from cunshe.selfgov.models import MatterStep

    matter = walk(new_matter(), 5)
    rows = {r.step: r for r in MatterStep.objects.filter(matter=matter)}
    body = client_as("clerk_a").get(f"/gov/matters/{matter.pk}/").content.decode()
    assert f'href="/gov/meetings/{rows[1].meeting_id}/"' in body
    assert f'href="/gov/meetings/{rows[4].decision.agenda_item.meeting_id}/"' in body
    assert f'href="/gov/disclosures/{rows[5].disclosure_id}/"' in body
    public = client_as("clerk_a").get(f"/gov/villages/220182102200/matters/{matter.pk}/")
    assert "/gov/meetings/" not in public.content.decode()
    assert f"/gov/villages/220182102200/disclosures/{rows[5].disclosure_id}/" in (
        public.content.decode()
    )
