"""Writes on the tree: village groups and natural hamlets, created locally under a village.

A group's code is the village's 12 digits plus the next free three-digit number. Numbers are
never reused, not even those of retired groups, because records may still carry the old code.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.access import require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.pinyin import pinyin_of
from cunshe.regions.importer import ImportReport, region_tree_import
from cunshe.regions.models import Kind, Level, Region

__all__ = [
    "ImportReport",
    "region_group_create",
    "region_group_rename",
    "region_group_retire",
    "region_tree_import",
]

GROUP_KINDS = (Kind.GROUP, Kind.HAMLET)
GROUP_NAME_MAX = 50
GROUP_NUMBER_MAX = 999
MANAGE_GROUPS = "regions.manage_groups"


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise ValidationError(_("请填写名称。"), code="required")
    if len(name) > GROUP_NAME_MAX:
        raise ValidationError(
            _("名称不能超过 %(max)d 个字。") % {"max": GROUP_NAME_MAX}, code="too_long"
        )
    return name


def _check_unique_name(village: Region, name: str, exclude_pk: int | None = None) -> None:
    siblings = Region.objects.filter(parent=village, level=Level.GROUP, valid_to__isnull=True)
    if exclude_pk is not None:
        siblings = siblings.exclude(pk=exclude_pk)
    if siblings.filter(name=name).exists():
        raise ValidationError(
            _("本村已有名为“%(name)s”的村民小组或自然屯。") % {"name": name}, code="duplicate"
        )


def _locked_in_scope(jurisdiction: Jurisdiction, pk: int, level: int) -> Region:
    # The row lock serialises concurrent creators under one village on PostgreSQL.
    try:
        region = Region.objects.select_for_update().within(jurisdiction).get(pk=pk, level=level)
    except Region.DoesNotExist as exc:
        raise Http404 from exc
    return region


def region_group_create(
    *, actor: Any, jurisdiction: Jurisdiction, village: Region, name: str, kind: str
) -> Region:
    """Create a village group or natural hamlet under `village`, numbered next free."""
    if not jurisdiction.covers(village.code):
        raise Http404
    # Checked before the transaction so that the audited refusal is not rolled back with it.
    require_perm(jurisdiction, MANAGE_GROUPS, action="regions.group.denied")
    with transaction.atomic():
        return _create_group(actor, jurisdiction, village, name, kind)


def _create_group(
    actor: Any, jurisdiction: Jurisdiction, village: Region, name: str, kind: str
) -> Region:
    village = _locked_in_scope(jurisdiction, village.pk, Level.VILLAGE)
    if village.valid_to is not None:
        raise ValidationError(_("该村已撤销，不能再添加村民小组或自然屯。"), code="retired")
    if kind not in GROUP_KINDS:
        raise ValidationError(_("类别必须是村民小组或自然屯。"), code="kind")
    name = _clean_name(name)
    _check_unique_name(village, name)
    last = Region.objects.filter(code__startswith=village.code, level=Level.GROUP).aggregate(
        last=Max("code")
    )["last"]
    number = int(last[-3:]) + 1 if last else 1
    if number > GROUP_NUMBER_MAX:
        raise ValidationError(_("本村的编号已用完（最多 999 个）。"), code="full")
    pinyin, initials = pinyin_of(name)
    group = Region.objects.create(
        code=f"{village.code}{number:03d}",
        name=name,
        level=Level.GROUP,
        kind=kind,
        parent=village,
        valid_from=timezone.localdate(),
        pinyin=pinyin,
        initials=initials,
    )
    audit(
        "regions.group.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=group,
        detail={"code": group.code, "name": name, "kind": kind},
    )
    return group


def _check_group_access(jurisdiction: Jurisdiction, group: Region) -> None:
    if not jurisdiction.covers(group.code) or group.level != Level.GROUP:
        raise Http404
    require_perm(jurisdiction, MANAGE_GROUPS, action="regions.group.denied")


def _group_for_change(jurisdiction: Jurisdiction, group: Region) -> Region:
    group = _locked_in_scope(jurisdiction, group.pk, Level.GROUP)
    if group.valid_to is not None:
        raise ValidationError(_("该村民小组或自然屯已撤销。"), code="retired")
    return group


def region_group_rename(
    *, actor: Any, jurisdiction: Jurisdiction, group: Region, name: str
) -> Region:
    """Give a group or hamlet a new name; its code stays."""
    _check_group_access(jurisdiction, group)
    with transaction.atomic():
        return _rename_group(actor, jurisdiction, group, name)


def _rename_group(actor: Any, jurisdiction: Jurisdiction, group: Region, name: str) -> Region:
    group = _group_for_change(jurisdiction, group)
    name = _clean_name(name)
    if name == group.name:
        return group
    assert group.parent is not None
    _check_unique_name(group.parent, name, exclude_pk=group.pk)
    old = group.name
    group.name = name
    group.pinyin, group.initials = pinyin_of(name)
    group.save(update_fields=["name", "pinyin", "initials"])
    audit(
        "regions.group.renamed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=group,
        detail={"code": group.code, "old_name": old, "name": name},
    )
    return group


def region_group_retire(
    *, actor: Any, jurisdiction: Jurisdiction, group: Region, valid_to: dt.date | None = None
) -> Region:
    """End a group or hamlet (valid_to set); the row and its code are kept for history."""
    _check_group_access(jurisdiction, group)
    with transaction.atomic():
        return _retire_group(actor, jurisdiction, group, valid_to)


def _retire_group(
    actor: Any, jurisdiction: Jurisdiction, group: Region, valid_to: dt.date | None
) -> Region:
    group = _group_for_change(jurisdiction, group)
    group.valid_to = valid_to or timezone.localdate()
    group.save(update_fields=["valid_to"])
    audit(
        "regions.group.retired",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=group,
        detail={"code": group.code, "valid_to": group.valid_to.isoformat()},
    )
    return group
