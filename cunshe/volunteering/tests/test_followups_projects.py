"""project_create: a village clerk may name an organisation based above the village whose region
covers the project's (the township's 团委); any other organisation outside the jurisdiction is
still refused, and the refusal changes nothing."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cunshe.volunteering.models import Organisation, Project
from cunshe.volunteering.services import activities as act_svc
from cunshe.volunteering.tests.activities_fixtures import *  # noqa: F403 (fixtures)


def _org(region, name, kind="youth_league"):  # type: ignore[no-untyped-def]
    return Organisation._base_manager.create(region=region, name=name, kind=kind)


def _create(cast, j, organisation, region=None):  # type: ignore[no-untyped-def]
    return act_svc.project_create(
        actor=cast.clerk_a, jurisdiction=j, region=region or cast.village_a, name="青年志愿服务",
        category="civilisation", starts_on=timezone.localdate(), organisation=organisation,
    )  # fmt: skip


def test_township_organisation_covering_the_village_is_accepted(cast, jurisdictions):
    league = _org(cast.township, "闵家镇团委")
    county = _org(cast.regions["220182"], "榆树市志愿服务联合会", kind="association")
    j = jurisdictions["clerk_a"]
    assert not j.covers(league.region_code)
    assert _create(cast, j, league).organisation == league
    assert _create(cast, j, county).organisation == county


def test_organisations_outside_and_not_above_are_refused(cast, jurisdictions):
    j = jurisdictions["clerk_a"]
    sibling = _org(cast.village_b, "邻村老年人协会", kind="elderly")
    elsewhere = _org(cast.village_c, "外县志愿者协会", kind="association")
    other_township = _org(cast.village_c.parent, "外镇团委")
    for org in (sibling, elsewhere, other_township):
        with pytest.raises(ValidationError) as info:
            _create(cast, j, org)
        assert "不在您的管辖范围内" in " ".join(info.value.messages)
    assert not Project._base_manager.exists()


def test_inside_the_jurisdiction_still_accepted(cast, jurisdictions):
    own = _org(cast.village_a, "闵家村志愿者协会", kind="association")
    assert _create(cast, jurisdictions["clerk_a"], own).organisation == own


def test_project_form_offers_the_covering_organisation(client_as, cast):
    league = _org(cast.township, "闵家镇团委")
    _org(cast.village_b, "邻村老年人协会", kind="elderly")
    c = client_as("clerk_a")
    page = c.get("/vol/projects/").content.decode()
    assert "闵家镇团委" in page and "邻村老年人协会" not in page
    r = c.post(
        "/vol/projects/",
        {"name": "青年志愿服务", "category": "civilisation", "region": cast.village_a.pk,
         "starts_on": timezone.localdate().isoformat(), "organisation": league.pk},
    )  # fmt: skip
    assert r.status_code == 302
    assert Project._base_manager.get().organisation == league
