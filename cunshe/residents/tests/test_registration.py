from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.core.models import AuditEvent
from cunshe.residents import idcard, services
from cunshe.residents.codes import EventKind, ResidenceStatus
from cunshe.residents.models import Person, ResidenceEvent
from cunshe.residents.tests.conftest import jurisdiction_of


def test_registration_derives_sex_and_birth_date_and_encrypts_the_id(register):
    person = register("王秀兰", date(1958, 7, 2), sex="F")
    assert (person.sex, person.birth_date) == ("F", date(1958, 7, 2))
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT id_number FROM residents_person WHERE id = %s", [person.pk])
        assert "19580702" not in cur.fetchone()[0]
    event = ResidenceEvent._base_manager.get(person=person)
    assert event.kind == EventKind.REGISTERED
    assert AuditEvent.objects.filter(
        action="residents.person.registered", object_id=str(person.pk)
    ).exists()


def test_wrong_check_digit_never_enters(cast, clerk_j, household_a):
    good = idcard.make("220182", date(1970, 1, 1), 5, "M")
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        services.person_register(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            household=household_a,
            relationship="02",
            name="李四",
            id_number=bad,
            since=date(2020, 1, 1),
        )
    assert "校验位" in str(exc.value.message_dict["id_number"])
    assert not Person._base_manager.exists()


def test_declared_sex_must_match_the_id(cast, clerk_j, household_a):
    with pytest.raises(ValidationError) as exc:
        services.person_register(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            household=household_a,
            relationship="02",
            name="李四",
            sex="F",
            id_number=idcard.make("220182", date(1970, 1, 1), 5, "M"),
            since=date(2020, 1, 1),
        )
    assert "sex" in exc.value.message_dict


def test_a_person_is_a_current_resident_of_one_village_only(cast, register):
    person = register("张三", date(1970, 1, 1), seq=7)
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role

    clerk_b = User.objects.create_user("clerk_b", password="x" * 12)
    RoleAssignment.objects.create(user=clerk_b, role=Role.VILLAGE_CLERK, region=cast.village_b)
    j_b = jurisdiction_of(clerk_b)
    household_b = services.household_create(
        actor=clerk_b, jurisdiction=j_b, region=cast.village_b, number="B-1"
    )
    with pytest.raises(ValidationError) as exc:
        services.person_register(
            actor=clerk_b,
            jurisdiction=j_b,
            household=household_b,
            relationship="02",
            name="张三",
            id_number=person.id_number,
            since=date(2024, 1, 1),
        )
    assert "一人只能在一个村登记" in str(exc.value)


def test_a_person_who_moved_out_can_be_taken_in_by_another_village(cast, register, clerk_j):
    from cunshe.accounts.models import RoleAssignment, User
    from cunshe.accounts.roles import Role

    person = register("张三", date(1970, 1, 1), seq=7)
    services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=person,
        kind=EventKind.MOVE_OUT,
        occurred_on=date(2024, 1, 1),
        destination="古城村",
    )
    clerk_b = User.objects.create_user("clerk_b", password="x" * 12)
    RoleAssignment.objects.create(user=clerk_b, role=Role.VILLAGE_CLERK, region=cast.village_b)
    j_b = jurisdiction_of(clerk_b)
    household_b = services.household_create(
        actor=clerk_b, jurisdiction=j_b, region=cast.village_b, number="B-1"
    )
    moved = services.person_register(
        actor=clerk_b,
        jurisdiction=j_b,
        household=household_b,
        relationship="02",
        name="张三",
        id_number=person.id_number,
        since=date(2024, 1, 2),
    )
    assert moved.pk == person.pk
    assert moved.region_code == cast.village_b.code
    assert moved.residence_status == ResidenceStatus.HERE
    # The history stays, including the events recorded by village A.
    assert ResidenceEvent._base_manager.filter(person=person).count() == 3


def test_one_current_head_per_household(register):
    register("户主", date(1960, 1, 1), seq=1)
    with pytest.raises(ValidationError) as exc:
        register("第二户主", date(1962, 1, 1), seq=2)
    assert "relationship" in exc.value.message_dict


def test_unknown_codes_are_refused(cast, clerk_j, household_a):
    with pytest.raises(ValidationError) as exc:
        services.person_register(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            household=household_a,
            relationship="XX",
            name="张三",
            ethnicity="99",
            id_number=idcard.make("220182", date(1970, 1, 1), 5, "M"),
            since=date(2020, 1, 1),
        )
    assert {"relationship", "ethnicity"} <= set(exc.value.message_dict)


def test_outsider_and_read_only_roles_cannot_register(cast, household_a):
    for who in ("outsider", "township_officer"):
        with pytest.raises(PermissionDenied):
            services.person_register(
                actor=cast.users[who],
                jurisdiction=jurisdiction_of(cast.users[who]),
                household=household_a,
                relationship="02",
                name="张三",
                id_number=idcard.make("220182", date(1970, 1, 1), 5, "M"),
                since=date(2020, 1, 1),
            )


def test_household_numbers_are_unique_in_a_village(cast, clerk_j, household_a):
    with pytest.raises(ValidationError):
        services.household_create(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            region=cast.regions["220182102200001"],
            number="A-001",
        )


def test_a_household_number_taken_concurrently_is_a_message_not_a_crash(
    cast, clerk_j, household_a, monkeypatch
):
    from cunshe.residents.models import Household

    # The other clerk's insert lands between our check and our save.
    monkeypatch.setattr(
        Household.objects.__class__, "within", lambda self, j: Household._base_manager.none()
    )
    with pytest.raises(ValidationError) as exc:
        services.household_create(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="A-001"
        )
    assert "number" in exc.value.message_dict
