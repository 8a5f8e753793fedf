"""Applying online through the villager's form: for a member of one's own household (chosen from
the register), with photos or PDFs, or documents already on file; one application however often
the button is pressed; a bad file or a stranger as applicant changes nothing."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from cunshe.core.models import AuditEvent
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import Application, CountyAdjustment, Material, Status
from cunshe.servicedesk.tests.factories import JPEG, PNG, submit, upload
from cunshe.servicedesk.tests.villager_fixtures import *  # noqa: F403 (fixtures)

pytestmark = pytest.mark.django_db
URL = reverse("servicedesk:apply", args=["T-001"])


def apps(cast):  # type: ignore[no-untyped-def]
    return Application.objects.within(jurisdiction_of(cast.clerk_a))


def form_data(response, **extra):  # type: ignore[no-untyped-def]
    """What the browser would send back from the rendered form, plus `extra`."""
    form = response.context["form"]
    data = {
        "applicant": form["applicant"].value(),
        "idempotency_key": form["idempotency_key"].value(),
        "details": "",
    }
    data.update(extra)
    return data


def test_form_offers_own_household_members_by_name_and_shows_the_guide(
    client_as, me, spouse, neighbour, item
):
    r = client_as("villager").get(URL)
    assert r.status_code == 200
    html = r.content.decode()
    assert [p.name for p in r.context["members"]] == ["张桂兰", "李建华"]
    assert r.context["applicant"] == me  # the villager themself first
    assert "赵大伯" not in html  # another household
    assert me.id_number not in html and me.id_number[-4:] not in html
    for text in (
        "家庭人均收入低于当地低保标准",
        "居民身份证",
        "B 工作人员核验",
        "不收费",
        "5 个工作日",
    ):
        assert text in html, text
    assert re.search(r'name="idempotency_key" value="[0-9a-f]{32}"', html)
    for req in item.materials.all():
        assert f'name="material_{req.pk}"' in html
    assert 'accept="application/pdf,image/*"' in html
    assert 'enctype="multipart/form-data"' in html


def test_villager_applies_online_end_to_end(cast, client_as, me, item):
    client = client_as("villager")
    page = client.get(URL)
    id_req = item.materials.get(doc_type="id_card")
    hukou_req = item.materials.get(doc_type="hukou_book")
    data = form_data(
        page,
        details="家里收入少，申请低保",
        **{
            f"material_{id_req.pk}": upload("id.jpg", JPEG, "image/jpeg"),
            f"material_{hukou_req.pk}": upload("hukou.pdf"),
        },
    )
    r = client.post(URL, data)
    app = apps(cast).get()
    assert r.status_code == 302
    assert r["Location"] == reverse("servicedesk:my_application", args=[app.pk])
    assert (app.mode, app.status, app.created_by, app.applicant) == (
        "online", Status.SUBMITTED, cast.villager, me,
    )  # fmt: skip
    assert app.details == "家里收入少，申请低保"
    assert {m.content_type for m in app.materials.all()} == {"image/jpeg", "application/pdf"}
    detail = client.get(r["Location"])
    html = detail.content.decode()
    assert f"受理编号 {app.number}" in html  # the message, once
    assert " ".join(app.number[i : i + 4] for i in range(0, 12, 4)) in html  # the page
    assert "等待闵家镇受理" in html  # the plain-language timeline
    assert AuditEvent.objects.filter(
        action="servicedesk.application.submitted", object_id=str(app.pk)
    ).exists()


def test_applying_for_a_household_member(cast, client_as, me, spouse, item):
    client = client_as("villager")
    page = client.get(URL, {"for": spouse.pk})
    assert page.context["applicant"] == spouse
    r = client.post(URL, form_data(page))
    assert r.status_code == 302 and apps(cast).get().applicant == spouse


def test_pressing_submit_twice_makes_one_application(cast, client_as, me, item):
    client = client_as("villager")
    data = form_data(client.get(URL))
    first = client.post(URL, data)
    second = client.post(URL, data)
    assert apps(cast).count() == 1
    assert first["Location"] == second["Location"]


def test_a_file_that_is_not_what_it_claims_shows_the_message_and_changes_nothing(
    cast, client_as, me, item
):
    client = client_as("villager")
    req = item.materials.get(doc_type="id_card")
    fake = upload("id.pdf", b"MZ\x90\x00 this is an executable", "application/pdf")
    r = client.post(URL, form_data(client.get(URL), **{f"material_{req.pk}": fake}))
    assert r.status_code == 400
    assert "文件内容不是PDF、JPG或PNG" in r.content.decode()
    assert r.context["form"].errors[f"material_{req.pk}"]
    assert apps(cast).count() == 0 and Material.objects.count() == 0


def test_someone_from_another_household_cannot_be_the_applicant(
    cast, client_as, me, neighbour, item
):
    client = client_as("villager")
    r = client.post(URL, form_data(client.get(URL), applicant=neighbour.pk))
    assert r.status_code == 400 and r.context["form"].errors["applicant"]
    assert apps(cast).count() == 0


def test_a_document_on_file_is_reused_rather_than_uploaded_again(cast, client_as, me, item):
    id_req = item.materials.get(doc_type="id_card")
    earlier = submit(cast, me, item, uploads={id_req.pk: upload("id.png", PNG, "image/png")})
    on_file = earlier.materials.get(doc_type="id_card")
    client = client_as("villager")
    page = client.get(URL)
    assert "用以前交过的" in page.content.decode()
    r = client.post(URL, form_data(page, **{f"reuse_{id_req.pk}": "on"}))
    assert r.status_code == 302
    app = apps(cast).exclude(pk=earlier.pk).get()
    reused = app.materials.get(doc_type="id_card")
    assert reused.reused_from == on_file and reused.file.name == on_file.file.name


def test_an_item_not_offered_online_sends_the_villager_to_the_station(
    cast, client_as, me, offline_item
):
    url = reverse("servicedesk:apply", args=["T-010"])
    client = client_as("villager")
    page = client.get(url)
    assert page.status_code == 200 and page.context["form"] is None
    assert "请到村便民服务站代办" in page.content.decode()
    r = client.post(url, {"applicant": me.pk, "idempotency_key": "k1"})
    assert r.status_code == 400 and "请到村便民服务站代办" in r.content.decode()
    assert apps(cast).count() == 0


def test_an_item_the_county_does_not_offer_says_so_and_takes_nothing(cast, client_as, me, item):
    CountyAdjustment.objects.create(item=item, county=cast.county, offered=False)
    client = client_as("villager")
    page = client.get(URL)
    assert page.context["form"] is None and "本地不办理" in page.content.decode()
    assert client.post(URL, {"applicant": me.pk, "idempotency_key": "k1"}).status_code == 400
    assert apps(cast).count() == 0


def test_unknown_item_is_404(client_as, me):
    assert client_as("villager").get("/desk/apply/NO-SUCH/").status_code == 404


def test_villager_without_a_linked_person_is_told_whom_to_ask(client_as, register, item):
    from datetime import date

    register("王建国", date(1975, 5, 5), seq=1)
    r = client_as("villager").get(URL)
    assert r.context["form"] is None and "村委会" in r.content.decode()


def test_staff_may_not_use_the_villager_form(cast, client_as, me, item):
    for who in ("clerk_a", "outsider", "township_officer"):
        assert client_as(who).get(URL).status_code == 403
        assert (
            client_as(who).post(URL, {"applicant": me.pk, "idempotency_key": "x"}).status_code
            == 403
        )
    assert apps(cast).count() == 0
