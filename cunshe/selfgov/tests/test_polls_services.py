"""Polls through the services: the eligibility snapshot, one vote per person (service and
database constraint), one per household, the voting window, origins and proxy rules, results
hidden until close, and the secret ballot that cannot be joined to who voted."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from cunshe.core.models import AuditEvent
from cunshe.residents import services as register_services
from cunshe.residents.codes import EventKind
from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.selfgov.models import Poll, PollBallot, PollParticipation, PollVoter
from cunshe.selfgov.selectors import polls as sel
from cunshe.selfgov.services import polls as svc
from cunshe.selfgov.tests.polls_fixtures import *  # noqa: F403 (fixtures)
from cunshe.selfgov.tests.polls_fixtures import expire

Origin = PollParticipation.Origin


def hall(cast, clerk_j, poll, person, option_index=0):  # type: ignore[no-untyped-def]
    option = sel.options_of(poll)[option_index]
    return svc.vote_cast(actor=cast.clerk_a, jurisdiction=clerk_j, poll=poll, option=option,
                         person=person, origin=Origin.HALL)  # fmt: skip


def test_snapshot_is_adults_living_here_when_opened(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker()
    assert poll.eligible_persons == 11 and poll.eligible_households == 6
    ids = set(PollVoter.objects.filter(poll=poll).values_list("person_id", flat=True))
    assert hamlet.children[0].pk not in ids and hamlet.wives[5].pk not in ids
    # Someone leaving for work after the opening stays on the list: the snapshot is fixed.
    register_services.event_record(actor=cast.clerk_a, jurisdiction=clerk_j, person=hamlet.wives[0],
        kind=EventKind.LEAVE_FOR_WORK, occurred_on=date.today(), destination="长春市")  # fmt: skip
    hall(cast, clerk_j, poll, hamlet.wives[0])
    assert PollVoter.objects.filter(poll=poll).count() == 11


def test_group_poll_counts_the_group_only(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker(region=hamlet.group)
    assert (poll.eligible_persons, poll.eligible_households) == (8, 4)
    with pytest.raises(ValidationError) as exc:
        hall(cast, clerk_j, poll, hamlet.heads[4])  # household 5 is not in 一组
    assert "投票人名单" in str(exc.value)


def test_create_refuses_bad_options_and_window(cast, clerk_j, poll_maker):
    for options, field in ((["只有一个"],), "options"), ((["甲", "甲"],), "options"):
        with pytest.raises(ValidationError) as exc:
            poll_maker(options=options[0])
        assert field in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        poll_maker(options=[str(i) for i in range(11)])
    assert "2到10" in str(exc.value)
    now = timezone.now()
    with pytest.raises(ValidationError) as exc:
        poll_maker(opens_at=now, closes_at=now - timedelta(hours=1))
    assert "closes_at" in exc.value.message_dict
    assert not Poll.objects.within(clerk_j).exists()


def test_one_vote_per_person_service(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker()
    hall(cast, clerk_j, poll, hamlet.heads[0])
    with pytest.raises(ValidationError) as exc:
        hall(cast, clerk_j, poll, hamlet.heads[0], option_index=1)
    assert "已经投过票" in str(exc.value)
    assert PollParticipation.objects.filter(poll=poll).count() == 1
    assert PollBallot.objects.filter(poll=poll).count() == 1


def test_one_vote_per_person_database_constraint(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker()
    hall(cast, clerk_j, poll, hamlet.heads[0])
    with pytest.raises(IntegrityError), transaction.atomic():
        PollParticipation.objects.create(poll=poll, person=hamlet.heads[0], origin=Origin.HALL,
                                         voted_at=timezone.now(), recorded_by=cast.clerk_a)  # fmt: skip  # noqa: E501
    assert PollParticipation.objects.filter(poll=poll).count() == 1


def test_one_vote_per_household(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker(per_household=True)
    hall(cast, clerk_j, poll, hamlet.heads[0])
    with pytest.raises(ValidationError) as exc:
        hall(cast, clerk_j, poll, hamlet.wives[0])
    assert "这一户已经投过票" in str(exc.value)
    with pytest.raises(IntegrityError), transaction.atomic():
        PollParticipation.objects.create(poll=poll, person=hamlet.wives[0],
            household=hamlet.households[0], origin=Origin.HALL, voted_at=timezone.now(),
            recorded_by=cast.clerk_a)  # fmt: skip
    hall(cast, clerk_j, poll, hamlet.wives[1])  # another household votes
    assert PollParticipation.objects.filter(poll=poll).count() == 2


def test_window(cast, clerk_j, hamlet, poll_maker):
    later = poll_maker(opens_at=timezone.now() + timedelta(days=1),
                       closes_at=timezone.now() + timedelta(days=2))  # fmt: skip
    with pytest.raises(ValidationError) as exc:
        hall(cast, clerk_j, later, hamlet.heads[0])
    assert "尚未开始" in str(exc.value)
    draft = poll_maker(open=False)
    with pytest.raises(ValidationError):
        hall(cast, clerk_j, draft, hamlet.heads[0])
    poll = expire(poll_maker())
    with pytest.raises(ValidationError) as exc:
        hall(cast, clerk_j, poll, hamlet.heads[0])
    assert "已截止" in str(exc.value)
    svc.poll_close(actor=cast.clerk_a, jurisdiction=clerk_j, poll=poll)
    with pytest.raises(ValidationError) as exc:
        hall(cast, clerk_j, poll, hamlet.heads[0])
    assert "已截止" in str(exc.value)
    assert not PollParticipation.objects.exists()


def test_online_vote_by_villager(cast, hamlet, poll_maker, villager_person):
    poll = poll_maker()
    vj = jurisdiction_of(cast.villager)
    option = sel.options_of(poll)[1]
    row = svc.vote_cast(actor=cast.villager, jurisdiction=vj, poll=poll, option=option)
    assert row.person_id == villager_person.pk and row.origin == Origin.ONLINE
    assert row.recorded_by_id == cast.villager.pk and row.option_id is None  # secret
    # A villager cannot vote for someone else, nor record a hall vote.
    with pytest.raises(PermissionDenied):
        svc.vote_cast(actor=cast.villager, jurisdiction=vj, poll=poll, option=option,
                      person=hamlet.heads[1], origin=Origin.HALL)  # fmt: skip


def test_villager_without_register_entry_or_outside(cast, poll_maker):
    poll = poll_maker()
    option = sel.options_of(poll)[0]
    with pytest.raises(ValidationError) as exc:
        svc.vote_cast(actor=cast.villager, jurisdiction=jurisdiction_of(cast.villager),
                      poll=poll, option=option)  # fmt: skip
    assert "没有关联" in str(exc.value)
    with pytest.raises(PermissionDenied):
        svc.vote_cast(actor=cast.outsider, jurisdiction=jurisdiction_of(cast.outsider),
                      poll=poll, option=option, person=None, origin=Origin.HALL)  # fmt: skip


def test_not_eligible_refused(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker()
    for person in (hamlet.children[0], hamlet.wives[5]):  # a child; a woman away for work
        with pytest.raises(ValidationError) as exc:
            hall(cast, clerk_j, poll, person)
        assert "不在本次调查的投票人名单上" in str(exc.value)
    assert not PollParticipation.objects.exists()


def test_proxy_rules(cast, clerk_j, hamlet, poll_maker, settings):
    settings.SELFGOV_RULES = {"PROXY_MAX_PER_HOLDER": 1}
    poll = poll_maker()
    option = sel.options_of(poll)[0]

    def proxy(principal, holder):  # type: ignore[no-untyped-def]
        return svc.vote_cast(actor=cast.clerk_a, jurisdiction=clerk_j, poll=poll, option=option,
                             person=principal, origin=Origin.PROXY, proxy_holder=holder)  # fmt: skip  # noqa: E501

    with pytest.raises(ValidationError) as exc:  # not related
        proxy(hamlet.wives[0], hamlet.heads[1])
    assert "近亲属" in str(exc.value)
    with pytest.raises(ValidationError) as exc:  # holder not on the list (a child)
        proxy(hamlet.heads[0], hamlet.children[0])
    assert "投票人名单" in str(exc.value)
    row = proxy(hamlet.wives[0], hamlet.heads[0])  # wife → husband
    assert row.proxy_holder_id == hamlet.heads[0].pk and row.proxy_relation == "配偶"
    with pytest.raises(ValidationError) as exc:  # the holder cannot be the voter
        proxy(hamlet.heads[1], hamlet.heads[1])
    assert "本人" in str(exc.value)
    assert PollParticipation.objects.filter(poll=poll).count() == 1


def test_proxy_cap(cast, clerk_j, hamlet, poll_maker, settings):
    settings.SELFGOV_RULES = {"PROXY_MAX_PER_HOLDER": 0}
    poll = poll_maker()
    with pytest.raises(ValidationError) as exc:
        svc.vote_cast(actor=cast.clerk_a, jurisdiction=clerk_j, poll=poll,
            option=sel.options_of(poll)[0], person=hamlet.wives[0], origin=Origin.PROXY,
            proxy_holder=hamlet.heads[0])  # fmt: skip
    assert "不得超过0人" in str(exc.value)


def test_results_hidden_until_close(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker()
    for i, person in enumerate(hamlet.heads):
        hall(cast, clerk_j, poll, person, option_index=0 if i < 4 else 1)
    assert sel.results_of(poll) is None
    with pytest.raises(ValidationError) as exc:
        svc.poll_close(actor=cast.clerk_a, jurisdiction=clerk_j, poll=poll)
    assert "不能提前结束" in str(exc.value)
    assert all(o.votes is None for o in sel.options_of(poll))
    poll = svc.poll_close(actor=cast.clerk_a, jurisdiction=clerk_j, poll=expire(poll))
    result = sel.results_of(poll)
    assert [o.votes for o in result.options] == [4, 2, 0]
    assert (result.votes_cast, result.eligible, result.turnout_percent) == (6, 11, 55)


def test_open_ballot_counts_from_participations(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker(secret=False)
    hall(cast, clerk_j, poll, hamlet.heads[0], 2)
    assert PollParticipation.objects.get(poll=poll).option.text == "弃权"
    assert not PollBallot.objects.exists()
    poll = svc.poll_close(actor=cast.clerk_a, jurisdiction=clerk_j, poll=expire(poll))
    assert [o.votes for o in sel.results_of(poll).options] == [0, 0, 1]


def test_ballot_table_has_no_link_to_a_person(db):
    columns = {f.column for f in PollBallot._meta.concrete_fields}
    assert columns == {"token", "poll_id", "option_id"}
    with connection.cursor() as cur:
        described = connection.introspection.get_table_description(cur, PollBallot._meta.db_table)
    assert {c.name for c in described} == columns
    assert not PollBallot._meta.get_field("token").get_internal_type().endswith("AutoField")


def test_ballot_order_does_not_follow_participation_order(cast, clerk_j, hamlet, poll_maker,
                                                          monkeypatch):  # fmt: skip
    """Tokens handed out in descending order: if anything followed the order of voting, the
    ballots would come back first-voter-first; they come back in token order, i.e. reversed."""
    tokens = iter(f"{n:032x}" for n in range(1000, 0, -1))
    monkeypatch.setattr(svc.secrets, "token_hex", lambda _n: next(tokens))
    poll = poll_maker()
    voters = [*hamlet.heads, *hamlet.wives[:5]]
    for i, person in enumerate(voters):
        hall(cast, clerk_j, poll, person, option_index=i % 3)
    voted = [i % 3 for i in range(len(voters))]
    options = {o.pk: o.order - 1 for o in sel.options_of(poll)}
    svc.poll_close(actor=cast.clerk_a, jurisdiction=clerk_j, poll=expire(poll))
    ordered = [
        options[o] for o in PollBallot.objects.filter(poll=poll).values_list("option_id", flat=True)
    ]
    assert ordered == list(reversed(voted)) != voted
    # The table's own order after close (no ORDER BY) follows the tokens too.
    table = PollBallot._meta.db_table
    with connection.cursor() as cur:
        cur.execute(f"SELECT option_id FROM {table} WHERE poll_id = %s", [poll.pk])  # noqa: S608
        physical = [options[r[0]] for r in cur.fetchall()]
    assert physical == list(reversed(voted))


def test_audit_says_voted_never_the_secret_choice(cast, clerk_j, hamlet, poll_maker):
    poll = poll_maker()
    hall(cast, clerk_j, poll, hamlet.heads[0], 1)
    event = AuditEvent.objects.filter(action="selfgov.poll.voted").get()
    assert event.detail["person"] == hamlet.heads[0].pk and "option" not in event.detail
    open_poll = poll_maker(secret=False)
    hall(cast, clerk_j, open_poll, hamlet.heads[0], 1)
    assert AuditEvent.objects.filter(action="selfgov.poll.voted").count() == 2
