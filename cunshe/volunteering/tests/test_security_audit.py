"""Security review (part `security`): a refused attempt to export full ID numbers (the national
export without residents.unmask) leaves a refusal in the audit trail."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from cunshe.core.models import AuditEvent
from cunshe.volunteering.services import records as svc
from cunshe.volunteering.tests.volunteers_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.volunteers_fixtures import jurisdiction_of


def test_refused_unmasked_export_is_audited(cast, vols):
    township_j = jurisdiction_of(cast.township_officer)
    with pytest.raises(PermissionDenied):
        svc.national_export(actor=cast.township_officer, jurisdiction=township_j, full_ids=True)
    event = AuditEvent.objects.get(action="volunteering.volunteers.export_unmask_denied")
    assert event.outcome == AuditEvent.Outcome.DENIED
    assert event.actor_id == cast.township_officer.pk
    assert not AuditEvent.objects.filter(action="volunteering.volunteers.exported").exists()
