"""Batch assignment of volunteers to needs: optimal (scipy's linear_sum_assignment) and a greedy
baseline, both respecting capacity and time overlaps. Pure numpy, no database.

Inputs: `values` (V × N integer thousandths), `feasible` (V × N: hard filters passed — active,
verified, free of held commitments), `capacity` (places still open per need), `starts`/`ends`
(epoch seconds per need).

Method (docs/volunteering/needs.md, "Batch assignment"):
1. Capacity: a need with k places is k columns ("slots").
2. Several needs per volunteer: each volunteer is `copies` rows, copies = the most needs of
   the batch one person could do without overlap (interval scheduling), capped by
   `max_copies`. A pair's weight is score + 1 thousandth (so every feasible pair beats an
   empty place) and 0 where forbidden; zero-weight answers are "not assigned", which makes the
   maximum-weight full assignment of the padded matrix the maximum-weight matching.
3. Overlaps are not expressible in the assignment problem, so: solve; for every volunteer who
   got overlapping needs, work out the volunteer's "ideal" set — the heaviest non-overlapping
   set (weighted interval scheduling) of the needs weighted by how much more the volunteer
   scores than the need's next-best volunteer — and forbid the volunteer the needs they got
   outside it; two places of one need for one person → only the volunteer's first copy may take
   that need. Re-solve; repeat until no conflict (each round forbids at least one pair, so it
   ends; after `max_rounds` the remaining conflicts are dropped).
4. Needs whose times are not connected by overlaps never constrain each other, so the batch
   is split into time blocks (connected parts of the overlap graph, e.g. one day's needs) and
   each block is solved on its own: the copies per volunteer only need to cover one block.
5. The greedy baseline (best pair first) is run once over all needs and split by block (its
   choices in a block are exactly its answer for that block alone); where it beats the result
   of 3 (possible: step 3 is a heuristic once overlaps bind) the block keeps greedy's answer
   and `method` says "optimal+greedy". Without overlaps binding (each volunteer ends with ≤ 1
   need per block) steps 1–2 are exactly optimal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.optimize import linear_sum_assignment

GREEDY_FIRST_BAND = 50_000  # pairs in the greedy's first score band (then ×4 each band)


@dataclass
class Assignment:
    pairs: list[tuple[int, int]]  # (volunteer index, need index)
    total: int  # sum of `values` over the pairs (the true scores)
    method: str = "optimal"  # "optimal" | "greedy" (kept because it scored higher) | "empty"
    rounds: int = 0
    copies: int = 1
    greedy_total: int | None = None
    details: dict[str, float] = field(default_factory=dict)


def chain_length(starts: np.ndarray, ends: np.ndarray) -> int:
    """The most pairwise non-overlapping needs (earliest end first)."""
    if len(starts) == 0:
        return 0
    order = np.argsort(ends, kind="stable")
    count, last_end = 0, None
    for i in order:
        if last_end is None or starts[i] >= last_end:
            count += 1
            last_end = ends[i]
    return count


def _best_compatible(
    items: list[tuple[int, int]], starts: np.ndarray, ends: np.ndarray, weight: np.ndarray
) -> set[int]:
    """Weighted interval scheduling over one volunteer's needs: the indices (into `items`) of
    the heaviest non-overlapping subset (two places of one need overlap)."""
    order = sorted(range(len(items)), key=lambda k: (ends[items[k][1]], starts[items[k][1]]))
    best = [0.0] * (len(order) + 1)
    take: list[bool] = [False] * len(order)
    prev: list[int] = []
    for pos, k in enumerate(order):
        s = starts[items[k][1]]
        p = pos - 1
        while p >= 0 and ends[items[order[p]][1]] > s:
            p -= 1
        prev.append(p)
    for pos, k in enumerate(order):
        with_it = weight[k] + best[prev[pos] + 1]
        if with_it > best[pos]:
            best[pos + 1], take[pos] = with_it, True
        else:
            best[pos + 1] = best[pos]
    chosen: set[int] = set()
    pos = len(order) - 1
    while pos >= 0:
        if take[pos]:
            chosen.add(order[pos])
            pos = prev[pos]
        else:
            pos -= 1
    return chosen


def _replacement(weight: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per need: the best weight, who has it, and the second best (what the need is worth to
    the next volunteer if the best one does something else)."""
    n_vol = weight.shape[0]
    if n_vol == 1:
        return weight[0], np.zeros(weight.shape[1], dtype=np.int64), np.zeros(weight.shape[1])
    top2 = np.partition(weight, n_vol - 2, axis=0)[n_vol - 2 :]
    return weight.max(axis=0), weight.argmax(axis=0), np.minimum(top2[0], top2[1])


