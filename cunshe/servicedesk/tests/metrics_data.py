"""A small hand-made data set for the metrics tests, with its figures worked out by hand.

Period 2026-01-01 … 2026-03-31. Township item T (闵家镇 handles it), county item C (榆树市民政).

village A (闵家村)  mode   submitted   decided   verdict   status        trips  rating
  a1  T             代办   01-10       +4 days   on time   closed        0      5 (01-20)
  a2  T             领办   01-20       +10 days  late      closed        1      2 (02-10)
  a3  T             网上   02-05       —         —         submitted*    0
  a4  T             预约   02-15       —         on time   rejected      1      3 (04-02, outside)
  a5  T             代办   2025-12-20  —         —         in progress*  0      (outside the period)
village B (古城村)
  b1  C             代办   03-01       +2 days   on time   closed        0      4 (03-05)
  b2  T             代办   03-10       —         —         in progress   0
village C (孤家子村, another county)
  c1  T             代办   01-15       +1 day    on time   closed        0      1 (01-16)
(* past its due date: overdue)

Village A: 4 matters (one per mode); verdicts 3, on time 2 → 2/3; decided 2, (4 + 10) / 2 = 7.0
days; no trip 2/4; open a3, a5 = 2, both overdue; ratings 5 and 2 → 1/2 satisfied, 3.5.
Village B: 2 matters, both 代办; verdict 1, on time 1; 2.0 days; no trip 2/2; open 1, overdue 0;
rating 4 → 1/1, 4.0.
Township (and county, seen by its civil-affairs department): 6 matters; on time 3/4; 16/3 days;
no trip 4/6; open 3, overdue 2; ratings 3, average 11/3, satisfied 2/3.
Months: January 2 (verdicts 2, on time 1), February 2 (1, 1), March 2 (1, 1).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from cunshe.servicedesk.models import Application
from cunshe.servicedesk.tests.factories import villager_person
from cunshe.servicedesk.tests.metrics_fixtures import made, person_in, rate

__all__ = ["dataset"]  # the fixture

START, END = date(2026, 1, 1), date(2026, 3, 31)


@dataclass
class DataSet:
    apps: dict[str, Application]


@pytest.fixture
def dataset(cast, officials, register, township_item, county_item):  # type: ignore[no-untyped-def]
    long_ago = timezone.localdate() - timedelta(days=30)
    soon = timezone.localdate() + timedelta(days=30)
    pa = villager_person(cast, register)
    pb = person_in(cast.village_b, "李春梅")
    pc = person_in(cast.village_c, "赵大山")
    T, C = township_item, county_item
    apps: dict[str, Any] = {}
    apps["a1"] = made(
        cast,
        pa,
        T,
        mode="daiban",
        submitted=date(2026, 1, 10),
        decided_days=4,
        on_time=True,
        status="closed",
    )
    apps["a2"] = made(
        cast,
        pa,
        T,
        mode="lingban",
        submitted=date(2026, 1, 20),
        decided_days=10,
        on_time=False,
        status="closed",
    )
    apps["a3"] = made(
        cast, pa, T, mode="online", submitted=date(2026, 2, 5), status="submitted", due_on=long_ago
    )
    apps["a4"] = made(
        cast,
        pa,
        T,
        mode="appointment",
        submitted=date(2026, 2, 15),
        on_time=True,
        status="rejected",
    )
    apps["a5"] = made(
        cast,
        pa,
        T,
        mode="daiban",
        submitted=date(2025, 12, 20),
        status="in_progress",
        due_on=long_ago,
    )
    apps["b1"] = made(
        cast,
        pb,
        C,
        by="clerk_b",
        mode="daiban",
        submitted=date(2026, 3, 1),
        decided_days=2,
        on_time=True,
        status="closed",
    )
    apps["b2"] = made(
        cast,
        pb,
        T,
        by="clerk_b",
        mode="daiban",
        submitted=date(2026, 3, 10),
        status="in_progress",
        due_on=soon,
    )
    apps["c1"] = made(
        cast,
        pc,
        T,
        by="outsider",
        mode="daiban",
        submitted=date(2026, 1, 15),
        decided_days=1,
        on_time=True,
        status="closed",
    )
    rate(apps["a1"], 5, date(2026, 1, 20))
    rate(apps["a2"], 2, date(2026, 2, 10))
    rate(apps["a4"], 3, date(2026, 4, 2))
    rate(apps["b1"], 4, date(2026, 3, 5))
    rate(apps["c1"], 1, date(2026, 1, 16))
    return DataSet(apps=apps)  # fmt: skip
