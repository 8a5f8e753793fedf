"""The projection: a person's residence state is the result of their events.

`effective_events` applies corrections (the latest correction of an event wins; a correction
with no kind voids the event); `project` folds the effective events, in date order, into a
`State`. Pure functions over plain values: the services store the result on Person, and
`residents_verify` replays every person to prove the stored state is the projection.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from cunshe.residents.codes import EventKind, ResidenceStatus


@dataclass(frozen=True)
class EventFacts:
    id: int
    kind: str
    occurred_on: date
    destination: str = ""
    destination_code: str = ""
    status: str = ""
    hukou_here: bool | None = None
    corrects_id: int | None = None
    corrected_kind: str = ""


@dataclass(frozen=True)
class State:
    residence_status: str = ResidenceStatus.HERE
    status_since: date | None = None
    away_destination: str = ""
    living_here_since: date | None = None
    died_on: date | None = None
    hukou_here: bool = True
    hukou_region_code: str = ""


def facts_of(event) -> EventFacts:  # type: ignore[no-untyped-def]
    return EventFacts(
        id=event.pk,
        kind=event.kind,
        occurred_on=event.occurred_on,
        destination=event.destination,
        destination_code=event.destination_code,
        status=event.status,
        hukou_here=event.hukou_here,
        corrects_id=event.corrects_id,
        corrected_kind=event.corrected_kind,
    )


def effective_events(events: Iterable[EventFacts]) -> list[EventFacts]:
    """The events as they really happened: corrections applied, voided events dropped."""
    events = sorted(events, key=lambda e: e.id)
    originals = {e.id: e for e in events if e.kind != EventKind.CORRECTION}
    for c in (e for e in events if e.kind == EventKind.CORRECTION):
        target = c.corrects_id
        # A correction of a correction corrects the original it corrected.
        while target is not None and target not in originals:
            prev = next((e for e in events if e.id == target), None)
            target = prev.corrects_id if prev is not None else None
        if target is None:
            continue
        if not c.corrected_kind:
            originals[target] = replace(originals[target], kind="")  # it did not happen
        else:
            originals[target] = replace(
                originals[target],
                kind=c.corrected_kind,
                occurred_on=c.occurred_on,
                destination=c.destination,
                destination_code=c.destination_code,
                status=c.status or originals[target].status,
                hukou_here=c.hukou_here
                if c.hukou_here is not None
                else originals[target].hukou_here,
            )
    live = [e for e in originals.values() if e.kind]
    return sorted(live, key=lambda e: (e.occurred_on, e.id))


def _here(state: State) -> str:
    return ResidenceStatus.HERE if state.hukou_here else ResidenceStatus.NON_HUKOU_HERE


def apply(state: State, e: EventFacts) -> State:
    """The state after one effective event."""
    k = e.kind
    if k == EventKind.REGISTERED:
        hukou = state.hukou_here if e.hukou_here is None else e.hukou_here
        status = e.status or (ResidenceStatus.HERE if hukou else ResidenceStatus.NON_HUKOU_HERE)
        away = status in (ResidenceStatus.AWAY_FOR_WORK, ResidenceStatus.AWAY_OTHER)
        return replace(
            state,
            hukou_here=hukou,
            # The hukou location found at registration (blank when the hukou is here).
            hukou_region_code="" if hukou else e.destination_code,
            residence_status=status,
            status_since=e.occurred_on,
            away_destination=e.destination if away else "",
            living_here_since=None if away else e.occurred_on,
        )
    if k == EventKind.BIRTH:
        return replace(
            state,
            residence_status=_here(state),
            status_since=e.occurred_on,
            living_here_since=e.occurred_on,
            away_destination="",
        )
    if k == EventKind.DEATH:
        return replace(
            state,
            residence_status=ResidenceStatus.DECEASED,
            status_since=e.occurred_on,
            died_on=e.occurred_on,
            away_destination="",
        )
    if k in (EventKind.MARRIAGE_IN, EventKind.MOVE_IN, EventKind.RETURN):
        return replace(
            state,
            residence_status=_here(state),
            status_since=e.occurred_on,
            living_here_since=e.occurred_on,
            away_destination="",
        )
    if k in (EventKind.MARRIAGE_OUT, EventKind.MOVE_OUT):
        return replace(
            state,
            residence_status=ResidenceStatus.MOVED_OUT,
            status_since=e.occurred_on,
            away_destination=e.destination,
            living_here_since=None,
        )
    if k == EventKind.LEAVE_FOR_WORK:
        return replace(
            state,
            residence_status=ResidenceStatus.AWAY_FOR_WORK,
            status_since=e.occurred_on,
            away_destination=e.destination,
            living_here_since=None,
        )
    if k == EventKind.HUKOU_IN:
        new = replace(state, hukou_here=True, hukou_region_code="")
        if new.residence_status == ResidenceStatus.NON_HUKOU_HERE:
            new = replace(new, residence_status=ResidenceStatus.HERE)
        return new
    if k == EventKind.HUKOU_OUT:
        new = replace(state, hukou_here=False, hukou_region_code=e.destination_code)
        if new.residence_status == ResidenceStatus.HERE:
            new = replace(new, residence_status=ResidenceStatus.NON_HUKOU_HERE)
        return new
    return state


def project(events: Iterable[EventFacts], start: State | None = None) -> State:
    """Fold the effective events into the current state."""
    state = start or State()
    for e in effective_events(events):
        state = apply(state, e)
    return state
