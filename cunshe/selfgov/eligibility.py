"""Who may vote in a village election (村民委员会组织法 Art. 13) and the roll's timetable
(Art. 14), as pure functions of dates and register facts — no database here.

Dates are counted in calendar years, the way an age is: a person born on 29 February reaches a
birthday in a common year on 1 March (so is 18 on 1 March, not on 28 February), and a year of
residence that began on 29 February is complete on 1 March of the next year. "The same date N
years earlier" of a 29 February that does not exist N years earlier is 28 February; comparing
"born on or before that date" is then exactly `Person.age_on(vote_on) >= N`.

The roll's generator (services.elections) runs the same rules as one SQL query; `judge()` is
the single-person form used to explain a refusal and to add someone by hand.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.utils.translation import gettext as _

from cunshe.residents.codes import ResidenceStatus
from cunshe.selfgov.rules import at_least, more_than, rule

LIVING_HERE = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
AWAY = (ResidenceStatus.AWAY_FOR_WORK, ResidenceStatus.AWAY_OTHER)
GONE = (ResidenceStatus.MOVED_OUT, ResidenceStatus.DECEASED)

# Categories (VoterRollEntry.Category values).
RESIDENT, AWAY_OPTED_IN, NON_HUKOU = "a", "b", "c"

# Rule names, shown with every refusal.
AGE = "age"
DEPRIVED = "deprived"
GONE_RULE = "gone"
NOT_OPTED_IN = "not_opted_in"
RESIDENCE_YEAR = "residence_year"
NOT_APPROVED = "not_approved"
NOT_LIVING_HERE = "not_living_here"
ONE_VILLAGE = "one_village"
INELIGIBLE = "ineligible"


def years_before(day: date, years: int) -> date:
    """The same date `years` earlier (29 February → 28 February when that year has none)."""
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def latest_birth_date(vote_on: date) -> date:
    """Born on or before this date = VOTER_MIN_AGE or over on the vote day."""
    return years_before(vote_on, rule("VOTER_MIN_AGE"))


def is_of_age(birth_date: date, vote_on: date) -> bool:
    return birth_date <= latest_birth_date(vote_on)


def latest_residence_start(vote_on: date) -> date:
    """Living here since this date or earlier = NON_HUKOU_MIN_RESIDENCE_YEARS on the vote day
    (one calendar year: 364 days is never a year; 365 is, or 366 across a 29 February)."""
    return years_before(vote_on, rule("NON_HUKOU_MIN_RESIDENCE_YEARS"))


def resided_long_enough(since: date | None, vote_on: date) -> bool:
    return since is not None and since <= latest_residence_start(vote_on)


# --- the timetable (Art. 14) -----------------------------------------------------------------


def latest_publication(vote_on: date) -> date:
    """The last day the roll may be published: ROLL_PUBLISH_MIN_DAYS_BEFORE days before."""
    return vote_on - timedelta(days=rule("ROLL_PUBLISH_MIN_DAYS_BEFORE"))


def publication_in_time(published_on: date, vote_on: date) -> bool:
    return published_on <= latest_publication(vote_on)


def objection_deadline(published_on: date) -> date:
    """Objections are received through this day (publication day + ROLL_OBJECTION_DAYS)."""
    return published_on + timedelta(days=rule("ROLL_OBJECTION_DAYS"))


def answer_due(filed_on: date) -> date:
    """An objection is answered by this day (filed + ROLL_ANSWER_DAYS)."""
    return filed_on + timedelta(days=rule("ROLL_ANSWER_DAYS"))


# --- one person ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Facts:
    """What the rules need to know about one person for one election."""

    birth_date: date
    hukou_here: bool
    residence_status: str
    living_here_since: date | None
    opted_in: bool = False
    approved: bool = False
    deprived: bool = False


@dataclass(frozen=True)
class Verdict:
    category: str | None  # "a", "b", "c" or None when not eligible
    rule: str = ""
    reason: str = ""

    @property
    def eligible(self) -> bool:
        return self.category is not None


def reason_for(rule_name: str, vote_on: date) -> str:
    """The refusal for a rule, naming the law."""
    if rule_name == AGE:
        return _(
            "选举日（%(day)s）未满%(age)s周岁（出生日期须在%(cut)s或以前）——村民委员会组织法第十三条。"
        ) % {
            "day": vote_on.isoformat(),
            "age": rule("VOTER_MIN_AGE"),
            "cut": latest_birth_date(vote_on).isoformat(),
        }
    if rule_name == DEPRIVED:
        return _("选举日处于被剥夺政治权利期间——村民委员会组织法第十三条。")
    if rule_name == GONE_RULE:
        return _("已迁出或已故，不在本村登记——村民委员会组织法第十三条。")
    if rule_name == NOT_OPTED_IN:
        return _(
            "户籍在本村但不在本村居住，未表示参加选举——村民委员会组织法第十三条第二款第（二）项。"
        )
    if rule_name == RESIDENCE_YEAR:
        return _(
            "户籍不在本村，至选举日在本村居住不满%(years)s年（须自%(cut)s或以前起居住）——村民委员会组织法第十三条第二款第（三）项。"
        ) % {
            "years": rule("NON_HUKOU_MIN_RESIDENCE_YEARS"),
            "cut": latest_residence_start(vote_on).isoformat(),
        }
    if rule_name == NOT_APPROVED:
        return _(
            "户籍不在本村，参加选举未经村民会议或村民代表会议同意——村民委员会组织法第十三条第二款第（三）项。"
        )
    if rule_name == NOT_LIVING_HERE:
        return _("户籍不在本村，也不在本村居住——村民委员会组织法第十三条。")
    if rule_name == ONE_VILLAGE:
        return _("已列入另一村同期选举的选民名单，不得在两地登记——村民委员会组织法第十三条。")
    return _("不符合选民资格。")


def judge(facts: Facts, vote_on: date) -> Verdict:
    """The category this person votes in on `vote_on`, or the first rule that keeps them off."""

    def no(name: str) -> Verdict:
        return Verdict(None, name, reason_for(name, vote_on))

    if facts.residence_status in GONE:
        return no(GONE_RULE)
    if not is_of_age(facts.birth_date, vote_on):
        return no(AGE)
    if facts.deprived:
        return no(DEPRIVED)
    living_here = facts.residence_status in LIVING_HERE
    if facts.hukou_here:
        if living_here:
            return Verdict(RESIDENT)
        if facts.opted_in:
            return Verdict(AWAY_OPTED_IN)
        return no(NOT_OPTED_IN)
    if not living_here:
        return no(NOT_LIVING_HERE)
    if not resided_long_enough(facts.living_here_since, vote_on):
        return no(RESIDENCE_YEAR)
    if not facts.approved:
        return no(NOT_APPROVED)
    return Verdict(NON_HUKOU)


# --- results (Art. 15, 16) -------------------------------------------------------------------


def turnout_valid(ballots_cast: int, registered: int) -> bool:
    return more_than(ballots_cast, registered, rule("ELECTION_TURNOUT"))


def wins(votes: int, ballots_cast: int, *, runoff: bool) -> bool:
    if runoff:
        return at_least(votes, ballots_cast, rule("RUNOFF_WIN"))
    return more_than(votes, ballots_cast, rule("ELECTION_WIN"))


def recall_may_be_requested(signatures: int, base: int, *, by_representatives: bool) -> bool:
    name = "RECALL_REQUEST_REPRESENTATIVES" if by_representatives else "RECALL_REQUEST_VOTERS"
    return base > 0 and at_least(signatures, base, rule(name))


def recall_passes(registered: int, voting: int, votes_for: int) -> bool:
    return more_than(voting, registered, rule("RECALL_TURNOUT")) and more_than(
        votes_for, voting, rule("RECALL_MAJORITY")
    )
