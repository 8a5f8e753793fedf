"""The volunteering and points demo: what it makes in each demo village (volunteers, activities
with attendance and hours, needs with matches, points through the whole flow, the store), a
sound ledger, nothing in the outsider's village, the same counts from the same seed, and an
idempotent second run.

The demo is seeded once for the module (inside a transaction rolled back at the end); each test
runs in its own savepoint on top of it. Only the register is seeded under it (the desk, care
and self-governance demos have their own tests).
"""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from cunshe.accounts.models import User
from cunshe.core.audit import AuditEvent
from cunshe.core.jurisdiction import system_scope
from cunshe.demo import volunteering as demo
from cunshe.demo.services import demo_seed
from cunshe.demo.tests.test_demo_seed import _tree_for_demo
from cunshe.volunteering.models import (
    Activity,
    Certificate,
    Declaration,
    Donor,
    EarningRule,
    HoursEntry,
    Match,
    Need,
    Objection,
    Organisation,
    PointsAccount,
    PointsEntry,
    Redemption,
    Signup,
    Station,
    StoreItem,
    Volunteer,
)
from cunshe.volunteering.services.ledger import verify_ledger

A, B, HL = demo.PLANS
OUTSIDER = demo.OUTSIDER_VILLAGE


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _tree_for_demo()
            demo_seed(seed=1, servicedesk=False, care=False, selfgov=False, volunteering=False)
            with system_scope("test: the volunteering demo"):
                # 东新村 alone, rolled back: the same seed must give the same rows again below.
                sid = transaction.savepoint()
                started = time.perf_counter()
                alone = demo.seed_volunteering(seed=1, villages=(HL,))
                alone_seconds = time.perf_counter() - started
                before = _fingerprint(HL)
                transaction.savepoint_rollback(sid)
                started = time.perf_counter()
                counts = demo.seed_volunteering(seed=1)
                seconds = time.perf_counter() - started
                after = _fingerprint(HL)
            print(f"seed_volunteering: 3 villages {seconds:.1f} s, 东新村 {alone_seconds:.1f} s")
            yield {"counts": counts, "alone": alone, "before": before, "after": after}
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


def _fingerprint(code: str) -> dict[str, object]:
    """What a village's demo is, in numbers that would differ if any choice did."""
    with system_scope("test: fingerprint") as j:
        vols = _in(Volunteer, j, code)
        return {
            "volunteers": sorted(vols.values_list("name", "approved_minutes", "skills")),
            "signups": _in(Signup, j, code).count(),
            "hours": sorted(_in(HoursEntry, j, code).values_list("minutes", "status")),
            "declarations": sorted(
                Declaration.objects.within(j)
                .filter(village_code=code)
                .values_list("points", "status", "deed_date")
            ),
            "balances": sorted(
                PointsAccount.objects.within(j)
                .filter(village_code=code)
                .values_list("kind", "balance")
            ),
            "redemptions": sorted(_in(Redemption, j, code).values_list("points", flat=True)),
            "needs": sorted(_in(Need, j, code).values_list("title", "status")),
        }


@pytest.fixture
def sys_j(seeded, db):  # type: ignore[no-untyped-def]
    with system_scope("test") as j:
        yield j


def _in(model, j, code):  # type: ignore[no-untyped-def]
    return model.objects.within(j).filter(region_code__startswith=code)


