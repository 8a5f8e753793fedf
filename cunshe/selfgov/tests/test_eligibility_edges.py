"""Every election threshold at its exact edge, table-driven (pure functions, no database), and
the services' refusals at the same edges."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from cunshe.selfgov import eligibility as el
from cunshe.selfgov.services import elections as svc

# --- age on the vote day ---------------------------------------------------------------------

AGE_CASES = [
    # (born, vote day, eligible)
    (date(2008, 6, 1), date(2026, 6, 1), True),  # 18 on the day
    (date(2008, 6, 2), date(2026, 6, 1), False),  # turns 18 the day after
    (date(2008, 5, 31), date(2026, 6, 1), True),
    (date(2008, 2, 29), date(2026, 2, 28), False),  # 29 Feb: not yet 18 on 28 Feb
    (date(2008, 2, 29), date(2026, 3, 1), True),  # ... 18 on 1 March of a common year
    (date(2006, 2, 28), date(2024, 2, 29), True),  # vote on 29 Feb: born 28 Feb is 18
    (date(2006, 3, 1), date(2024, 2, 29), False),  # born 1 March is not
    (date(2012, 2, 29), date(2030, 2, 28), False),
    (date(2012, 2, 29), date(2030, 3, 1), True),
]


@pytest.mark.parametrize("born,vote_on,eligible", AGE_CASES)
def test_age_edge(born, vote_on, eligible):
    assert el.is_of_age(born, vote_on) is eligible
    verdict = el.judge(el.Facts(born, True, "here", None), vote_on)
    assert verdict.eligible is eligible
    if not eligible:
        assert verdict.rule == el.AGE and "第十三条" in verdict.reason


@hsettings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=300)
@given(
    born=st.dates(min_value=date(1990, 1, 1), max_value=date(2015, 12, 31)),
    vote_on=st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31)),
)
def test_age_rule_agrees_with_person_age_on(born, vote_on):
    from cunshe.residents.models import Person

    assert el.is_of_age(born, vote_on) is (Person(birth_date=born).age_on(vote_on) >= 18)


# --- a year of residence (category c) --------------------------------------------------------

RESIDENCE_CASES = [
    # (living here since, vote day, long enough, days between)
    (date(2025, 3, 2), date(2026, 3, 1), False, 364),  # 364 days is not a year
    (date(2025, 3, 1), date(2026, 3, 1), True, 365),  # a common year: 365 days
    (date(2023, 3, 1), date(2024, 2, 29), False, 365),  # across 29 Feb 365 days is not yet
    (date(2023, 2, 28), date(2024, 2, 28), True, 365),
    (date(2023, 3, 1), date(2024, 3, 1), True, 366),  # across 29 Feb: 366 days
    (date(2024, 2, 29), date(2025, 2, 28), False, 365),  # began 29 Feb: complete on 1 March
    (date(2024, 2, 29), date(2025, 3, 1), True, 366),
    (None, date(2026, 3, 1), False, None),  # no start recorded: not proven
]


@pytest.mark.parametrize("since,vote_on,enough,days", RESIDENCE_CASES)
def test_residence_year_edge(since, vote_on, enough, days):
    if days is not None:
        assert (vote_on - since).days == days
    assert el.resided_long_enough(since, vote_on) is enough
    verdict = el.judge(
        el.Facts(date(1980, 1, 1), False, "non_hukou", since, approved=True), vote_on
    )
    assert verdict.category == ("c" if enough else None)
    if not enough:
        assert verdict.rule == el.RESIDENCE_YEAR


# --- categories ------------------------------------------------------------------------------

CATEGORY_CASES = [
    # (hukou here, status, opted in, approved, deprived, category or rule)
    (True, "here", False, False, False, "a"),
    (True, "away_work", False, False, False, el.NOT_OPTED_IN),
    (True, "away_work", True, False, False, "b"),
    (True, "away_other", True, False, False, "b"),
    (False, "non_hukou", False, False, False, el.NOT_APPROVED),
    (False, "non_hukou", False, True, False, "c"),
    (False, "here", False, True, False, "c"),
    (False, "away_work", True, True, False, el.NOT_LIVING_HERE),
    (True, "here", False, False, True, el.DEPRIVED),
    (True, "moved_out", False, False, False, el.GONE_RULE),
    (True, "deceased", True, True, False, el.GONE_RULE),
]


@pytest.mark.parametrize("hukou,status,opted,approved,deprived,expected", CATEGORY_CASES)
def test_categories(hukou, status, opted, approved, deprived, expected):
    facts = el.Facts(date(1980, 1, 1), hukou, status, date(2000, 1, 1), opted, approved, deprived)
    verdict = el.judge(facts, date(2026, 6, 1))
    assert (verdict.category or verdict.rule) == expected


# --- the timetable ---------------------------------------------------------------------------

VOTE = date(2026, 6, 30)


@pytest.mark.parametrize("days_before,ok", [(19, False), (20, True), (21, True), (0, False)])
def test_publication_edge(days_before, ok):
    assert el.publication_in_time(VOTE - timedelta(days=days_before), VOTE) is ok


@pytest.mark.parametrize("day,ok", [(0, True), (5, True), (6, False)])
def test_objection_window_edge(day, ok):
    published = date(2026, 6, 1)
    assert (published + timedelta(days=day) <= el.objection_deadline(published)) is ok


def test_answer_due_is_three_days():
    assert el.answer_due(date(2026, 6, 3)) == date(2026, 6, 6)


# --- results and recall ----------------------------------------------------------------------

TURNOUT_CASES = [
    (100, 50, False),
    (100, 51, True),
    (101, 50, False),
    (101, 51, True),
    (0, 0, False),
]


@pytest.mark.parametrize("registered,cast,valid", TURNOUT_CASES)
def test_turnout_edge(registered, cast, valid):
    assert el.turnout_valid(cast, registered) is valid


WIN_CASES = [
    # (votes, ballots cast, run-off, wins)
    (50, 100, False, False),  # exactly half loses
    (51, 100, False, True),
    (50, 99, False, True),
    (33, 99, True, True),  # run-off: exactly one third wins
    (32, 99, True, False),
    (33, 100, True, False),
    (34, 100, True, True),
]


@pytest.mark.parametrize("votes,ballots,runoff,won", WIN_CASES)
def test_win_edges(votes, ballots, runoff, won):
    assert el.wins(votes, ballots, runoff=runoff) is won


RECALL_REQUEST_CASES = [
    # (signatures, base, by representatives, enough)
    (20, 100, False, True),  # exactly one fifth
    (19, 100, False, False),
    (21, 101, False, True),
    (20, 101, False, False),
    (10, 30, True, True),  # exactly one third of representatives
    (9, 30, True, False),
    (0, 0, False, False),
]


@pytest.mark.parametrize("signatures,base,reps,enough", RECALL_REQUEST_CASES)
def test_recall_request_edge(signatures, base, reps, enough):
    assert el.recall_may_be_requested(signatures, base, by_representatives=reps) is enough


RECALL_VOTE_CASES = [
    # (registered, voting, for, passes)
    (100, 50, 50, False),  # half turnout is not more than half
    (100, 51, 26, True),
    (100, 51, 25, False),  # 25 of 51 is not more than half
    (100, 60, 30, False),  # exactly half of those voting
    (100, 60, 31, True),
]


@pytest.mark.parametrize("registered,voting,votes_for,passes", RECALL_VOTE_CASES)
def test_recall_vote_edge(registered, voting, votes_for, passes):
    assert el.recall_passes(registered, voting, votes_for) is passes


SEAT_CASES = [
    # (votes, ballots, seats left, run-off, elected)
    ({1: 60, 2: 55, 3: 40}, 100, 5, False, {1, 2}),
    ({1: 60, 2: 55, 3: 52}, 100, 2, False, {1, 2}),  # more pass than seats: by votes
    ({1: 60, 2: 55, 3: 55}, 100, 2, False, {1}),  # a tie across the last seat: neither
    ({1: 34, 2: 33, 3: 20}, 99, 3, True, {1, 2}),
    ({1: 50, 2: 50}, 100, 2, False, set()),
]


@pytest.mark.parametrize("votes,ballots,seats,runoff,elected", SEAT_CASES)
def test_winners(votes, ballots, seats, runoff, elected):
    assert svc.winners(votes, ballots, seats, runoff=runoff) == elected


def test_rules_come_from_settings(settings):
    settings.SELFGOV_RULES = {"VOTER_MIN_AGE": 16, "ROLL_PUBLISH_MIN_DAYS_BEFORE": 30}
    assert el.is_of_age(date(2010, 6, 1), date(2026, 6, 1))
    assert not el.publication_in_time(date(2026, 6, 5), VOTE)


# --- the services refuse at the same edges ---------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("days_before,ok", [(19, False), (20, True)])
def test_publish_service_edge(cast, days_before, ok):
    from cunshe.residents.tests.conftest import jurisdiction_of
    from cunshe.selfgov.models.elections import Election

    today = timezone.localdate()
    election = Election._base_manager.create(
        region=cast.village_a,
        title="换届",
        vote_on=today + timedelta(days=days_before),
        created_by=cast.clerk_a,
    )
    j = jurisdiction_of(cast.clerk_a)
    svc.roll_generate(actor=cast.clerk_a, jurisdiction=j, election=election)
    if ok:
        svc.roll_publish(actor=cast.clerk_a, jurisdiction=j, election=election)
        assert election.status == "roll_published"
    else:
        with pytest.raises(ValidationError) as exc:
            svc.roll_publish(actor=cast.clerk_a, jurisdiction=j, election=election)
        assert "第十四条" in str(exc.value) and "20日" in str(exc.value)
        election.refresh_from_db()
        assert election.status == "preparing" and election.roll_published_on is None


@pytest.mark.django_db
@pytest.mark.parametrize("day,ok", [(5, True), (6, False)])
def test_objection_service_edge(cast, day, ok):
    from cunshe.residents.tests.conftest import jurisdiction_of
    from cunshe.selfgov.models.elections import Election, RollObjection

    today = timezone.localdate()
    published = today - timedelta(days=day)
    election = Election._base_manager.create(
        region=cast.village_a,
        title="换届",
        vote_on=today + timedelta(days=30),
        created_by=cast.clerk_a,
        status="roll_published",
        roll_published_on=published,
        roll_generated_at=timezone.now(),
    )
    j = jurisdiction_of(cast.clerk_a)
    call = dict(
        actor=cast.clerk_a, jurisdiction=j, election=election, text="漏登", filed_by_name="张三"
    )
    if ok:
        svc.objection_file(**call)
        assert RollObjection.objects.count() == 1
    else:
        with pytest.raises(ValidationError) as exc:
            svc.objection_file(**call)
        assert "5日内" in str(exc.value) and "第十四条" in str(exc.value)
        assert RollObjection.objects.count() == 0
