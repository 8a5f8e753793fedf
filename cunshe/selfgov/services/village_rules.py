"""村规民约 and 自治章程 (Art. 27): a village's versions, each adopted by a decision that passed at
a 村民会议 of that village (anything else refused, the article named), numbered in order per
kind; versions are never edited — a new one supersedes. The township (selfgov.supervise)
records the filing (备案) once."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Kind, Level, Region
from cunshe.selfgov.models import Decision, MeetingKind, RulesKind, RulesVersion
from cunshe.selfgov.selectors import village_rules as sel

MANAGE = sel.MANAGE
SUPERVISE = sel.SUPERVISE
ART_27 = _("村规民约、村民自治章程须由村民会议制定和修改（村民委员会组织法第二十七条）")


def _insert(model, **fields):  # type: ignore[no-untyped-def]
    """Create a scoped row (the bare manager refuses unscoped use; saving needs no scope)."""
    row = model(**fields)
    row.save(force_insert=True)
    return row


def _clean(value: str, field: str, limit: int, empty: str) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationError({field: empty})
    if len(text) > limit:
        raise ValidationError({field: _("最多%(n)s字。") % {"n": limit}})
    if "\x00" in text:
        raise ValidationError({field: _("不能包含空字符。")})
    return text


@transaction.atomic
def rules_adopt(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    kind: str,
    title: str,
    text: str,
    decision: Decision,
) -> RulesVersion:
    """Record the next version of `kind` in `village`, adopted by `decision`."""
    if not (jurisdiction.has_perm(MANAGE) and jurisdiction.covers(village.code)):
        raise PermissionDenied(_("只有村委会可以登记村规民约和自治章程。"))
    if not (village.level == Level.VILLAGE and village.kind == Kind.RURAL_VILLAGE):
        raise ValidationError({"village": _("村规民约和自治章程属于一个村。")})
    if kind not in RulesKind.values:
        raise ValidationError({"kind": _("请选择类别。")})
    title = _clean(title, "title", 200, _("请填写标题。"))
    text = _clean(text, "text", 100_000, _("请填写全文。"))
    meeting = decision.agenda_item.meeting
    if meeting.kind != MeetingKind.VILLAGERS:
        raise ValidationError(
            {"decision": _("%(rule)s；这项决议是%(kind)s作出的。")
             % {"rule": ART_27, "kind": meeting.get_kind_display()}}
        )  # fmt: skip
    if meeting.region_code != village.code:
        raise ValidationError({"decision": _("%(rule)s；这项决议不是本村村民会议作出的。")
                               % {"rule": ART_27}})  # fmt: skip
    if not decision.passed:
        raise ValidationError(
            {"decision": _("%(rule)s；这项决议未获通过（赞成%(yes)s，到会%(present)s）。")
             % {"rule": ART_27, "yes": decision.votes_for, "present": decision.present}}
        )  # fmt: skip
    existing = RulesVersion.objects.within(jurisdiction).filter(region=village, kind=kind)
    if RulesVersion.objects.within(jurisdiction).filter(decision=decision).exists():
        raise ValidationError({"decision": _("这项决议已经登记过一个版本。")})
    number = (existing.aggregate(n=Max("number"))["n"] or 0) + 1
    adopted_on = timezone.localdate(meeting.scheduled_at)
    try:
        with transaction.atomic():
            row = _insert(RulesVersion,
                region=village, kind=kind, number=number, title=title, text=text,
                decision=decision, adopted_on=adopted_on, adopted_by=actor,
            )  # fmt: skip
    except IntegrityError as exc:
        raise ValidationError(
            {"decision": _("同时有人登记了新版本或这项决议已被使用，请刷新后重试。")}
        ) from exc
    audit("selfgov.rules.adopted", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"kind": kind, "number": number, "decision": decision.pk})  # fmt: skip
    return row


@transaction.atomic
def rules_file(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    version: RulesVersion,
    filed_on: date,
    note: str = "",
) -> RulesVersion:
    """The township records that the version was filed with it (once)."""
    if not (jurisdiction.has_perm(SUPERVISE) and jurisdiction.covers(version.region_code)):
        raise PermissionDenied(_("只有乡镇可以登记备案。"))
    row = RulesVersion.objects.within(jurisdiction).select_for_update().get(pk=version.pk)
    if row.filed_on is not None:
        raise ValidationError({"filed_on": _("这个版本已于%(d)s备案。") % {"d": row.filed_on}})
    if filed_on < row.adopted_on:
        raise ValidationError({"filed_on": _("备案日期不能早于通过日期（%(d)s）。")
                               % {"d": row.adopted_on}})  # fmt: skip
    if filed_on > timezone.localdate():
        raise ValidationError({"filed_on": _("备案日期不能晚于今天。")})
    note = (note or "").strip()
    if len(note) > 300:
        raise ValidationError({"note": _("最多%(n)s字。") % {"n": 300}})
    row.filed_on, row.filed_by, row.filing_note = filed_on, actor, note
    row.save(update_fields=["filed_on", "filed_by", "filing_note"])
    audit("selfgov.rules.filed", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"filed_on": filed_on.isoformat()})  # fmt: skip
    version.filed_on = filed_on
    return row
