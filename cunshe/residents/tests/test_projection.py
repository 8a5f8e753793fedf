"""The residence state is a pure function of the events (corrections applied)."""

from datetime import date

from cunshe.residents.codes import EventKind as K
from cunshe.residents.codes import ResidenceStatus as S
from cunshe.residents.events import EventFacts, project


def ev(i, kind, on, **kw):  # type: ignore[no-untyped-def]
    return EventFacts(id=i, kind=kind, occurred_on=on, **kw)


def test_registration_then_leaving_for_work():
    state = project(
        [
            ev(1, K.REGISTERED, date(2020, 1, 1)),
            ev(2, K.LEAVE_FOR_WORK, date(2024, 3, 1), destination="长春"),
        ]
    )
    assert state.residence_status == S.AWAY_FOR_WORK
    assert state.status_since == date(2024, 3, 1)
    assert state.away_destination == "长春"


def test_events_apply_in_date_order_not_recording_order():
    state = project(
        [
            ev(1, K.REGISTERED, date(2020, 1, 1)),
            ev(3, K.RETURN, date(2024, 9, 1)),
            ev(2, K.LEAVE_FOR_WORK, date(2024, 3, 1), destination="北京"),
        ]
    )
    assert state.residence_status == S.HERE
    assert state.living_here_since == date(2024, 9, 1)


def test_a_correction_replaces_what_it_corrects():
    state = project(
        [
            ev(1, K.REGISTERED, date(2020, 1, 1)),
            ev(2, K.LEAVE_FOR_WORK, date(2024, 3, 1), destination="北京"),
            ev(
                3,
                K.CORRECTION,
                date(2024, 4, 1),
                corrects_id=2,
                corrected_kind=K.LEAVE_FOR_WORK,
                destination="大连",
            ),
        ]
    )
    assert state.away_destination == "大连"
    assert state.status_since == date(2024, 4, 1)


def test_a_void_correction_removes_the_event():
    state = project(
        [
            ev(1, K.REGISTERED, date(2020, 1, 1)),
            ev(2, K.DEATH, date(2024, 3, 1)),
            ev(3, K.CORRECTION, date(2024, 3, 1), corrects_id=2),
        ]
    )
    assert state.residence_status == S.HERE
    assert state.died_on is None


def test_correcting_a_correction_corrects_the_original():
    state = project(
        [
            ev(1, K.REGISTERED, date(2020, 1, 1)),
            ev(2, K.LEAVE_FOR_WORK, date(2024, 3, 1), destination="北京"),
            ev(
                3,
                K.CORRECTION,
                date(2024, 3, 1),
                corrects_id=2,
                corrected_kind=K.LEAVE_FOR_WORK,
                destination="大连",
            ),
            ev(
                4,
                K.CORRECTION,
                date(2024, 3, 1),
                corrects_id=3,
                corrected_kind=K.LEAVE_FOR_WORK,
                destination="沈阳",
            ),
        ]
    )
    assert state.away_destination == "沈阳"


def test_non_hukou_resident_and_hukou_transfer():
    state = project([ev(1, K.REGISTERED, date(2021, 5, 1), hukou_here=False)])
    assert state.residence_status == S.NON_HUKOU_HERE
    state = project(
        [
            ev(1, K.REGISTERED, date(2021, 5, 1), hukou_here=False),
            ev(2, K.HUKOU_IN, date(2023, 1, 1)),
        ]
    )
    assert state.residence_status == S.HERE
    assert state.hukou_here is True


def test_moving_out_and_death():
    moved = project(
        [
            ev(1, K.REGISTERED, date(2020, 1, 1)),
            ev(2, K.MOVE_OUT, date(2022, 1, 1), destination="长春市"),
        ]
    )
    assert moved.residence_status == S.MOVED_OUT
    died = project([ev(1, K.REGISTERED, date(2020, 1, 1)), ev(2, K.DEATH, date(2025, 2, 2))])
    assert died.residence_status == S.DECEASED
    assert died.died_on == date(2025, 2, 2)
