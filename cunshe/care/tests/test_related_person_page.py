"""The person page shows a care line per profile only to viewers who may read it."""

from __future__ import annotations

from django.urls import reverse

from cunshe.care.related import care_profiles
from cunshe.care.tests.profiles_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.profiles_fixtures import at


def test_clerk_sees_one_line_per_profile_with_link(client_as, family, make_profile):
    p = make_profile(family.grandmother, "elderly", risk="priority",
                     next_visit_due=at("2026-12-05 23:00"))  # fmt: skip
    r = client_as("clerk_a").get(reverse("residents:person", args=[family.grandmother.pk]))
    assert r.status_code == 200
    body = r.content.decode()
    assert "留守老年人 · 在册 · 重点关注 · 下次探访 2026-12-05" in body
    assert reverse("care:profile_detail", args=[p.pk]) in body


def test_child_line_needs_view_children(cast, family, make_profile, j_of, county_officer):
    make_profile(family.child, "child")
    assert len(care_profiles(j_of("leader_a"), family.child)) == 1
    from cunshe.residents.tests.conftest import jurisdiction_of

    disabled = jurisdiction_of(county_officer("disabled_federation"))
    assert care_profiles(disabled, family.child) == []


def test_nothing_for_roles_without_care_view(cast, family, make_profile, j_of, county_officer):
    make_profile(family.mother, "woman")
    from cunshe.residents.tests.conftest import jurisdiction_of

    assert care_profiles(jurisdiction_of(county_officer("justice")), family.mother) == []
    assert care_profiles(j_of("auditor"), family.mother) == []


def test_auditor_person_page_has_no_care_line(client_as, family, make_profile):
    make_profile(family.mother, "woman")
    r = client_as("auditor").get(reverse("residents:person", args=[family.mother.pk]))
    assert "三留守关爱" not in r.content.decode()
