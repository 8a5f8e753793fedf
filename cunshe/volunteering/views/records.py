"""Certificate and export pages (docs/volunteering/records.md): issue a certificate from the
volunteer's page, download its PDF (staff of the jurisdiction, or the volunteer themself; audited),
revoke it with a reason, the public check page /vol/cert/<token>/ (no sign-in), and the national
export (.xlsx, audited)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.volunteering.forms_records import CertificateForm, ExportForm, RevokeForm
from cunshe.volunteering.selectors import records as sel
from cunshe.volunteering.selectors import volunteers as vol_sel
from cunshe.volunteering.services import certificates as svc
from cunshe.volunteering.services import records as rec_svc
from cunshe.volunteering.views.volunteers import _detail
from cunshe.web.forms import call_into_form


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri("/")


@login_required
@require_POST
def certificate_issue(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    v = vol_sel.get_volunteer_for(j, pk, need=vol_sel.MANAGE)
    form = CertificateForm(
        request.POST, organisations=list(vol_sel.organisations_above(j, v.region_code))
    )
    if form.is_valid():
        cert = call_into_form(
            form, svc.certificate_issue, actor=request.user, jurisdiction=j, volunteer=v,
            base_url=_base_url(request), **form.values(),
        )  # fmt: skip
        if cert is not None:
            messages.success(request, _("已出具证明 %(number)s。") % {"number": cert.number})
            return redirect("volunteering:volunteer", pk=pk)
    return _detail(request, j, v, forms={"certificate": form}, status=400)


@login_required
@never_cache
@require_GET
def certificate_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff with volunteering.view in the jurisdiction, or the volunteer's own account."""
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    if j.has_perm(vol_sel.VIEW):
        cert = sel.get_certificate_for(j, pk)
    else:
        require_perm(j, vol_sel.PARTICIPATE)
        cert = sel.own_certificate(j, pk)
    data = svc.certificate_pdf(
        actor=request.user, jurisdiction=j, certificate=cert, base_url=_base_url(request)
    )
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{cert.number}.pdf"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@login_required
@require_POST
def certificate_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    cert = sel.get_certificate_for(j, pk, need=vol_sel.MANAGE)
    form = RevokeForm(request.POST)
    if form.is_valid() and call_into_form(
        form, svc.certificate_revoke, actor=request.user, jurisdiction=j, certificate=cert,
        reason=form.cleaned_data["reason"],
    ):  # fmt: skip
        messages.success(request, _("证明 %(number)s 已撤销。") % {"number": cert.number})
    else:
        errors = " ".join(" ".join(e) for e in form.errors.values())
        messages.error(request, errors or _("撤销失败。"))
    return redirect("volunteering:volunteer", pk=cert.volunteer_id)


@require_GET
def certificate_verify(request: HttpRequest, token: str) -> HttpResponse:
    """Public: is this certificate genuine, and still valid? Nothing personal but a masked
    name."""
    cert = sel.public_certificate(token)
    response = render(request, "volunteering/certificate_verify.html", {"cert": cert})
    response["X-Robots-Tag"] = "noindex"
    return response


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def national_export(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, vol_sel.MANAGE)  # type: ignore[attr-defined]
    form = ExportForm(request.POST if request.method == "POST" else None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            result = call_into_form(
                form, rec_svc.national_export, actor=request.user, jurisdiction=j,
                full_ids=form.cleaned_data["full_ids"],
            )  # fmt: skip
            if result is not None:
                response = HttpResponse(
                    result.content,
                    content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                )
                response["Content-Disposition"] = f'attachment; filename="{result.filename}"'
                return response
        status = 400
    return render(
        request,
        "volunteering/records_export.html",
        {
            "form": form,
            "may_unmask": j.has_perm(rec_svc.UNMASK),
            "volunteer_columns": rec_svc.VOLUNTEER_COLUMNS,
            "record_columns": rec_svc.RECORD_COLUMNS,
        },
        status=status,
    )


urlpatterns = [
    path("volunteers/<int:pk>/certificates/", certificate_issue, name="certificate_issue"),
    path("certificates/<int:pk>/pdf/", certificate_pdf, name="certificate_pdf"),
    path("certificates/<int:pk>/revoke/", certificate_revoke, name="certificate_revoke"),
    path("cert/<str:token>/", certificate_verify, name="certificate_verify"),
    path("volunteers/export/", national_export, name="volunteers_export"),
]
