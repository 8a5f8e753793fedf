"""Village groups and hamlets: codes = village code + next free three digits; only a village's
clerk or leader may create them, only inside their village; rename and retire keep history."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from cunshe.core.models import AuditEvent
from cunshe.regions.models import Kind, Level, Region
from cunshe.regions.services import (
    region_group_create,
    region_group_rename,
    region_group_retire,
)


def _as(cast, name):  # type: ignore[no-untyped-def]
    user = cast.users[name]
    return {"actor": user, "jurisdiction": user.assignments.get().jurisdiction()}


def test_next_group_gets_the_next_free_number(cast):
    group = region_group_create(
        **_as(cast, "clerk_a"), village=cast.village_a, name="二组", kind=Kind.GROUP
    )
    assert group.code == "220182102200002"
    assert (group.level, group.kind, group.parent_id) == (
        Level.GROUP,
        Kind.GROUP,
        cast.village_a.pk,
    )
    assert group.initials == "ez"
    hamlet = region_group_create(
        **_as(cast, "leader_a"), village=cast.village_a, name="王家屯", kind=Kind.HAMLET
    )
    assert hamlet.code == "220182102200003"
    three = region_group_create(
        **_as(cast, "clerk_a"), village=cast.village_a, name="三组", kind=Kind.GROUP
    )
    assert three.code == "220182102200004"


def test_a_retired_groups_number_is_never_reused(cast):
    clerk = _as(cast, "clerk_a")
    two = region_group_create(**clerk, village=cast.village_a, name="二组", kind=Kind.GROUP)
    region_group_retire(**clerk, group=two)
    again = region_group_create(**clerk, village=cast.village_a, name="二组", kind=Kind.GROUP)
    assert again.code == "220182102200003"
    assert Region.objects.get(code=two.code).valid_to is not None


def test_creation_is_audited(cast):
    group = region_group_create(
        **_as(cast, "clerk_a"), village=cast.village_a, name="二组", kind=Kind.GROUP
    )
    event = AuditEvent.objects.get(action="regions.group.created")
    assert event.object_id == str(group.pk)
    assert event.detail["code"] == group.code
    assert event.actor_username == "clerk_a"


def test_township_officer_inside_but_without_permission_gets_403_audited(cast):
    with pytest.raises(PermissionDenied):
        region_group_create(
            **_as(cast, "township_officer"), village=cast.village_a, name="二组", kind=Kind.GROUP
        )
    assert AuditEvent.objects.filter(action="regions.group.denied", outcome="denied").exists()
    assert not Region.objects.filter(code="220182102200002").exists()


@pytest.mark.parametrize("village", ["village_b", "village_c"])
def test_clerk_cannot_add_groups_to_another_village(cast, village):
    with pytest.raises(Http404):
        region_group_create(
            **_as(cast, "clerk_a"), village=getattr(cast, village), name="二组", kind=Kind.GROUP
        )
    with pytest.raises(Http404):
        region_group_create(
            **_as(cast, "outsider"), village=cast.village_a, name="二组", kind=Kind.GROUP
        )
    assert Region.objects.filter(level=Level.GROUP).count() == 1


@pytest.mark.parametrize(
    ("name", "kind", "message"),
    [
        ("  ", Kind.GROUP, "请填写名称"),
        ("一组", Kind.GROUP, "已有名为“一组”"),
        ("x" * 51, Kind.GROUP, "不能超过 50 个字"),
        ("二组", Kind.RURAL_VILLAGE, "村民小组或自然屯"),
    ],
)
def test_bad_input_is_refused_with_a_chinese_message(cast, name, kind, message):
    with pytest.raises(ValidationError) as info:
        region_group_create(**_as(cast, "clerk_a"), village=cast.village_a, name=name, kind=kind)
    assert message in " ".join(info.value.messages)
    assert Region.objects.filter(level=Level.GROUP).count() == 1


def test_groups_cannot_be_added_under_a_township(cast):
    with pytest.raises(Http404):
        region_group_create(
            **_as(cast, "clerk_a"), village=cast.township, name="二组", kind=Kind.GROUP
        )


def test_rename_keeps_the_code_and_is_audited(cast):
    group = Region.objects.get(code="220182102200001")
    renamed = region_group_rename(**_as(cast, "clerk_a"), group=group, name="第一村民小组")
    assert (renamed.code, renamed.name, renamed.initials) == (group.code, "第一村民小组", "dycmxz")
    assert AuditEvent.objects.get(action="regions.group.renamed").detail["old_name"] == "一组"


def test_retire_sets_valid_to_and_keeps_the_row(cast):
    group = Region.objects.get(code="220182102200001")
    region_group_retire(**_as(cast, "leader_a"), group=group)
    group.refresh_from_db()
    assert group.valid_to is not None
    assert AuditEvent.objects.filter(action="regions.group.retired").count() == 1
    with pytest.raises(ValidationError):
        region_group_retire(**_as(cast, "leader_a"), group=group)


def test_outsider_cannot_rename_or_retire(cast):
    group = Region.objects.get(code="220182102200001")
    with pytest.raises(Http404):
        region_group_rename(**_as(cast, "outsider"), group=group, name="x")
    with pytest.raises(Http404):
        region_group_retire(**_as(cast, "outsider"), group=group)
    with pytest.raises(PermissionDenied):
        region_group_retire(**_as(cast, "township_officer"), group=group)
