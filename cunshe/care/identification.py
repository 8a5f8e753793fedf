"""Who is left behind: the identification rules of issue 5, as pure functions.

Everything here works on plain facts (`PersonFacts`, `Family`) and a given date `on`; nothing
reads the database or the clock, so the same code serves the hook, the daily job, the command
and the from-scratch check of the benchmark. Thresholds come from `cunshe.care.rules`.

Each outcome carries the reason as structured facts (a JSON-able list of dicts) that
`describe` renders in the active language, and `recheck_on`: the next date on which the
passage of time alone changes the outcome (a birthday, a six-month mark), or None.

Reasons never carry health details: a parent without guardianship capacity is "no_capacity",
whatever the illness or disability behind it.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from cunshe.care.models import CareKind
from cunshe.care.rules import rule
from cunshe.residents.codes import MARRIED, ResidenceStatus

Fact = dict[str, Any]

HERE = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
# A child counts as living away for the elderly rule in any of these states.
AWAY_FOR_ELDERLY = (
    ResidenceStatus.AWAY_FOR_WORK,
    ResidenceStatus.AWAY_OTHER,
    ResidenceStatus.MOVED_OUT,
)
KINDS = (CareKind.CHILD, CareKind.WOMAN, CareKind.ELDERLY)


# --- dates ------------------------------------------------------------------------------------


def anniversary(start: date, *, months: int) -> date:
    """The day `months` whole months after `start`, as `Person.age_on` and
    `Person.months_in_status` count them: a day that does not exist in the target month (31
    August + 6 months, 29 February + 12) is reached on the first of the following month."""
    total = start.year * 12 + start.month - 1 + months
    year, month = divmod(total, 12)
    month += 1
    if start.day <= calendar.monthrange(year, month)[1]:
        return date(year, month, start.day)
    return date(year + (month == 12), month % 12 + 1, 1)


def birthday(birth: date, years: int) -> date:
    """The day a person born on `birth` reaches `years` years of age."""
    return anniversary(birth, months=12 * years)


def age_on(birth: date, on: date) -> int:
    years = on.year - birth.year
    if (on.month, on.day) < (birth.month, birth.day):
        years -= 1
    return years


def starts_falling_on(day: date, *, months: int) -> list[date]:
    """Every start date whose `months` anniversary is `day` (more than one at a month's end:
    29, 30 and 31 August all reach their 6-month mark on 1 March)."""
    guess = anniversary(day, months=-months)
    out = []
    for delta in range(-4, 2):
        start = guess + timedelta(days=delta)
        if anniversary(start, months=months) == day:
            out.append(start)
    return out


def _iso(d: date | None) -> str | None:
    return d.isoformat() if d is not None else None


# --- facts ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PersonFacts:
    """What the rules read of one person."""

    id: int
    sex: str
    birth_date: date
    residence_status: str
    status_since: date | None = None
    marital_status: str = ""
    lacks_capacity: bool = False

    @property
    def lives_here(self) -> bool:
        return self.residence_status in HERE

    @property
    def deceased(self) -> bool:
        return self.residence_status == ResidenceStatus.DECEASED

    @property
    def away_for_work(self) -> bool:
        return self.residence_status == ResidenceStatus.AWAY_FOR_WORK

    def away_mark(self, months: int) -> date | None:
        """The day this person's current absence reaches `months` (None: since unknown)."""
        return anniversary(self.status_since, months=months) if self.status_since else None


@dataclass(frozen=True)
class Family:
    """A subject's relatives through active kin links."""

    parents: tuple[PersonFacts, ...] = ()
    spouses: tuple[PersonFacts, ...] = ()
    children: tuple[PersonFacts, ...] = ()


@dataclass(frozen=True)
class Outcome:
    kind: str
    matches: bool
    # Why it matches (facts), or why not (facts, used for the words when a profile closes).
    reason: list[Fact] = field(default_factory=list)
    recheck_on: date | None = None


def _who(p: PersonFacts, role: str) -> str:
    male = p.sex == "M"
    return {
        "parent": "father" if male else "mother",
        "spouse": "husband" if male else "wife",
        "child": "son" if male else "daughter",
    }[role]


def _status_fact(p: PersonFacts, role: str) -> Fact:
    return {"who": _who(p, role), "status": p.residence_status, "since": _iso(p.status_since)}


