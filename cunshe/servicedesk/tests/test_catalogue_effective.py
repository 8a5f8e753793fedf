"""The effective catalogue after a county adjustment, made through `adjustment_save`: an item
not offered disappears; a shortened promise applies; a changed department or level changes
where `catalogue.route` sends the matter; the other county is untouched."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cunshe.core.models import AuditEvent
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import CountyAdjustment, ServiceItem
from cunshe.servicedesk.selectors import catalogue as selectors
from cunshe.servicedesk.services.catalogue import adjustment_save
from cunshe.servicedesk.tests.catalogue_fixtures import *  # noqa: F403 (fixtures)
from cunshe.servicedesk.tests.catalogue_fixtures import HOMESTEAD, LOW_INCOME, RESIDENCE

VILLAGE_A = "220182102200"
VILLAGE_C = "220322103200"  # the other county


def _adjust(cast, county_j, code, **kw):  # type: ignore[no-untyped-def]
    return adjustment_save(
        actor=cast.county_civil,
        jurisdiction=county_j,
        item=ServiceItem.objects.get(code=code),
        county=cast.county,
        **kw,
    )


def _codes(place: str) -> set[str]:
    return {e.item.code for e in catalogue.effective_items(place)}


def test_not_offered_item_leaves_the_county_catalogue_only(cast, county_j, seeded):
    assert LOW_INCOME in _codes(VILLAGE_A)
    _adjust(cast, county_j, LOW_INCOME, offered=False, note="本县由乡镇统一受理")
    assert LOW_INCOME not in _codes(VILLAGE_A)
    assert LOW_INCOME in _codes(VILLAGE_C)
    assert LOW_INCOME not in {e.item.code for e in selectors.catalogue_for(VILLAGE_A)}
    with pytest.raises(ValidationError):
        catalogue.require_offered(ServiceItem.objects.get(code=LOW_INCOME), VILLAGE_A)


def test_shortened_promise_applies_in_the_county(cast, county_j, seeded):
    _adjust(cast, county_j, LOW_INCOME, promised_days=12)
    item = ServiceItem.objects.get(code=LOW_INCOME)
    assert catalogue.effective_item(item, VILLAGE_A).promised_days == 12
    assert catalogue.effective_item(item, VILLAGE_C).promised_days == 20
    e = next(e for e in catalogue.effective_items(VILLAGE_A) if e.item.code == LOW_INCOME)
    assert selectors.is_adjusted(e)


def test_department_and_level_change_the_route(cast, county_j, seeded):
    item = ServiceItem.objects.get(code=HOMESTEAD)
    before = catalogue.route(catalogue.effective_item(item, VILLAGE_A), VILLAGE_A)
    assert (before.level, before.code, before.department) == (
        "township",
        "220182102",
        "agriculture",
    )
    _adjust(cast, county_j, HOMESTEAD, department="housing", level="county")
    after = catalogue.route(catalogue.effective_item(item, VILLAGE_A), VILLAGE_A)
    assert (after.level, after.code, after.department) == ("county", "220182", "housing")
    other = catalogue.route(catalogue.effective_item(item, VILLAGE_C), VILLAGE_C)
    assert (other.level, other.department) == ("township", "agriculture")


def test_saving_the_province_values_removes_the_adjustment(cast, county_j, seeded):
    _adjust(cast, county_j, LOW_INCOME, promised_days=10)
    assert CountyAdjustment.objects.filter(county_code="220182").count() == 1
    assert _adjust(cast, county_j, LOW_INCOME, promised_days=20) is None
    assert not CountyAdjustment.objects.exists()
    events = AuditEvent.objects.filter(action="servicedesk.catalogue.adjusted").order_by("id")
    assert [e.detail.get("cleared", False) for e in events] == [False, True]
    assert events[0].detail["item"] == LOW_INCOME and events[0].region_code == "220182"


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"promised_days": 25}, "promised_days"),  # longer than the province's 20
        ({"promised_days": 0}, "promised_days"),
        ({"level": "village"}, "level"),  # a government matter cannot go to the village
        ({"department": "tax"}, "department"),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(cast, county_j, seeded, kw, field):
    with pytest.raises(ValidationError) as exc:
        _adjust(cast, county_j, LOW_INCOME, **kw)
    assert field in exc.value.message_dict
    assert not CountyAdjustment.objects.exists()
    assert not AuditEvent.objects.filter(action="servicedesk.catalogue.adjusted").exists()


def test_a_village_performed_item_keeps_its_level(cast, county_j, seeded):
    with pytest.raises(ValidationError) as exc:
        _adjust(cast, county_j, RESIDENCE, level="township")
    assert "level" in exc.value.message_dict
