"""`manage.py residents_verify`: clean data passes; tampering with the stored state, a person
without a REGISTERED event, or a household without a current head makes it fail (exit 1)."""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from cunshe.core.jurisdiction import system_scope
from cunshe.residents import services
from cunshe.residents.models import Person, ResidenceEvent


@pytest.fixture
def family(cast, clerk_j, register):  # type: ignore[no-untyped-def]
    head = register("张三丰", date(1960, 3, 1), seq=1)
    son = register("张小明", date(1990, 1, 1), seq=2, relationship="20")
    services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=son,
        kind="leave_work",
        occurred_on=date(2023, 3, 1),
        destination="北京",
    )
    return head, son


def run(*args: str) -> tuple[int, str, str]:
    out, err = StringIO(), StringIO()
    try:
        call_command("residents_verify", *args, stdout=out, stderr=err)
    except SystemExit as exc:
        return int(exc.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def test_clean_register_passes(family):
    code, out, _err = run()
    assert code == 0
    assert "checked 2 persons, 1 households" in out and "register consistent" in out


def test_tampered_state_column_is_reported(family):
    _head, son = family
    with system_scope("test"):
        Person.objects.filter(pk=son.pk).update(away_destination="上海")
    code, out, err = run()
    assert code == 1
    assert f"person {son.pk}: state differs" in out
    assert "'上海'" in out and "'北京'" in out
    assert "state mismatches 1" in err


def test_verify_writes_nothing(family):
    _head, son = family
    with system_scope("test"):
        Person.objects.filter(pk=son.pk).update(residence_status="here")
    run()
    son.refresh_from_db()
    assert son.residence_status == "here"  # still wrong: the check only reports


def test_person_without_registered_event_is_reported(family):
    head, _son = family
    with system_scope("test"):
        ResidenceEvent.objects.filter(person=head).delete()
    code, out, _err = run()
    assert code == 1 and f"person {head.pk}: no REGISTERED event" in out


def test_household_without_current_head_is_reported(cast, clerk_j, family):
    head, _son = family
    services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=head,
        kind="death",
        occurred_on=date(2024, 1, 1),
    )
    code, out, _err = run()
    assert code == 1 and f"household {head.household_id}: current members but no" in out


def test_region_option_limits_the_check(family):
    _head, son = family
    with system_scope("test"):
        Person.objects.filter(pk=son.pk).update(away_destination="上海")
    assert run("--region", "220182102201")[0] == 0
    assert run("--region", "220182102200")[0] == 1


def test_bad_region_is_refused(db):
    with pytest.raises(CommandError):
        call_command("residents_verify", "--region", "abc")
