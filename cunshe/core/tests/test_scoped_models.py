"""The scoped manager fails closed; within() and the access functions draw the subtree line."""

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404

from cunshe.core.access import get_scoped_or_404
from cunshe.core.fields import blind_index_for
from cunshe.core.jurisdiction import Jurisdiction, ScopeError, system_scope
from cunshe.core.models import AuditEvent
from cunshe.core.testing.sample.models import SampleRecord


@pytest.fixture
def records(cast):
    a = SampleRecord(region=cast.village_a, note="A", secret="220182199001011234")
    a.save()
    child = SampleRecord(region=cast.village_a, note="A-child", parent=a)
    child.save()
    c = SampleRecord(region=cast.village_c, note="C")
    c.save()
    return {"a": a, "child": child, "c": c}


def test_region_code_follows_the_region(records, cast):
    record = records["a"]
    assert record.region_code == "220182102200"
    record.region = cast.village_b
    record.save()
    assert SampleRecord._base_manager.get(pk=record.pk).region_code == "220182102201"


@pytest.mark.parametrize("call", ["all", "filter", "count", "get"])
def test_default_manager_refuses_unscoped_reads(records, call):
    with pytest.raises(ScopeError):
        getattr(SampleRecord.objects, call)()


def test_within_returns_only_the_subtree(records):
    township = Jurisdiction(prefixes=("220182102",))
    assert {r.note for r in SampleRecord.objects.within(township)} == {"A", "A-child"}
    outsider = Jurisdiction(prefixes=("220322103200",))
    assert {r.note for r in SampleRecord.objects.within(outsider)} == {"C"}


def test_within_none_fails_closed(records):
    with pytest.raises(ScopeError):
        SampleRecord.objects.within(None)


def test_system_scope_allows_unscoped_reads_and_is_audited(records):
    with system_scope("recount for test"):
        assert SampleRecord.objects.count() == 3
    assert AuditEvent.objects.filter(action="core.system_scope.entered").exists()
    with pytest.raises(ScopeError):
        SampleRecord.objects.count()


def test_related_manager_of_a_loaded_object_is_allowed(records):
    j = Jurisdiction(prefixes=("220182102200",))
    parent = SampleRecord.objects.within(j).get(note="A")
    assert [c.note for c in parent.children.all()] == ["A-child"]


def test_access_function_404_outside_403_inside_without_permission(records):
    outsider = Jurisdiction(prefixes=("220322103200",), permissions=frozenset({"sample.view"}))
    with pytest.raises(Http404):
        get_scoped_or_404(SampleRecord.objects, outsider, need="sample.view", pk=records["a"].pk)
    clerk = Jurisdiction(prefixes=("220182102200",), permissions=frozenset())
    with pytest.raises(PermissionDenied):
        get_scoped_or_404(SampleRecord.objects, clerk, need="sample.view", pk=records["a"].pk)
    denied = AuditEvent.objects.filter(action="core.permission.denied").latest("id")
    assert denied.object_id == str(records["a"].pk)
    assert denied.outcome == "denied"
    allowed = Jurisdiction(prefixes=("220182102200",), permissions=frozenset({"sample.view"}))
    got = get_scoped_or_404(SampleRecord.objects, allowed, need="sample.view", pk=records["a"].pk)
    assert got.note == "A"


def test_encrypted_value_is_not_stored_in_clear_and_is_found_by_blind_index(records):
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT secret FROM sample_samplerecord WHERE id = %s", [records["a"].pk])
        raw = cur.fetchone()[0]
    assert "220182199001011234" not in raw
    j = Jurisdiction(prefixes=("22",))
    bidx = blind_index_for(SampleRecord, "secret", " 220182199001011234 ")
    found = SampleRecord.objects.within(j).get(secret_bidx=bidx)
    assert found.secret == "220182199001011234"


def test_ciphertext_cannot_be_filtered_by_plaintext(records):
    j = Jurisdiction(prefixes=("22",))
    with pytest.raises(Exception):  # noqa: B017 - Django raises FieldError for the lookup
        list(SampleRecord.objects.within(j).filter(secret="220182199001011234"))
