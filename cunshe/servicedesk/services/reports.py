"""Writes of 随手拍 problem reports and of Open311 client keys.

A report is placed in a village (or one of its groups) and routed by its category, like an
application by its item: to the village itself, its township, or a department of its county.
Staff of the unit it is routed to (or above it, of the same department) acknowledge, work on,
resolve or close it without action; each step is a `ReportUpdate` the reporter is told about.
The reporter's identity is kept encrypted on the report and never leaves the staff pages.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.servicedesk.catalogue import Route, route_to
from cunshe.servicedesk.models import (
    Open311Client,
    ProblemReport,
    ReportCategory,
    ReportUpdate,
)
from cunshe.servicedesk.notices import notify_account_or_phone
from cunshe.servicedesk.rules import rule

APPLY = "servicedesk.apply"
INTAKE = "servicedesk.intake"
REPORTS = "servicedesk.reports"
OPEN311 = "servicedesk.open311"

State = ProblemReport.State
OPEN_STATES = (State.OPEN, State.ACKNOWLEDGED, State.IN_PROGRESS)
CLOSED_STATES = (State.RESOLVED, State.CLOSED_NO_ACTION)

# Jilin's extent with a margin (the province spans about 40.9–46.3 N, 121.6–131.3 E): a point
# outside it is a phone's stale fix or a mistyped number, never a problem in one of our villages.
LAT_RANGE = (Decimal("40.8"), Decimal("46.4"))
LON_RANGE = (Decimal("121.6"), Decimal("131.4"))
MAX_DESCRIPTION = 4000  # the GeoReport v2 limit, kept for reports from any source

_IMAGE_MAGIC = ((b"\xff\xd8\xff", "image/jpeg"), (b"\x89PNG\r\n\x1a\n", "image/png"))


# --- routing -----------------------------------------------------------------------------------


def route_category(category: ReportCategory, place_code: str) -> Route:
    """The unit that handles a problem of `category` at `place_code`, routed like a matter."""
    return route_to(category.level, category.department, place_code)


def can_handle(jurisdiction: Jurisdiction, report: ProblemReport) -> bool:
    """True for staff with servicedesk.reports whose jurisdiction covers the unit the report is
    routed to; a county department officer only for reports routed to their department."""
    if jurisdiction.is_system:
        return True
    if not jurisdiction.has_perm(REPORTS) or not jurisdiction.covers(report.handler_code):
        return False
    if jurisdiction.department:
        return jurisdiction.department == report.handler_department
    return True


def _require_handler(jurisdiction: Jurisdiction, report: ProblemReport) -> None:
    if not jurisdiction.covers(report.region_code):
        raise PermissionDenied(_("该问题不在您的管辖范围内。"))
    if not jurisdiction.has_perm(REPORTS):
        raise PermissionDenied(REPORTS)
    if not can_handle(jurisdiction, report):
        raise PermissionDenied(
            _("该问题由%(unit)s处理，您不能办理。") % {"unit": unit_label(report)}
        )


def unit_label(report: ProblemReport, names: dict[str, str] | None = None) -> str:
    """'闵家镇' or '榆树市 生态环境' — the handling unit as people say it. `names` maps region
    codes to names when the caller has loaded them (lists); otherwise one query."""
    code = report.handler_code
    if names is not None and code in names:
        name = names[code]
    else:
        name = Region.objects.filter(code=code).values_list("name", flat=True).first() or code
    if report.handler_department:
        from cunshe.accounts.roles import Department

        return f"{name} {Department(report.handler_department).label}"
    return name


# --- input checks ------------------------------------------------------------------------------


def check_photo(upload: UploadedFile) -> str:
    """The photo's real type (JPEG or PNG, judged by its first bytes, not its name or the
    browser's claim); ValidationError on `photo` for anything else or anything too large."""
    limit = rule("MAX_UPLOAD_BYTES")
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {"photo": _("照片太大：不能超过%(mb)sMB。") % {"mb": limit // (1024 * 1024)}}
        )
    if upload.size == 0:
        raise ValidationError({"photo": _("照片文件是空的。")})
    upload.seek(0)
    head = upload.read(16)
    upload.seek(0)
    for magic, content_type in _IMAGE_MAGIC:
        if head.startswith(magic):
            return content_type
    raise ValidationError({"photo": _("照片必须是JPG或PNG图片，请重新拍照或选择。")})


def _coordinate(value: Any, field: str, low: Decimal, high: Decimal) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationError({field: _("坐标必须是数字。")}) from None
    if not number.is_finite() or not (low <= number <= high):
        raise ValidationError({field: _("这个位置不在吉林省内，请重新定位或填写地址。")})
    return number.quantize(Decimal("0.000001"))


def check_location(lat: Any, lon: Any, address: str) -> tuple[Decimal | None, Decimal | None]:
    """Both coordinates inside Jilin, or none and an address; ValidationError otherwise."""
    la = _coordinate(lat, "lat", *LAT_RANGE)
    lo = _coordinate(lon, "lon", *LON_RANGE)
    if (la is None) != (lo is None):
        raise ValidationError({"lat": _("经度和纬度要同时提供。")})
    if la is None and not address.strip():
        raise ValidationError({"address": _("请点“使用我的位置”，或写下问题所在的地点。")})
    return la, lo


def _check_text(description: str, address: str) -> tuple[str, str]:
    description = (description or "").strip()
    address = (address or "").strip()
    if not description:
        raise ValidationError({"description": _("请说一说是什么问题。")})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": _("问题描述最多4000字。")})
    if "\x00" in description or "\x00" in address:
        raise ValidationError({"description": _("不能包含空字符。")})
    if len(address) > 200:
        raise ValidationError({"address": _("地点最多200字。")})
    return description, address


def _check_place(region: Region, category: ReportCategory) -> Route:
    if region.level not in (Level.VILLAGE, Level.GROUP):
        raise ValidationError({"region": _("问题地点必须是一个村或村民小组。")})
    if not category.active:
        raise ValidationError({"category": _("这个问题类别已停用，请选择其他类别。")})
    return route_category(category, region.code)


# --- creation ----------------------------------------------------------------------------------


@transaction.atomic
def report_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    category: ReportCategory,
    description: str,
    address: str = "",
    lat: Any = None,
    lon: Any = None,
    photo: UploadedFile | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
) -> ProblemReport:
    """A villager reports a problem in their own village, or a clerk (servicedesk.intake)
    records one for a villager, naming them."""
    if not jurisdiction.covers(region.code):
        raise PermissionDenied(_("只能报告本村的问题。"))
    as_clerk = jurisdiction.has_perm(INTAKE)
    if not as_clerk and not jurisdiction.has_perm(APPLY):
        raise PermissionDenied(APPLY)
    route = _check_place(region, category)
    description, address = _check_text(description, address)
    la, lo = check_location(lat, lon, address)
    photo_type = check_photo(photo) if photo else ""
    if as_clerk:
        reporter_name = (reporter_name or "").strip()
        reporter_phone = (reporter_phone or "").strip()
        if not reporter_name:
            raise ValidationError({"reporter_name": _("请填写报告人姓名。")})
        if reporter_phone and not re.fullmatch(r"[0-9 +-]{5,20}", reporter_phone):
            raise ValidationError({"reporter_phone": _("电话号码格式不对。")})
        reporter = None
    else:
        reporter = actor
        reporter_name = actor.display_name or actor.username
        reporter_phone = actor.phone or ""
    now = timezone.now()
    report = ProblemReport(
        region=region,
        category=category,
        description=description,
        address=address,
        lat=la,
        lon=lo,
        photo_type=photo_type,
        reporter=reporter,
        reporter_name=reporter_name[:60],
        reporter_phone=reporter_phone,
        reporter_email="",
        handler_level=route.level,
        handler_code=route.code,
        handler_department=route.department,
        created_at=now,
        updated_at=now,
    )
    if photo:
        report.photo.save("photo", photo, save=False)
    report.save()
    audit(
        "servicedesk.report.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=report,
        detail={
            "category": category.code,
            "handler_code": route.code,
            "via": "clerk" if as_clerk else "villager",
            "photo": bool(photo),
        },
    )
    return report


