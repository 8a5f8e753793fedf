"""Service certificates (志愿服务证明): issued by an organiser (volunteering.manage) for a
volunteer, freezing what they state at issue — approved minutes (corrections included), star,
number of activities served, period. Numbered <CERTIFICATE_PREFIX>-<year>-<6-digit sequence>.

The PDF is rendered from the frozen row (its creation date is the issue time), so it is the same
bytes every time; its SHA-256 is stored at issue and compared on each download. Its QR code
points to the public check page /vol/cert/<token>/, which shows the number, the masked name, the
hours, the star, the issuer, the date and VALID or REVOKED — nothing else personal.
"""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Min, Q, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number
from cunshe.core.pdf import PdfDocument
from cunshe.volunteering.models import Certificate, HoursEntry, Organisation, Volunteer
from cunshe.volunteering.rules import rule, star_for_minutes
from cunshe.volunteering.services.volunteers import MANAGE


def mask_person_name(name: str) -> str:
    """'张三丰' -> '张*丰', '张三' -> '张*', '欧阳娜娜' -> '欧**娜' (first and last kept)."""
    name = name or ""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


def hours_text(minutes: int) -> str:
    h, m = divmod(int(minutes), 60)
    if m:
        return _("%(h)s小时%(m)s分钟") % {"h": h, "m": m}
    return _("%(h)s小时") % {"h": h}


def verify_path(token: str) -> str:
    return reverse("volunteering:certificate_verify", args=[token])


def _next_number(year: int) -> str:
    prefix = f"{rule('CERTIFICATE_PREFIX')}-{year}-"
    last = (
        Certificate._base_manager.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:06d}"


def service_totals(volunteer: Volunteer, period_to: date, period_from: date | None = None) -> dict:
    """Approved minutes (corrections included), activities served and first service date."""
    qs = HoursEntry._base_manager.filter(
        volunteer=volunteer, status=HoursEntry.Status.APPROVED, service_date__lte=period_to
    )
    if period_from is not None:
        qs = qs.filter(service_date__gte=period_from)
    agg = qs.aggregate(
        minutes=Sum("minutes"),
        activities=Count("activity", distinct=True, filter=Q(activity__isnull=False)),
        needs=Count("need", distinct=True, filter=Q(need__isnull=False)),
        first=Min("service_date"),
    )
    return {
        "minutes": max(int(agg["minutes"] or 0), 0),
        "activities": int(agg["activities"] or 0) + int(agg["needs"] or 0),
        "first": agg["first"],
    }


def build_pdf(cert: Certificate, *, base_url: str) -> PdfDocument:
    """The certificate as a document (not yet rendered); `base_url` like https://host."""
    v = cert.volunteer
    url = base_url.rstrip("/") + verify_path(cert.token)
    doc = PdfDocument(
        _("志愿服务证明"),
        size="A4",
        subtitle=cert.issuer_name,
        footer=_("证明编号 %(number)s · 扫描二维码或访问 %(url)s 核验")
        % {"number": cert.number, "url": url},
        created=cert.issued_at,
    )
    period = (
        f"{cert.period_from.isoformat()} ~ {cert.period_to.isoformat()}"
        if cert.period_from
        else _("截至 %(date)s") % {"date": cert.period_to.isoformat()}
    )
    doc.paragraph(
        _(
            "兹证明 %(name)s（志愿者编号 %(number)s）在%(period)s期间参加志愿服务，"
            "经记录并审核的累计服务时长为%(hours)s，特此证明。"
        )
        % {"name": v.name, "number": v.number, "period": period, "hours": hours_text(cert.minutes)}
    )
    doc.rows(
        [
            (_("证明编号"), cert.number),
            (_("姓名"), v.name),
            (_("证件号码"), mask_id_number(v.id_number)),
            (_("志愿者编号"), v.number),
            (_("服务期间"), period),
            (_("累计服务时长"), hours_text(cert.minutes)),
            (_("参加活动次数"), str(cert.activities)),
            (_("星级"), _("%(n)s星") % {"n": cert.star} if cert.star else _("未评星")),
            (_("出具单位"), cert.issuer_name),
            (_("出具日期"), timezone.localtime(cert.issued_at).date().isoformat()),
        ]
    )
    doc.space(4)
    doc.qr(url, caption=_("扫码核验本证明的真伪与状态"))
    doc.paragraph(
        _("本证明依据《志愿服务记录与证明出具办法》出具，服务时长以审核通过的记录为准。"),
        small=True,
    )
    return doc


