"""Every read of named care records writes one audit event (`care.<what>.viewed`, by the
reader), every refusal inside the reader's subtree one `care.permission.denied`; reads of
statistics are aggregates and are not counted as reads of records. Exports are masked: no full
ID number or phone number in any byte of the file."""

from __future__ import annotations

import io
import zipfile

import pytest
from django.db.models import Q

from cunshe.care.tests.privacy_fixtures import *  # noqa: F403 (fixtures)
from cunshe.care.tests.privacy_fixtures import PHONES
from cunshe.care.tests.test_privacy_matrix import ADULT_DETAILS, CHILD_DETAILS, LISTS, _ids
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

CORE_DENIED = "core.permission.denied"
DENIED = ("care.permission.denied", CORE_DENIED)


def _events(user) -> list[str]:  # type: ignore[no-untyped-def]
    with system_scope("test"):
        return list(
            AuditEvent.objects.filter(actor_id=user.pk)
            .filter(Q(action__startswith="care.") | Q(action=CORE_DENIED))
            .order_by("pk")
            .values_list("action", flat=True)
        )


def _count_per_read(client, user, urls):  # type: ignore[no-untyped-def]
    """{url: (status, [care.* actions the request wrote])}."""
    out = {}
    for url in urls:
        before = len(_events(user))
        status = client.get(url).status_code
        out[url] = (status, _events(user)[before:])
    return out


@pytest.mark.parametrize("role", ["clerk_a", "county_women", "township_officer"])
def test_every_read_of_named_records_is_audited_once(role, world, readers, client_as):  # type: ignore[no-untyped-def]
    user = readers[role]
    urls = [t.format(**_ids(world)) for t in LISTS + CHILD_DETAILS + ADULT_DETAILS]
    counted = _count_per_read(client_as(user), user, urls)
    wrong = []
    reads = 0
    for url, (status, actions) in counted.items():
        if status == 200:
            reads += 1
            viewed = [a for a in actions if a.endswith(".viewed")]
            if len(viewed) != 1:
                wrong.append(f"{url}: {status} wrote {actions}")
        elif status == 403:
            # A page refused by the shared require_perm is audited as core.permission.denied.
            if len([a for a in actions if a in DENIED]) != 1:
                wrong.append(f"{url}: {status} wrote {actions}")
        else:
            wrong.append(f"{url}: {status}")
    assert not wrong, "\n".join(wrong)
    assert reads >= 15


def test_a_child_record_refused_to_an_adults_reader_is_audited(world, readers, client_as):  # type: ignore[no-untyped-def]
    user = readers["county_disabled"]
    urls = [t.format(**_ids(world)) for t in CHILD_DETAILS]
    counted = _count_per_read(client_as(user), user, urls)
    for url, (status, actions) in counted.items():
        assert status == 403, url
        assert actions == ["care.permission.denied"], (url, actions)


def test_the_outsider_leaves_no_read_of_village_a(world, readers, client_as):  # type: ignore[no-untyped-def]
    user = readers["outsider"]
    urls = [t.format(**_ids(world)) for t in CHILD_DETAILS + ADULT_DETAILS]
    counted = _count_per_read(client_as(user), user, urls)
    assert {status for status, _a in counted.values()} == {404}
    assert not [a for _s, actions in counted.values() for a in actions if a.endswith(".viewed")]


def test_statistics_reads_are_not_record_reads(world, readers, client_as):  # type: ignore[no-untyped-def]
    user = readers["province_official"]
    counted = _count_per_read(client_as(user), user, ["/care/stats/", "/api/v1/care/stats/"])
    for url, (status, actions) in counted.items():
        assert status == 200, url
        assert not [a for a in actions if a.startswith("care.") and "profile" in a], actions


def _xlsx_text(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as book:
        return "".join(book.read(name).decode("utf-8", "replace") for name in book.namelist())


@pytest.mark.parametrize("role", ["clerk_a", "county_civil", "township_officer"])
def test_exports_carry_no_full_id_or_phone(role, world, readers, client_as):  # type: ignore[no-untyped-def]
    family = world.family
    r = client_as(readers[role]).get("/care/export/?status=all")
    assert r.status_code == 200
    assert r.content[:2] == b"PK"
    raw = r.content
    text = _xlsx_text(raw)
    people = (family.child, family.mother, family.grandfather, family.father, family.grandmother)
    secrets = [p.id_number for p in people] + list(PHONES)
    for secret in secrets:
        assert secret not in text and secret.encode() not in raw, secret
    assert "张大山" in text  # the export lists the records, masked
    assert ("张小明" in text) == (role != "county_disabled")
    with system_scope("test"):
        event = AuditEvent.objects.filter(action="care.export.downloaded").last()
    assert event.actor_id == readers[role].pk and event.detail["rows"] >= 3


@pytest.mark.parametrize("role", ["leader_a", "county_women", "county_justice", "auditor"])
def test_roles_without_export_get_no_file(role, world, readers, client_as):  # type: ignore[no-untyped-def]
    r = client_as(readers[role]).get("/care/export/")
    assert r.status_code == 403
    assert b"PK" not in r.content[:2]
