"""The identification rules, pure: every threshold at its edge, the reasons and their words,
and the recheck dates (no database)."""

from __future__ import annotations

from datetime import date

import pytest
from django.utils import translation

from cunshe.care import identification as ident
from cunshe.care.identification import Family, PersonFacts, anniversary, describe, outcome

ON = date(2026, 6, 15)


def person(pk, born, sex="M", status="here", since=None, marital="", no_capacity=False):  # type: ignore[no-untyped-def]
    return PersonFacts(pk, sex, born, status, since, marital, no_capacity)


def father(status="away_work", since=date(2024, 3, 1), **kw):  # type: ignore[no-untyped-def]
    return person(2, date(1985, 4, 2), "M", status, since, "20", **kw)


def mother(status="here", since=date(2020, 1, 1), **kw):  # type: ignore[no-untyped-def]
    return person(3, date(1988, 7, 9), "F", status, since, "20", **kw)


def child_born(born):  # type: ignore[no-untyped-def]
    return person(1, born)


# --- dates ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 6, date(2026, 3, 1)),
        (date(2025, 8, 28), 6, date(2026, 2, 28)),
        (date(2023, 8, 29), 6, date(2024, 2, 29)),
        (date(2008, 2, 29), 12 * 16, date(2024, 2, 29)),
        (date(2009, 2, 28), 12 * 16, date(2025, 2, 28)),
        (date(2010, 2, 28), 6, date(2010, 8, 28)),
        (date(2025, 12, 31), 2, date(2026, 3, 1)),
    ],
)
def test_anniversary_counts_like_the_register(start, months, expected):  # type: ignore[no-untyped-def]
    assert anniversary(start, months=months) == expected


def test_anniversary_agrees_with_person_months_and_age():  # type: ignore[no-untyped-def]
    from cunshe.residents.models import Person

    for since in (date(2025, 8, 31), date(2025, 8, 30), date(2024, 1, 31), date(2023, 8, 29)):
        mark = anniversary(since, months=6)
        p = Person(residence_status="away_work", status_since=since, birth_date=since)
        assert p.months_away(mark) == 6
        assert p.months_away(date.fromordinal(mark.toordinal() - 1)) == 5
        assert p.age_on(anniversary(since, months=12 * 16)) == 16
        assert p.age_on(date.fromordinal(anniversary(since, months=192).toordinal() - 1)) == 15


def test_starts_falling_on_finds_every_month_end():  # type: ignore[no-untyped-def]
    assert ident.starts_falling_on(date(2026, 3, 1), months=6) == [
        date(2025, 8, 29),
        date(2025, 8, 30),
        date(2025, 8, 31),
        date(2025, 9, 1),
    ]


# --- children ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "matches"),
    [
        (date(2010, 6, 16), True),  # 15 years 364 days
        (date(2010, 6, 15), False),  # exactly 16
        (date(2026, 1, 1), True),
    ],
)
def test_child_age_edge(born, matches):  # type: ignore[no-untyped-def]
    fam = Family(parents=(father(), mother("away_work", date(2025, 1, 1))))
    assert outcome("child", child_born(born), fam, ON).matches is matches


@pytest.mark.parametrize(
    ("parents", "matches", "reason"),
    [
        (
            (father(), mother("away_work", date(2025, 1, 2))),
            True,
            "父亲2024-03起在外务工，母亲2025-01起在外务工",
        ),
        ((father(), mother(no_capacity=True)), True, "父亲2024-03起在外务工，母亲无监护能力"),
        ((father(), mother("deceased")), True, "父亲2024-03起在外务工，母亲已故"),
        ((father(),), True, "父亲2024-03起在外务工，登记中只有一方父母"),
        ((father(), mother()), False, "母亲在本村居住"),
        ((father("here"), mother("deceased")), False, "父亲在本村居住"),
        ((mother("deceased"),), False, "母亲已故"),
        ((), False, "父母关系未登记"),
        ((father(), mother("away_other", date(2025, 1, 2))), False, "母亲2025-01起外出"),
    ],
)
def test_child_parents_table(parents, matches, reason):  # type: ignore[no-untyped-def]
    o = outcome("child", child_born(date(2016, 5, 10)), Family(parents=parents), ON)
    assert o.matches is matches
    with translation.override("zh-hans"):
        assert describe(o.reason) == reason


def test_child_not_living_here_is_not_identified():  # type: ignore[no-untyped-def]
    kid = person(1, date(2016, 5, 10), status="away_other", since=date(2025, 1, 1))
    o = outcome("child", kid, Family(parents=(father(), mother("away_work"))), ON)
    assert not o.matches


def test_child_recheck_is_the_16th_birthday_and_reason_has_no_health_words():  # type: ignore[no-untyped-def]
    o = outcome(
        "child",
        child_born(date(2016, 5, 10)),
        Family(parents=(father(), mother(no_capacity=True))),
        ON,
    )
    assert o.recheck_on == date(2032, 5, 10)
    assert o.reason == [
        {"who": "father", "status": "away_work", "since": "2024-03-01"},
        {"who": "mother", "fact": "no_capacity"},
    ]


# --- women ---------------------------------------------------------------------------------


def woman(born, marital="20", status="here"):  # type: ignore[no-untyped-def]
    return person(5, born, "F", status, date(2010, 1, 1), marital)


