"""Needs (关爱需求) and their linkage: a need found on a visit, on an alert or on the profile;
turned into a service-desk application in 代办 mode (the villager's signed authorisation
attached), later a volunteer need (issue 6); met or closed with an outcome.

Statuses: open → referred (to the service desk, or to volunteering) → met / closed. A need may
also be met or closed straight from open (the carer solved it on the spot, or it lapsed).
Every write is atomic, checks the caller's jurisdiction and permission through
`cunshe.care.access`, is refused on a stale page (`version`, see `need_version`), and writes
one audit event `care.need.<verb>`.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.care import access
from cunshe.care.models import Alert, CareNeed, CareProfile, Visit
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.residents.services import ConcurrentEdit
from cunshe.servicedesk.models import Mode, ServiceItem
from cunshe.servicedesk.services import applications as desk

# Category codes (stored) and their labels (translated when shown).
CATEGORIES: dict[str, Any] = {
    "daily_care": gettext_lazy("生活照料"),
    "medical": gettext_lazy("医疗健康"),
    "meals": gettext_lazy("助餐"),
    "education": gettext_lazy("教育辅导"),
    "psychological": gettext_lazy("心理关爱"),
    "legal_aid": gettext_lazy("法律援助"),
    "policy": gettext_lazy("政策申办"),
    "other": gettext_lazy("其他"),
}

# Who may record and settle needs: carers who visit (care.visit) and clerks who keep profiles
# (care.edit). Turning a need into an application needs servicedesk.intake as well (the desk's
# own check, inside application_submit).
WRITE_PERMS = ("care.visit", "care.edit")
OPEN_PROFILE = (CareProfile.Status.ACTIVE, CareProfile.Status.CANDIDATE)
SETTLED = (CareNeed.Status.MET, CareNeed.Status.CLOSED)


def category_label(code: str) -> str:
    return str(CATEGORIES.get(code, code))


def need_version(need: CareNeed) -> int:
    """The stale-edit token of a need: its last change in microseconds (the row has no counter;
    `updated_at` moves on every save)."""
    return int(need.updated_at.timestamp() * 1_000_000) if need.updated_at else 0


def may_write(j: Jurisdiction) -> bool:
    return any(j.has_perm(p) for p in WRITE_PERMS)


def require_write(j: Jurisdiction, obj: Any = None) -> None:
    if may_write(j):
        return
    audit(
        "care.permission.denied",
        jurisdiction=j,
        obj=obj,
        outcome=AuditEvent.Outcome.DENIED,
        detail={"permission": WRITE_PERMS[0]},
    )
    raise PermissionDenied(WRITE_PERMS[0])


def _clean_text(value: str, field: str, limit: int, *, required: bool) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationError({field: _("不能包含空字符。")})
    if required and not text:
        raise ValidationError({field: _("请填写此项。")})
    if len(text) > limit:
        raise ValidationError({field: _("最多 %(max)s 个字符。") % {"max": limit}})
    return text


@transaction.atomic
def need_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile_id: int,
    category: str,
    description: str,
    visit_id: int | None = None,
    alert_id: int | None = None,
) -> CareNeed:
    """Record a need of a profile (from one of its visits or alerts, or from the profile page).
    404 outside the caller's subtree, 403 without care.visit/care.edit (or for a child without
    care.view_children)."""
    profile = access.get_profile_for(jurisdiction, profile_id)
    require_write(jurisdiction, profile)
    errors: dict[str, str] = {}
    if category not in CATEGORIES:
        errors["category"] = _("请选择需求类别。")
    try:
        text = _clean_text(description, "description", 300, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        text = ""
    if profile.status not in OPEN_PROFILE:
        errors["__all__"] = _("该对象已退出或不予认定，不能再登记需求。")
    visit = alert = None
    if visit_id is not None:
        visit = Visit.objects.within(jurisdiction).filter(pk=visit_id, profile=profile).first()
        if visit is None:
            errors["visit"] = _("探访记录不属于该对象。")
    if alert_id is not None:
        alert = (
            Alert.objects.within(jurisdiction)
            .filter(pk=alert_id, person_id=profile.person_id)
            .first()
        )
        if alert is None:
            errors["alert"] = _("告警不属于该对象。")
    if errors:
        raise ValidationError(errors)
    need = CareNeed(
        region=profile.region,
        profile=profile,
        visit=visit,
        alert=alert,
        category=category,
        description=text,
        created_by=actor,
    )
    need.save()
    audit(
        "care.need.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={
            "profile": profile.pk,
            "category": category,
            "source": "visit" if visit else "alert" if alert else "profile",
        },
    )
    return need


def _lock(jurisdiction: Jurisdiction, need_id: int, expected_version: int | None) -> CareNeed:
    """The need, locked, after the access checks (404 / 403) and the stale-page check."""
    need = (
        CareNeed.objects.within(jurisdiction)
        .select_for_update(of=("self",))
        .select_related("profile", "profile__person", "profile__person__household", "application")
        .filter(pk=need_id)
        .first()
    )
    if need is None:
        raise Http404
    access.get_profile_for(jurisdiction, need.profile_id)  # 403 for a child without the right
    require_write(jurisdiction, need)
    if expected_version is not None and expected_version != need_version(need):
        raise ConcurrentEdit()
    return need


@transaction.atomic
def need_refer_to_desk(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    need_id: int,
    item: ServiceItem,
    authorised_on: date | None,
    authorisation: UploadedFile | None,
    idempotency_key: str,
    details: str = "",
    expected_version: int | None = None,
) -> CareNeed:
    """Turn an open need into a service-desk application in 代办 mode for the cared-for person
    (the desk checks the clerk's servicedesk.intake, the item, the village's offer and the signed
    authorisation); the need becomes `referred` and keeps the application."""
    need = _lock(jurisdiction, need_id, None)
    key = (idempotency_key or "").strip()[:64]
    if (
        need.status == CareNeed.Status.REFERRED
        and need.application is not None
        and need.application.idempotency_key == key
        and need.application.created_by_id == getattr(actor, "pk", None)
    ):
        return need  # the same form sent twice (a double click, a retry): already done
    if expected_version is not None and expected_version != need_version(need):
        raise ConcurrentEdit()
    if need.status != CareNeed.Status.OPEN:
        raise ValidationError(_("只有待处理的需求可以转办。"))
    if not jurisdiction.has_perm(desk.INTAKE):
        audit(
            "care.permission.denied",
            jurisdiction=jurisdiction,
            obj=need,
            outcome=AuditEvent.Outcome.DENIED,
            detail={"permission": desk.INTAKE},
        )
        raise PermissionDenied(_("转为服务申请需要代办受理权限（村社区工作者/代办员）。"))
    if Mode.DAIBAN not in (item.modes or []):
        raise ValidationError({"item": _("该事项不能代办，请选择其他事项。")})
    text = _clean_text(details, "details", 4000, required=False)
    summary = _("关爱需求（%(category)s）：%(text)s") % {
        "category": category_label(need.category),
        "text": need.description,
    }
    application = desk.application_submit(
        actor=actor,
        jurisdiction=jurisdiction,
        item=item,
        applicant=need.profile.person,
        mode=Mode.DAIBAN,
        idempotency_key=idempotency_key,
        details=f"{summary}\n{text}".strip(),
        authorised_on=authorised_on,
        authorisation=authorisation,
    )
    need.application = application
    need.status = CareNeed.Status.REFERRED
    need.save(update_fields=["application", "status", "updated_at"])
    audit(
        "care.need.referred",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"to": "servicedesk", "application": application.pk, "item": item.code},
    )
    return need


@transaction.atomic
def need_settle(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    need_id: int,
    status: str,
    outcome: str,
    expected_version: int | None = None,
) -> CareNeed:
    """Mark a need met or closed, with the outcome in words (required)."""
    need = _lock(jurisdiction, need_id, expected_version)
    errors: dict[str, str] = {}
    if status not in SETTLED:
        errors["status"] = _("请选择“已解决”或“已关闭”。")
    try:
        text = _clean_text(outcome, "outcome", 300, required=True)
    except ValidationError as exc:
        errors.update({k: v[0] for k, v in exc.message_dict.items()})
        text = ""
    if need.status in SETTLED:
        errors["__all__"] = _("该需求已办结，不能重复处理。")
    if errors:
        raise ValidationError(errors)
    previous = need.status
    need.status = status
    need.outcome = text
    need.save(update_fields=["status", "outcome", "updated_at"])
    audit(
        "care.need.settled",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=need,
        detail={"from": previous, "to": status},
    )
    return need
