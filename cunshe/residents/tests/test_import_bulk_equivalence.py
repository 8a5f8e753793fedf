"""The bulk path writes exactly the rows the register services write for the same file."""

from __future__ import annotations

from datetime import date

import pytest

from cunshe.residents import importing, services
from cunshe.residents.models import Household, Person, ResidenceEvent
from cunshe.residents.tests.importdata import csv_bytes, family, person

pytestmark = pytest.mark.django_db

VOLATILE = {"id", "created_at", "updated_at", "recorded_at", "household", "person"}


def rows():  # type: ignore[no-untyped-def]
    out = []
    for n in range(6):
        out += family(f"H{n}", seq=10 * n + 1)
    out[1]["户籍在本村"] = "否"
    out[1]["户籍地代码"] = "220102"
    out[4]["残疾类别"] = "4 肢体残疾"
    out[4]["残疾等级"] = "2 二级"
    out[4]["低保户"] = "是"
    out[7]["居住状态"] = "外出其他"
    out[7]["外出去向"] = "北京"
    out.append(person("H0", "52 母亲", "王老太", date(1945, 1, 1), 99, "F", 状态起始日期=""))
    return out


def snapshot(j):  # type: ignore[no-untyped-def]
    def strip(d):  # type: ignore[no-untyped-def]
        return {k: v for k, v in d.items() if k not in VOLATILE and not k.endswith("_id")}

    households = {h.pk: h.number for h in Household.objects.within(j)}
    people = {}
    for p in Person.objects.within(j).values():
        p["household"] = households[p["household_id"]]
        people[p["id_number"]] = {**strip(p), "household_number": p["household"]}
    events = {}
    by_id = {p.pk: p.id_number for p in Person.objects.within(j)}
    for e in ResidenceEvent.objects.within(j).values():
        events[by_id[e["person_id"]]] = {**strip(e), "recorded_by": e["recorded_by_id"]}
    hh = sorted((strip(h) for h in Household.objects.within(j).values()), key=lambda h: h["number"])
    return hh, people, events


def wipe(j) -> None:  # type: ignore[no-untyped-def]
    ResidenceEvent.objects.within(j).delete()
    Person.objects.within(j).delete()
    Household.objects.within(j).delete()


def test_bulk_and_service_paths_write_identical_rows(cast, clerk_j) -> None:
    table = importing.read_upload("list.csv", csv_bytes(rows()))
    _plan, by_service = importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=False
    )
    assert _plan.problems == []
    service_rows = snapshot(clerk_j)
    for p in Person.objects.within(clerk_j):
        assert services.person_rebuild_state(p)
    wipe(clerk_j)
    _plan, by_bulk = importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=True
    )
    bulk_rows = snapshot(clerk_j)
    assert by_service.as_dict() == by_bulk.as_dict()
    assert bulk_rows == service_rows
    assert len(bulk_rows[1]) == 19
    # Ciphertexts, blind indexes and derived columns came through the model fields.
    mother = Person.objects.within(clerk_j).get(name="王老太")
    assert mother.id_number_bidx and mother.name_initials == "wlt"
    assert services.find_by_id_number(mother.id_number).pk == mother.pk
    for p in Person.objects.within(clerk_j):
        assert services.person_rebuild_state(p)


def test_a_bulk_import_is_idempotent_too(cast, clerk_j) -> None:
    table = importing.read_upload("list.csv", csv_bytes(rows()))
    importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=True
    )
    before = snapshot(clerk_j)
    _plan, again = importing.commit(
        actor=cast.clerk_a, jurisdiction=clerk_j, table=table, mode="valid_only", bulk=True
    )
    assert (again.created_persons, again.updated_persons, again.unchanged) == (0, 0, 19)
    assert snapshot(clerk_j) == before
