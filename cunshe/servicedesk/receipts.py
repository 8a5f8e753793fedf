"""The acceptance receipt (受理回执): an A5 PDF the applicant keeps, in their language.

It says what was accepted, by whom, by when it will be done and how to follow it: the QR code
opens the public status page with the receipt number filled in (never the phone number; the
applicant types its last four digits). The applicant's ID number is masked.
"""

from __future__ import annotations

from datetime import date, datetime
from urllib.parse import urlencode, urlsplit, urlunsplit

from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _

from cunshe.accounts.roles import Department
from cunshe.core.masking import mask_id_number
from cunshe.core.pdf import PdfDocument
from cunshe.core.workdays import add_working_days
from cunshe.regions.models import Region
from cunshe.servicedesk.models import (
    Application,
    ApplicationEvent,
    HandlingLevel,
    Mode,
    Status,
)

# Account language -> the PDF's language tag.
PDF_LANG = {"zh-hans": "zh-CN", "en": "en", "ko": "ko"}


class NotAccepted(Exception):
    """The application has not been accepted (yet, or again after a re-route): no receipt."""


def receipt_language(application: Application) -> str:
    """The applicant's account language when they have one we print in; Chinese otherwise."""
    person = application.applicant
    language = person.account.language if person.account_id else ""
    return language if language in PDF_LANG else "zh-hans"


def status_link(status_url: str, number: str) -> str:
    """The status page's absolute URL with the receipt number (and nothing else) as `n`."""
    parts = urlsplit(status_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("status_url must be an absolute http(s) URL")
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode({"n": number}), ""))


def acceptance_event(application: Application) -> ApplicationEvent | None:
    """The latest acceptance on the timeline (a re-routed matter is accepted afresh)."""
    return (
        application.events.filter(kind=ApplicationEvent.Kind.TRANSITION, to_status=Status.ACCEPTED)
        .exclude(from_status=Status.RETURNED)  # back from 补正: the same acceptance continues
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )


def handling_unit(application: Application) -> str:
    """'榆树市 闵家镇（乡镇级）' or '榆树市 民政（县级）': the unit, the places above it down
    from the county, and the level."""
    code = application.handler_code
    codes = [code[:n] for n in (6, 9, 12) if n <= len(code)]
    names = dict(Region.objects.filter(code__in=codes).values_list("code", "name"))
    parts = [names.get(c, c) for c in codes]
    if application.handler_level == HandlingLevel.COUNTY and application.handler_department:
        parts.append(str(Department(application.handler_department).label))
    level = str(HandlingLevel(application.handler_level).label)
    return _("%(unit)s（%(level)s）") % {"unit": " ".join(parts), "level": level}


def _day(d: date) -> str:
    return formats.date_format(d, "DATE_FORMAT")


def _moment(dt: datetime) -> str:
    return formats.date_format(timezone.localtime(dt), "DATETIME_FORMAT")


def _mode(application: Application) -> str:
    label = str(Mode(application.mode).label)
    if application.mode == Mode.DAIBAN and application.authorised_on:
        return _("%(mode)s（村代办员受委托办理，委托日期 %(day)s）") % {
            "mode": label,
            "day": _day(application.authorised_on),
        }
    if application.mode == Mode.LINGBAN and application.accompanied_at:
        return _("%(mode)s（%(when)s，%(place)s）") % {
            "mode": label,
            "when": _moment(application.accompanied_at),
            "place": application.accompanied_place,
        }
    return label


def _officer(event: ApplicationEvent | None) -> str:
    user = event.actor if event is not None else None
    if user is None:
        return ""
    return user.display_name or user.get_full_name() or _("工作人员")


def _materials(application: Application) -> list[list[str]]:
    """One row per material received (files of one material counted together)."""
    rows: dict[str, list[str]] = {}
    for m in application.materials.filter(superseded=False).order_by("id"):
        source = _("复用已有材料") if m.reused_from_id else _("本次提交")
        row = rows.setdefault(m.name, [m.name, "0", source])
        row[1] = str(int(row[1]) + 1)
    return [[str(i), *row] for i, row in enumerate(rows.values(), start=1)]


def acceptance_receipt_pdf(application: Application, *, status_url: str) -> bytes:
    """The receipt as PDF bytes. `status_url` is the absolute URL of the public status page
    (any query in it is replaced by the receipt number). Raises NotAccepted before acceptance."""
    if application.accepted_at is None:
        raise NotAccepted(application.number)
    link = status_link(status_url, application.number)
    event = acceptance_event(application)
    language = receipt_language(application)
    with translation.override(language):
        accepted_on = timezone.localtime(application.accepted_at).date()
        promised = (event.detail or {}).get("promised_days") if event else None
        if promised is not None:
            due = add_working_days(accepted_on, int(promised))
            promise = _("%(days)s个工作日，%(day)s前办结") % {"days": promised, "day": _day(due)}
        elif application.due_on:
            promise = _("%(day)s前办结") % {"day": _day(application.due_on)}
        else:
            promise = ""
        doc = PdfDocument(
            _("受理回执"),
            size="A5",
            subtitle=_("村社通 · 办事不出村"),
            lang=PDF_LANG[language],
            footer=_("本回执由村社通出具，请妥善保管"),
        )
        doc.rows(
            [
                (_("受理编号"), application.number),
                (_("办理事项"), application.item.name),
                (_("申请人"), application.applicant_name),
                (_("身份证号"), mask_id_number(application.applicant.id_number)),
                (_("办理方式"), _mode(application)),
                (_("受理时间"), _moment(application.accepted_at)),
                (_("办理单位"), handling_unit(application)),
                (_("承诺时限"), promise),
                (_("受理人"), _officer(event)),
            ]
        )
        materials = _materials(application)
        if materials:
            doc.heading(_("已收材料"))
            doc.table(
                [_("序号"), _("材料名称"), _("份数"), _("来源")], materials, widths=[1, 6, 1.4, 3]
            )
        doc.paragraph(
            _(
                "补正材料期间不计入办理时限。扫描二维码或打开下面的网址，输入受理编号和手机号"
                "后四位，即可查询办理进度，不用登录。"
            ),
            small=True,
        )
        doc.qr(link, caption=_("扫码查询办理进度") + "\n" + link)
        return doc.render()
