"""The rating page (villager) and the rectification desk (staff), through HTTP."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cunshe.servicedesk.models import Rating, Rectification
from cunshe.servicedesk.tests.factories import act, make_item, submit, villager_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def finished(cast, register):  # type: ignore[no-untyped-def]
    person = villager_person(cast, register)
    app = submit(cast, person, make_item())
    for action in ("accept", "start", "approve"):
        app = act(cast, app, action)
    return act(cast, app, "deliver", by="clerk_a")


def test_villager_rates_badly_and_the_callback_task_appears(cast, client_as, finished):
    villager = client_as("villager")
    url = reverse("servicedesk:rate", args=[finished.pk])
    assert villager.get(url).status_code == 200
    r = villager.post(url, {"score": "1", "indicators": ["超时办理"], "comment": "太慢",
                            "real_name": "on"})  # fmt: skip
    assert r.status_code == 302
    rating = Rating.objects.within(finished_j(cast)).get(application=finished)
    officer = client_as("township_officer")
    page = officer.get(reverse("servicedesk:rectifications"))
    assert finished.number in page.content.decode()
    detail = officer.get(reverse("servicedesk:rectification", args=[rating.rectification.pk]))
    assert detail.status_code == 200 and "138****1234" in detail.content.decode()
    cb = reverse("servicedesk:rectification_callback", args=[rating.rectification.pk])
    officer.post(cb, {"reached": "on", "summary": "已回访，已致歉", "satisfied_after": "true"})
    close = reverse("servicedesk:rectification_close", args=[rating.rectification.pk])
    officer.post(close, {"outcome": "explained", "result": "已解释政策"})
    rect = Rectification.objects.within(finished_j(cast)).get(pk=rating.rectification.pk)
    assert rect.state == "explained"


def finished_j(cast):  # type: ignore[no-untyped-def]
    from cunshe.residents.tests.conftest import jurisdiction_of

    return jurisdiction_of(cast.township_officer)


def test_second_rating_post_changes_nothing(cast, client_as, finished):
    villager = client_as("villager")
    url = reverse("servicedesk:rate", args=[finished.pk])
    villager.post(url, {"score": "5", "indicators": ["一次办好"], "real_name": "on"})
    villager.post(url, {"score": "1", "indicators": ["超时办理"], "real_name": "on"})
    assert Rating.objects.within(finished_j(cast)).get().score == 5


def test_outsider_and_other_roles_are_kept_out(cast, client_as, finished):
    villager = client_as("villager")
    villager.post(reverse("servicedesk:rate", args=[finished.pk]),
                  {"score": "1", "indicators": ["超时办理"], "real_name": "on"})  # fmt: skip
    rect = Rectification.objects.within(finished_j(cast)).get()
    outsider = client_as("outsider")
    assert outsider.get(reverse("servicedesk:rate", args=[finished.pk])).status_code == 404
    assert outsider.get(reverse("servicedesk:rectification", args=[rect.pk])).status_code == 404
    assert (
        outsider.post(
            reverse("servicedesk:rectification_close", args=[rect.pk]),
            {"outcome": "explained", "result": "x"},
        ).status_code
        == 404
    )
    assert client_as("security_admin").get(reverse("servicedesk:rectifications")).status_code == 403
    # The township officer cannot rate on the villager's behalf.
    assert (
        client_as("township_officer")
        .get(reverse("servicedesk:rate", args=[finished.pk]))
        .status_code
        == 404
    )


def test_rectification_list_query_count_is_constant(
    cast, client_as, finished, django_assert_max_num_queries
):
    bad = {"score": "1", "indicators": ["超时办理"], "real_name": "on"}
    client_as("villager").post(reverse("servicedesk:rate", args=[finished.pk]), bad)
    officer = client_as("township_officer")
    with django_assert_max_num_queries(14):
        assert officer.get(reverse("servicedesk:rectifications")).status_code == 200


def test_the_phone_is_masked_until_a_deliberate_audited_reveal(cast, client_as, finished):
    # The township officer may not unmask the register: the villager's number is shown in full
    # only when asked for the call-back, and that request is in the audit trail.
    from cunshe.core.models import AuditEvent

    client_as("villager").post(
        reverse("servicedesk:rate", args=[finished.pk]),
        {"score": "1", "indicators": ["超时办理"], "real_name": "on"},
    )
    rect = Rectification.objects.within(finished_j(cast)).get()
    officer = client_as("township_officer")
    page = officer.get(reverse("servicedesk:rectification", args=[rect.pk])).content.decode()
    assert "13800001234" not in page and "138****1234" in page
    reveal = reverse("servicedesk:rectification_reveal", args=[rect.pk])
    assert officer.get(reveal).status_code == 405
    r = officer.post(reveal)
    assert r.status_code == 200 and "13800001234" in r.content.decode()
    assert "no-store" in r["Cache-Control"]
    assert AuditEvent.objects.filter(
        action="servicedesk.rectification.phone_revealed",
        actor_id=cast.township_officer.pk,
        object_id=str(rect.pk),
    ).exists()
    # Outside the subtree 404; a role without the right to work it 403; nothing revealed.
    assert client_as("outsider").post(reveal).status_code == 404
    assert client_as("auditor").post(reveal).status_code == 403
