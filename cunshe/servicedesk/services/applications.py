"""Applications: submission (online, 代办, 领办, 预约), the workflow, materials and re-routing.

The workflow is one table (`TRANSITIONS`): which states an action may start from, which state it
leads to and who may take it. Every write here is atomic, checks the caller's jurisdiction and
permission, keeps the deadline (working days; the clock stops while material is awaited),
appends a timeline entry in plain language for the villager, and writes one audit event.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.accounts.models import User
from cunshe.accounts.roles import Department
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.workdays import add_working_days, working_days_between
from cunshe.regions.models import Region
from cunshe.residents.models import GONE, Person
from cunshe.residents.selectors import own_household_id
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import (
    FINISHED,
    Application,
    ApplicationEvent,
    HandlingLevel,
    Material,
    MaterialRequirement,
    Mode,
    ServiceItem,
    Status,
)
from cunshe.servicedesk.notices import notify_person
from cunshe.servicedesk.rules import rule

APPLY = "servicedesk.apply"
INTAKE = "servicedesk.intake"
HANDLE = "servicedesk.handle"

# Trips to an office the villager makes for a matter, by mode (不跑腿 = 0).
TRIPS_BY_MODE = {Mode.ONLINE: 0, Mode.DAIBAN: 0, Mode.LINGBAN: 1, Mode.APPOINTMENT: 1}
# Modes a villager may choose alone; the others are a clerk's (代办/领办).
VILLAGER_MODES = (Mode.ONLINE, Mode.APPOINTMENT)
CLERK_MODES = (Mode.DAIBAN, Mode.LINGBAN, Mode.APPOINTMENT, Mode.ONLINE)


class ConcurrentEdit(Exception):
    """Someone else changed this application after it was opened; nothing was changed."""


# --- who may do what ----------------------------------------------------------------------------


def is_handler(jurisdiction: Jurisdiction, application: Application) -> bool:
    """True when the caller works at the unit the application is routed to."""
    if not jurisdiction.has_perm(HANDLE) or jurisdiction.is_system:
        return jurisdiction.is_system
    if application.handler_code not in jurisdiction.prefixes:
        return False
    if application.handler_level == HandlingLevel.COUNTY:
        return jurisdiction.department == application.handler_department
    return True


def is_intake_clerk(jurisdiction: Jurisdiction, application: Application) -> bool:
    """True for a clerk (servicedesk.intake) of the applicant's village."""
    return jurisdiction.has_perm(INTAKE) and jurisdiction.covers(application.region_code)


def is_applicant_side(jurisdiction: Jurisdiction, application: Application) -> bool:
    """True for the villager whose household the applicant belongs to."""
    if not jurisdiction.has_perm(APPLY) or not jurisdiction.covers(application.region_code):
        return False
    household = own_household_id(jurisdiction)
    return household is not None and household == application.applicant.household_id


def _in_scope(jurisdiction: Jurisdiction, application: Application) -> None:
    if not jurisdiction.covers(application.region_code):
        raise PermissionDenied(_("该办件不在您的管辖范围内。"))


# --- the workflow table -------------------------------------------------------------------------

HANDLER, APPLICANT, INTAKE_CLERK = "handler", "applicant", "intake"


@dataclass(frozen=True)
class Transition:
    sources: tuple[str, ...]
    target: str | None  # None: decided by the action (resubmit returns to where it came from)
    who: tuple[str, ...]
    needs_reason: bool
    label: Any


