"""The clerk's intake desk (代办/领办) through the pages: find the villager in the village
register, choose the item, record the mode and the materials, submit once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import Application, CountyAdjustment, Material, Mode
from cunshe.servicedesk.tests.desk_fixtures import *  # noqa: F403 - the fixtures
from cunshe.servicedesk.tests.desk_fixtures import (
    INTAKE,
    count_applications,
    detail_url,
    intake_data,
)
from cunshe.servicedesk.tests.factories import make_item, submit, upload

pytestmark = pytest.mark.django_db


def test_clerk_takes_a_daiban_case_end_to_end(client_as, person, item):
    c = client_as("clerk_a")
    # 1. find the villager by the initials of her name
    r = c.get(INTAKE, {"q": "zgl"})
    assert r.status_code == 200
    assert [p.pk for p in r.context["results"]] == [person.pk]
    assert f"?person={person.pk}" in r.content.decode()
    # 2. choose the item among what her village offers
    r = c.get(INTAKE, {"person": person.pk})
    assert item.pk in [e.item.pk for e in r.context["offered_items"]]
    assert "张桂兰" in r.content.decode()
    assert f"item={item.pk}" in r.content.decode() and item.name in r.content.decode()
    # 3. the form: modes the item allows for a clerk, a fresh idempotency key
    r = c.get(INTAKE, {"person": person.pk, "item": item.pk})
    form = r.context["form"]
    assert {v for v, _l in form.fields["mode"].choices} == {
        "daiban", "lingban", "appointment", "online",
    }  # fmt: skip
    key = form["idempotency_key"].value()
    assert key and key in r.content.decode()
    # 4. submit with the signed 委托书 and the ID card
    r = c.post(INTAKE, intake_data(person, item, key=key))
    app = Application.objects.within(r.wsgi_request.jurisdiction).get()
    assert r.status_code == 302 and r["Location"] == detail_url(app)
    assert app.mode == Mode.DAIBAN and app.applicant == person
    assert app.applicant_name == "张桂兰"  # from the register, not retyped
    assert app.authorised_on == timezone.localdate()
    assert set(app.materials.values_list("doc_type", flat=True)) == {"authorisation", "id_card"}
    assert app.events.get().detail["missing"] == ["户口簿"]
    # 5. the detail page says the receipt number
    page = c.get(r["Location"])
    assert page.status_code == 200
    text = page.content.decode()
    assert app.number in text
    assert f"受理编号 {app.number}" in text  # the success message
    assert "委托" in text


def test_exact_id_number_is_searched_by_post_only(client_as, person):
    c = client_as("clerk_a")
    r = c.get(INTAKE, {"q": person.id_number})
    assert r.status_code == 400
    assert r.context["results"] is None
    assert "精确查找" in r.content.decode()
    r = c.post(INTAKE, {"step": "exact", "number": person.id_number})
    assert [p.pk for p in r.context["results"]] == [person.pk]
    assert person.id_number not in r.content.decode()  # shown masked
    # The outsider's exact search does not reach another county's register.
    r = client_as("outsider").post(INTAKE, {"step": "exact", "number": person.id_number})
    assert r.context["results"] == []


def test_search_finds_by_household_number_and_name(client_as, person):
    c = client_as("clerk_a")
    assert [p.pk for p in c.get(INTAKE, {"q": "A-001"}).context["results"]] == [person.pk]
    assert [p.pk for p in c.get(INTAKE, {"q": "张桂"}).context["results"]] == [person.pk]
    assert c.get(INTAKE, {"q": "王"}).context["results"] == []


def test_daiban_without_written_authorisation_is_refused_and_nothing_is_created(
    client_as, person, item
):
    c = client_as("clerk_a")
    r = c.post(INTAKE, intake_data(person, item, authorisation=None, authorised_on=""))
    assert r.status_code == 400
    form = r.context["form"]
    assert "代办须上传村民签字的委托书" in " ".join(form.errors["authorisation"])
    assert form.errors["authorised_on"]
    assert "没有提交" in r.content.decode()
    assert count_applications() == 0
    assert Material.objects.count() == 0


def test_double_post_with_the_same_key_creates_one_application(client_as, person, item):
    c = client_as("clerk_a")
    first = c.post(INTAKE, intake_data(person, item, key="double-click"))
    second = c.post(INTAKE, intake_data(person, item, key="double-click"))
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"]
    assert count_applications() == 1
    # Only the first post's files were stored.
    assert Material.objects.count() == 2


def test_lingban_needs_time_and_place(client_as, person, item):
    c = client_as("clerk_a")
    r = c.post(
        INTAKE, intake_data(person, item, mode="lingban", authorisation=None, authorised_on="")
    )
    assert r.status_code == 400
    assert "领办须记录陪同办理的时间和地点" in " ".join(
        r.context["form"].errors["accompanied_place"]
    )
    assert count_applications() == 0
    when = (timezone.localtime() - timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
    r = c.post(
        INTAKE,
        intake_data(
            person, item, key="lingban", mode="lingban", authorisation=None, authorised_on="",
            accompanied_at=when, accompanied_place="闵家镇便民服务中心",
        ),
    )  # fmt: skip
    assert r.status_code == 302
    app = Application.objects.within(r.wsgi_request.jurisdiction).get()
    assert app.mode == Mode.LINGBAN and app.accompanied_place == "闵家镇便民服务中心"
    assert app.trips == 1
    assert "闵家镇便民服务中心" in c.get(r["Location"]).content.decode()


def test_item_the_village_cannot_offer_gets_a_message(client_as, person, item, cast):
    CountyAdjustment.objects.create(item=item, county=cast.county, offered=False)
    c = client_as("clerk_a")
    assert item.pk not in [
        e.item.pk for e in c.get(INTAKE, {"person": person.pk}).context["offered_items"]
    ]
    r = c.post(INTAKE, intake_data(person, item))
    assert r.status_code == 400
    assert "本地不办理" in r.content.decode()
    assert count_applications() == 0


def test_a_file_that_is_not_what_it_claims_is_refused(client_as, person, item):
    id_req = item.materials.get(doc_type="id_card")
    fake = upload("id.pdf", b"MZ\x90\x00 an executable", "application/pdf")
    r = client_as("clerk_a").post(
        INTAKE, intake_data(person, item, **{f"material_{id_req.pk}": fake})
    )
    assert r.status_code == 400
    assert r.context["form"].errors[f"material_{id_req.pk}"]
    assert count_applications() == 0 and Material.objects.count() == 0


def test_material_on_file_is_offered_and_reused(client_as, person, item, cast):
    id_req = item.materials.get(doc_type="id_card")
    earlier = submit(cast, person, item, uploads={id_req.pk: upload()})
    on_file = earlier.materials.get(doc_type="id_card")
    other = make_item("T-010", name="临时救助")
    other_req = other.materials.get(doc_type="id_card")
    c = client_as("clerk_a")
    form = c.get(INTAKE, {"person": person.pk, "item": other.pk}).context["form"]
    assert f"reuse_{other_req.pk}" in form.fields
    data = intake_data(person, other, key="reuse")
    data.pop(f"material_{other_req.pk}")
    data[f"reuse_{other_req.pk}"] = "on"
    r = c.post(INTAKE, data)
    assert r.status_code == 302
    app = Application.objects.within(r.wsgi_request.jurisdiction).exclude(pk=earlier.pk).get()
    assert app.materials.get(doc_type="id_card").reused_from == on_file


def test_only_clerks_take_applications_in(client_as, person, item):
    assert client_as("township_officer").get(INTAKE).status_code == 403
    assert client_as("villager").get(INTAKE).status_code == 403
    assert client_as("security_admin").get(INTAKE).status_code == 403
    assert AuditEvent.objects.filter(action="core.permission.denied").count() == 3


def test_outsider_cannot_reach_a_villager_of_another_county(client_as, person, item):
    c = client_as("outsider")
    assert c.get(INTAKE, {"person": person.pk}).status_code == 404
    assert c.get(INTAKE, {"person": person.pk, "item": item.pk}).status_code == 404
    assert c.post(INTAKE, intake_data(person, item)).status_code == 404
    assert count_applications() == 0


def test_mode_the_item_does_not_allow_is_refused(client_as, person):
    online_only = make_item("T-011", modes=("online",))
    r = client_as("clerk_a").post(INTAKE, intake_data(person, online_only))
    assert r.status_code == 400
    assert r.context["form"].errors["mode"]
    assert count_applications() == 0