def test_each_village_has_volunteers_from_the_register_and_two_checked_outsiders(seeded, sys_j):
    for code in (A, B, HL):
        vols = list(_in(Volunteer, sys_j, code).select_related("person"))
        residents = [v for v in vols if v.person_id]
        others = [v for v in vols if not v.person_id]
        assert len(residents) == demo.PLANS[code].volunteers
        assert len(others) == 2 and all(v.verified_at for v in others)
        today = timezone.localdate()
        assert all(18 <= (today - v.person.birth_date).days // 365 <= 71 for v in residents)
        assert all(v.person.region_code.startswith(code) for v in residents)
        assert 2 <= sum(v.public_consent for v in vols) <= 12
        assert _in(Station, sys_j, code).count() == 1
        assert Organisation.objects.within(sys_j).filter(region_code=code).count() == 2
    # the township's 团委, one per township
    assert Organisation.objects.within(sys_j).filter(region_code="220182102").count() == 1


def test_the_demo_villager_is_a_volunteer_with_approved_hours_and_qr_sign_ins(seeded, sys_j):
    cunmin = User.objects.get(username="cunmin")
    me = Volunteer.objects.within(sys_j).get(person__account=cunmin)
    assert me.approved_minutes > 0
    assert me.public_consent
    qr = Signup.objects.within(sys_j).filter(volunteer=me, checkin_method="qr")
    assert qr.count() >= 6
    assert qr.filter(status=Signup.Status.ATTENDED, checkout_method="qr").count() == qr.count()


def test_activities_past_and_open_with_hours_in_every_state(seeded, sys_j):
    for code in (A, B, HL):
        acts = _in(Activity, sys_j, code)
        assert acts.filter(status=Activity.Status.CLOSED).count() == len(demo.PAST_ACTIVITIES)
        assert acts.filter(status=Activity.Status.OPEN).count() == 2
        hours = _in(HoursEntry, sys_j, code)
        statuses = set(hours.values_list("status", flat=True))
        assert statuses == {"recorded", "confirmed", "approved", "rejected"}
        assert hours.filter(kind="correction", status="approved").count() == 1
        assert hours.filter(kind="manual", reason__contains="年度服务时长补录").exists()
        # every attended sign-up has exactly one attendance entry with rounded minutes
        attended = Signup.objects.within(sys_j).filter(
            region_code__startswith=code, status=Signup.Status.ATTENDED
        )
        assert attended.count() == hours.filter(kind="attendance").count() > 60
        assert not hours.filter(kind="attendance").exclude(minutes__in=range(0, 1441, 15)).exists()
        assert _in(Signup, sys_j, code).filter(status="withdrawn").exists()
    # one open activity has one place left
    open_a = _in(Activity, sys_j, A).filter(status=Activity.Status.OPEN)
    left = [
        s.capacity - s.signups.filter(status="signed_up").count()
        for a in open_a
        for s in a.shifts.all()
    ]
    assert 1 in left and all(x >= 1 for x in left)
    assert all(s.starts_at > timezone.now() for a in open_a for s in a.shifts.all())


def test_star_grades_vary_and_totals_equal_the_approved_entries(seeded, sys_j):
    stars = [v.star for v in _in(Volunteer, sys_j, A)]
    assert stars.count(2) == 1 and stars.count(1) == 2 and stars.count(0) > 30
    for v in _in(Volunteer, sys_j, B):
        total = sum(v.hours.filter(status="approved").values_list("minutes", flat=True))
        assert v.approved_minutes == total
    assert Certificate.objects.within(sys_j).filter(region_code__startswith=A).count() == 1


def test_needs_are_open_with_explained_proposals_one_accepted_one_done(seeded, sys_j):
    for code in (A, B, HL):
        needs = _in(Need, sys_j, code)
        live = needs.filter(status__in=("open", "matched"))
        assert live.count() == 6
        assert needs.filter(status="done").count() == 1
        proposed = Match.objects.within(sys_j).filter(need__in=live, status="proposed")
        assert proposed.exists()
        assert all("total" in m.explanation for m in proposed[:20])
    accepted = Match.objects.within(sys_j).filter(region_code__startswith=A, status="accepted")
    assert accepted.count() == 2  # the villager's: one upcoming, one done
    assert accepted.filter(need__status="matched").count() == 1


def test_points_went_through_the_whole_flow(seeded, sys_j):
    for code in (A, B, HL):
        decl = Declaration.objects.within(sys_j).filter(village_code=code)
        statuses = dict.fromkeys(decl.values_list("status", flat=True).distinct())
        assert {"declared", "reviewed", "posted", "credited", "rejected"} <= set(statuses)
        assert decl.filter(status="posted", posting_ends_on__gte=timezone.localdate()).count() >= 2
        assert decl.filter(hours_entry__isnull=False, status="credited").count() > 20
        # the declarant, the reviewer and the approver are three people
        for d in decl.filter(status="credited", hours_entry__isnull=True)[:20]:
            assert len({d.declared_by_id, d.reviewed_by_id, d.approved_by_id}) == 3
        rules = EarningRule.objects.within(sys_j).filter(region__code=code)
        assert rules.filter(code="yard-clean").count() == 2
        assert rules.filter(valid_to__isnull=True).count() == len(
            {r.code for r in rules}
        )  # one current version per code
    objections = Objection.objects.within(sys_j).filter(region_code__startswith=A)
    assert set(objections.values_list("status", flat=True)) == {"upheld", "dismissed"}
    assert PointsEntry.objects.within(sys_j).filter(kind="reversal").count() >= 3


def test_the_store_has_goods_donors_and_redemptions_and_the_villager_can_spend(seeded, sys_j):
    for code in (A, B, HL):
        assert _in(StoreItem, sys_j, code).count() == 15
        donors = _in(Donor, sys_j, code)
        assert donors.count() == 4 and donors.filter(public=False).count() == 1
        reds = _in(Redemption, sys_j, code)
        assert reds.filter(reversed_at__isnull=False).count() == 1
    assert _in(Redemption, sys_j, A).count() >= 45
    cunmin = User.objects.get(username="cunmin")
    account = PointsAccount.objects.within(sys_j).get(household__members__account=cunmin)
    assert account.balance >= 100


def test_the_ledger_is_sound(seeded, db):
    assert verify_ledger() == []


def test_nothing_in_the_outsider_village(seeded, sys_j):
    for model in (Volunteer, Activity, Need, Declaration, Redemption, HoursEntry, StoreItem):
        assert not _in(model, sys_j, OUTSIDER).exists()
    assert not PointsAccount.objects.within(sys_j).filter(village_code=OUTSIDER).exists()


def test_past_rows_carry_their_planned_times_and_the_audit_its_real_one(seeded, sys_j):
    first = _in(Activity, sys_j, A).order_by("created_at").first()
    assert first.created_at < timezone.now() - timedelta(days=100)
    since = timezone.now() - timedelta(hours=1)
    assert (
        AuditEvent.objects.filter(action="volunteering.activity.created", at__lt=since).count() == 0
    )


def test_a_second_run_adds_nothing_and_the_same_seed_gives_the_same_village(seeded, sys_j):
    again = demo.seed_volunteering(seed=1)
    assert not any(again.values())
    assert seeded["before"] == seeded["after"]
    assert seeded["alone"]["vol_volunteers"] == demo.PLANS[HL].volunteers
    counts = seeded["counts"]
    assert counts["vol_volunteers"] == sum(p.volunteers for p in demo.PLANS.values())
    assert counts["vol_activities"] == 3 * (len(demo.PAST_ACTIVITIES) + 2)
