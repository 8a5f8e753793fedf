"""Property tests of the double-entry points ledger (hypothesis): random sequences of earn (the
full declare → review → approve → post → credit flow, or a direct post_entry), reverse, redeem
and refused operations over six households. After every step: the ledger sums to zero, every
entry sums to zero, every cached balance equals the sum of its movements, no household or
person balance is below zero — and a refused operation changed nothing."""

from __future__ import annotations

import time
from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cunshe.volunteering.models import Movement, PointsAccount, PointsEntry, Store
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import ledger
from cunshe.volunteering.services import points as psvc
from cunshe.volunteering.tests.points_fixtures import *  # noqa: F403
from cunshe.volunteering.tests.points_fixtures import j, later

HH = 6
op = st.one_of(
    st.tuples(st.just("earn"), st.integers(0, HH - 1), st.integers(1, 200)),
    st.tuples(st.just("flow"), st.integers(0, HH - 1), st.integers(1, 5)),
    st.tuples(st.just("reverse"), st.integers(0, 10_000), st.just(0)),
    st.tuples(st.just("redeem"), st.integers(0, HH - 1), st.integers(1, 300)),
    st.tuples(st.just("self_approve"), st.integers(0, HH - 1), st.integers(1, 3)),
)

STATS = {"steps": 0, "refused": 0, "examples": 0}


def _snapshot():  # type: ignore[no-untyped-def]
    return (
        Movement._base_manager.count(),
        PointsEntry._base_manager.count(),
        sorted(PointsAccount._base_manager.values_list("id", "balance")),
    )


def _check_invariants() -> None:
    assert (Movement._base_manager.aggregate(s=Sum("points"))["s"] or 0) == 0
    unbalanced = (
        Movement._base_manager.values("entry_id").annotate(s=Sum("points")).exclude(s=0).count()
    )
    assert unbalanced == 0
    sums = dict(
        Movement._base_manager.values("account_id")
        .annotate(s=Sum("points"))
        .values_list("account_id", "s")
    )
    for pk, kind, balance in PointsAccount._base_manager.values_list("pk", "kind", "balance"):
        assert balance == (sums.get(pk) or 0)
        if kind in (PointsAccount.Kind.HOUSEHOLD, PointsAccount.Kind.PERSON):
            assert balance >= 0


def test_ledger_invariants_hold_over_random_sequences(cast, points, posted, clerk_a2):
    store = Store._base_manager.create(region=cast.village_a, name="爱心超市")
    store_acct = ledger.store_account(store)
    issuance = ledger.issuance_account(cast.village_a)
    households = points.households
    for hh in households:  # accounts exist up front: a refusal must then leave every row as it was
        ledger.household_account(hh)
    lj = j(cast.leader_a)
    from cunshe.residents.models import Person

    # leader_a is a member of household 6: approving its declarations is refused.
    Person._base_manager.filter(pk=points.hamlet.heads[5].pk).update(account=cast.leader_a)
    started = time.perf_counter()

    @settings(
        max_examples=40,
        stateful_step_count=20,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(ops=st.lists(op, min_size=1, max_size=12))
    def run(ops):  # type: ignore[no-untyped-def]
        STATS["examples"] += 1
        for kind, a, n in ops:
            STATS["steps"] += 1
            before = _snapshot()
            try:
                if kind == "earn":
                    acct = ledger.household_account(households[a])
                    ledger.post_entry(
                        kind="earn",
                        region=cast.village_a,
                        memo="直接入账",
                        lines=[(issuance, -n), (acct, n)],
                    )
                elif kind == "flow":
                    row = posted(hh=a, quantity=n)
                    dsvc.credit_due(today=later(row))
                elif kind == "reverse":
                    entries = list(
                        PointsEntry._base_manager.order_by("id").values_list("pk", flat=True)
                    )
                    if not entries:
                        continue
                    entry = PointsEntry._base_manager.get(pk=entries[a % len(entries)])
                    psvc.entry_reverse(
                        actor=cast.leader_a, jurisdiction=lj, entry=entry, reason="性质测试冲正"
                    )
                elif kind == "redeem":
                    acct = ledger.household_account(households[a])
                    ledger.post_entry(
                        kind="redeem",
                        region=cast.village_a,
                        memo="兑换",
                        lines=[(acct, -n), (store_acct, n)],
                    )
                elif kind == "self_approve":
                    row = dsvc.declaration_declare(
                        actor=cast.clerk_a2,
                        jurisdiction=j(cast.clerk_a2),
                        earning_rule=points.rules["neighbour-help"],
                        quantity=n,
                        deed_date=date.today(),
                        description="自家",
                        household=households[5],
                    )
                    row = dsvc.declaration_review(
                        actor=cast.clerk_a, jurisdiction=j(cast.clerk_a), declaration=row
                    )
                    mid = _snapshot()
                    try:
                        dsvc.declaration_approve(
                            actor=cast.leader_a, jurisdiction=lj, declaration=row
                        )
                    except ValidationError:
                        STATS["refused"] += 1
                        assert _snapshot() == mid
                    else:
                        raise AssertionError("self-approval was not refused")
            except (ValidationError, PermissionDenied):
                STATS["refused"] += 1
                assert _snapshot() == before
            _check_invariants()

    run()
    elapsed = time.perf_counter() - started
    print(
        f"\nledger property test: {STATS['examples']} examples, {STATS['steps']} steps, "
        f"{STATS['refused']} refused, {PointsEntry._base_manager.count()} entries, "
        f"{elapsed:.1f}s"
    )
    assert ledger.verify_ledger() == []
    assert STATS["steps"] > 40