TRANSITIONS: dict[str, Transition] = {
    "accept": Transition((Status.SUBMITTED,), Status.ACCEPTED, (HANDLER,), False,
                         gettext_lazy("受理")),
    "reject": Transition((Status.SUBMITTED,), Status.REJECTED, (HANDLER,), True,
                         gettext_lazy("不予受理")),
    "return": Transition((Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS),
                         Status.RETURNED, (HANDLER,), True, gettext_lazy("退回补正")),
    "resubmit": Transition((Status.RETURNED,), None, (APPLICANT, INTAKE_CLERK), False,
                           gettext_lazy("补正后重新提交")),
    "start": Transition((Status.ACCEPTED,), Status.IN_PROGRESS, (HANDLER,), False,
                        gettext_lazy("开始办理")),
    "approve": Transition((Status.IN_PROGRESS,), Status.APPROVED, (HANDLER,), False,
                          gettext_lazy("准予办理")),
    "refuse": Transition((Status.IN_PROGRESS,), Status.REFUSED, (HANDLER,), True,
                         gettext_lazy("不予批准")),
    "deliver": Transition((Status.APPROVED,), Status.DELIVERED, (HANDLER, INTAKE_CLERK), False,
                          gettext_lazy("送达结果")),
    "close": Transition((Status.APPROVED, Status.REFUSED), Status.CLOSED,
                        (HANDLER, INTAKE_CLERK), False, gettext_lazy("办结")),
    "withdraw": Transition((Status.SUBMITTED, Status.RETURNED, Status.ACCEPTED),
                           Status.WITHDRAWN, (APPLICANT, INTAKE_CLERK), True,
                           gettext_lazy("撤回申请")),
}  # fmt: skip


def allowed_actions(jurisdiction: Jurisdiction, application: Application) -> list[str]:
    """The actions this caller may take on this application now (for buttons)."""
    roles = _roles_of(jurisdiction, application)
    return [
        name
        for name, t in TRANSITIONS.items()
        if application.status in t.sources and roles.intersection(t.who)
    ]


def _roles_of(jurisdiction: Jurisdiction, application: Application) -> set[str]:
    roles = set()
    if is_handler(jurisdiction, application):
        roles.add(HANDLER)
    if is_intake_clerk(jurisdiction, application):
        roles.add(INTAKE_CLERK)
    if is_applicant_side(jurisdiction, application):
        roles.add(APPLICANT)
    return roles


def unit_name(level: str, code: str, department: str) -> str:
    """'闵家镇' or '榆树市民政' — the handling unit as people say it."""
    region = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
    if level == HandlingLevel.COUNTY and department:
        return f"{region}{Department(department).label}"
    return str(region)


def _public_text(to_status: str, application: Application, reason: str) -> str:
    unit = unit_name(
        application.handler_level, application.handler_code, application.handler_department
    )
    due = application.due_on.isoformat() if application.due_on else ""
    texts = {
        Status.SUBMITTED: _("申请已提交，等待%(unit)s受理。"),
        Status.ACCEPTED: _("%(unit)s已受理，承诺%(due)s前办结。"),
        Status.REJECTED: _("不予受理：%(reason)s"),
        Status.RETURNED: _("需要补充材料：%(reason)s（补齐前办理时限暂停）"),
        Status.IN_PROGRESS: _("%(unit)s正在办理。"),
        Status.APPROVED: _("审核通过，准予办理。"),
        Status.REFUSED: _("不予批准：%(reason)s"),
        Status.DELIVERED: _("办理结果已送达。"),
        Status.CLOSED: _("已办结。"),
        Status.WITHDRAWN: _("申请已撤回。"),
    }
    return texts[Status(to_status)] % {"unit": unit, "due": due, "reason": reason}


def _event(
    application: Application,
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    kind: str,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    public_text: str = "",
    detail: dict[str, Any] | None = None,
) -> ApplicationEvent:
    return ApplicationEvent.objects.create(
        application=application,
        kind=kind,
        from_status=from_status,
        to_status=to_status,
        at=timezone.now(),
        actor=actor if getattr(actor, "pk", None) else None,
        actor_role=jurisdiction.role,
        reason=reason,
        public_text=public_text[:300],
        detail=detail or {},
    )


# --- notifications ------------------------------------------------------------------------------


def notify_applicant(
    application: Application, subject: str | Promise, body: str | Promise, link: str = ""
) -> None:
    """Tell the applicant (see `cunshe.servicedesk.notices.notify_person`); `subject` and `body`
    may use %(number)s and %(item)s."""
    values = {"number": application.number, "item": application.item.name}
    notify_person(application.applicant, subject, body, values, link)


