"""Batch assignment (pure): optimal beats greedy where greedy is provably worse, capacity and
overlaps hold on random small instances (hypothesis), and tiny instances reach the brute-force
optimum."""

from __future__ import annotations

import itertools

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from cunshe.volunteering.matching.assign import (
    assign_greedy,
    assign_optimal,
    chain_length,
    is_valid,
)

H = 3600


def _arr(*xs):  # type: ignore[no-untyped-def]
    return np.array(xs, dtype=np.int64)


def test_optimal_takes_the_second_best_pair_when_greedy_blocks_a_need():
    # v0 is best for n0 (10) and nearly as good for n1 (9); only v0 can do n1. Greedy gives n0
    # to v0 and leaves n1 empty (10); the optimum is v0→n1, v1→n0 (17).
    values = np.array([[10, 9], [8, 0]])
    feasible = np.array([[True, True], [True, False]])
    same_time = (_arr(0, 0), _arr(H, H))
    greedy = assign_greedy(values, feasible, _arr(1, 1), *same_time)
    best = assign_optimal(values, feasible, _arr(1, 1), *same_time)
    assert greedy.total == 10 and sorted(greedy.pairs) == [(0, 0)]
    assert best.total == 17 and sorted(best.pairs) == [(0, 1), (1, 0)]
    assert best.method == "optimal" and best.greedy_total == 10


def test_capacity_two_is_two_places_and_one_volunteer_cannot_take_both():
    values = np.array([[9], [5], [4]])
    best = assign_optimal(values, values > 0, _arr(2), _arr(0), _arr(H))
    assert sorted(best.pairs) == [(0, 0), (1, 0)] and best.total == 14


