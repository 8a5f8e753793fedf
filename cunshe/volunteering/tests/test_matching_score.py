"""The explainable score's parts, table by table (pure functions)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from cunshe.volunteering.matching import score as sc
from cunshe.volunteering.models.volunteers import ALL_SLOTS, slot_bit

TZ = ZoneInfo("Asia/Shanghai")
A, A1, B = "220182102200", "220182102200001", "220182102201"
WED = datetime(2026, 6, 3, 9, tzinfo=TZ)  # a Wednesday


def _vol(skills=("company",), region=A, availability=ALL_SLOTS, attended=0, signed=0):  # type: ignore[no-untyped-def]
    return {
        "id": 1,
        "region_code": region,
        "skills": list(skills),
        "availability": availability,
        "shifts_attended": attended,
        "shifts_signed": signed,
    }


def _need(skills=(), region=A, start=WED, hours=2):  # type: ignore[no-untyped-def]
    from datetime import timedelta

    return {
        "id": 1,
        "region_code": region,
        "skills": list(skills),
        "starts_at": start,
        "ends_at": start + timedelta(hours=hours),
    }


def _shares(vol, need, places=None):  # type: ignore[no-untyped-def]
    v, n = sc.Volunteers.build([vol]), sc.Needs.build([need])
    shares = sc.part_shares(v, n, places or sc.Places())
    return {k: float(m[0, 0]) for k, m in shares.items()}


@pytest.mark.parametrize(
    ("have", "asked", "share"),
    [
        (["haircut", "company"], ["haircut", "company", "care"], 2 / 3),
        (["haircut"], ["haircut"], 1.0),
        (["haircut"], [], 1.0),  # nothing asked → full
        ([], ["care"], 0.0),
    ],
)
def test_skills_share(have, asked, share):
    assert _shares(_vol(skills=have), _need(skills=asked))["skills"] == pytest.approx(share)


@pytest.mark.parametrize(
    ("vol_region", "need_region", "km"),
    [
        (A, A, 0.0),  # same village (no coordinates): tree 0
        (A1, A, 2.0),  # hamlet of the village: tree "same village"
        (A, B, 8.0),  # same township
        (A, "220182103200", 25.0),  # same county
        (A, "220322103200", 60.0),  # further
    ],
)
def test_distance_by_tree_without_coordinates(vol_region, need_region, km):
    got = _shares(_vol(region=vol_region), _need(region=need_region))
    assert got["km"] == pytest.approx(km)
    assert got["distance"] == pytest.approx(max(0.0, 1 - km / 30))


def test_distance_by_coordinates_falls_back_to_the_village():
    places = sc.Places({A: (44.86, 126.53), B: (44.89, 126.53)})
    got = _shares(_vol(region=A1), _need(region=B), places)  # hamlet → its village's point
    assert got["km"] == pytest.approx(3.34, abs=0.01)
    assert sc.distance_matrix(places, [A1], [B])[0, 0] == pytest.approx(got["km"])


@pytest.mark.parametrize(
    ("availability", "start", "hours", "share"),
    [
        (slot_bit(2, 0), WED, 2, 1.0),  # Wednesday morning, 09–11
        (slot_bit(2, 1), WED, 2, 0.0),
        (slot_bit(2, 0), WED.replace(hour=11), 2, 0.5),  # 11–13: one hour each side of noon
        (ALL_SLOTS, WED.replace(hour=23), 1, 0.0),  # at night: outside every day part
    ],
)
def test_availability_share_of_hours(availability, start, hours, share):
    got = _shares(_vol(availability=availability), _need(start=start, hours=hours))
    assert got["availability"] == pytest.approx(share)


@pytest.mark.parametrize(
    ("attended", "signed", "share"), [(0, 0, 2 / 3), (8, 9, 10 / 12), (0, 7, 0.2), (5, 5, 7 / 8)]
)
def test_reliability_with_the_prior(attended, signed, share):
    assert _shares(_vol(attended=attended, signed=signed), _need())["reliability"] == pytest.approx(
        share
    )


def test_explanation_adds_up_and_reads_like_the_brief(settings):
    settings.LANGUAGE_CODE = "zh-hans"
    vols = sc.Volunteers.build(
        [_vol(skills=["haircut", "company"], availability=slot_bit(2, 0), attended=8, signed=9)]
    )
    needs = sc.Needs.build([_need(skills=["haircut", "company", "care"])])
    places = sc.Places({A: (44.86, 126.53), B: (44.89, 126.53)})
    exp = sc.explain_pair(vols, 0, needs, 0, places)
    assert exp["reasons"]["skills"] == "技能 2/3：理发、陪伴聊天"
    assert exp["reasons"]["distance"] == "约 0.0 公里"
    assert exp["reasons"]["availability"] == "周三上午有空"
    assert exp["reasons"]["reliability"] == "出勤 8/9"
    assert exp["total"] == sum(p["points"] for p in exp["parts"].values())
    assert exp["total"] == int(sc.score_matrix(vols, needs, places)[0, 0])
    assert exp["parts"]["skills"]["points"] == round(40 * 2 / 3 * 1000)


def test_weights_come_from_the_rules(settings):
    settings.VOLUNTEERING_RULES = {
        "MATCH_WEIGHTS": {"skills": 100, "distance": 0, "availability": 0, "reliability": 0}
    }
    vols = sc.Volunteers.build([_vol(skills=["care"]), _vol(skills=[])])
    values = sc.score_matrix(vols, sc.Needs.build([_need(skills=["care"])]), sc.Places())
    assert values[:, 0].tolist() == [100_000, 0]


def test_feasibility_removes_volunteers_with_a_held_commitment():
    from datetime import timedelta

    vols = sc.Volunteers.build([_vol(), {**_vol(), "id": 2}])
    needs = sc.Needs.build([_need()])
    busy = {2: [(WED + timedelta(hours=1), WED + timedelta(hours=3))]}
    assert sc.feasible_matrix(vols, needs, busy)[:, 0].tolist() == [True, False]
    assert np.all(sc.feasible_matrix(vols, needs, {}))
