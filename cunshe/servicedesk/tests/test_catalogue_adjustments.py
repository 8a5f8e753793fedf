"""County adjustments of the catalogue: a county officer changes their own county (audited);
another county's officer is refused (404 on the page, PermissionDenied in the service); a
township officer gets 403; the province reads every county but changes none."""

from __future__ import annotations

import re

import pytest
from django.core.exceptions import PermissionDenied

from cunshe.core.models import AuditEvent
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.servicedesk.models import CountyAdjustment, ServiceItem
from cunshe.servicedesk.services.catalogue import adjustment_save
from cunshe.servicedesk.tests.catalogue_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.catalogue_fixtures import HOMESTEAD, LOW_INCOME

LIST = "/desk/catalogue/adjustments/"
EDIT = "/desk/catalogue/adjustments/{}/"


def _item(code: str = LOW_INCOME) -> ServiceItem:
    return ServiceItem.objects.get(code=code)


def test_county_officer_adjusts_their_county_through_the_page(cast, client_as, seeded):
    client = client_as("county_civil")
    r = client.get(LIST)
    assert r.status_code == 200
    html = r.content.decode()
    assert f'href="{EDIT.format(LOW_INCOME)}"' in html and "榆树市" in html
    assert client.get(EDIT.format(LOW_INCOME)).status_code == 200
    r = client.post(
        EDIT.format(LOW_INCOME),
        {"offered": "on", "promised_days": "15", "department": "", "level": "", "note": "提速"},
    )
    assert r.status_code == 302 and r["Location"] == LIST
    adj = CountyAdjustment.objects.get()
    assert (adj.county_code, adj.promised_days, adj.offered, adj.note) == (
        "220182",
        15,
        True,
        "提速",
    )
    assert adj.updated_by == cast.county_civil
    event = AuditEvent.objects.get(action="servicedesk.catalogue.adjusted")
    assert event.actor_id == cast.county_civil.pk and event.detail["promised_days"] == 15
    html = client.get(LIST).content.decode()
    row = re.search(rf'<tr data-item="{LOW_INCOME}" class="sd-adjusted">.*?</tr>', html, re.S)
    assert row is not None and "提速" in row.group(0)
    # Unticking "offered" takes it off the county's catalogue.
    client.post(EDIT.format(HOMESTEAD), {"department": "", "level": ""})
    assert CountyAdjustment.objects.get(item__code=HOMESTEAD).offered is False


def test_a_longer_promise_is_refused_on_the_form_and_nothing_changes(client_as, seeded):
    r = client_as("county_civil").post(
        EDIT.format(LOW_INCOME), {"offered": "on", "promised_days": "25"}
    )
    assert r.status_code == 400
    assert "本县承诺时限只能缩短" in r.content.decode()
    assert not CountyAdjustment.objects.exists()
    assert not AuditEvent.objects.filter(action="servicedesk.catalogue.adjusted").exists()


def test_moving_a_government_matter_to_the_village_is_refused(client_as, seeded):
    r = client_as("county_civil").post(
        EDIT.format(LOW_INCOME), {"offered": "on", "level": "village"}
    )
    # Not offered as a choice (and the service refuses it too: test_catalogue_effective).
    assert r.status_code == 400
    assert 'value="village"' not in r.content.decode()
    assert not CountyAdjustment.objects.exists()


def test_officer_of_another_county_cannot_reach_this_county(
    cast, client_as, county_officer_lishu, seeded
):
    client = client_as(county_officer_lishu)
    assert client.get(LIST, {"county": "220182"}).status_code == 404
    # Their own page edits their own county only.
    client.post(EDIT.format(LOW_INCOME), {"offered": "on", "promised_days": "10"})
    assert set(CountyAdjustment.objects.values_list("county_code", flat=True)) == {"220322"}
    with pytest.raises(PermissionDenied):
        adjustment_save(
            actor=county_officer_lishu,
            jurisdiction=jurisdiction_of(county_officer_lishu),
            item=_item(),
            county=cast.county,
            offered=False,
        )
    assert not CountyAdjustment.objects.filter(county_code="220182").exists()


@pytest.mark.parametrize("who", ["township_officer", "clerk_a", "outsider", "villager", "auditor"])
def test_roles_without_the_permission_get_403(client_as, seeded, who):
    client = client_as(who)
    assert client.get(LIST).status_code == 403
    assert client.get(EDIT.format(LOW_INCOME)).status_code == 403
    assert client.post(EDIT.format(LOW_INCOME), {"promised_days": "5"}).status_code == 403
    assert not CountyAdjustment.objects.exists()


def test_township_service_call_is_refused(cast, seeded):
    with pytest.raises(PermissionDenied):
        adjustment_save(
            actor=cast.township_officer,
            jurisdiction=jurisdiction_of(cast.township_officer),
            item=_item(),
            county=cast.county,
            offered=False,
        )


def test_province_reads_every_county_but_changes_none(cast, client_as, county_j, seeded):
    adjustment_save(
        actor=cast.county_civil, jurisdiction=county_j, item=_item(), county=cast.county,
        promised_days=12,
    )  # fmt: skip
    client = client_as("province_official")
    html = client.get(LIST).content.decode()
    assert f'data-adjustment="220182-{LOW_INCOME}"' in html
    assert "/desk/catalogue/adjustments/JL-" not in html  # no edit links
    html = client.get(LIST, {"county": "220182"}).content.decode()
    assert f'<tr data-item="{LOW_INCOME}" class="sd-adjusted">' in html
    assert "调整</a>" not in html
    assert client.get(LIST, {"county": "220322"}).status_code == 200
    assert client.get(LIST, {"county": "229999"}).status_code == 404
    assert client.get(EDIT.format(LOW_INCOME)).status_code == 403
    r = client.post(EDIT.format(LOW_INCOME), {"offered": "on", "promised_days": "5"})
    assert r.status_code == 403
    with pytest.raises(PermissionDenied):
        adjustment_save(
            actor=cast.province_official,
            jurisdiction=jurisdiction_of(cast.province_official),
            item=_item(),
            county=cast.county,
            promised_days=5,
        )
    assert CountyAdjustment.objects.get().promised_days == 12


def test_unknown_or_inactive_item_is_404(client_as, seeded):
    client = client_as("county_civil")
    assert client.get(EDIT.format("JL-XX-999")).status_code == 404
    ServiceItem.objects.filter(code=LOW_INCOME).update(active=False)
    assert client.get(EDIT.format(LOW_INCOME)).status_code == 404


def test_adjustment_list_query_counts(client_as, seeded, django_assert_num_queries):
    client = client_as("county_civil")
    client.get(LIST)
    # session · user · OTP device · assignments · items · materials · adjustments (county's)
    # · adjustments with who changed them · session save (3)
    with django_assert_num_queries(11):
        assert client.get(LIST).status_code == 200
    client = client_as("province_official")
    client.get(LIST)
    # session · user · OTP device · assignments · counties · all adjustments · session save (3)
    with django_assert_num_queries(9):
        assert client.get(LIST).status_code == 200
