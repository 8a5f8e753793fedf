"""Bodies and memberships through the services: warnings for composition, refusal for Art. 32."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.core.models import AuditEvent
from cunshe.selfgov.models import BodyKind, Membership, Position
from cunshe.selfgov.selectors import bodies as sel
from cunshe.selfgov.services import bodies as svc
from cunshe.selfgov.tests.meetings_fixtures import *  # noqa: F403 (fixtures)


def _supervision(cast, clerk_j):
    return svc.body_create(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        region=cast.village_a,
        kind=BodyKind.SUPERVISION,
        name="村务监督委员会",
        term_start=date(2021, 6, 1),
    )


def _add(cast, clerk_j, body, person, **kw):
    return svc.membership_add(
        actor=cast.clerk_a,
        jurisdiction=clerk_j,
        body=body,
        person=person,
        position=kw.pop("position", Position.MEMBER),
        start=kw.pop("start", date(2022, 1, 1)),
        **kw,
    )


def test_committee_term_defaults_to_five_years_and_is_audited(cast, bodies):
    assert bodies.committee.term_end == date(2026, 6, 1)
    assert AuditEvent.objects.filter(action="selfgov.body.created").count() == 3
    assert AuditEvent.objects.filter(action="selfgov.membership.added").count() == 3 + 2 + 6


def test_supervision_refuses_a_committee_member(cast, clerk_j, bodies, hamlet):
    sup = _supervision(cast, clerk_j)
    with pytest.raises(ValidationError) as exc:
        _add(cast, clerk_j, sup, hamlet.heads[0])
    assert "第三十二条" in str(exc.value)
    assert not Membership.objects.within(clerk_j).filter(body=sup).exists()


@pytest.mark.parametrize(
    ("who", "relation"),
    [("wife_of_member", "配偶"), ("husband_of_member", "配偶")],
)
def test_supervision_refuses_a_near_relative(cast, clerk_j, bodies, hamlet, who, relation):
    sup = _supervision(cast, clerk_j)
    # head 1 is on the committee (his wife is not); wife 3 is on it (her husband is not).
    person = hamlet.wives[0] if who == "wife_of_member" else hamlet.heads[2]
    with pytest.raises(ValidationError) as exc:
        _add(cast, clerk_j, sup, person)
    message = " ".join(exc.value.message_dict["person"])
    assert (
        "村务监督委员会成员不得由村民委员会成员及其近亲属担任（村民委员会组织法第三十二条）"
        in message
    )
    assert relation in message
    assert not Membership.objects.within(clerk_j).filter(body=sup).exists()


def test_supervision_accepts_an_unrelated_villager(cast, clerk_j, bodies, hamlet):
    sup = _supervision(cast, clerk_j)
    m = _add(cast, clerk_j, sup, hamlet.heads[5])
    assert m.pk and m.region_code == cast.village_a.code


def test_supervision_refuses_a_relative_through_a_kin_link(cast, clerk_j, bodies, hamlet):
    from cunshe.care.models import KinLink
    from cunshe.core.jurisdiction import system_scope

    sup = _supervision(cast, clerk_j)
    with system_scope("test set-up"):
        # head 6 is head 1's son, living in his own household.
        KinLink.objects.create(
            person=hamlet.heads[5],
            relative=hamlet.heads[0],
            region_id=hamlet.heads[5].region_id,
            kind=KinLink.Kind.PARENT,
            source=KinLink.Source.CLERK,
        )
    with pytest.raises(ValidationError) as exc:
        _add(cast, clerk_j, sup, hamlet.heads[5])
    assert "子女" in str(exc.value) or "父母" in str(exc.value)


def test_committee_refuses_a_relative_of_a_supervision_member(cast, clerk_j, bodies, hamlet):
    sup = _supervision(cast, clerk_j)
    _add(cast, clerk_j, sup, hamlet.heads[5])
    with pytest.raises(ValidationError):
        _add(cast, clerk_j, bodies.committee, hamlet.wives[5])


def test_ended_committee_membership_no_longer_conflicts(cast, clerk_j, bodies, hamlet):
    sup = _supervision(cast, clerk_j)
    m = Membership.objects.within(clerk_j).get(body=bodies.committee, person=hamlet.heads[0])
    svc.membership_end(
        actor=cast.clerk_a, jurisdiction=clerk_j, membership=m, end=date(2023, 12, 31)
    )
    assert _add(cast, clerk_j, sup, hamlet.wives[0], start=date(2024, 1, 1)).pk


def test_membership_refusals(cast, clerk_j, bodies, hamlet):
    with pytest.raises(ValidationError) as exc:
        _add(cast, clerk_j, bodies.committee, hamlet.children[0])
    assert "十八" in str(exc.value)
    with pytest.raises(ValidationError):
        _add(cast, clerk_j, bodies.committee, hamlet.heads[0])  # already a member
    with pytest.raises(ValidationError):
        _add(cast, clerk_j, bodies.branch, hamlet.heads[0], position=Position.REPRESENTATIVE)
    with pytest.raises(ValidationError):
        _add(cast, clerk_j, bodies.branch, hamlet.heads[0], end=date(2021, 1, 1))


def test_outsider_cannot_write(cast, bodies, hamlet):
    from cunshe.residents.tests.conftest import jurisdiction_of

    with pytest.raises(PermissionDenied):
        _add(cast, jurisdiction_of(cast.outsider), bodies.committee, hamlet.heads[5])
    with pytest.raises(PermissionDenied):
        _add(cast, jurisdiction_of(cast.township_officer), bodies.committee, hamlet.heads[5])


def _warnings(body, clerk_j, on=date(2026, 1, 10)):
    current = [m for m in sel.memberships_of(body, on=on) if m.is_current]
    households = sel.households(clerk_j, body.village_code).count()
    return {w.code for w in sel.body_warnings(body, current, village_households=households, on=on)}


def test_committee_warnings(cast, clerk_j, bodies, hamlet):
    assert _warnings(bodies.committee, clerk_j) == set()
    assert "term" in _warnings(bodies.committee, clerk_j, on=date(2026, 7, 1))
    for m in Membership.objects.within(clerk_j).filter(
        body=bodies.committee, person=hamlet.wives[2]
    ):
        svc.membership_end(
            actor=cast.clerk_a, jurisdiction=clerk_j, membership=m, end=date(2025, 1, 1)
        )
    assert {"size", "women"} <= _warnings(bodies.committee, clerk_j)


def test_assembly_warnings(cast, clerk_j, bodies, hamlet):
    # 6 representatives, all men, for 6 households: women short, households per rep short.
    codes = _warnings(bodies.assembly, clerk_j)
    assert "assembly_women" in codes and "households_total" in codes
    assert "representatives" not in codes
    # Three non-representative members: 6 of 9 is less than 4/5.
    for w in hamlet.wives[:3]:
        _add(cast, clerk_j, bodies.assembly, w)
    codes = _warnings(bodies.assembly, clerk_j)
    assert "representatives" in codes and "assembly_women" not in codes