def _conflicts(
    vi: np.ndarray,
    ni: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    weight: np.ndarray,
    repl: tuple[np.ndarray, np.ndarray, np.ndarray],
) -> tuple[np.ndarray, list[tuple[int, int]], list[tuple[int, int]]]:
    """(mask of pairs kept, pairs to forbid, pairs given twice) for each volunteer whose needs
    overlap. The volunteer's "ideal" day is the heaviest non-overlapping set of the needs where
    they add most over the next-best volunteer (weighted interval scheduling on weight minus the
    need's second-best weight); the needs they got outside it are forbidden to them."""
    keep = np.ones(len(vi), dtype=bool)
    drop: list[tuple[int, int]] = []
    twice: list[tuple[int, int]] = []
    if len(vi) == 0:
        return keep, drop, twice
    best, owner, second = repl
    order = np.argsort(vi, kind="stable")
    bounds = np.flatnonzero(np.diff(vi[order])) + 1
    for group in np.split(order, bounds):
        if len(group) < 2:
            continue
        v = int(vi[group[0]])
        got = [int(ni[g]) for g in group]
        by_start = sorted(got, key=lambda n: starts[n])
        overlap = any(starts[b] < ends[a] for a, b in pairwise(by_start)) or len(set(got)) < len(
            got
        )
        if not overlap:
            continue
        row = weight[v]
        other = np.where(owner == v, second, best)
        margin = row - other
        cand = np.flatnonzero((row > 0) & (margin > 0))
        cand = np.union1d(cand, np.array(sorted(set(got)), dtype=np.int64))
        items = [(v, int(n)) for n in cand]
        w = np.maximum(margin[cand], 1e-6)
        ideal = {items[k][1] for k in _best_compatible(items, starts, ends, w)}
        seen: set[int] = set()
        for g in group:
            n = int(ni[g])
            if n in seen:
                keep[g] = False
                twice.append((v, n))
            elif n not in ideal:
                keep[g] = False
                drop.append((v, n))
            seen.add(n)
    return keep, drop, twice


def _weights(values: np.ndarray, feasible: np.ndarray) -> np.ndarray:
    return np.where(feasible, values.astype(np.float64) + 1.0, 0.0)


def time_blocks(starts: np.ndarray, ends: np.ndarray) -> list[np.ndarray]:
    """Needs grouped into blocks of overlapping times (connected parts of the overlap graph):
    no need of one block overlaps a need of another, so the blocks are independent problems."""
    if len(starts) == 0:
        return []
    order = np.argsort(starts, kind="stable")
    blocks: list[list[int]] = []
    reach = None
    for i in order.tolist():
        if reach is None or starts[i] >= reach:
            blocks.append([i])
            reach = ends[i]
        else:
            blocks[-1].append(i)
            reach = max(reach, ends[i])
    return [np.array(sorted(b), dtype=np.int64) for b in blocks]


