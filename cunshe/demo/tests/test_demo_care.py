"""The care demo: what the services would have produced (every active profile confirmed, visit
plans that agree with `next_due`, visits inside each profile's life, alert ladders that agree
with their steps, audit events for the bulk-written rows), some candidates waiting, some visits
overdue and some due soon, terminals heard from in the last minutes, the live board not empty,
nothing in the outsider's village, an idempotent second run, and each demo login seeing what its
role may see.

The demo is seeded once for the module (inside a transaction rolled back at the end), without
the service desk and self-governance parts, which have their own tests.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.test import Client
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.care.access import visible_profiles
from cunshe.care.models import (
    Alert,
    AlertStep,
    CareNeed,
    CareProfile,
    CarerAssignment,
    Contact,
    KinLink,
    ProfileEvent,
    Terminal,
    TerminalEvent,
    Visit,
    VisitPhoto,
)
from cunshe.care.rules import rule
from cunshe.care.services.visits import next_due
from cunshe.core.audit import verify_chain
from cunshe.core.jurisdiction import system_scope
from cunshe.core.models import AuditEvent
from cunshe.demo import care as demo
from cunshe.demo.services import demo_seed
from cunshe.demo.tests.test_demo_seed import _tree_for_demo

VILLAGE_A = "220182102200"
OUTSIDER = "220322103200"
CARE_MODELS = (CareProfile, Visit, CareNeed, Terminal, TerminalEvent, Alert, KinLink)


def _seed() -> dict[str, int]:
    return demo_seed(seed=1, servicedesk=False, selfgov=False, volunteering=False)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):  # type: ignore[no-untyped-def]
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        try:
            _tree_for_demo()
            yield _seed()
        finally:
            transaction.set_rollback(True)
            outer.__exit__(None, None, None)


@pytest.fixture
def profiles(seeded, db):  # type: ignore[no-untyped-def]
    with system_scope("test"):
        yield list(CareProfile.objects.select_related("person").order_by("pk"))


def _jurisdiction(username: str):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.active().get(user__username=username).jurisdiction()


def test_identification_ran_and_clerks_decided(seeded, profiles):
    assert seeded["care_profiles"] == len(profiles) > 300
    by_status = Counter(p.status for p in profiles)
    assert by_status["active"] == seeded["care_confirmed"] > 0.8 * len(profiles)
    assert by_status["dismissed"] == 3
    assert all(p.status_reason for p in profiles if p.status == "dismissed")
    waiting_a = {
        p.kind for p in profiles if p.status == "candidate" and p.region_code.startswith(VILLAGE_A)
    }
    assert waiting_a == {"child", "woman", "elderly"}  # the 待确认 page has each kind
    assert {p.region_code[:12] for p in profiles} == set(demo.CARE_VILLAGES)
    risks = Counter(p.risk_level for p in profiles if p.status == "active")
    assert risks["high"] and risks["priority"] and risks["general"] > risks["high"]
    high = [p for p in profiles if p.risk_level == "high"]
    assert all(p.risk_criteria for p in high)  # a level always comes with its criteria


def test_every_active_profile_was_confirmed_and_its_plan_agrees(profiles):
    today = timezone.localdate()
    with system_scope("test"):
        confirmed = set(
            ProfileEvent.objects.filter(kind="confirmed").values_list("profile_id", flat=True)
        )
        events = Counter(ProfileEvent.objects.values_list("profile_id", flat=True))
    for p in profiles:
        assert p.identified_on <= today
        assert p.identified_on >= today - timedelta(days=demo.HISTORY_DAYS + 20)
        if p.status != "active":
            continue
        assert p.pk in confirmed, p.pk
        assert p.status_changed_by_id is not None
        assert p.next_visit_due == next_due(p), p.pk
        # identified, confirmed and one event per later edit: the version counts them.
        assert p.version == events[p.pk], p.pk


def test_some_visits_are_overdue_some_due_soon_most_in_time(profiles):
    now = timezone.now()
    soon = now + timedelta(days=rule("VISIT_DUE_SOON_DAYS"))
    active = [p for p in profiles if p.status == "active"]
    overdue = [p for p in active if p.next_visit_due < now]
    due_soon = [p for p in active if now <= p.next_visit_due < soon]
    assert len(overdue) >= 20 and len(due_soon) >= 10
    assert len(overdue) < len(active) / 3
    in_a = [p for p in overdue if p.region_code.startswith(VILLAGE_A)]
    assert in_a  # the clerk daiban has overdue visits on /care/visits/


def test_visits_lie_inside_each_profiles_life_and_are_audited(seeded, profiles):
    now = timezone.now()
    by_pk = {p.pk: p for p in profiles}
    with system_scope("test"):
        visits = list(Visit.objects.order_by("visited_at"))
        confirmed_at = dict(
            ProfileEvent.objects.filter(kind="confirmed").values_list("profile_id", "at")
        )
        carers = set(CarerAssignment.objects.values_list("profile_id", "name"))
        recorded = AuditEvent.objects.filter(action="care.visit.recorded").count()
        photos = VisitPhoto.objects.count()
    assert len(visits) == seeded["care_visits"] == recorded
    assert photos >= 3
    last: dict[int, object] = {}
    for v in visits:
        p = by_pk[v.profile_id]
        assert v.visited_at <= now
        assert (
            v.visited_at
            >= confirmed_at[p.pk]
            > timezone.make_aware(
                timezone.datetime.combine(p.identified_on, timezone.datetime.min.time())
            )
        )
        assert (p.pk, v.carer_name) in carers
        assert v.region_code == p.region_code
        last[p.pk] = v.visited_at
    for pk, at in last.items():
        assert by_pk[pk].last_visit_at == at


def test_children_have_guardians_schools_and_family_contacts(profiles):
    children = [p for p in profiles if p.kind == "child" and p.status == "active"]
    assert children
    with system_scope("test"):
        families = Counter(
            Contact.objects.filter(profile__in=children, is_family=True).values_list(
                "profile_id", flat=True
            )
        )
    for p in children:
        assert p.guardian_name and p.guardian_relation and p.guardian_phone
        assert families[p.pk] >= 1
    signed = [p for p in children if p.agreement_signed_on]
    assert len(signed) > len(children) / 2
    assert sum(1 for p in children if p.agreement_file) == 2


def test_terminals_are_alive_and_their_alerts_agree_with_their_ladders(seeded, db):
    now = timezone.now()
    with system_scope("test"):
        terminals = list(Terminal.objects.select_related("person"))
        wearers = set(
            CareProfile.objects.filter(status="active", kind="elderly").values_list(
                "person_id", flat=True
            )
        )
        kinds = Counter(TerminalEvent.objects.values_list("kind", flat=True))
        alerts = list(Alert.objects.prefetch_related("steps"))
        needs = Counter(CareNeed.objects.values_list("status", flat=True))
    assert seeded["care_terminals"] == len(terminals) == 25
    assert {t.region_code[:12] for t in terminals} == set(demo.TERMINAL_VILLAGES)
    assert all(t.person_id in wearers for t in terminals)
    offline = timedelta(minutes=rule("OFFLINE_AFTER_MINUTES"))
    assert all(now - t.last_seen_at < offline for t in terminals)
    assert kinds["heartbeat"] > 500 and kinds["checkin"] >= 25 and kinds["sos"] >= 7
    for a in alerts:
        rungs = sorted(s.step for s in a.steps.all() if s.step < 100)
        assert rungs == list(range(1, a.step + 1)), a.pk
        if a.status != "open":
            assert a.acknowledged_at is not None and a.acknowledged_at >= a.opened_at
        if a.status == "closed":
            assert a.close_note and a.closed_at >= a.acknowledged_at
    open_kinds = sorted(a.kind for a in alerts if a.status == "open")
    assert open_kinds == ["missed_checkin", "sos"]
    acked_sos = [a for a in alerts if a.kind == "sos" and a.acknowledged_at]
    assert len(acked_sos) >= 5  # enough for p50 / p95 on the statistics page
    assert len({(a.acknowledged_at - a.opened_at) for a in acked_sos}) == len(acked_sos)
    assert needs["open"] >= 3 and needs["met"] == 1


def test_every_step_and_decision_is_audited(seeded, profiles):
    with system_scope("test"):
        actions = Counter(AuditEvent.objects.values_list("action", flat=True))
        steps = AlertStep.objects.filter(step__lt=100).count()
    active = sum(1 for p in profiles if p.status == "active")
    assert actions["care.candidate.confirmed"] == active
    assert actions["care.candidate.dismissed"] == 3
    assert actions["care.alert.escalated"] == steps
    assert actions["care.terminal.registered"] + actions.get("care.terminal.created", 0) >= 25
    assert verify_chain().ok


def test_nothing_in_the_outsider_village(seeded, db):
    with system_scope("test"):
        for model in CARE_MODELS:
            assert not model._base_manager.filter(region_code__startswith=OUTSIDER).exists()


def test_second_run_adds_nothing(seeded, db):
    with system_scope("test"):
        before = [m._base_manager.count() for m in CARE_MODELS]
    again = _seed()
    assert not any(v for k, v in again.items() if k.startswith("care_")), again
    with system_scope("test"):
        assert [m._base_manager.count() for m in CARE_MODELS] == before


@pytest.mark.parametrize(
    ("username", "sees"),
    [
        ("daiban", {"child", "woman", "elderly"}),
        ("liangwei", {"child", "woman", "elderly"}),
        ("xiangzhen", {"child", "woman", "elderly"}),
        ("minzheng", {"child", "woman", "elderly"}),
        ("fulian", {"child", "woman", "elderly"}),
        ("daiban_lishu", set()),
    ],
)
def test_demo_logins_see_their_share(seeded, db, username, sees):
    j = _jurisdiction(username)
    rows = visible_profiles(j)
    assert set(rows.values_list("kind", flat=True)) == sees
    codes = {c[:12] for c in rows.values_list("region_code", flat=True)}
    if username in ("daiban", "liangwei"):
        assert codes == {VILLAGE_A}
    if username in ("xiangzhen", "minzheng", "fulian"):
        assert codes == {VILLAGE_A, "220182102201"}


@pytest.mark.parametrize("username", ["sifa", "shengji", "cunmin"])
def test_other_demo_logins_read_no_names(seeded, db, username):
    with pytest.raises(PermissionDenied):
        list(visible_profiles(_jurisdiction(username)))


def test_daiban_sees_the_board_the_due_list_and_candidates(seeded, db, settings):
    settings.REQUIRE_STAFF_2FA = False
    client = Client()
    client.force_login(User.objects.get(username="daiban"))
    with system_scope("test"):
        sos = Alert.objects.get(kind="sos", status="open")
        waiting = CareProfile.objects.filter(
            region_code__startswith=VILLAGE_A, status="candidate", kind="elderly"
        ).first()
        overdue = CareProfile.objects.filter(
            region_code__startswith=VILLAGE_A, status="active", next_visit_due__lt=timezone.now()
        ).first()
    board = client.get("/care/board/")
    assert board.status_code == 200 and sos.person.name in board.content.decode()
    due = client.get("/care/visits/")
    assert due.status_code == 200 and overdue.person.name in due.content.decode()
    candidates = client.get("/care/candidates/")
    assert candidates.status_code == 200 and waiting.person.name in candidates.content.decode()
    assert client.get("/care/stats/").status_code == 200