def client_jurisdiction(client: Open311Client) -> Jurisdiction:
    """The scope an Open311 client acts under: its region, no staff permission."""
    return Jurisdiction(
        prefixes=(client.region.code,), permissions=frozenset(), role="open311_client"
    )


@transaction.atomic
def report_create_open311(
    *,
    client: Open311Client,
    region: Region,
    category: ReportCategory,
    description: str,
    lat: Any = None,
    lon: Any = None,
    address: str = "",
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    phone: str = "",
    media_url: str = "",
) -> ProblemReport:
    """A report posted by an Open311 client, inside the region its key is bound to."""
    if not client.active:
        raise PermissionDenied(_("该接入密钥已停用。"))
    jurisdiction = client_jurisdiction(client)
    if not jurisdiction.covers(region.code):
        raise PermissionDenied(_("该客户端不能在这个地区提交问题。"))
    route = _check_place(region, category)
    description, address = _check_text(description, address)
    la, lo = check_location(lat, lon, address)
    # Chinese order: family name first.
    name = f"{(last_name or '').strip()}{(first_name or '').strip()}"[:60]
    now = timezone.now()
    report = ProblemReport(
        region=region,
        category=category,
        description=description,
        address=address,
        lat=la,
        lon=lo,
        reporter=None,
        reporter_name=name,
        reporter_phone=(phone or "").strip()[:30],
        reporter_email=(email or "").strip()[:120],
        client=client,
        handler_level=route.level,
        handler_code=route.code,
        handler_department=route.department,
        created_at=now,
        updated_at=now,
    )
    report.save()
    media_url = (media_url or "").strip()
    if media_url:
        # Never fetched (the platform does not reach outside URLs); kept for staff to open.
        ReportUpdate.objects.create(
            report=report,
            at=now,
            state=State.OPEN,
            text=_("客户端附带的图片链接：%(url)s") % {"url": media_url[:500]},
            public=False,
        )
    audit(
        "servicedesk.report.created",
        jurisdiction=jurisdiction,
        obj=report,
        detail={
            "category": category.code,
            "handler_code": route.code,
            "via": "open311",
            "client": client.pk,
        },
    )
    return report