def render_pdf(cert: Certificate, *, base_url: str) -> bytes:
    return build_pdf(cert, base_url=base_url).render()


@transaction.atomic
def certificate_issue(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    issuer_name: str = "",
    organisation: Organisation | None = None,
    period_from: date | None = None,
    period_to: date | None = None,
    base_url: str,
) -> Certificate:
    """Issue a certificate of the volunteer's approved service up to `period_to` (today)."""
    if not jurisdiction.covers(volunteer.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)
    today = timezone.localdate()
    period_to = period_to or today
    errors: dict[str, str] = {}
    if period_to > today:
        errors["period_to"] = _("服务截止日期不能晚于今天。")
    if period_from is not None and period_from > period_to:
        errors["period_from"] = _("服务起始日期不能晚于截止日期。")
    if organisation is not None and not volunteer.region_code.startswith(organisation.region_code):
        errors["organisation"] = _("请选择志愿者所在村、乡镇或县的组织。")
    issuer_name = (issuer_name or "").strip() or (organisation.name if organisation else "")
    if not issuer_name:
        errors["issuer_name"] = _("请填写出具单位。")
    elif len(issuer_name) > 100:
        errors["issuer_name"] = _("最多 %(max)s 个字符。") % {"max": 100}
    if errors:
        raise ValidationError(errors)
    totals = service_totals(volunteer, period_to, period_from)
    if totals["minutes"] <= 0:
        raise ValidationError(_("该志愿者在这段时间没有审核通过的服务时长，不能出具证明。"))
    cert = None
    for _attempt in range(5):
        cert = Certificate(
            region_id=volunteer.region_id,
            region_code=volunteer.region_code,
            number=_next_number(today.year),
            volunteer=volunteer,
            organisation=organisation,
            issuer_name=issuer_name,
            period_from=period_from or totals["first"],
            period_to=period_to,
            minutes=totals["minutes"],
            # Star of the cumulative approved total (the regulation grades a volunteer, not a
            # period): the volunteer's grade on the day of issue.
            star=star_for_minutes(service_totals(volunteer, today)["minutes"]),
            activities=totals["activities"],
            issued_by=actor,
        )
        try:
            with transaction.atomic():
                cert.save()
        except IntegrityError:
            continue
        break
    else:
        raise ValidationError(_("生成证明编号失败，请重试。"))
    cert.refresh_from_db(fields=["issued_at"])
    cert.pdf_sha256 = hashlib.sha256(render_pdf(cert, base_url=base_url)).hexdigest()
    cert.save(update_fields=["pdf_sha256"])
    audit(
        "volunteering.certificate.issued",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=cert,
        detail={
            "number": cert.number,
            "volunteer": volunteer.pk,
            "minutes": cert.minutes,
            "star": cert.star,
        },
    )
    return cert


@transaction.atomic
def certificate_revoke(
    *, actor: Any, jurisdiction: Jurisdiction, certificate: Certificate, reason: str
) -> Certificate:
    """Revoke a certificate with a reason; the public page then says REVOKED (with the date)."""
    if not jurisdiction.covers(certificate.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写撤销原因。")})
    if len(reason) > 200:
        raise ValidationError({"reason": _("最多 %(max)s 个字符。") % {"max": 200}})
    locked = Certificate._base_manager.select_for_update().get(pk=certificate.pk)
    if locked.revoked_at is not None:
        raise ValidationError(_("该证明已于%(date)s撤销。") % {"date": locked.revoked_at.date()})
    locked.revoked_at = timezone.now()
    locked.revoke_reason = reason
    locked.save(update_fields=["revoked_at", "revoke_reason"])
    audit(
        "volunteering.certificate.revoked",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"number": locked.number, "reason": reason},
    )
    return locked


def certificate_pdf(
    *, actor: Any, jurisdiction: Jurisdiction, certificate: Certificate, base_url: str
) -> bytes:
    """The PDF for a download (access checked by the caller), audited with whether it matches
    the checksum stored at issue."""
    data = render_pdf(certificate, base_url=base_url)
    digest = hashlib.sha256(data).hexdigest()
    audit(
        "volunteering.certificate.downloaded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=certificate,
        detail={"number": certificate.number, "matches_issue": digest == certificate.pdf_sha256},
    )
    return data