def assign_optimal(
    values: np.ndarray,
    feasible: np.ndarray,
    capacity: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    max_copies: int = 2,
    max_rounds: int = 30,
    compare_greedy: bool = True,
) -> Assignment:
    """The assignment maximising the total score (see the module's method), solved block by
    block of overlapping times."""
    capacity = np.asarray(capacity, dtype=np.int64)
    starts, ends = np.asarray(starts), np.asarray(ends)
    if values.shape[0] == 0 or int(np.maximum(capacity, 0).sum()) == 0:
        return Assignment([], 0, method="empty", greedy_total=0)
    blocks = time_blocks(starts, ends)
    greedy_by_block: list[list[tuple[int, int]]] = [[] for _ in blocks]
    if compare_greedy:
        # Greedy once over everything: needs of different blocks never overlap, so its choices
        # in a block are exactly greedy's answer for that block alone (same order restricted).
        block_of = np.empty(len(starts), dtype=np.int64)
        for b, block in enumerate(blocks):
            block_of[block] = b
        for v, n in _greedy_pairs(values, feasible, capacity, starts, ends):
            greedy_by_block[block_of[n]].append((v, n))
    pairs: list[tuple[int, int]] = []
    out = Assignment([], 0, method="optimal", rounds=0, copies=1, greedy_total=0)
    fell_back = 0
    for b, block in enumerate(blocks):
        part = _solve_block(
            values[:, block], feasible[:, block], capacity[block], starts[block], ends[block],
            max_copies=max_copies, max_rounds=max_rounds,
        )  # fmt: skip
        out.rounds = max(out.rounds, part.rounds)
        out.copies = max(out.copies, part.copies)
        found = [(v, int(block[n])) for v, n in part.pairs]
        if compare_greedy:
            g = greedy_by_block[b]
            g_total = int(sum(int(values[v, n]) for v, n in g))
            out.greedy_total = (out.greedy_total or 0) + g_total
            if g_total + len(g) > part.total + len(part.pairs):
                found, fell_back = g, fell_back + 1
        pairs.extend(found)
    out.pairs = pairs
    out.total = int(sum(int(values[v, n]) for v, n in pairs))
    out.details = {"blocks": len(blocks), "greedy_blocks": fell_back}
    if not compare_greedy:
        out.greedy_total = None
    elif fell_back:
        out.method = "optimal+greedy"
    return out


def _rows_that_matter(first: np.ndarray, slots: int) -> np.ndarray:
    """The volunteers (rows of `first`) among the `slots` best of some need: an optimal
    assignment uses no one else (exact: were a need's place given to someone outside its
    `slots` best, one of those best would hold no place at all, since the other places are at
    most `slots` − 1, and could take it for at least as much with their first copy)."""
    n_rows = first.shape[0]
    if n_rows <= slots:
        return np.flatnonzero((first > 0).any(axis=1))
    top = np.argpartition(first, n_rows - slots, axis=0)[n_rows - slots :]
    useful = np.take_along_axis(first, top, axis=0) > 0
    return np.unique(top[useful])


def _solve_block(
    values: np.ndarray,
    feasible: np.ndarray,
    capacity: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    *,
    max_copies: int,
    max_rounds: int,
) -> Assignment:
    n_need = values.shape[1]
    cols = np.repeat(np.arange(n_need), np.maximum(capacity, 0))
    if len(cols) == 0:
        return Assignment([], 0)
    copies = max(1, min(max_copies, chain_length(starts, ends), len(cols)))
    weight = _weights(values, feasible)
    # Only volunteers with a feasible pair in the block take part (rows of the matrix).
    active = np.flatnonzero((weight > 0).any(axis=1))
    if len(active) == 0:
        return Assignment([], 0, copies=copies)
    weight = weight[active]
    repl = _replacement(weight)
    # forbid[v, n]: never; extra[v, n]: only the volunteer's first copy (no two places of one
    # need for one person).
    forbid = np.zeros(weight.shape, dtype=bool)
    extra = np.zeros(weight.shape, dtype=bool)
    rounds = 0
    vi = ni = np.zeros(0, dtype=np.int64)
    while True:
        rounds += 1
        first = np.where(forbid, 0.0, weight)
        rows_in = _rows_that_matter(first, len(cols))
        first_in = first[rows_in]
        n_in = len(rows_in)
        matrix = np.empty((n_in * copies, len(cols)))
        matrix[:n_in] = first_in[:, cols]
        if copies > 1:
            more = np.where(extra[rows_in], 0.0, first_in)[:, cols]
            for c in range(1, copies):
                matrix[c * n_in : (c + 1) * n_in] = more
        rows, cs = linear_sum_assignment(matrix, maximize=True)
        got = matrix[rows, cs] > 0
        vi, ni = rows_in[rows[got] % n_in], cols[cs[got]]
        keep, drop, twice = _conflicts(vi, ni, starts, ends, weight, repl)
        if not drop and not twice:
            break
        if rounds >= max_rounds:
            vi, ni = vi[keep], ni[keep]
            break
        for v, n in drop:
            forbid[v, n] = True
        for v, n in twice:
            extra[v, n] = True
    pairs = [(int(active[a]), int(b)) for a, b in zip(vi, ni, strict=True)]
    total = int(sum(int(values[v, n]) for v, n in pairs))
    return Assignment(pairs, total, rounds=rounds, copies=copies)


