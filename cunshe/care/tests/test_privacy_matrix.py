"""Who sees what of the care records (issue 5 item 8), over every role × every care page and API
endpoint that names people: roles with care.view_children see the child; roles with care.view
(without it) see adults only, and a child's record answers them 403; statistics roles read
aggregates only; the rest read nothing (403 inside their subtree); the outsider gets 404 for
village A's records and lists without them. No statistics answer names anyone."""

from __future__ import annotations

import pytest

from cunshe.care.tests.privacy_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.privacy_fixtures import ADULT_NAMES, CHILD_NAME

pytestmark = pytest.mark.django_db

# Roles by what they may read of village A's care records.
CHILD_READERS = {"clerk_a", "leader_a", "township_officer", "county_civil", "county_women"}
ADULT_READERS = CHILD_READERS | {"county_disabled"}
STATS_ONLY = {"province_official", "auditor"}
NOTHING = {"villager", "county_justice", "system_admin", "security_admin", "audit_admin"}
OUTSIDE = {"outsider"}
ROLES = sorted(ADULT_READERS | STATS_ONLY | NOTHING | OUTSIDE)

# Pages and API endpoints that show named care records; {child} etc. filled from the world.
LISTS = [
    "/care/",
    "/care/visits/",
    "/care/needs/",
    "/care/board/",
    "/care/terminals/",
    "/care/candidates/",
    "/api/v1/care/profiles/?status=all",
    "/api/v1/care/visits/due",
    "/api/v1/care/needs/",
    "/api/v1/care/alerts/",
    "/api/v1/care/terminals/",
    "/api/v1/care/identification/candidates",
]
CHILD_DETAILS = [
    "/care/profiles/{child}/",
    "/care/needs/{child_need}/",
    "/care/alerts/{child_alert}/",
    "/care/terminals/{child_terminal}/",
    "/api/v1/care/profiles/{child}",
    "/api/v1/care/visits/?profile={child}",
    "/api/v1/care/needs/{child_need}",
    "/api/v1/care/alerts/{child_alert}",
    "/api/v1/care/terminals/{child_terminal}",
]
ADULT_DETAILS = [
    "/care/profiles/{elderly}/",
    "/care/profiles/{woman}/",
    "/care/needs/{elderly_need}/",
    "/care/alerts/{elderly_alert}/",
    "/care/terminals/{elderly_terminal}/",
    "/api/v1/care/profiles/{elderly}",
    "/api/v1/care/visits/?profile={elderly}",
    "/api/v1/care/needs/{elderly_need}",
    "/api/v1/care/alerts/{elderly_alert}",
    "/api/v1/care/terminals/{elderly_terminal}",
]
STATS = ["/care/stats/", "/api/v1/care/stats/"]
# What each endpoint needs besides care.view (a leader keeps no terminal register, a county
# officer records no visits and watches no board …): roles lacking it get 403 even for adults.
NEEDS = {
    "/care/visits/": "care.visit",
    "/api/v1/care/visits/due": "care.visit",
    "/care/board/": "care.alerts",
    "/api/v1/care/alerts/": "care.alerts",
    "/care/alerts/": "care.alerts",
    "/care/terminals/": "care.terminals",
    "/api/v1/care/terminals/": "care.terminals",
    "/care/candidates/": "care.edit",
    "/api/v1/care/identification/candidates": "care.edit",
}


def _ids(world) -> dict[str, int]:  # type: ignore[no-untyped-def]
    return {
        "child": world.child.profile.pk,
        "woman": world.woman.profile.pk,
        "elderly": world.elderly.profile.pk,
        "child_need": world.child.need.pk,
        "elderly_need": world.elderly.need.pk,
        "child_alert": world.alert_child.pk,
        "elderly_alert": world.alert_elderly.pk,
        "child_terminal": world.terminal_child.pk,
        "elderly_terminal": world.terminal_elderly.pk,
    }


def _need(url: str) -> str:
    return next((perm for prefix, perm in NEEDS.items() if url.startswith(prefix)), "care.view")


def _perms(user) -> set[str]:  # type: ignore[no-untyped-def]
    from cunshe.residents.tests.conftest import jurisdiction_of

    return set(jurisdiction_of(user).permissions)


def _read(client, url: str) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    r = client.get(url)
    body = b"".join(r) if r.streaming else r.content
    return r.status_code, body.decode("utf-8", "replace")


@pytest.mark.parametrize("role", ROLES)
def test_role_sees_exactly_its_share(role, world, readers, client_as):  # type: ignore[no-untyped-def]
    ids = _ids(world)
    user = readers[role]
    perms = _perms(user)
    client = client_as(user)
    seen: set[str] = set()
    wrong: list[str] = []
    for template in LISTS + CHILD_DETAILS + ADULT_DETAILS:
        url = template.format(**ids)
        status, text = _read(client, url)
        if status == 200:
            seen |= {n for n in (CHILD_NAME, *ADULT_NAMES) if n in text}
        detail = template not in LISTS
        may = role in ADULT_READERS and _need(url) in perms
        if template in CHILD_DETAILS:
            may = may and role in CHILD_READERS
        if role in OUTSIDE:
            expected = 404 if detail else (200 if _need(url) in perms else 403)
        elif not detail and may:
            expected = 200
        else:
            expected = 200 if may else 403
        if status != expected:
            wrong.append(f"{url} -> {status}, expected {expected}")
    assert not wrong, f"{role}:\n" + "\n".join(wrong)
    if role in CHILD_READERS:
        assert seen == {CHILD_NAME, *ADULT_NAMES}
    elif role in ADULT_READERS:
        assert seen == set(ADULT_NAMES)
    else:
        assert seen == set()


@pytest.mark.parametrize("role", ROLES)
def test_statistics_name_nobody(role, world, readers, client_as):  # type: ignore[no-untyped-def]
    client = client_as(readers[role])
    may = "care.stats" in _perms(readers[role])
    for url in STATS:
        status, text = _read(client, url)
        assert status == (200 if may else 403), (role, url, status)
        assert not any(n in text for n in (CHILD_NAME, *ADULT_NAMES, "王桂芝")), (role, url)
    if role in ADULT_READERS | STATS_ONLY:
        assert may  # every reader of names or statistics has its statistics


def test_the_matrix_covers_the_roles_the_issue_names(readers):  # type: ignore[no-untyped-def]
    assert set(ROLES) == set(readers)
    assert "care.view" not in _perms(readers["county_justice"])
    assert "care.stats" not in _perms(readers["county_justice"])
    assert "care.view_children" not in _perms(readers["county_disabled"])
