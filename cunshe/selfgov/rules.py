"""The numbers of village self-governance (村民委员会组织法 and Jilin practice), in one place.

Every threshold the software enforces for meetings, elections and disclosure is here, versioned
with the code; a deployment may override one with `settings.SELFGOV_RULES = {"NAME": value}`
(tests do too). Fractions are (numerator, denominator) pairs compared in whole numbers — never
floats — through `more_than` and `at_least`, so "exactly half is not more than half" holds.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

RULES_VERSION = "jilin-2026.1"

DEFAULTS: dict[str, Any] = {
    # Art. 6, 11: the villagers' committee has 3–7 members, at least one woman; term 5 years.
    "COMMITTEE_MIN_MEMBERS": 3,
    "COMMITTEE_MAX_MEMBERS": 7,
    "COMMITTEE_MIN_WOMEN": 1,
    "TERM_YEARS": 5,
    # Art. 25: representatives ≥ 4/5 of the assembly's members, women ≥ 1/3 of members, one
    # representative per 5–15 households.
    "ASSEMBLY_REPRESENTATIVES_MIN_SHARE": (4, 5),
    "ASSEMBLY_WOMEN_MIN_SHARE": (1, 3),
    "HOUSEHOLDS_PER_REPRESENTATIVE": (5, 15),
    # Art. 21: a 村民会议 is called on the request of 1/10 of villagers (adults) or 1/3 of
    # representatives, with 10 days' notice.
    "VILLAGERS_MEETING_REQUEST_VILLAGERS": (1, 10),
    "VILLAGERS_MEETING_REQUEST_REPRESENTATIVES": (1, 3),
    "VILLAGERS_MEETING_NOTICE_DAYS": 10,
    # Art. 22: quorum more than half of adult villagers, or representatives of at least two
    # thirds of households; decisions by more than half of those present.
    "VILLAGERS_MEETING_QUORUM_ADULTS": (1, 2),  # more than
    "VILLAGERS_MEETING_QUORUM_HOUSEHOLDS": (2, 3),  # at least
    # Art. 26: the representatives' meeting needs at least two thirds of its members; it is
    # called by 1/5 of representatives; it meets quarterly.
    "REPRESENTATIVES_MEETING_QUORUM": (2, 3),  # at least
    "REPRESENTATIVES_MEETING_REQUEST": (1, 5),
    "REPRESENTATIVES_MEETING_EVERY_DAYS": 92,
    # Art. 28: a group meeting needs two thirds of the group's adults or households.
    "GROUP_MEETING_QUORUM": (2, 3),  # at least
    # Decisions of all three: more than half of those present.
    "DECISION_MAJORITY": (1, 2),  # more than
    # Art. 13: voters are 18 or over on election day; a non-hukou resident must have lived
    # here at least one year (counted in calendar years: a year after the start date).
    "VOTER_MIN_AGE": 18,
    "NON_HUKOU_MIN_RESIDENCE_YEARS": 1,
    # Art. 14: the roll is published at least 20 days before the vote; objections within 5 days
    # of publication; answers within 3 days of the objection.
    "ROLL_PUBLISH_MIN_DAYS_BEFORE": 20,
    "ROLL_OBJECTION_DAYS": 5,
    "ROLL_ANSWER_DAYS": 3,
    # Art. 15: valid when more than half of registered voters vote; winner more than half of
    # ballots cast; a run-off winner needs at least one third. Proxies: near relatives, at
    # most this many principals per holder (set by the province).
    "ELECTION_TURNOUT": (1, 2),  # more than
    "ELECTION_WIN": (1, 2),  # more than
    "RUNOFF_WIN": (1, 3),  # at least
    "PROXY_MAX_PER_HOLDER": 3,
    # Art. 16: recall requested by 1/5 of voters or 1/3 of representatives; passes with more
    # than half of voters voting and more than half of those voting in favour.
    "RECALL_REQUEST_VOTERS": (1, 5),  # at least
    "RECALL_REQUEST_REPRESENTATIVES": (1, 3),  # at least
    "RECALL_TURNOUT": (1, 2),  # more than
    "RECALL_MAJORITY": (1, 2),  # more than
    # Art. 30: general matters at least quarterly, finances monthly, major matters at once
    # (here: within this many days of the decision).
    "DISCLOSURE_GENERAL_MONTHS": 3,
    "DISCLOSURE_FINANCE_MONTHS": 1,
    "DISCLOSURE_MAJOR_DAYS": 5,
    # --- elections part ---
    # "Registered in one village only" (Art. 13): two villages' elections whose vote days lie
    # within this many days of each other belong to the same round of 换届, so one ID number
    # may stand on only one of their rolls.
    "ROLL_OVERLAP_DAYS": 180,
    # --- end elections part ---
    # --- disclosure part: a period's general or finance disclosure is due this many days after
    # the period ends (a month's accounts are closed in the first days of the next month; the
    # grace is ours, not the law's — a province may shorten it).
    "DISCLOSURE_GENERAL_GRACE_DAYS": 10,
    "DISCLOSURE_FINANCE_GRACE_DAYS": 10,
    # --- end disclosure part
    # --- meetings part: meetings of a body (党支部, 两委, 党员大会, 议事会, 村务监督委员会) —
    # the law sets no number; we require more than half of the members, as party rules do for
    # branch meetings. Adults for meeting quorums are this age on the day of the meeting.
    "BODY_MEETING_QUORUM": (1, 2),  # more than
    "MEETING_ADULT_AGE": 18,
    # --- end meetings part
    # --- proposals part: Art. 21 obliges the committee to call a 村民会议 when 1/10 of adult
    # villagers or 1/3 of representatives ask, but sets no time limit; this many days from the
    # day the co-signatures reach the threshold is the province's setting.
    "CONVENE_WITHIN_DAYS": 30,
    # --- end proposals part
    # --- attachments part (meetings): a file kept with a meeting (PDF, JPEG or PNG by its
    # bytes) is at most this large — a scanned sign-in sheet of a 村民会议 runs to several
    # pages — and a meeting keeps at most this many.
    "MEETING_ATTACHMENT_MAX_BYTES": 10 * 1024 * 1024,
    "MEETING_ATTACHMENTS_MAX": 20,
    # --- end attachments part
}


def rule(name: str) -> Any:
    """The value of one rule, with the deployment's override if it sets one."""
    overrides = getattr(settings, "SELFGOV_RULES", {}) or {}
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]


def more_than(count: int, total: int, fraction: tuple[int, int]) -> bool:
    """count > fraction × total, in whole numbers (exactly half is not more than half)."""
    num, den = fraction
    return count * den > total * num


def at_least(count: int, total: int, fraction: tuple[int, int]) -> bool:
    """count ≥ fraction × total, in whole numbers."""
    num, den = fraction
    return count * den >= total * num


def needed_more_than(total: int, fraction: tuple[int, int]) -> int:
    """The smallest count that is more than fraction × total."""
    num, den = fraction
    return total * num // den + 1


def needed_at_least(total: int, fraction: tuple[int, int]) -> int:
    """The smallest count that is at least fraction × total."""
    num, den = fraction
    return -(-total * num // den)
