"""Security review: a refusal's audit event must survive the rollback its PermissionDenied
causes. `access.get_profile_for(..., for_update=True)` is called inside the services' atomic
blocks (candidate_confirm, candidate_dismiss, _record of a visit, _lock of a profile): a 403
raised there rolled the block back and its `care.permission.denied` event with it."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied
from django.db import transaction

from cunshe.care.models import CareKind, CareProfile
from cunshe.care.services import identification as ident_services
from cunshe.core.access import require_perm
from cunshe.core.audit import audit, flush_refusals, verify_chain
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent

pytestmark = pytest.mark.django_db

VILLAGE_A = "220182102200"


def _denials(**filters):  # type: ignore[no-untyped-def]
    return AuditEvent.objects.filter(outcome=AuditEvent.Outcome.DENIED, **filters)


def _editor_without_children() -> Jurisdiction:
    return Jurisdiction(
        prefixes=(VILLAGE_A,),
        permissions=frozenset({"care.view", "care.edit"}),
        role="village_clerk",
    )


def test_child_candidate_confirm_refusal_is_audited_after_its_rollback(
    family, make_profile, client_as, cast
):  # type: ignore[no-untyped-def]
    profile = make_profile(family.child, CareKind.CHILD, status=CareProfile.Status.CANDIDATE)
    with pytest.raises(PermissionDenied):
        ident_services.candidate_confirm(
            actor=cast.clerk_a,
            jurisdiction=_editor_without_children(),
            profile=profile,
            risk_level="general",
        )
    # The service's atomic block rolled back; the end of the next request writes it again.
    client_as(cast.clerk_a).get("/")
    rows = list(_denials(object_id=str(profile.pk), action="care.permission.denied"))
    assert len(rows) == 1
    assert rows[0].detail == {"permission": "care.view_children"}
    assert verify_chain().ok


def test_refusal_inside_a_rolled_back_block_is_written_by_the_next_audit(cast):  # type: ignore[no-untyped-def]
    j = Jurisdiction(prefixes=(VILLAGE_A,), permissions=frozenset(), role="village_clerk")
    with pytest.raises(PermissionDenied), transaction.atomic():
        require_perm(j, "care.edit", action="care.permission.denied")
    assert not _denials(action="care.permission.denied").exists()  # rolled back for now
    audit("core.test.after", jurisdiction=j)
    rows = list(AuditEvent.objects.order_by("id").values_list("action", "outcome"))
    assert rows[-2:] == [("care.permission.denied", "denied"), ("core.test.after", "success")]
    assert verify_chain().ok


def test_refusal_in_a_committed_block_is_written_once(cast):  # type: ignore[no-untyped-def]
    j = Jurisdiction(prefixes=(VILLAGE_A,), permissions=frozenset(), role="village_clerk")
    with transaction.atomic():
        try:
            require_perm(j, "care.edit", action="care.permission.denied")
        except PermissionDenied:
            pass  # caught inside: the block commits with its refusal
    assert flush_refusals() == 0
    assert _denials(action="care.permission.denied").count() == 1


def test_refusal_rolled_back_to_a_savepoint_of_a_committed_transaction_is_kept(cast):  # type: ignore[no-untyped-def]
    j = Jurisdiction(prefixes=(VILLAGE_A,), permissions=frozenset(), role="village_clerk")
    with transaction.atomic():
        with pytest.raises(PermissionDenied), transaction.atomic():
            require_perm(j, "care.edit", action="care.permission.denied")
        audit("core.test.inside", jurisdiction=j)
    assert flush_refusals() == 1
    assert _denials(action="care.permission.denied").count() == 1
    assert verify_chain().ok
