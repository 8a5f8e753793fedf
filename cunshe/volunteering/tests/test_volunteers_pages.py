"""Volunteers pages: list with search (query count pinned), register a resident and a
non-resident (a bad ID refused on the form), the five-category record with masked ID, edit with a
stale version (409), training/honour/evaluation from the page, stations and organisations, the
villager's own record and self-registration; outsider 404, role without permission 403."""

from __future__ import annotations

from django.urls import reverse

from cunshe.volunteering.models import Honour, Station, TrainingRecord, Volunteer
from cunshe.volunteering.tests.volunteers_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.volunteers_fixtures import OTHER_ID


def test_list_search_and_filters(client_as, vols, approve_hours, django_assert_num_queries):
    approve_hours(vols.li, 100 * 60)
    client = client_as("clerk_a")
    url = reverse("volunteering:volunteers")
    client.get(url)  # warm the session
    with django_assert_num_queries(11):
        page = client.get(url).content.decode()
    assert page.count("data-volunteer=") == 2
    assert OTHER_ID not in page
    assert client.get(url, {"q": "zsf"}).content.decode().count("data-volunteer=") == 1
    assert client.get(url, {"q": "李"}).content.decode().count("data-volunteer=") == 1
    starred = client.get(url, {"star": "1"}).content.decode()
    assert f'data-volunteer="{vols.li.pk}"' in starred and starred.count("data-volunteer=") == 1
    by_skill = client.get(url, {"skill": "haircut"}).content.decode()
    assert (
        f'data-volunteer="{vols.zhang.pk}"' in by_skill and by_skill.count("data-volunteer=") == 1
    )


def test_list_access(client_as, vols):
    url = reverse("volunteering:volunteers")
    assert client_as("villager").get(url).status_code == 403
    assert client_as("leader_a").get(url).status_code == 200
    outsider = client_as("outsider").get(url).content.decode()
    assert "data-volunteer=" not in outsider


def test_detail_shows_the_five_categories_masked(client_as, vols, activity, approve_hours):
    approve_hours(vols.li, 90, activity)
    page = client_as("clerk_a").get(reverse("volunteering:volunteer", args=[vols.li.pk]))
    text = page.content.decode()
    for heading in ("一、身份信息", "二、服务记录", "三、培训", "四、表彰奖励", "五、服务评价"):
        assert heading in text
    assert "220102********" in text and OTHER_ID not in text
    assert "139****5678" in text and "13912345678" not in text
    assert "三月理发日" in text and 'data-total-minutes="90"' in text


def test_detail_access(client_as, clerk_j, vols):
    url = reverse("volunteering:volunteer", args=[vols.li.pk])
    assert client_as("outsider").get(url).status_code == 404
    assert client_as("villager").get(url).status_code == 403
    assert client_as("leader_a").get(url).status_code == 200
    r = client_as("leader_a").post(
        url, {"action": "training", "title": "x", "held_on": "2026-01-01"}
    )
    assert r.status_code == 403
    assert not TrainingRecord.objects.within(clerk_j).filter(volunteer=vols.li).exists()


def test_register_resident_and_non_resident_pages(client_as, cast, clerk_j, people):
    client = client_as("clerk_a")
    url = reverse("volunteering:volunteer_register")
    found = client.get(url, {"kind": "resident", "q": "wang"}).content.decode()
    assert f'data-candidate="{people.wang.pk}"' in found
    r = client.post(
        url,
        {
            "kind": "resident",
            "person": people.wang.pk,
            "skills": ["care"],
            "availability": ["0-0", "5-1"],
            "public_consent": "on",
        },
    )
    assert r.status_code == 302
    v = Volunteer.objects.within(clerk_j).get(person=people.wang)
    assert v.skills == ["care"] and v.public_consent and v.availability == 1 | (1 << 16)
    bad = OTHER_ID[:-1] + ("0" if OTHER_ID[-1] != "0" else "1")
    r = client.post(
        url, {"kind": "other", "name": "李四", "id_number": bad, "region": cast.village_a.pk}
    )
    assert r.status_code == 400 and "校验位" in r.content.decode()
    r = client.post(
        url,
        {
            "kind": "other",
            "name": "李四",
            "id_number": OTHER_ID,
            "region": cast.village_a.pk,
            "verified": "on",
        },
    )
    assert r.status_code == 302
    li = Volunteer.objects.within(clerk_j).get(name="李四")
    assert li.verified_at is not None and li.sex == "M"
    r = client.post(
        url, {"kind": "other", "name": "李四", "id_number": OTHER_ID, "region": cast.village_a.pk}
    )
    assert r.status_code == 400 and "不能重复登记" in r.content.decode()
    assert Volunteer.objects.within(clerk_j).count() == 2


