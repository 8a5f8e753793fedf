"""The shared fast writer streams rows with COPY on PostgreSQL and they equal the services' rows."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection

from cunshe.core import crypto
from cunshe.residents import bulk, importing, services
from cunshe.residents.models import Household, Person
from cunshe.residents.tests.importdata import csv_bytes
from cunshe.residents.tests.test_import_bulk_equivalence import rows, snapshot, wipe

pytestmark = pytest.mark.django_db


@pytest.fixture
def copies(monkeypatch):  # type: ignore[no-untyped-def]
    """The tables the writer sent through COPY, in order."""
    seen: list[str] = []
    real = bulk._copy

    def spy(conn, spec, tuples, returning_ids):  # type: ignore[no-untyped-def]
        seen.append(spec.table)
        return real(conn, spec, tuples, returning_ids)

    monkeypatch.setattr(bulk, "_copy", spy)
    return seen


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copy_writes_every_column_as_the_services_do(cast, clerk_j, copies) -> None:
    table = importing.read_upload("list.csv", csv_bytes(rows()))
    importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=False
    )
    by_services = snapshot(clerk_j)
    assert copies == []
    wipe(clerk_j)
    importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=True
    )
    assert copies == ["residents_household", "residents_person", "residents_residenceevent"]
    # snapshot() reads every column through the model fields, so ciphertexts come back decrypted.
    assert snapshot(clerk_j) == by_services
    for p in Person.objects.within(clerk_j):
        assert services.person_rebuild_state(p)
        assert p.household.region_code == p.region_code


@pytest.mark.skipif(connection.vendor != "postgresql", reason="COPY is PostgreSQL's")
def test_copied_ciphertexts_use_the_field_purpose_and_ids_advance_the_sequence(
    cast, clerk_j, copies
) -> None:
    table = importing.read_upload("list.csv", csv_bytes(rows()))
    importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=True
    )
    assert copies
    with connection.cursor() as cursor:
        cursor.execute("SELECT id_number, phone FROM residents_person WHERE name = '王老太'")
        stored_id, stored_phone = cursor.fetchone()
    mother = Person.objects.within(clerk_j).get(name="王老太")
    assert stored_id != mother.id_number
    assert crypto.decrypt(stored_id, "residents.person.id_number") == mother.id_number
    assert stored_phone == ""
    # The reserved ids came from the sequence: the next household made by a service follows.
    highest = max(h.pk for h in Household.objects.within(clerk_j))
    later = services.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="Z-1"
    )
    assert later.pk > highest


def test_the_writer_fills_derived_columns_on_any_database(cast) -> None:
    region = cast.village_a
    [hh_id] = bulk.insert(
        Household, [{"region_id": region.pk, "region_code": region.code, "number": "B-1"}]
    )
    [pid] = bulk.insert(
        Person,
        [
            {
                "household_id": hh_id,
                "region_id": region.pk,
                "region_code": region.code,
                "relationship": "02",
                "name": "李四",
                "id_number": "",
                "sex": "M",
                "birth_date": date(1980, 1, 1),
                "disability": "4:2",
            }
        ],
    )
    hh = Household._base_manager.get(pk=hh_id)
    p = Person._base_manager.get(pk=pid)
    assert hh.village_code == region.code[:12] and hh.version == 1 and hh.created_at
    assert (p.name_pinyin, p.name_initials) == ("lisi", "ls")
    assert p.has_disability and p.disability == "4:2"
    assert p.id_number_bidx == "" and p.ethnicity == "01" and p.education == ""