def test_a_volunteer_takes_two_needs_only_when_their_times_do_not_overlap():
    # One strong volunteer, two needs; a weak second volunteer.
    values = np.array([[10, 10], [1, 1]])
    apart = assign_optimal(values, values > 0, _arr(1, 1), _arr(0, 2 * H), _arr(H, 3 * H))
    assert sorted(apart.pairs) == [(0, 0), (0, 1)] and apart.total == 20
    overlapping = assign_optimal(values, values > 0, _arr(1, 1), _arr(0, H // 2), _arr(H, 2 * H))
    assert overlapping.total == 11 and is_valid(
        overlapping.pairs, _arr(1, 1), _arr(0, H // 2), _arr(H, 2 * H)
    )


def test_greedy_is_worse_with_overlaps_and_optimal_finds_the_optimum():
    # v0 is the best for all three; n0 overlaps n1 and n2, which do not overlap each other.
    # Greedy gives v0 n0 (10) then cannot give n1/n2 to v0; v1 takes both (2 + 2): total 14.
    # Optimal: v0 does n1 and n2 (9 + 9), v1 does n0 (2): total 20.
    values = np.array([[10, 9, 9], [2, 2, 2]])
    starts, ends = _arr(0, 0, 2 * H), _arr(4 * H, H, 3 * H)
    cap = _arr(1, 1, 1)
    greedy = assign_greedy(values, values > 0, cap, starts, ends)
    best = assign_optimal(values, values > 0, cap, starts, ends)
    assert greedy.total == 14
    assert best.total == 20 and best.method == "optimal"
    assert is_valid(best.pairs, cap, starts, ends)


def test_nothing_to_assign():
    empty = assign_optimal(np.zeros((0, 2), dtype=np.int64), np.zeros((0, 2), bool), _arr(1, 1),
                           _arr(0, 0), _arr(H, H))  # fmt: skip
    assert empty.pairs == [] and empty.total == 0
    none_feasible = assign_optimal(
        np.ones((2, 1)), np.zeros((2, 1), bool), _arr(1), _arr(0), _arr(H)
    )
    assert none_feasible.pairs == []


def test_chain_length_counts_needs_one_person_could_do():
    assert chain_length(_arr(0, H, 2 * H), _arr(H, 2 * H, 3 * H)) == 3
    assert chain_length(_arr(0, 0, 0), _arr(H, H, H)) == 1


def _brute(values, feasible, cap, starts, ends):  # type: ignore[no-untyped-def]
    n_vol, n_need = values.shape
    best = 0
    subsets = [s for k in range(n_need + 1) for s in itertools.combinations(range(n_need), k)]
    for choice in itertools.product(subsets, repeat=n_vol):
        pairs = [(v, n) for v, s in enumerate(choice) for n in s]
        if is_valid(pairs, cap, starts, ends, feasible):
            best = max(best, sum(int(values[v, n]) + 1 for v, n in pairs))
    return best


@st.composite
def instances(draw, max_vol=4, max_need=4):  # type: ignore[no-untyped-def]
    n_vol = draw(st.integers(1, max_vol))
    n_need = draw(st.integers(1, max_need))
    values = np.array(
        draw(st.lists(st.integers(0, 100), min_size=n_vol * n_need, max_size=n_vol * n_need))
    ).reshape(n_vol, n_need)
    feasible = np.array(
        draw(st.lists(st.booleans(), min_size=n_vol * n_need, max_size=n_vol * n_need))
    ).reshape(n_vol, n_need)
    starts = np.array(draw(st.lists(st.integers(0, 6), min_size=n_need, max_size=n_need))) * H
    lengths = np.array(draw(st.lists(st.integers(1, 3), min_size=n_need, max_size=n_need))) * H
    cap = np.array(draw(st.lists(st.integers(0, 3), min_size=n_need, max_size=n_need)))
    return values, feasible, cap, starts, starts + lengths


@settings(max_examples=300, deadline=None)
@given(instances(max_vol=6, max_need=6))
def test_property_capacity_and_overlaps_hold_and_total_at_least_greedy(inst):
    values, feasible, cap, starts, ends = inst
    best = assign_optimal(values, feasible, cap, starts, ends, max_copies=3)
    greedy = assign_greedy(values, feasible, cap, starts, ends)
    assert is_valid(best.pairs, cap, starts, ends, feasible)
    assert is_valid(greedy.pairs, cap, starts, ends, feasible)
    assert best.total + len(best.pairs) >= greedy.total + len(greedy.pairs)
    assert best.total == sum(int(values[v, n]) for v, n in best.pairs)


def test_tiny_random_instances_reach_the_brute_force_optimum_nearly_always():
    # With overlaps binding the method is a heuristic (module docstring); measured: 4 of 3,000
    # seeded instances miss the optimum. Pinned here as at most 1 % of 600.
    rng = np.random.default_rng(1)
    missed = 0
    for _ in range(600):
        n_vol, n_need = rng.integers(1, 4), rng.integers(1, 4)
        values = rng.integers(0, 100, (n_vol, n_need))
        feasible = rng.random((n_vol, n_need)) < 0.8
        starts = rng.integers(0, 6, n_need) * H
        ends = starts + rng.integers(1, 3, n_need) * H
        cap = rng.integers(0, 3, n_need)
        best = assign_optimal(values, feasible, cap, starts, ends, max_copies=3)
        missed += best.total + len(best.pairs) != _brute(values, feasible, cap, starts, ends)
    assert missed <= 6


@settings(max_examples=200, deadline=None)
@given(instances(max_vol=3, max_need=3))
def test_property_without_overlaps_binding_the_solver_alone_is_optimal(inst):
    # All needs at one time: every volunteer does at most one, the pure assignment problem.
    values, feasible, cap, starts, ends = inst
    starts, ends = np.zeros_like(starts), np.full_like(ends, H)
    best = assign_optimal(values, feasible, cap, starts, ends, compare_greedy=False)
    assert best.total + len(best.pairs) == _brute(values, feasible, cap, starts, ends)


def _reference_greedy(values, feasible, cap, starts, ends):  # type: ignore[no-untyped-def]
    # The plain loop the band sweep replaced: every feasible pair, best first.
    cap = np.maximum(cap, 0).copy()
    order = sorted(
        (-int(values[v, n]), v, n) for v in range(values.shape[0]) for n in range(values.shape[1])
         if feasible[v, n] and values[v, n] > -1
    )  # fmt: skip
    held: dict[int, list[int]] = {}
    out = []
    for _, v, n in order:
        if cap[n] == 0 or any(starts[m] < ends[n] and ends[m] > starts[n] for m in held.get(v, [])):
            continue
        held.setdefault(v, []).append(n)
        cap[n] -= 1
        out.append((v, n))
    return out


def test_band_sweep_greedy_equals_the_plain_best_first_loop(monkeypatch):
    # Tiny bands (4 pairs) force many thresholds and ties across band edges.
    import cunshe.volunteering.matching.assign as asg

    monkeypatch.setattr(asg, "GREEDY_FIRST_BAND", 4)
    rng = np.random.default_rng(5)
    for _ in range(200):
        n_vol, n_need = rng.integers(1, 12), rng.integers(1, 10)
        values = rng.integers(0, 6, (n_vol, n_need))  # many ties
        feasible = rng.random((n_vol, n_need)) < 0.8
        starts = rng.integers(0, 6, n_need) * H
        ends = starts + rng.integers(1, 3, n_need) * H
        cap = rng.integers(0, 3, n_need)
        got = asg.assign_greedy(values, feasible, cap, starts, ends).pairs
        assert got == _reference_greedy(values, feasible, cap, starts, ends)


def test_one_global_greedy_gives_each_time_block_its_own_greedy_answer():
    from cunshe.volunteering.matching.assign import time_blocks

    rng = np.random.default_rng(9)
    for _ in range(100):
        n_vol, n_need = 6, 8
        values = rng.integers(0, 50, (n_vol, n_need))
        feasible = rng.random((n_vol, n_need)) < 0.8
        starts = rng.integers(0, 4, n_need) * 10 * H + rng.integers(0, 3, n_need) * H
        ends = starts + rng.integers(1, 3, n_need) * H
        cap = rng.integers(1, 3, n_need)
        whole = set(assign_greedy(values, feasible, cap, starts, ends).pairs)
        for block in time_blocks(starts, ends):
            alone = assign_greedy(
                values[:, block], feasible[:, block], cap[block], starts[block], ends[block]
            )
            assert {(v, int(block[n])) for v, n in alone.pairs} == {
                (v, n) for v, n in whole if n in set(block.tolist())
            }


@settings(max_examples=150, deadline=None)
@given(instances(max_vol=9, max_need=2))
def test_property_pruned_rows_keep_the_optimum_of_the_assignment_problem(inst):
    # Many volunteers, few places: the solver only sees volunteers among some need's `slots`
    # best (assign._rows_that_matter); the optimum is still the brute-force one.
    values, feasible, cap, starts, ends = inst
    starts, ends = np.zeros_like(starts), np.full_like(ends, H)
    cap = np.minimum(cap, 1)
    best = assign_optimal(values, feasible, cap, starts, ends, compare_greedy=False)
    assert best.total + len(best.pairs) == _brute(values, feasible, cap, starts, ends)