def _objective(a: Assignment, values: np.ndarray) -> int:
    # What the solver maximises: score + 1 per filled place.
    return a.total + len(a.pairs)


def _greedy_pairs(
    values: np.ndarray,
    feasible: np.ndarray,
    capacity: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> list[tuple[int, int]]:
    """Best pair first over the whole matrix, in the order (score descending, volunteer, need).

    The feasible pairs are swept in bands of descending score (thresholds from a sample, each
    band holding whole ties, so band after band is the one global order); before a band is
    sorted, its pairs whose need is already full are dropped with numpy, so the Python loop only
    sees pairs that might still be taken, and it stops once every place is filled."""
    n_vol, n_need = values.shape
    cap = np.maximum(np.asarray(capacity, dtype=np.int64), 0)
    remaining = int(cap.sum())
    if n_vol == 0 or n_need == 0 or remaining == 0:
        return []
    flat = np.flatnonzero(feasible & (values > -1))  # weight score + 1 > 0
    if len(flat) == 0:
        return []
    vals = values.ravel()[flat]
    sample = np.sort(vals[np.random.default_rng(0).integers(0, len(vals), 100_000)])[::-1]
    marks: list[Any] = []
    k = GREEDY_FIRST_BAND
    while k < len(vals):
        marks.append(sample[min(len(sample) - 1, k * len(sample) // len(vals))])
        k *= 4
    marks.append(None)
    caps = cap.tolist()
    st, en = np.asarray(starts).tolist(), np.asarray(ends).tolist()
    held: dict[int, list[tuple[Any, Any]]] = {}
    pairs: list[tuple[int, int]] = []
    upper = None
    for lower in marks:
        sel = np.ones(len(vals), dtype=bool) if lower is None else vals >= lower
        if upper is not None:
            sel &= vals < upper
        if lower is not None:
            upper = lower
        band = np.flatnonzero(sel)
        band = band[cap[flat[band] % n_need] > 0]
        if len(band) == 0:
            continue
        f = flat[band]
        for idx in f[np.lexsort((f, -vals[band]))].tolist():
            v, n = divmod(idx, n_need)
            if caps[n] == 0:
                continue
            s, e = st[n], en[n]
            mine = held.get(v)
            if mine is None:
                held[v] = [(s, e)]
            elif any(a < e and b > s for a, b in mine):
                continue
            else:
                mine.append((s, e))
            caps[n] -= 1
            pairs.append((v, n))
            remaining -= 1
            if remaining == 0:
                return pairs
        cap = np.asarray(caps, dtype=np.int64)
    return pairs


def assign_greedy(
    values: np.ndarray,
    feasible: np.ndarray,
    capacity: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
) -> Assignment:
    """Best pair first: take the highest-scoring feasible pair whose need still has a place and
    whose volunteer is free then; repeat (ties: lower volunteer index, then need index)."""
    pairs = _greedy_pairs(values, feasible, capacity, starts, ends)
    return Assignment(pairs, int(sum(int(values[v, n]) for v, n in pairs)), method="greedy")


def is_valid(
    pairs: list[tuple[int, int]],
    capacity: np.ndarray,
    starts: np.ndarray,
    ends: np.ndarray,
    feasible: np.ndarray | None = None,
) -> bool:
    """No need over capacity, no volunteer with overlapping needs, only feasible pairs."""
    used = np.zeros(len(capacity), dtype=np.int64)
    by_vol: dict[int, list[int]] = {}
    for v, n in pairs:
        if feasible is not None and not feasible[v, n]:
            return False
        used[n] += 1
        for m in by_vol.get(v, []):
            if starts[m] < ends[n] and ends[m] > starts[n]:
                return False
        by_vol.setdefault(v, []).append(n)
    return bool((used <= np.asarray(capacity)).all())