def husband(since):  # type: ignore[no-untyped-def]
    return person(6, date(1980, 1, 1), "M", "away_work", since, "20")


@pytest.mark.parametrize(
    ("born", "matches"),
    [
        (date(2006, 6, 15), True),  # exactly 20
        (date(2006, 6, 16), False),  # 19 years 364 days
        (date(1970, 6, 16), True),  # 55 years 364 days
        (date(1971, 6, 15), True),  # exactly 55
        (date(1970, 6, 15), False),  # exactly 56
    ],
)
def test_woman_age_edges(born, matches):  # type: ignore[no-untyped-def]
    fam = Family(spouses=(husband(date(2025, 1, 1)),))
    assert outcome("woman", woman(born), fam, ON).matches is matches


@pytest.mark.parametrize(
    ("since", "matches"),
    [
        (date(2025, 12, 16), False),  # 5 months 30 days
        (date(2025, 12, 15), True),  # exactly 6 months
    ],
)
def test_woman_spouse_away_months_edge(since, matches):  # type: ignore[no-untyped-def]
    o = outcome("woman", woman(date(1990, 1, 1)), Family(spouses=(husband(since),)), ON)
    assert o.matches is matches
    if not matches:
        assert o.recheck_on == date(2026, 6, 16)  # the day the 6-month mark is reached


def test_woman_unmarried_or_man_not_identified():  # type: ignore[no-untyped-def]
    fam = Family(spouses=(husband(date(2020, 1, 1)),))
    assert not outcome("woman", woman(date(1990, 1, 1), marital="10"), fam, ON).matches
    man = person(7, date(1990, 1, 1), "M", "here", None, "20")
    assert not outcome("woman", man, fam, ON).matches


def test_woman_match_ends_at_56th_birthday():  # type: ignore[no-untyped-def]
    o = outcome("woman", woman(date(1971, 6, 15)), Family(spouses=(husband(date(2020, 1, 1)),)), ON)
    assert o.matches and o.recheck_on == date(2027, 6, 15)
    with translation.override("zh-hans"):
        assert describe(o.reason) == "丈夫2020-01起在外务工"


# --- elderly -------------------------------------------------------------------------------


def elder(born=date(1960, 1, 1)):  # type: ignore[no-untyped-def]
    return person(9, born, "F", "here", date(2000, 1, 1), "30")


def kid(pk, status, since, sex="M"):  # type: ignore[no-untyped-def]
    return person(pk, date(1985, 1, 1), sex, status, since, "20")


@pytest.mark.parametrize(
    ("born", "matches"),
    [(date(1966, 6, 15), True), (date(1966, 6, 16), False)],  # exactly 60 / a day short
)
def test_elderly_age_edge(born, matches):  # type: ignore[no-untyped-def]
    assert outcome("elderly", elder(born), Family(), ON).matches is matches


@pytest.mark.parametrize(
    ("children", "matches", "words"),
    [
        ((), True, "在本村无子女"),
        ((kid(10, "deceased", date(2020, 1, 1)),), True, "子女均已故"),
        (
            (kid(10, "away_work", date(2025, 1, 1)), kid(11, "moved_out", date(2019, 1, 1), "F")),
            True,
            "儿子2025-01起在外务工，女儿2019-01起迁出本村",
        ),
        (
            (kid(10, "away_work", date(2025, 12, 16)), kid(11, "deceased", date(2019, 1, 1))),
            False,
            "儿子2025-12起在外务工",
        ),
        (
            (kid(10, "away_work", date(2025, 1, 1)), kid(11, "here", None, "F")),
            False,
            "女儿在本村居住",
        ),
    ],
)
def test_elderly_children_table(children, matches, words):  # type: ignore[no-untyped-def]
    o = outcome("elderly", elder(), Family(children=children), ON)
    assert o.matches is matches
    with translation.override("zh-hans"):
        assert describe(o.reason) == words


def test_elderly_recheck_when_the_last_child_reaches_six_months():  # type: ignore[no-untyped-def]
    fam = Family(children=(kid(10, "away_work", date(2025, 12, 31)),))
    o = outcome("elderly", elder(), fam, ON)
    assert not o.matches and o.recheck_on == date(2026, 7, 1)
    assert outcome("elderly", elder(), fam, date(2026, 7, 1)).matches


def test_closing_reason_says_who_returned():  # type: ignore[no-untyped-def]
    before = [{"who": "father", "status": "away_work", "since": "2024-03-01"},
              {"who": "mother", "fact": "no_capacity"}]  # fmt: skip
    now = [{"who": "father", "status": "here", "since": "2026-11-20"}]
    with translation.override("zh-hans"):
        assert describe(ident.closing_reason(before, now)) == "父亲2026-11-20返乡"


def test_describe_follows_the_active_language():  # type: ignore[no-untyped-def]
    reason = [{"who": "father", "status": "away_work", "since": "2024-03-01"}]
    with translation.override("zh-hans"):
        zh = describe(reason)
    assert zh == "父亲2024-03起在外务工"


def test_thresholds_come_from_the_rules(settings):  # type: ignore[no-untyped-def]
    settings.CARE_RULES = {"CHILD_MAX_AGE_EXCLUSIVE": 18}
    fam = Family(parents=(father(), mother("away_work")))
    assert outcome("child", child_born(date(2009, 1, 1)), fam, ON).matches