_MESSAGES = {
    Status.ACCEPTED: (
        gettext_lazy("已受理：%(item)s"),
        gettext_lazy("您的申请（编号%(number)s）已受理，可凭编号和手机号后四位查询进度。"),
    ),
    Status.RETURNED: (
        gettext_lazy("请补充材料：%(item)s"),
        gettext_lazy("您的申请（编号%(number)s）需要补充材料，请查看详情或联系村代办员。"),
    ),
    Status.REJECTED: (
        gettext_lazy("不予受理：%(item)s"),
        gettext_lazy("您的申请（编号%(number)s）不予受理，理由见详情。"),
    ),
    Status.APPROVED: (
        gettext_lazy("办理结果：%(item)s"),
        gettext_lazy("您的申请（编号%(number)s）已审核通过。"),
    ),
    Status.REFUSED: (
        gettext_lazy("办理结果：%(item)s"),
        gettext_lazy("您的申请（编号%(number)s）未获批准，理由见详情。"),
    ),
}


def _status_link(application: Application) -> str:
    return f"/desk/my/{application.pk}/"


# --- materials ----------------------------------------------------------------------------------

_MAGIC = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)


def sniff_content_type(head: bytes) -> str:
    """The type the bytes really are (by their signature), or '' when not one we accept."""
    for magic, content_type in _MAGIC:
        if head.startswith(magic):
            return content_type
    return ""


