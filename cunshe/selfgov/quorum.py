"""Quorums and majorities of village meetings, as pure functions of whole numbers.

Every threshold comes from `cunshe.selfgov.rules` and is compared through `more_than` /
`at_least` (no floats), so the edges are exact: half of the adults is not "more than half",
two thirds of the members is "at least two thirds".

- 村民会议 (Art. 22): more than half of the adult villagers, OR representatives of at least two
  thirds of the households (rules VILLAGERS_MEETING_QUORUM_ADULTS / _HOUSEHOLDS).
- 村民代表会议 (Art. 26): at least two thirds of its members (REPRESENTATIVES_MEETING_QUORUM).
- 村民小组会议 (Art. 28): at least two thirds of the group's adults OR of its households
  (GROUP_MEETING_QUORUM).
- Meetings of a body (党支部, 两委联席, 党员大会, 议事会, 村务监督委员会): more than half of the
  members (BODY_MEETING_QUORUM — the law sets no number; see docs/selfgov/meetings.md).
- Decisions: more than half of those present (DECISION_MAJORITY).

A base of zero never makes a quorum (nobody to count is not a meeting).
"""

from __future__ import annotations

from dataclasses import dataclass

from cunshe.selfgov.rules import at_least, more_than, needed_at_least, needed_more_than, rule

VILLAGERS = "villagers"
REPRESENTATIVES = "representatives"
GROUP = "group"
# Every other kind (branch, joint, party_members, council, supervision) counts members.

# How each basis reads in the rule: "more than" or "at least".
MORE_THAN = "more_than"
AT_LEAST = "at_least"


@dataclass(frozen=True)
class Measure:
    """One way of reaching the quorum: `present` of `base`, `needed` to reach it."""

    basis: str  # "adults", "households", "members"
    present: int
    base: int
    needed: int
    comparison: str  # MORE_THAN or AT_LEAST
    rule_name: str
    fraction: tuple[int, int]

    @property
    def reached(self) -> bool:
        if self.base <= 0 or self.present <= 0:
            return False
        if self.comparison == MORE_THAN:
            return more_than(self.present, self.base, self.fraction)
        return at_least(self.present, self.base, self.fraction)


@dataclass(frozen=True)
class Quorum:
    """The quorum of one meeting at one moment: reached when any of its measures is."""

    measures: tuple[Measure, ...]

    @property
    def reached(self) -> bool:
        return any(m.reached for m in self.measures)

    @property
    def main(self) -> Measure:
        return self.measures[0]


def _measure(basis: str, present: int, base: int, name: str, comparison: str) -> Measure:
    fraction = tuple(rule(name))
    if comparison == MORE_THAN:
        needed = needed_more_than(base, fraction)
    else:
        needed = needed_at_least(base, fraction)
    return Measure(basis, present, base, max(needed, 1), comparison, name, fraction)


def villagers_meeting(
    adults_present: int, adults: int, households_present: int, households: int
) -> Quorum:
    """村民会议: more than half of adults, or representatives of ≥ 2/3 of households."""
    return Quorum(
        (
            _measure(
                "adults", adults_present, adults, "VILLAGERS_MEETING_QUORUM_ADULTS", MORE_THAN
            ),
            _measure(
                "households",
                households_present,
                households,
                "VILLAGERS_MEETING_QUORUM_HOUSEHOLDS",
                AT_LEAST,
            ),
        )
    )


def representatives_meeting(present: int, members: int) -> Quorum:
    """村民代表会议: at least two thirds of its members."""
    return Quorum(
        (_measure("members", present, members, "REPRESENTATIVES_MEETING_QUORUM", AT_LEAST),)
    )


def group_meeting(
    adults_present: int, adults: int, households_present: int, households: int
) -> Quorum:
    """村民小组会议: at least two thirds of the group's adults, or of its households."""
    return Quorum(
        (
            _measure("adults", adults_present, adults, "GROUP_MEETING_QUORUM", AT_LEAST),
            _measure(
                "households", households_present, households, "GROUP_MEETING_QUORUM", AT_LEAST
            ),
        )
    )


def body_meeting(present: int, members: int) -> Quorum:
    """A body's own meeting: more than half of its members."""
    return Quorum((_measure("members", present, members, "BODY_MEETING_QUORUM", MORE_THAN),))


def quorum_for(
    kind: str,
    *,
    present: int,
    households_present: int = 0,
    adults: int = 0,
    households: int = 0,
    members: int = 0,
) -> Quorum:
    """The quorum of a meeting of `kind` (a MeetingKind value) from its counts and bases."""
    if kind == VILLAGERS:
        return villagers_meeting(present, adults, households_present, households)
    if kind == GROUP:
        return group_meeting(present, adults, households_present, households)
    if kind == REPRESENTATIVES:
        return representatives_meeting(present, members)
    return body_meeting(present, members)


def decision_passed(votes_for: int, present: int) -> bool:
    """Passed only with more than half of those present (abstentions count as not for)."""
    return present > 0 and more_than(votes_for, present, rule("DECISION_MAJORITY"))


def votes_needed(present: int) -> int:
    """The fewest votes for that pass a decision with `present` attending."""
    return needed_more_than(present, rule("DECISION_MAJORITY"))
