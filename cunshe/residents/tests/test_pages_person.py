"""Person page: who sees it, what it shows, audited views, events, corrections and edits."""

from datetime import date

import pytest
from django.db import connection
from django.test import Client
from django.urls import reverse

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent
from cunshe.core.testing.cast import login
from cunshe.residents import related
from cunshe.residents.models import Person, ResidenceEvent


@pytest.fixture
def head(register):  # type: ignore[no-untyped-def]
    return register("王建国", date(1975, 5, 5), seq=1, phone="13912345678")


@pytest.fixture
def child(register, head):  # type: ignore[no-untyped-def]
    today = date.today()
    return register("王小宝", date(today.year - 8, 1, 1), seq=2, relationship="20")


def url(p) -> str:  # type: ignore[no-untyped-def]
    return reverse("residents:person", args=[p.pk])


def reload(p) -> Person:  # type: ignore[no-untyped-def]
    return Person._base_manager.get(pk=p.pk)


def agri_client(cast):  # type: ignore[no-untyped-def]
    agri = User.objects.create_user("agri", password="x" * 12)
    RoleAssignment.objects.create(
        user=agri, role=Role.COUNTY_OFFICER, region=cast.county, department=Department.AGRICULTURE
    )
    return login(Client(), agri)


def test_clerk_sees_details_masked_with_edit_and_event_forms(client_as, head):
    r = client_as("clerk_a").get(url(head))
    html = r.content.decode()
    assert r.status_code == 200
    assert "王建国" in html and "139****5678" in html and "220182********" in html
    assert head.id_number not in html and "13912345678" not in html
    assert r.context["edit_form"] is not None and r.context["event_form"] is not None
    assert reverse("residents:unmask", args=[head.pk, "id_number"]) in html


def test_every_view_of_the_page_is_audited(client_as, head):
    before = AuditEvent.objects.filter(action="residents.person.viewed").count()
    client_as("clerk_a").get(url(head))
    client_as("township_officer").get(url(head))
    events = AuditEvent.objects.filter(action="residents.person.viewed", object_id=str(head.pk))
    assert events.count() == before + 2


def test_township_officer_reads_without_forms_and_cannot_post(client_as, head):
    c = client_as("township_officer")
    r = c.get(url(head))
    assert r.status_code == 200
    assert r.context["edit_form"] is None and r.context["event_form"] is None
    assert b"unmask" not in r.content
    edit = c.post(reverse("residents:person_edit", args=[head.pk]), {"version": 1, "name": "x"})
    event = c.post(reverse("residents:event_new", args=[head.pk]), {"kind": "death"})
    assert edit.status_code == 403 and event.status_code == 403
    assert reload(head).name == "王建国"


def test_minors_are_404_for_roles_without_minor_access(cast, client_as, child):
    assert agri_client(cast).get(url(child)).status_code == 404
    assert client_as("county_civil").get(url(child)).status_code == 200
    assert client_as("clerk_a").get(url(child)).status_code == 200


def test_county_department_sees_adults(cast, head):
    r = agri_client(cast).get(url(head))
    assert r.status_code == 200 and r.context["edit_form"] is None


def test_outsider_gets_404_and_can_post_nothing(client_as, head):
    c = client_as("outsider")
    assert c.get(url(head)).status_code == 404
    assert c.post(reverse("residents:person_edit", args=[head.pk]), {}).status_code == 404
    assert c.post(reverse("residents:event_new", args=[head.pk]), {}).status_code == 404


def test_villager_is_refused_the_staff_person_page_even_their_own(cast, client_as, head):
    Person._base_manager.filter(pk=head.pk).update(account=cast.villager)
    assert client_as("villager").get(url(head)).status_code == 403


def test_anonymous_is_sent_to_sign_in(head):
    r = Client().get(url(head))
    assert r.status_code == 302 and "login" in r["Location"]


def test_recording_an_event_changes_the_state_and_shows_in_the_timeline(client_as, head):
    c = client_as("clerk_a")
    r = c.post(
        reverse("residents:event_new", args=[head.pk]),
        {"version": reload(head).version, "kind": "leave_work", "occurred_on": "2024-03-01",
         "destination": "浙江省杭州市"},
    )  # fmt: skip
    assert r.status_code == 302
    p = reload(head)
    assert p.residence_status == "away_work" and p.away_destination == "浙江省杭州市"
    html = c.get(url(head)).content.decode()
    assert "外出务工" in html and "浙江省杭州市" in html


def test_correction_is_linked_and_the_original_stays_visible(client_as, head):
    c = client_as("clerk_a")
    c.post(
        reverse("residents:event_new", args=[head.pk]),
        {"version": reload(head).version, "kind": "leave_work", "occurred_on": "2024-03-01",
         "destination": "长春"},
    )  # fmt: skip
    wrong = ResidenceEvent._base_manager.get(person=head, kind="leave_work")
    r = c.post(
        reverse("residents:event_new", args=[head.pk]),
        {"version": reload(head).version, "kind": "correction", "occurred_on": "2024-03-02",
         "corrects": wrong.pk, "corrected_kind": ""},
    )  # fmt: skip
    assert r.status_code == 302
    assert reload(head).residence_status == "here"
    page = c.get(url(head))
    html = page.content.decode()
    assert f'id="event-{wrong.pk}"' in html and f'href="#event-{wrong.pk}"' in html
    assert "该事件没有发生" in html
    item = next(i for i in page.context["timeline"] if i["event"].pk == wrong.pk)
    assert item["corrected_by"]