def check_upload(upload: UploadedFile, field: str = "file") -> tuple[str, str]:
    """(content type, sha256) of an acceptable upload; ValidationError naming `field` if not."""
    limit = rule("MAX_UPLOAD_BYTES")
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {field: _("文件太大：不能超过%(mb)sMB。") % {"mb": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({field: _("文件是空的。")})
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    if content_type not in rule("ALLOWED_UPLOAD_TYPES"):
        raise ValidationError({field: _("文件内容不是PDF、JPG或PNG，请重新选择。")})
    upload.seek(0)
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _store(
    application: Application,
    upload: UploadedFile,
    *,
    actor: Any,
    name: str,
    doc_type: str,
    requirement: MaterialRequirement | None,
    checked: tuple[str, str],
) -> Material:
    content_type, sha = checked
    material = Material(
        application=application,
        requirement=requirement,
        doc_type=doc_type,
        name=name,
        original_name=(upload.name or "")[-200:],
        content_type=content_type,
        size=upload.size or 0,
        sha256=sha,
        uploaded_by=actor,
        uploaded_at=timezone.now(),
    )
    material.file.save("upload", upload, save=False)
    material.save()
    return material


NOT_REUSABLE = ("", "authorisation", "other", "application_form", "commitment")


def reusable_materials(applicant: Person) -> dict[str, Material]:
    """The applicant's latest material on file of each document type (for reuse)."""
    rows = (
        Material.objects.filter(application__applicant=applicant, superseded=False)
        # Forms and pledges belong to the matter they were signed for: never reused.
        .exclude(doc_type__in=NOT_REUSABLE)
        .order_by("doc_type", "-uploaded_at", "-id")
    )
    out: dict[str, Material] = {}
    for m in rows:
        out.setdefault(m.doc_type, m)
    return out


def _requirements_of(item: ServiceItem) -> dict[int, MaterialRequirement]:
    return {r.pk: r for r in item.materials.all()}


def _attach_materials(
    application: Application,
    *,
    actor: Any,
    uploads: dict[int, UploadedFile],
    reuse: dict[int, int],
    checked: dict[int, tuple[str, str]],
) -> list[str]:
    """Store uploads and reuses for an application; return the names of required materials
    still missing."""
    requirements = _requirements_of(application.item)
    on_file = reusable_materials(application.applicant)
    on_file_by_id = {m.pk: m for m in on_file.values()}
    for req_id, upload in uploads.items():
        req = requirements[req_id]
        # A new file supersedes an older one of the same requirement on this application.
        application.materials.filter(requirement=req, superseded=False).update(superseded=True)
        _store(
            application, upload, actor=actor, name=req.name, doc_type=req.doc_type or "other",
            requirement=req, checked=checked[req_id],
        )  # fmt: skip
    for req_id, material_id in reuse.items():
        req = requirements[req_id]
        source = on_file_by_id[material_id]
        Material.objects.create(
            application=application,
            requirement=req,
            doc_type=source.doc_type,
            name=req.name,
            file=source.file.name,
            original_name=source.original_name,
            content_type=source.content_type,
            size=source.size,
            sha256=source.sha256,
            reused_from=source,
            uploaded_by=actor,
            uploaded_at=timezone.now(),
        )
    have = set(
        application.materials.filter(superseded=False, requirement__isnull=False).values_list(
            "requirement_id", flat=True
        )
    )
    return [r.name for r in requirements.values() if r.required and r.pk not in have]


def _validate_materials(
    item: ServiceItem,
    applicant: Person,
    uploads: dict[int, UploadedFile],
    reuse: dict[int, int],
) -> dict[int, tuple[str, str]]:
    """Check every upload and reuse before anything is written."""
    requirements = _requirements_of(item)
    errors: dict[str, list[str]] = {}
    checked: dict[int, tuple[str, str]] = {}
    on_file_ids = {m.pk: m for m in reusable_materials(applicant).values()}
    for req_id, upload in uploads.items():
        if req_id not in requirements:
            errors.setdefault("materials", []).append(_("材料项不属于该事项。"))
            continue
        try:
            checked[req_id] = check_upload(upload, field=f"material_{req_id}")
        except ValidationError as exc:
            for key, messages in exc.message_dict.items():
                errors.setdefault(key, []).extend(messages)
    for req_id, material_id in reuse.items():
        req = requirements.get(req_id)
        source = on_file_ids.get(material_id)
        if req is None or source is None or (req.doc_type and source.doc_type != req.doc_type):
            errors.setdefault(f"material_{req_id}", []).append(_("所选的已有材料不能用于此项。"))
    if errors:
        raise ValidationError(errors)
    return checked


# --- submission ---------------------------------------------------------------------------------


def _check_applicant(jurisdiction: Jurisdiction, applicant: Person, mode: str) -> None:
    if not jurisdiction.covers(applicant.region_code):
        raise PermissionDenied(_("申请人不在您的管辖范围内。"))
    if applicant.residence_status in GONE:
        raise ValidationError({"applicant": _("申请人已迁出或已故，不能提交申请。")})
    if jurisdiction.has_perm(INTAKE):
        if mode not in CLERK_MODES:
            raise ValidationError({"mode": _("不支持的办理方式。")})
        return
    if jurisdiction.has_perm(APPLY):
        household = own_household_id(jurisdiction)
        if household is None or household != applicant.household_id:
            raise PermissionDenied(_("只能为本户家庭成员申请。"))
        if mode not in VILLAGER_MODES:
            raise ValidationError({"mode": _("代办、领办请到村便民服务站办理。")})
        return
    raise PermissionDenied(APPLY)


@transaction.atomic
def application_submit(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    item: ServiceItem,
    applicant: Person,
    mode: str,
    idempotency_key: str,
    details: str = "",
    authorised_on: date | None = None,
    authorisation: UploadedFile | None = None,
    accompanied_at: datetime | None = None,
    accompanied_place: str = "",
    uploads: dict[int, UploadedFile] | None = None,
    reuse: dict[int, int] | None = None,
) -> Application:
    """A new application; the same idempotency key from the same person returns the first one."""
    key = (idempotency_key or "").strip()[:64]
    if not key:
        raise ValidationError(_("缺少提交标识，请刷新页面后重试。"))
    existing = (
        Application.objects.within(jurisdiction)
        .filter(created_by=actor, idempotency_key=key)
        .first()
    )
    if existing is not None:
        return existing
    _check_applicant(jurisdiction, applicant, mode)
    if mode not in Mode.values:
        raise ValidationError({"mode": _("不支持的办理方式。")})
    effective = catalogue.require_offered(item, applicant.region_code)
    if mode not in item.modes:
        raise ValidationError(
            {"mode": _("该事项不能以“%(mode)s”方式办理。") % {"mode": Mode(mode).label}}
        )
    today = timezone.localdate()
    errors: dict[str, str] = {}
    auth_checked = None
    if mode == Mode.DAIBAN:
        if authorised_on is None:
            errors["authorised_on"] = _("代办须记录村民书面委托的日期。")
        elif authorised_on > today:
            errors["authorised_on"] = _("委托日期不能晚于今天。")
        if authorisation is None:
            errors["authorisation"] = _("代办须上传村民签字的委托书。")
        else:
            try:
                auth_checked = check_upload(authorisation, field="authorisation")
            except ValidationError as exc:
                errors["authorisation"] = exc.message_dict["authorisation"][0]
    if mode == Mode.LINGBAN:
        if accompanied_at is None or not accompanied_place.strip():
            errors["accompanied_place"] = _("领办须记录陪同办理的时间和地点。")
        elif accompanied_at > timezone.now():
            errors["accompanied_place"] = _("领办时间不能晚于现在。")
    if errors:
        raise ValidationError(errors)
    uploads, reuse = uploads or {}, reuse or {}
    checked = _validate_materials(item, applicant, uploads, reuse)
    where = catalogue.route(effective, applicant.region_code)
    application = Application(
        region=applicant.region,
        item=item,
        applicant=applicant,
        applicant_name=applicant.name,
        household_number=applicant.household.number,
        mode=mode,
        details=details.strip()[:4000],
        created_by=actor,
        idempotency_key=key,
        authorised_on=authorised_on if mode == Mode.DAIBAN else None,
        accompanied_at=accompanied_at if mode == Mode.LINGBAN else None,
        accompanied_place=accompanied_place.strip()[:100] if mode == Mode.LINGBAN else "",
        handler_level=where.level,
        handler_code=where.code,
        handler_department=where.department,
        submitted_at=timezone.now(),
        due_on=add_working_days(today, rule("ACCEPT_WITHIN_WORKING_DAYS")),
        trips=TRIPS_BY_MODE[Mode(mode)],
    )
    try:
        with transaction.atomic():  # a concurrent double-click must not abort the caller
            application.save()
    except IntegrityError:
        twin = Application.objects.within(jurisdiction).filter(
            created_by=actor, idempotency_key=key
        )
        return twin.get()
    if auth_checked is not None and authorisation is not None:
        _store(
            application, authorisation, actor=actor, name=_("委托书"), doc_type="authorisation",
            requirement=None, checked=auth_checked,
        )  # fmt: skip
    missing = _attach_materials(
        application, actor=actor, uploads=uploads, reuse=reuse, checked=checked
    )
    _event(
        application,
        actor=actor,
        jurisdiction=jurisdiction,
        kind=ApplicationEvent.Kind.TRANSITION,
        to_status=Status.SUBMITTED,
        public_text=_public_text(Status.SUBMITTED, application, ""),
        detail={"mode": mode, "missing": missing, "reused": len(reuse), "uploaded": len(uploads)},
    )
    audit(
        "servicedesk.application.submitted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=application,
        detail={"item": item.code, "mode": mode, "handler": where.code, "missing": len(missing)},
    )
    return application


# --- transitions --------------------------------------------------------------------------------


def _lock(jurisdiction: Jurisdiction, application: Application, expected_version: int | None):  # type: ignore[no-untyped-def]
    _in_scope(jurisdiction, application)
    fresh = (
        Application.objects.within(jurisdiction)
        .select_for_update()
        .select_related("item", "applicant")
        .get(pk=application.pk)
    )
    if expected_version is not None and fresh.version != expected_version:
        raise ConcurrentEdit
    return fresh


def _check_transition(
    jurisdiction: Jurisdiction, app: Application, action: str, reason: str
) -> Transition:
    t = TRANSITIONS[action]
    if not _roles_of(jurisdiction, app).intersection(t.who):
        raise PermissionDenied(_("该办件不由您所在单位办理，不能执行“%(a)s”。") % {"a": t.label})
    if app.status not in t.sources:
        raise ValidationError(
            _("办件当前状态为“%(s)s”，不能执行“%(a)s”。")
            % {"s": Status(app.status).label, "a": t.label}
        )
    if t.needs_reason and not reason.strip():
        raise ValidationError({"reason": _("请填写理由。")})
    return t


@transaction.atomic
def application_act(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    application: Application,
    action: str,
    reason: str = "",
    expected_version: int | None = None,
    uploads: dict[int, UploadedFile] | None = None,
    reuse: dict[int, int] | None = None,
) -> Application:
    """Take one workflow action (see TRANSITIONS); the named wrappers below call this."""
    if action not in TRANSITIONS:
        raise ValidationError(_("未知的操作。"))
    app = _lock(jurisdiction, application, expected_version)
    t = _check_transition(jurisdiction, app, action, reason)
    reason = reason.strip()[:2000]
    today = timezone.localdate()
    now = timezone.now()
    source = app.status
    target = t.target
    detail: dict[str, Any] = {}
    if action == "resubmit":
        checked = _validate_materials(app.item, app.applicant, uploads or {}, reuse or {})
        missing = _attach_materials(
            app, actor=actor, uploads=uploads or {}, reuse=reuse or {}, checked=checked
        )
        target = app.returned_from or Status.SUBMITTED
        paused = working_days_between(app.paused_on, today) if app.paused_on else 0
        if target == Status.SUBMITTED:
            # The acceptance period starts again from the day the material is complete.
            app.due_on = add_working_days(today, rule("ACCEPT_WITHIN_WORKING_DAYS"))
        elif app.due_on is not None:
            app.due_on = add_working_days(app.due_on, paused)
        app.paused_on = None
        app.returned_from = ""
        detail = {"paused_working_days": paused, "missing": missing}
    elif action == "accept":
        effective = catalogue.effective_item(app.item, app.region_code)
        app.accepted_at = now
        app.due_on = add_working_days(today, effective.promised_days)
        app.assignee = actor
        detail = {"promised_days": effective.promised_days}
    elif action == "return":
        app.returned_from = source
        app.paused_on = today
    elif action == "start":
        app.assignee = actor
    elif action in ("approve", "refuse"):
        app.decided_at = now
        app.decision_reason = reason
        app.finished_on_time = app.due_on is None or today <= app.due_on
    elif action == "reject":
        app.decision_reason = reason
        app.finished_on_time = app.due_on is None or today <= app.due_on
    assert target is not None
    if target in FINISHED:
        app.finished_at = now
    app.status = target
    app.version = F("version") + 1
    app.save()
    app.refresh_from_db()
    _event(
        app,
        actor=actor,
        jurisdiction=jurisdiction,
        kind=ApplicationEvent.Kind.TRANSITION,
        from_status=source,
        to_status=target,
        reason=reason,
        public_text=_public_text(target, app, reason),
        detail=detail,
    )
    audit(
        f"servicedesk.application.{action}",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=app,
        detail={
            "from": source,
            "to": target,
            **{k: v for k, v in detail.items() if k != "missing"},
        },
    )
    if target in _MESSAGES:
        subject, body = _MESSAGES[Status(target)]
        transaction.on_commit(lambda: notify_applicant(app, subject, body, _status_link(app)))
    return app


def _wrapper(action: str):  # type: ignore[no-untyped-def]
    def act(**kwargs: Any) -> Application:
        return application_act(action=action, **kwargs)

    act.__name__ = f"application_{action}"
    act.__doc__ = f"The workflow action {action!r} (see TRANSITIONS)."
    return act


application_accept = _wrapper("accept")
application_reject = _wrapper("reject")
application_return = _wrapper("return")
application_resubmit = _wrapper("resubmit")
application_start = _wrapper("start")
application_approve = _wrapper("approve")
application_refuse = _wrapper("refuse")
application_deliver = _wrapper("deliver")
application_close = _wrapper("close")
application_withdraw = _wrapper("withdraw")


def application_decide(*, approve: bool, **kwargs: Any) -> Application:
    """Approve or refuse (with a reason) an application in progress."""
    return application_act(action="approve" if approve else "refuse", **kwargs)


# --- re-routing and assignment ------------------------------------------------------------------


@transaction.atomic
def application_reroute(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    application: Application,
    reason: str,
    item: ServiceItem | None = None,
    department: str = "",
    expected_version: int | None = None,
) -> Application:
    """Send a mis-filed application to the right item and/or county department without the
    villager starting again: same number, same materials; the new unit accepts it afresh. The
    handling unit may while the matter is open; the village clerk only before it is accepted."""
    app = _lock(jurisdiction, application, expected_version)
    roles = _roles_of(jurisdiction, app)
    if not roles.intersection({HANDLER, INTAKE_CLERK}):
        raise PermissionDenied(_("只有受理单位或村代办员可以改派。"))
    if HANDLER not in roles and app.status != Status.SUBMITTED:
        # The clerk corrects a mis-filing before the unit accepts it; once accepted, the
        # matter is the handling unit's to send elsewhere.
        raise PermissionDenied(_("办件已受理，只有办理单位可以改派。"))
    if app.status not in (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS):
        raise ValidationError(
            _("办件当前状态为“%(s)s”，不能改派。") % {"s": Status(app.status).label}
        )
    if not reason.strip():
        raise ValidationError({"reason": _("请填写改派理由。")})
    new_item = item or app.item
    effective = catalogue.require_offered(new_item, app.region_code)
    if department:
        if department not in Department.values:
            raise ValidationError({"department": _("未知的部门。")})
        if effective.level != HandlingLevel.COUNTY:
            raise ValidationError({"department": _("只有县级事项可以改派到其他部门。")})
        effective = catalogue.EffectiveItem(
            effective.item, True, effective.promised_days, department, effective.level
        )
    where = catalogue.route(effective, app.region_code)
    before = (app.item.code, app.handler_code, app.handler_department)
    if (new_item.code, where.code, where.department) == before:
        raise ValidationError(_("改派后的事项和办理单位与现在相同。"))
    source = app.status
    same_unit = (where.code, where.department) == (app.handler_code, app.handler_department)
    app.item = new_item
    if not same_unit:
        # A new unit accepts afresh; within the same unit only the item changes, and the clock,
        # the escalation and the on-time record stay as they are (re-filing resets nothing).
        app.handler_level, app.handler_code, app.handler_department = (
            where.level, where.code, where.department,
        )  # fmt: skip
        app.status = Status.SUBMITTED
        app.assignee = None
        app.accepted_at = None
        app.due_on = add_working_days(timezone.localdate(), rule("ACCEPT_WITHIN_WORKING_DAYS"))
        app.escalation_level = 0
        app.escalated_on = None
    app.version = F("version") + 1
    app.save()
    app.refresh_from_db()
    _event(
        app,
        actor=actor,
        jurisdiction=jurisdiction,
        kind=ApplicationEvent.Kind.REROUTE,
        from_status=source,
        to_status=app.status,
        reason=reason.strip()[:2000],
        public_text=_("已转交%(unit)s办理，无需重新申请。")
        % {"unit": unit_name(where.level, where.code, where.department)},
        detail={"from_item": before[0], "to_item": new_item.code, "from_unit": before[1],
                "to_unit": where.code, "to_department": where.department},
    )  # fmt: skip
    audit(
        "servicedesk.application.rerouted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=app,
        detail={"from_item": before[0], "to_item": new_item.code, "to_unit": where.code},
    )
    return app


@transaction.atomic
def application_assign(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    application: Application,
    assignee: User,
    expected_version: int | None = None,
) -> Application:
    """Hand an application to another officer of the same handling unit."""
    from cunshe.accounts.models import RoleAssignment

    app = _lock(jurisdiction, application, expected_version)
    if not is_handler(jurisdiction, app):
        raise PermissionDenied(_("该办件不由您所在单位办理。"))
    if app.is_finished:
        raise ValidationError(_("已办结的办件不能再分派。"))
    ok = any(
        is_handler(ra.jurisdiction(), app)
        for ra in RoleAssignment.objects.active().filter(
            user=assignee, region__code=app.handler_code
        )
    )
    if not ok:
        raise ValidationError({"assignee": _("该人员不在本办理单位，不能分派。")})
    app.assignee = assignee
    app.version = F("version") + 1
    app.save()
    app.refresh_from_db()
    _event(app, actor=actor, jurisdiction=jurisdiction, kind=ApplicationEvent.Kind.ASSIGN,
           detail={"assignee": assignee.pk})  # fmt: skip
    audit("servicedesk.application.assigned", actor=actor, jurisdiction=jurisdiction, obj=app,
          detail={"assignee": assignee.pk})  # fmt: skip
    return app


# --- the villager's timeline --------------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    title: str
    text: str


def public_timeline(application: Application) -> list[TimelineEntry]:
    """What happened to an application, in plain words, oldest first (no officer names)."""
    out = []
    for event in application.events.all():
        if event.kind == ApplicationEvent.Kind.TRANSITION:
            title = str(Status(event.to_status).label)
        elif event.kind == ApplicationEvent.Kind.REROUTE:
            title = _("转办")
        elif event.kind == ApplicationEvent.Kind.ESCALATE:
            title = _("超期督办")
        else:
            continue
        out.append(TimelineEntry(at=event.at, title=title, text=event.public_text))
    return out
