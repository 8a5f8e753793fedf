"""/api/v1/servicedesk/catalogue/items: the effective catalogue over JSON (auth required)."""

from __future__ import annotations

import pytest
from django.test import Client

from cunshe.servicedesk.models import ServiceItem
from cunshe.servicedesk.services.catalogue import adjustment_save
from cunshe.servicedesk.tests.catalogue_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.catalogue_fixtures import HOMESTEAD, LOW_INCOME, RESIDENCE

URL = "/api/v1/servicedesk/catalogue/items"


@pytest.fixture
def adjusted(cast, county_j, seeded):  # type: ignore[no-untyped-def]
    def save(code: str, **kw) -> None:  # type: ignore[no-untyped-def]
        adjustment_save(
            actor=cast.county_civil,
            jurisdiction=county_j,
            item=ServiceItem.objects.get(code=code),
            county=cast.county,
            **kw,
        )

    save(LOW_INCOME, promised_days=12, department="hr_social_security", note="试点")
    save(HOMESTEAD, offered=False)


def _by_code(response) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    assert response.status_code == 200, response.content
    return {i["code"]: i for i in response.json()["items"]}


def test_requires_authentication(seeded):
    r = Client().get(URL)
    assert r.status_code == 401 and r.json()["code"] == "not_authenticated"
    assert Client().get(f"{URL}/{LOW_INCOME}").status_code == 401


def test_effective_catalogue_of_a_village(cast, client_as, adjusted):
    body = client_as("outsider").get(URL, {"village": cast.village_a.code}).json()
    assert body["count"] == ServiceItem.objects.count() - 1
    items = {i["code"]: i for i in body["items"]}
    assert HOMESTEAD not in items
    low = items[LOW_INCOME]
    assert (low["promised_days"], low["province_promised_days"], low["statutory_days"]) == (
        12,
        20,
        30,
    )
    assert (low["department"], low["adjusted"], low["note"]) == ("hr_social_security", True, "试点")
    assert low["village_role"] == "assists" and "daiban" in low["modes"]
    # The same item in the other county is the province's.
    low_c = _by_code(client_as("clerk_a").get(URL, {"village": cast.village_c.code}))[LOW_INCOME]
    assert (low_c["promised_days"], low_c["adjusted"]) == (20, False)


def test_default_place_is_the_callers_own(client_as, adjusted):
    assert HOMESTEAD not in _by_code(client_as("clerk_a").get(URL))
    assert HOMESTEAD in _by_code(client_as("outsider").get(URL))
    assert _by_code(client_as("province_official").get(URL))[LOW_INCOME]["promised_days"] == 20


def test_search(client_as, seeded):
    codes = list(_by_code(client_as("clerk_a").get(URL, {"q": "宅基地"})))
    assert codes == [HOMESTEAD]


def test_detail_with_handler_for_a_village(cast, client_as, adjusted):
    r = client_as("clerk_a").get(f"{URL}/{LOW_INCOME}", {"village": cast.village_a.code})
    assert r.status_code == 200
    body = r.json()
    item = ServiceItem.objects.get(code=LOW_INCOME)
    assert body["promised_days"] == 12 and body["village"] == cast.village_a.code
    assert body["handler"] == {
        "level": "county",
        "code": "220182",
        "unit": "榆树市",
        "department": "hr_social_security",
        "department_label": "人社",
    }
    assert [m["name"] for m in body["materials"]] == [m.name for m in item.materials.all()]
    assert body["steps"] == item.steps and body["legal_basis"] == item.legal_basis
    plain = client_as("clerk_a").get(f"{URL}/{RESIDENCE}").json()
    assert plain["handler"] is None and plain["village"] == "" and plain["level"] == "village"


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        (URL, {"village": "220182102299"}, 404),  # no such village
        (URL, {"village": "220182102"}, 422),  # not 12 digits
        (f"{URL}/JL-XX-999", {}, 404),
        (f"{URL}/{LOW_INCOME}", {"village": "220182102299"}, 404),
        (URL, {"q": "x" * 41}, 422),
    ],
)
def test_bad_input(client_as, seeded, path, query, status):
    r = client_as("clerk_a").get(path, query)
    assert r.status_code == status
    assert set(r.json()) == {"code", "message", "fields"}


def test_list_query_count(cast, client_as, seeded, django_assert_num_queries):
    client = client_as("clerk_a")
    client.get(URL)
    # session · user · OTP device · assignments · village · items · materials · adjustments
    # · the session's idle-timeout save (3)
    with django_assert_num_queries(11):
        assert client.get(URL, {"village": cast.village_a.code}).status_code == 200