def _self_gone(subject: PersonFacts) -> list[Fact] | None:
    if subject.deceased:
        return [{"fact": "deceased_self"}]
    if not subject.lives_here:
        return [{"fact": "not_living_here", "status": subject.residence_status}]
    return None


def _order(people: Iterable[PersonFacts]) -> list[PersonFacts]:
    # Fathers/husbands/sons first, then by id: the same reason comes out in the same order.
    return sorted(people, key=lambda p: (p.sex != "M", p.id))


# --- the three rules ------------------------------------------------------------------------


def _child(subject: PersonFacts, family: Family, on: date) -> tuple[bool, list[Fact]]:
    gone = _self_gone(subject)
    if gone:
        return False, gone
    limit = rule("CHILD_MAX_AGE_EXCLUSIVE")
    if age_on(subject.birth_date, on) >= limit:
        return False, [{"fact": "age_reached", "age": limit}]
    parents = _order(family.parents)
    if not parents:
        return False, [{"fact": "parents_unknown"}]
    away = [p for p in parents if p.away_for_work]
    staying = [
        p for p in parents if not p.away_for_work and not p.deceased and not p.lacks_capacity
    ]
    if not away or staying:
        return False, [_status_fact(p, "parent") for p in (staying or parents)]
    facts: list[Fact] = []
    for p in parents:
        if p.away_for_work:
            facts.append(_status_fact(p, "parent"))
        elif p.deceased:
            facts.append({"who": _who(p, "parent"), "fact": "deceased"})
        else:
            facts.append({"who": _who(p, "parent"), "fact": "no_capacity"})
    if len(parents) == 1:
        facts.append({"fact": "only_parent_known"})
    return True, facts


def _woman(subject: PersonFacts, family: Family, on: date) -> tuple[bool, list[Fact]]:
    if subject.sex != "F":
        return False, [{"fact": "not_applicable"}]
    gone = _self_gone(subject)
    if gone:
        return False, gone
    if subject.marital_status not in MARRIED:
        return False, [{"fact": "not_married"}]
    age = age_on(subject.birth_date, on)
    low, high = rule("WOMAN_MIN_AGE"), rule("WOMAN_MAX_AGE")
    if age < low:
        return False, [{"fact": "age_below", "age": low}]
    if age > high:
        return False, [{"fact": "age_reached", "age": high + 1}]
    months = rule("WOMAN_SPOUSE_AWAY_MONTHS")
    spouses = _order(family.spouses)
    if not spouses:
        return False, [{"fact": "spouse_unknown"}]
    long_away = [s for s in spouses if s.away_for_work and (s.away_mark(months) or on) <= on]
    if long_away:
        return True, [_status_fact(s, "spouse") for s in long_away]
    return False, [_status_fact(s, "spouse") for s in spouses]


def _elderly(subject: PersonFacts, family: Family, on: date) -> tuple[bool, list[Fact]]:
    gone = _self_gone(subject)
    if gone:
        return False, gone
    low = rule("ELDERLY_MIN_AGE")
    if age_on(subject.birth_date, on) < low:
        return False, [{"fact": "age_below", "age": low}]
    if not family.children:
        return True, [{"fact": "no_children"}]
    living = _order(c for c in family.children if not c.deceased)
    if not living:
        return True, [{"fact": "children_deceased"}]
    months = rule("ELDERLY_CHILDREN_AWAY_MONTHS")
    not_away = [
        c
        for c in living
        if c.residence_status not in AWAY_FOR_ELDERLY or (c.away_mark(months) or on) > on
    ]
    if not_away:
        return False, [_status_fact(c, "child") for c in not_away]
    return True, [_status_fact(c, "child") for c in living]


_RULES = {CareKind.CHILD: _child, CareKind.WOMAN: _woman, CareKind.ELDERLY: _elderly}


def _turning_points(kind: str, subject: PersonFacts, family: Family) -> list[date]:
    """The dates on which time alone may change this kind's outcome."""
    b = subject.birth_date
    if kind == CareKind.CHILD:
        return [birthday(b, rule("CHILD_MAX_AGE_EXCLUSIVE"))]
    if kind == CareKind.WOMAN:
        months = rule("WOMAN_SPOUSE_AWAY_MONTHS")
        marks = [s.away_mark(months) for s in family.spouses if s.away_for_work]
        return [
            birthday(b, rule("WOMAN_MIN_AGE")),
            birthday(b, rule("WOMAN_MAX_AGE") + 1),
            *(m for m in marks if m),
        ]
    months = rule("ELDERLY_CHILDREN_AWAY_MONTHS")
    marks = [c.away_mark(months) for c in family.children if c.residence_status in AWAY_FOR_ELDERLY]
    return [birthday(b, rule("ELDERLY_MIN_AGE")), *(m for m in marks if m)]