def test_edit_with_a_stale_version_is_409(client_as, vols):
    client = client_as("clerk_a")
    url = reverse("volunteering:volunteer", args=[vols.li.pk])
    data = {
        "action": "edit",
        "version": 1,
        "name": "李四",
        "phone": "13700000000",
        "skills": ["repair"],
        "availability": ["1-1"],
    }
    assert client.post(url, data).status_code == 302
    vols.li.refresh_from_db()
    assert vols.li.phone == "13700000000" and vols.li.availability == 1 << 4
    r = client.post(url, {**data, "phone": "13600000000"})
    assert r.status_code == 409 and "已被他人修改" in r.content.decode()
    vols.li.refresh_from_db()
    assert vols.li.phone == "13700000000"


def test_record_entries_from_the_page(client_as, clerk_j, vols):
    client = client_as("clerk_a")
    url = reverse("volunteering:volunteer", args=[vols.zhang.pk])
    r = client.post(
        url,
        {
            "action": "training",
            "title": "急救培训",
            "provider": "镇卫生院",
            "held_on": "2026-03-01",
            "minutes": 120,
        },
    )
    assert r.status_code == 302
    r = client.post(
        url,
        {
            "action": "honour",
            "title": "优秀志愿者",
            "level": "township",
            "awarded_on": "2026-03-05",
            "awarded_by": "闵家镇",
        },
    )
    assert r.status_code == 302
    r = client.post(url, {"action": "evaluation", "period": "2026年一季度", "rating": "excellent"})
    assert r.status_code == 302
    r = client.post(
        url,
        {
            "action": "honour",
            "title": "x",
            "level": "galaxy",
            "awarded_on": "2026-03-05",
            "awarded_by": "y",
        },
    )
    assert r.status_code == 400
    page = client.get(url).content.decode()
    assert "急救培训" in page and "优秀志愿者" in page and "优秀" in page
    assert TrainingRecord.objects.within(clerk_j).filter(volunteer=vols.zhang).count() == 1
    assert Honour.objects.within(clerk_j).filter(volunteer=vols.zhang).count() == 1


def test_stations_and_organisations_pages(client_as, cast, clerk_j):
    client = client_as("clerk_a")
    r = client.post(
        reverse("volunteering:stations"),
        {"region": cast.village_a.pk, "name": "闵家村志愿服务站", "active": "on"},
    )
    assert r.status_code == 302
    st = Station.objects.within(clerk_j).get()
    page = client.get(reverse("volunteering:station", args=[st.pk])).content.decode()
    assert "一组" in page
    r = client.post(
        reverse("volunteering:station", args=[st.pk]),
        {
            "action": "hamlet",
            "region": cast.regions["220182102200001"].pk,
            "lat": "44.812345",
            "lon": "126.456789",
        },
    )
    assert r.status_code == 302
    r = client.post(
        reverse("volunteering:organisations"),
        {"region": cast.village_a.pk, "name": "老年人协会", "kind": "elderly", "active": "on"},
    )
    assert r.status_code == 302
    assert "老年人协会" in client.get(reverse("volunteering:organisations")).content.decode()
    assert (
        client_as("outsider").get(reverse("volunteering:station", args=[st.pk])).status_code == 404
    )
    assert (
        client_as("leader_a").post(reverse("volunteering:stations"), {"name": "x"}).status_code
        == 403
    )


def test_villager_registers_and_sees_own_record(client_as, cast, people):
    client = client_as("villager")
    url = reverse("volunteering:my_record")
    page = client.get(url).content.decode()
    assert "data-self-register" in page and "张三丰" in page
    r = client.post(
        url, {"skills": ["haircut"], "availability": ["5-0", "6-0"], "public_consent": "on"}
    )
    assert r.status_code == 302
    page = client.get(url).content.decode()
    assert "JLV-220182102200-00001" in page and "data-my-hours" in page
    assert client_as("clerk_a").get(url).status_code == 403


def test_villager_without_register_entry_is_told_to_ask_the_clerk(client_as, cast, clerk_j):
    page = client_as("villager").get(reverse("volunteering:my_record")).content.decode()
    assert "data-no-person" in page
