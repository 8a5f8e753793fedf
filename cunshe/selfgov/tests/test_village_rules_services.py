"""Village rules through the services: adoption only by a passed 村民会议 decision of the
village (Art. 27), numbered versions, filing by the township once; the public reads."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cunshe.residents.tests.conftest import jurisdiction_of
from cunshe.selfgov.models import MeetingKind, RulesKind, RulesVersion
from cunshe.selfgov.selectors import village_rules as sel
from cunshe.selfgov.services import village_rules as svc
from cunshe.selfgov.tests.proposals_fixtures import *  # noqa: F403


def _adopt(cast, clerk_j, decision, kind=RulesKind.COVENANT, title="闵家村村规民约"):
    return svc.rules_adopt(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, kind=kind,
        title=title, text="第一条 爱护公共设施。\n第二条 红白事从简。", decision=decision,
    )  # fmt: skip


def test_adopt_versions_and_file(cast, clerk_j, passed_decision):
    v1 = _adopt(cast, clerk_j, passed_decision())
    v2 = _adopt(
        cast, clerk_j, passed_decision(title="修订村规民约（二）"), title="村规民约（修订）"
    )
    assert (v1.number, v2.number) == (1, 2)
    assert v1.adopted_on == timezone.localdate()
    current, older = sel.public_versions(cast.village_a.code)
    assert [r.pk for r in current] == [v2.pk] and [r.pk for r in older] == [v1.pk]
    tj = jurisdiction_of(cast.township_officer)
    with pytest.raises(PermissionDenied):
        svc.rules_file(actor=cast.clerk_a, jurisdiction=clerk_j, version=v2,
                       filed_on=timezone.localdate())  # fmt: skip
    with pytest.raises(ValidationError):
        svc.rules_file(actor=cast.township_officer, jurisdiction=tj, version=v2,
                       filed_on=v2.adopted_on - timedelta(days=1))  # fmt: skip
    svc.rules_file(actor=cast.township_officer, jurisdiction=tj, version=v2,
                   filed_on=timezone.localdate(), note="已备案")  # fmt: skip
    with pytest.raises(ValidationError):
        svc.rules_file(actor=cast.township_officer, jurisdiction=tj, version=v2,
                       filed_on=timezone.localdate())  # fmt: skip


def test_adoption_without_passed_villagers_meeting_refused(cast, clerk_j, passed_decision):
    failed = passed_decision(passed=False)
    with pytest.raises(ValidationError) as exc:
        _adopt(cast, clerk_j, failed)
    assert "第二十七条" in str(exc.value) and "未获通过" in str(exc.value)
    reps = passed_decision(kind=MeetingKind.REPRESENTATIVES)
    assert reps.passed
    with pytest.raises(ValidationError) as exc:
        _adopt(cast, clerk_j, reps)
    assert "第二十七条" in str(exc.value) and "村民代表会议" in str(exc.value)
    assert not RulesVersion.objects.within(clerk_j).exists()


def test_one_decision_one_version(cast, clerk_j, passed_decision):
    d = passed_decision()
    _adopt(cast, clerk_j, d)
    with pytest.raises(ValidationError):
        _adopt(cast, clerk_j, d, kind=RulesKind.CHARTER)
    assert RulesVersion.objects.within(clerk_j).count() == 1


def test_outsider_cannot_adopt(cast, passed_decision):
    d = passed_decision()
    with pytest.raises(PermissionDenied):
        svc.rules_adopt(actor=cast.outsider, jurisdiction=jurisdiction_of(cast.outsider),
                        village=cast.village_a, kind=RulesKind.COVENANT, title="t", text="x",
                        decision=d)  # fmt: skip