# --- handling ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Step:
    sources: tuple[str, ...]
    target: str
    needs_text: bool
    label: Any
    message: Any  # what the reporter is told


STEPS: dict[str, Step] = {
    "acknowledge": Step((State.OPEN,), State.ACKNOWLEDGED, False, gettext_lazy("受理"),
                        gettext_lazy("您报告的问题（编号 %(number)s）已受理，我们会尽快处理。")),
    "progress": Step((State.OPEN, State.ACKNOWLEDGED), State.IN_PROGRESS, False,
                     gettext_lazy("开始处理"),
                     gettext_lazy("您报告的问题（编号 %(number)s）正在处理。")),
    "resolve": Step(OPEN_STATES, State.RESOLVED, True, gettext_lazy("已解决"),
                    gettext_lazy("您报告的问题（编号 %(number)s）已解决：%(text)s")),
    "close_no_action": Step(OPEN_STATES, State.CLOSED_NO_ACTION, True,
                            gettext_lazy("不予处理并关闭"),
                            gettext_lazy("您报告的问题（编号 %(number)s）不予处理，已关闭。"
                                         "原因：%(text)s")),
}  # fmt: skip

_DEFAULT_TEXT = {
    "acknowledge": gettext_lazy("已受理，将安排处理。"),
    "progress": gettext_lazy("正在处理。"),
}


def allowed_steps(jurisdiction: Jurisdiction, report: ProblemReport) -> list[str]:
    """The steps this caller may take on this report now (for buttons)."""
    if not can_handle(jurisdiction, report):
        return []
    return [name for name, step in STEPS.items() if report.state in step.sources]


def _lock(jurisdiction: Jurisdiction, report: ProblemReport) -> ProblemReport:
    return ProblemReport.objects.within(jurisdiction).select_for_update().get(pk=report.pk)


_PROGRESS = gettext_lazy("随手拍处理进展")


def notify_reporter(report: ProblemReport, message: Promise, **params: Any) -> None:
    """Tell the reporter, in their language: their account if they have one, else a text to
    the number a clerk recorded. Open311 reporters are told by their client, which reads the
    updates."""
    params = {"number": report.number, **params}
    phone = report.reporter_phone if report.client_id is None else ""
    notify_account_or_phone(
        report.reporter, phone, _PROGRESS, message, params, link="/desk/reports/new/"
    )


