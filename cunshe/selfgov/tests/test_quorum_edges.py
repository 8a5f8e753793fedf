"""Every quorum and majority at its exact edge, in whole numbers (rules module, no floats)."""

from __future__ import annotations

import pytest

from cunshe.selfgov import quorum as q


@pytest.mark.parametrize(
    ("present", "adults", "reached"),
    [
        (50, 100, False),  # exactly half is not more than half
        (51, 100, True),
        (5, 11, False),
        (6, 11, True),
        (0, 0, False),  # nobody to count is no meeting
    ],
)
def test_villagers_meeting_more_than_half_of_adults(present, adults, reached):
    quorum = q.villagers_meeting(present, adults, 0, 40)
    assert quorum.reached is reached
    assert quorum.main.needed == (adults // 2 + 1 if adults else 1)


@pytest.mark.parametrize(
    ("households_present", "households", "reached"),
    [
        (66, 100, False),
        (67, 100, True),  # 67 × 3 = 201 ≥ 200
        (20, 30, True),  # exactly two thirds is enough ("at least")
        (19, 30, False),
        (4, 6, True),
        (3, 6, False),
    ],
)
def test_villagers_meeting_representatives_of_two_thirds_of_households(
    households_present, households, reached
):
    # Adults alone are far short: only the household measure can make the quorum.
    quorum = q.villagers_meeting(households_present, 1000, households_present, households)
    assert quorum.reached is reached
    assert quorum.measures[1].needed == -(-2 * households // 3)


@pytest.mark.parametrize(
    ("present", "members", "reached"),
    [(20, 30, True), (19, 30, False), (2, 3, True), (1, 3, False), (4, 6, True), (3, 6, False)],
)
def test_representatives_meeting_at_least_two_thirds(present, members, reached):
    assert q.representatives_meeting(present, members).reached is reached
    assert q.quorum_for("representatives", present=present, members=members).reached is reached


@pytest.mark.parametrize(
    ("adults_present", "adults", "hh_present", "households", "reached"),
    [
        (6, 9, 0, 4, True),  # 2/3 of adults exactly
        (5, 9, 0, 4, False),
        (3, 9, 3, 4, True),  # 3 of 4 households ≥ 2/3
        (2, 9, 2, 4, False),
        (2, 9, 2, 3, True),  # exactly 2 of 3 households
    ],
)
def test_group_meeting_two_thirds_of_adults_or_households(
    adults_present, adults, hh_present, households, reached
):
    assert q.group_meeting(adults_present, adults, hh_present, households).reached is reached


@pytest.mark.parametrize(
    ("kind", "present", "members", "reached"),
    [
        ("branch", 2, 4, False),  # half of the members is not more than half
        ("branch", 3, 4, True),
        ("joint", 4, 7, True),
        ("joint", 3, 7, False),
        ("party_members", 10, 20, False),
        ("supervision", 2, 3, True),
    ],
)
def test_body_meetings_more_than_half_of_members(kind, present, members, reached):
    assert q.quorum_for(kind, present=present, members=members).reached is reached


@pytest.mark.parametrize(
    ("votes_for", "present", "passed"),
    [(5, 10, False), (6, 10, True), (4, 7, True), (3, 7, False), (1, 1, True), (0, 0, False)],
)
def test_decision_needs_more_than_half_of_those_present(votes_for, present, passed):
    assert q.decision_passed(votes_for, present) is passed
    if present:
        assert q.decision_passed(q.votes_needed(present), present)
        assert not q.decision_passed(q.votes_needed(present) - 1, present)


def test_rules_override_moves_the_edge(settings):
    settings.SELFGOV_RULES = {"REPRESENTATIVES_MEETING_QUORUM": (3, 4)}
    assert not q.representatives_meeting(20, 30).reached
    assert q.representatives_meeting(23, 30).reached
