import pytest

from cunshe.accounts.models import RoleAssignment
from cunshe.core.jurisdiction import Jurisdiction, ScopeError, system_scope
from cunshe.regions.models import Region


def test_prefix_of_wrong_length_is_refused():
    with pytest.raises(ValueError):
        Jurisdiction(prefixes=("2201020",))


def test_empty_jurisdiction_is_refused():
    with pytest.raises(ScopeError):
        Jurisdiction(prefixes=())


def test_within_none_is_an_error_not_everything(cast):
    with pytest.raises(ScopeError):
        Region.objects.within(None)


def test_county_sees_its_subtree_only(cast):
    j = Jurisdiction(prefixes=("220182",))
    codes = set(Region.objects.within(j).values_list("code", flat=True))
    assert "220182102200" in codes
    assert "220322103200" not in codes
    assert "22" not in codes


def test_prefix_boundary_sibling_county_not_matched(cast):
    # 2201820 would be a prefix of nothing real, but 220182 must never match 2201821...
    Region.objects.create(
        code="220183", name="德惠市", level=3, kind="admin", parent=cast.regions["2201"]
    )
    j = Jurisdiction(prefixes=("220182",))
    assert not Region.objects.within(j).filter(code="220183").exists()


def test_scoped_manager_fails_closed_without_jurisdiction(cast):
    # RoleAssignment uses a plain queryset; ScopedModel subclasses arrive with the registry.
    assert RoleAssignment.objects.within(Jurisdiction(prefixes=("220322",))).count() == 1
    j = Jurisdiction.system("test")
    assert j.covers("220182")


def test_system_scope_is_audited(cast):
    from cunshe.core.models import AuditEvent

    with system_scope("nightly recount"):
        pass
    event = AuditEvent.objects.order_by("-id").first()
    assert event.action == "core.system_scope.entered"
    assert event.detail == {"reason": "nightly recount"}