@transaction.atomic
def report_step(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    report: ProblemReport,
    step: str,
    text: str = "",
    public: bool = True,
) -> ProblemReport:
    """Move a report one step (acknowledge, progress, resolve, close_no_action), recording
    a ReportUpdate, an audit event, and telling the reporter."""
    if step not in STEPS:
        raise ValidationError(_("未知的操作。"))
    spec = STEPS[step]
    _require_handler(jurisdiction, report)
    locked = _lock(jurisdiction, report)
    if locked.state not in spec.sources:
        raise ValidationError(
            _("该问题当前状态为“%(state)s”，不能“%(step)s”。")
            % {"state": locked.get_state_display(), "step": spec.label}
        )
    text = (text or "").strip()
    if spec.needs_text and not text:
        if step == "close_no_action":
            raise ValidationError({"text": _("不予处理必须说明原因。")})
        raise ValidationError({"text": _("请写明处理结果。")})
    if len(text) > MAX_DESCRIPTION:
        raise ValidationError({"text": _("说明最多4000字。")})
    if step == "close_no_action":
        public = True  # the reason for not acting is always owed to the public
    now = timezone.now()
    previous = locked.state
    locked.state = spec.target
    locked.updated_at = now
    if spec.target in CLOSED_STATES:
        locked.closed_at = now
    locked.save(update_fields=["state", "updated_at", "closed_at"])
    ReportUpdate.objects.create(
        report=locked,
        at=now,
        state=spec.target,
        text=text or str(_DEFAULT_TEXT.get(step, "")),
        actor=actor,
        public=public,
    )
    audit(
        f"servicedesk.report.{step}",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"from": previous, "to": spec.target, "public": public},
    )
    notify_reporter(locked, spec.message, text=text)
    return locked


def report_acknowledge(**kwargs: Any) -> ProblemReport:
    """open → acknowledged."""
    return report_step(step="acknowledge", **kwargs)


def report_progress(**kwargs: Any) -> ProblemReport:
    """open/acknowledged → in_progress."""
    return report_step(step="progress", **kwargs)


def report_resolve(**kwargs: Any) -> ProblemReport:
    """→ resolved, saying what was done."""
    return report_step(step="resolve", **kwargs)


def report_close_no_action(*, reason: str = "", **kwargs: Any) -> ProblemReport:
    """→ closed without action; the reason is required and public."""
    return report_step(step="close_no_action", text=reason, **kwargs)


@transaction.atomic
def report_reroute(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    report: ProblemReport,
    category: ReportCategory,
    reason: str,
) -> ProblemReport:
    """Put a mis-filed report in another category; it is routed again from its place."""
    _require_handler(jurisdiction, report)
    locked = _lock(jurisdiction, report)
    if locked.state in CLOSED_STATES:
        raise ValidationError(_("已关闭的问题不能改派。"))
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("改派必须说明原因。")})
    if category.pk == locked.category_id:
        raise ValidationError({"category": _("请选择另一个类别。")})
    route = _check_place(locked.region, category)
    before = {"category": locked.category.code, "handler_code": locked.handler_code}
    now = timezone.now()
    locked.category = category
    locked.handler_level = route.level
    locked.handler_code = route.code
    locked.handler_department = route.department
    locked.updated_at = now
    locked.save(
        update_fields=[
            "category",
            "handler_level",
            "handler_code",
            "handler_department",
            "updated_at",
        ]
    )
    ReportUpdate.objects.create(
        report=locked,
        at=now,
        state=locked.state,
        text=_("改为“%(name)s”类，转%(unit)s处理。原因：%(reason)s")
        % {"name": category.name, "unit": unit_label(locked), "reason": reason},
        actor=actor,
        public=False,
    )
    audit(
        "servicedesk.report.rerouted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={
            **before,
            "to_category": category.code,
            "to_handler_code": route.code,
        },
    )
    return locked


