from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.core.models import AuditEvent
from cunshe.residents import services
from cunshe.residents.codes import EventKind, ResidenceStatus
from cunshe.residents.models import Person, ResidenceEvent
from cunshe.residents.tests.conftest import jurisdiction_of


def _fresh(person):  # type: ignore[no-untyped-def]
    return Person._base_manager.get(pk=person.pk)


def test_recording_an_event_updates_the_state_and_is_audited(cast, clerk_j, register):
    person = register("李强", date(1985, 4, 4))
    services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=person,
        kind=EventKind.LEAVE_FOR_WORK,
        occurred_on=date(2024, 3, 1),
        destination="长春",
    )
    p = _fresh(person)
    assert p.residence_status == ResidenceStatus.AWAY_FOR_WORK
    assert p.months_away(date(2024, 9, 1)) == 6
    assert AuditEvent.objects.filter(action="residents.event.recorded").exists()


def test_an_impossible_transition_is_refused_with_the_reason(cast, clerk_j, register):
    person = register("李强", date(1985, 4, 4))
    with pytest.raises(ValidationError) as exc:
        services.event_record(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            person=person,
            kind=EventKind.RETURN,
            occurred_on=date(2024, 3, 1),
        )
    assert "当前状态" in str(exc.value)
    assert ResidenceEvent._base_manager.filter(person=person).count() == 1


def test_future_and_pre_birth_dates_are_refused(cast, clerk_j, register):
    person = register("李强", date(1985, 4, 4))
    for day in (date(2999, 1, 1), date(1980, 1, 1)):
        with pytest.raises(ValidationError):
            services.event_record(
                actor=cast.clerk_a,
                jurisdiction=clerk_j,
                person=person,
                kind=EventKind.DEATH,
                occurred_on=day,
            )


def test_a_correction_keeps_the_original_and_changes_the_state(cast, clerk_j, register):
    person = register("李强", date(1985, 4, 4))
    wrong = services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=person,
        kind=EventKind.DEATH,
        occurred_on=date(2024, 3, 1),
    )
    services.event_record(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=_fresh(person),
        kind=EventKind.CORRECTION,
        occurred_on=date(2024, 3, 1),
        corrects=wrong,
        note="误录死亡",
    )
    p = _fresh(person)
    assert p.residence_status == ResidenceStatus.HERE
    assert p.died_on is None
    assert ResidenceEvent._base_manager.filter(pk=wrong.pk, kind=EventKind.DEATH).exists()


def test_a_correction_must_name_one_of_the_persons_own_events(cast, clerk_j, register):
    a = register("甲", date(1960, 1, 1), seq=1)
    b = register("乙", date(1962, 1, 1), seq=2, sex="F", relationship="10")
    event_of_b = ResidenceEvent._base_manager.get(person=b)
    with pytest.raises(ValidationError):
        services.event_record(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            person=a,
            kind=EventKind.CORRECTION,
            occurred_on=date(2024, 1, 1),
            corrects=event_of_b,
        )


def test_stale_version_is_refused_and_nothing_is_written(cast, clerk_j, register):
    person = register("李强", date(1985, 4, 4))
    opened = person.version
    services.person_update(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        person=person,
        expected_version=opened,
        education="70",
    )
    with pytest.raises(services.ConcurrentEdit):
        services.person_update(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            person=person,
            expected_version=opened,
            education="80",
        )
    with pytest.raises(services.ConcurrentEdit):
        services.event_record(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            person=person,
            kind=EventKind.DEATH,
            occurred_on=date(2024, 1, 1),
            expected_version=opened,
        )
    p = _fresh(person)
    assert p.education == "70"
    assert p.residence_status == ResidenceStatus.HERE


@pytest.mark.parametrize(
    "change", [{"residence_status": ResidenceStatus.DECEASED}, {"hukou_region_code": "220322"}]
)
def test_state_fields_cannot_be_edited_directly(cast, clerk_j, register, change):
    person = register("李强", date(1985, 4, 4))
    with pytest.raises(ValidationError):
        services.person_update(
            actor=cast.clerk_a,
            jurisdiction=clerk_j,
            person=person,
            expected_version=person.version,
            **change,
        )


def test_unmasking_is_audited_and_needs_the_permission(cast, clerk_j, register):
    person = register("李强", date(1985, 4, 4), phone="13912345678")
    assert (
        services.person_unmask(
            actor=cast.clerk_a, jurisdiction=clerk_j, person=person, field="phone"
        )
        == "13912345678"
    )
    event = AuditEvent.objects.filter(action="residents.person.unmasked").get()
    assert event.detail == {"field": "phone"}
    assert "13912345678" not in str(event.detail)
    with pytest.raises(PermissionDenied):
        services.person_unmask(
            actor=cast.township_officer,
            jurisdiction=jurisdiction_of(cast.township_officer),
            person=person,
            field="id_number",
        )


def test_rebuild_reports_a_tampered_state(cast, register):
    person = register("李强", date(1985, 4, 4))
    assert services.person_rebuild_state(_fresh(person)) is True
    Person._base_manager.filter(pk=person.pk).update(residence_status=ResidenceStatus.DECEASED)
    assert services.person_rebuild_state(_fresh(person)) is False
    assert _fresh(person).residence_status == ResidenceStatus.HERE