def outcome(kind: str, subject: PersonFacts, family: Family, on: date) -> Outcome:
    """Does `subject` match rule `kind` on `on`, why (or why not), and when to look again."""
    check = _RULES[kind]
    matches, reason = check(subject, family, on)
    recheck = None
    for day in sorted({d for d in _turning_points(kind, subject, family) if d > on}):
        later, later_reason = check(subject, family, day)
        if later != matches or (matches and later_reason != reason):
            recheck = day
            break
    return Outcome(kind=str(kind), matches=matches, reason=reason, recheck_on=recheck)


def evaluate(subject: PersonFacts, family: Family, on: date) -> dict[str, Outcome]:
    """The outcome of every rule for one subject."""
    return {str(k): outcome(k, subject, family, on) for k in KINDS}


def closing_reason(previous: list[Fact], why_not: list[Fact]) -> list[Fact]:
    """The facts to give when a match ends: a relative named as away in the previous reason
    and now living here has returned (shown as "父亲2026-11-20返乡")."""
    was_away = {f.get("who") for f in previous if f.get("status") in AWAY_FOR_ELDERLY}
    out = []
    for f in why_not:
        if f.get("who") in was_away and f.get("status") in HERE:
            f = {**f, "returned": True}
        out.append(f)
    return out


# --- words ------------------------------------------------------------------------------------


def _who_label(who: str) -> str:
    return {
        "father": _("父亲"),
        "mother": _("母亲"),
        "husband": _("丈夫"),
        "wife": _("妻子"),
        "son": _("儿子"),
        "daughter": _("女儿"),
    }.get(who, _("亲属"))


def _month(iso: str | None) -> str:
    return iso[:7] if iso else "?"


def _describe_fact(f: Fact) -> str:
    who = _who_label(f["who"]) if "who" in f else ""
    fact = f.get("fact")
    status = f.get("status")
    if fact == "no_capacity":
        return _("%(who)s无监护能力") % {"who": who}
    if fact == "deceased":
        return _("%(who)s已故") % {"who": who}
    if fact == "only_parent_known":
        return _("登记中只有一方父母")
    if fact == "parents_unknown":
        return _("父母关系未登记")
    if fact == "no_children":
        return _("在本村无子女")
    if fact == "children_deceased":
        return _("子女均已故")
    if fact == "deceased_self":
        return _("本人已故")
    if fact == "not_living_here":
        return _("本人已不在本村居住")
    if fact == "not_married":
        return _("婚姻状况不是已婚")
    if fact == "spouse_unknown":
        return _("配偶关系未登记")
    if fact == "age_reached":
        return _("已满%(age)s周岁") % {"age": f["age"]}
    if fact == "age_below":
        return _("未满%(age)s周岁") % {"age": f["age"]}
    if fact == "not_applicable":
        return _("不适用")
    since = f.get("since")
    if status == ResidenceStatus.AWAY_FOR_WORK:
        return _("%(who)s%(month)s起在外务工") % {"who": who, "month": _month(since)}
    if status == ResidenceStatus.AWAY_OTHER:
        return _("%(who)s%(month)s起外出") % {"who": who, "month": _month(since)}
    if status == ResidenceStatus.MOVED_OUT:
        return _("%(who)s%(month)s起迁出本村") % {"who": who, "month": _month(since)}
    if status in HERE:
        if f.get("returned"):
            return _("%(who)s%(date)s返乡") % {"who": who, "date": since or "?"}
        return _("%(who)s在本村居住") % {"who": who}
    if status == ResidenceStatus.DECEASED:
        return _("%(who)s已故") % {"who": who}
    return who


def describe(reason: Iterable[Fact]) -> str:
    """The reason in words, in the active language: "父亲2024-03起在外务工，母亲无监护能力"."""
    return pgettext("list separator", "，").join(_describe_fact(f) for f in reason)