@transaction.atomic
def report_set_public(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    report: ProblemReport,
    public: bool,
    reason: str = "",
) -> ProblemReport:
    """Show or hide a report on the village's public list (e.g. a photo of a person's yard
    described in a way that identifies a family)."""
    _require_handler(jurisdiction, report)
    reason = (reason or "").strip()
    if not public and not reason:
        raise ValidationError({"reason": _("不公开必须说明原因。")})
    locked = _lock(jurisdiction, report)
    if locked.public == public:
        return locked
    locked.public = public
    locked.updated_at = timezone.now()
    locked.save(update_fields=["public", "updated_at"])
    ReportUpdate.objects.create(
        report=locked,
        at=locked.updated_at,
        state=locked.state,
        text=(_("设为公开。") if public else _("设为不公开。原因：%(r)s") % {"r": reason}),
        actor=actor,
        public=False,
    )
    audit(
        "servicedesk.report.visibility",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"public": public},
    )
    return locked


def reporter_reveal(*, actor: Any, jurisdiction: Jurisdiction, report: ProblemReport) -> str:
    """The reporter's full phone number for a call-back, audited."""
    _require_handler(jurisdiction, report)
    audit(
        "servicedesk.report.reporter_revealed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=report,
        detail={"field": "reporter_phone"},
    )
    return report.reporter_phone or ""


# --- Open311 keys ------------------------------------------------------------------------------

_KEY_FORMAT = re.compile(r"^o311_([0-9a-f]{8})_([A-Za-z0-9_-]{20,100})$")


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


_DUMMY_HASH = hash_key("o311_00000000_dummy-secret-for-constant-time")


@transaction.atomic
def open311_client_create(
    *, actor: Any, jurisdiction: Jurisdiction, name: str, region: Region
) -> tuple[Open311Client, str]:
    """A new client and its api_key, which is returned here once and never stored."""
    if not jurisdiction.has_perm(OPEN311):
        raise PermissionDenied(OPEN311)
    if not jurisdiction.covers(region.code):
        raise PermissionDenied(_("只能在自己的辖区内授权。"))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("请填写客户端名称。")})
    if len(name) > 100:
        raise ValidationError({"name": _("名称最多100字。")})
    prefix = secrets.token_hex(4)
    key = f"o311_{prefix}_{secrets.token_urlsafe(32)}"
    client = Open311Client.objects.create(
        name=name, key_hash=hash_key(key), key_prefix=prefix, region=region, created_by=actor
    )
    audit(
        "servicedesk.open311_client.created",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=client,
        detail={"region": region.code, "prefix": prefix},
    )
    return client, key


@transaction.atomic
def open311_client_revoke(
    *, actor: Any, jurisdiction: Jurisdiction, client: Open311Client
) -> Open311Client:
    """Stop a key working; reports it posted stay."""
    if not jurisdiction.has_perm(OPEN311):
        raise PermissionDenied(OPEN311)
    if not jurisdiction.covers(client.region.code):
        raise PermissionDenied(_("该客户端不在您的辖区内。"))
    if client.active:
        client.active = False
        client.save(update_fields=["active"])
        audit(
            "servicedesk.open311_client.revoked",
            actor=actor,
            jurisdiction=jurisdiction,
            obj=client,
            detail={"prefix": client.key_prefix},
        )
    return client


def open311_client_for_key(key: str) -> Open311Client | None:
    """The active client holding `key`, or None (compared in constant time)."""
    match = _KEY_FORMAT.match(key or "")
    digest = hash_key(key or "")
    if match is None:
        hmac.compare_digest(_DUMMY_HASH, digest)
        return None
    # By the key's hash (unique): the 8-digit prefix is only a label two clients may share.
    # A lookup by the SHA-256 of a 256-bit secret tells a guesser nothing by its timing.
    row = (
        Open311Client.objects.select_related("region")
        .filter(key_hash=digest, key_prefix=match.group(1), active=True)
        .first()
    )
    if row is None:
        hmac.compare_digest(_DUMMY_HASH, digest)
        return None
    return row if hmac.compare_digest(row.key_hash, digest) else None


def as_w3(value: datetime | None) -> str | None:
    """A datetime in the W3C profile of ISO 8601, in Beijing time with its offset."""
    if value is None:
        return None
    return timezone.localtime(value).isoformat(timespec="seconds")