def test_bad_event_input_shows_a_message_and_changes_nothing(client_as, head):
    c = client_as("clerk_a")
    n = ResidenceEvent._base_manager.filter(person=head).count()
    v = reload(head).version
    cases = [
        {"version": v, "kind": "leave_work", "occurred_on": "2024-03-01"},  # no destination
        {"version": v, "kind": "return", "occurred_on": "2024-03-01"},  # not away
        {"version": v, "kind": "death", "occurred_on": "2999-01-01"},  # future
        {"version": v, "kind": "correction", "occurred_on": "2024-03-01"},  # nothing picked
        {"version": v, "kind": "bogus", "occurred_on": "2024-03-01"},
        {"version": v, "kind": "death", "occurred_on": "not a date"},
    ]
    for data in cases:
        r = c.post(reverse("residents:event_new", args=[head.pk]), data)
        assert r.status_code == 400, data
        assert r.context["event_form"].errors, data
    assert ResidenceEvent._base_manager.filter(person=head).count() == n
    assert reload(head).version == v


def test_stale_event_form_is_refused_with_the_conflict_message(client_as, head):
    c = client_as("clerk_a")
    v = reload(head).version
    c.post(
        reverse("residents:person_edit", args=[head.pk]),
        {**_edit_data(head), "version": v, "address": "", "phone": "13900000000"},
    )
    r = c.post(
        reverse("residents:event_new", args=[head.pk]),
        {"version": v, "kind": "death", "occurred_on": "2024-03-01"},
    )
    assert r.status_code == 409
    assert "该人员信息已被他人修改，请刷新后再操作" in r.content.decode()
    assert reload(head).residence_status == "here"


def _edit_data(p) -> dict:  # type: ignore[no-untyped-def]
    from cunshe.residents.forms import PersonEditForm

    data = PersonEditForm.initial_for(reload(p))
    return {k: v for k, v in data.items() if v not in (False, None)}


def test_edit_saves_and_is_audited(client_as, head):
    c = client_as("clerk_a")
    data = {**_edit_data(head), "name": "王建民", "education": "70", "disability": "4:2"}
    r = c.post(reverse("residents:person_edit", args=[head.pk]), data)
    assert r.status_code == 302
    p = reload(head)
    assert (p.name, p.education, p.disability, p.has_disability) == ("王建民", "70", "4:2", True)
    assert p.phone == "13912345678"  # blank phone field keeps the number
    e = AuditEvent.objects.filter(action="residents.person.updated").latest("id")
    assert e.detail["fields"] == ["disability", "education", "name"]


def test_two_clerks_editing_at_once_the_second_gets_a_conflict(cast, client_as, head):
    first, second = client_as("clerk_a"), client_as("clerk_a")
    form_a = _edit_data(head)  # both opened the page at the same version
    form_b = _edit_data(head)
    assert (
        first.post(
            reverse("residents:person_edit", args=[head.pk]), {**form_a, "name": "王一"}
        ).status_code
        == 302
    )
    r = second.post(reverse("residents:person_edit", args=[head.pk]), {**form_b, "name": "王二"})
    assert r.status_code == 409
    assert "该人员信息已被他人修改，请刷新后再操作" in r.content.decode()
    # Said at the top of the page too, not only inside the form far below on a phone.
    assert [str(m) for m in r.context["messages"]] == ["该人员信息已被他人修改，请刷新后再操作"]
    assert reload(head).name == "王一"


def test_bad_edit_input_shows_a_message_and_changes_nothing(client_as, head):
    c = client_as("clerk_a")
    base = _edit_data(head)
    for bad in (
        {"name": ""},
        {"phone": "12ab"},
        {"disability": "9:9"},
        {"ethnicity": "99"},
        {"version": "x"},
    ):
        r = c.post(reverse("residents:person_edit", args=[head.pk]), {**base, **bad})
        assert r.status_code == 400, bad
        assert r.context["edit_form"].errors, bad
    p = reload(head)
    assert (p.name, p.phone, p.disability, p.version) == ("王建国", "13912345678", "", head.version)


def test_other_modules_can_add_what_they_know(client_as, head):
    def provider(jurisdiction, person):  # type: ignore[no-untyped-def]
        return [related.RelatedEntry("三留守关爱", "重点关注对象")]

    related.provider(provider)
    try:
        html = client_as("clerk_a").get(url(head)).content.decode()
    finally:
        related.PROVIDERS.remove(provider)
    assert "三留守关爱" in html and "重点关注对象" in html


def test_person_page_query_count_is_pinned(client_as, register, head, django_assert_num_queries):
    for i in range(3):
        register(f"成员{i}", date(1990 + i, 1, 1), seq=20 + i, relationship="80")
    c = client_as("clerk_a")
    c.get(url(head))
    # The audit write takes an advisory lock on PostgreSQL (one more statement than SQLite);
    # the care module's line on the page (cunshe.care.related) reads the person's profiles.
    with django_assert_num_queries(15 if connection.vendor == "postgresql" else 14):
        assert c.get(url(head)).status_code == 200


def test_events_recorded_by_the_system_render_without_a_recorder(client_as, head):
    # Imports and the demo generator write events with no recording user.
    ResidenceEvent._base_manager.filter(person=head).update(recorded_by=None)
    response = client_as("clerk_a").get(url(head))
    assert response.status_code == 200
    assert "—" in response.content.decode()


def test_the_event_form_preselects_no_event(client_as, head):
    form = client_as("clerk_a").get(url(head)).context["event_form"]
    assert form["kind"].value() in (None, "")
    response = client_as("clerk_a").post(
        reverse("residents:event_new", args=[head.pk]),
        {"kind": "", "occurred_on": "2024-01-01", "version": head.version},
    )
    assert response.status_code == 400
    assert ResidenceEvent._base_manager.filter(person=head).count() == 1
