"""Pages for importing the register from a file and exporting a filtered list to Excel.

Parse → check access → importing/exporting → render. An upload becomes an ImportJob; small
files are processed in the request, larger ones by the "imports" task queue while the job page
polls its progress with htmx.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods
from django_otp import devices_for_user

from cunshe.core.access import require_perm
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.models import AuditEvent
from cunshe.residents import exporting, importing, selectors, services
from cunshe.residents.forms import PersonFilterForm
from cunshe.residents.models import ImportJob
from cunshe.residents.tasks import process_import, run_job

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class UploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("文件（.xlsx 或 .csv，最大 20 MB）"))
    mode = forms.ChoiceField(
        label=gettext_lazy("方式"),
        choices=importing.Mode.CHOICES,
        initial=importing.Mode.DRY_RUN,
        widget=forms.RadioSelect,
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > importing.MAX_UPLOAD_BYTES:
            raise ValidationError(_("文件太大：最大 20 MB。请分成几个文件导入。"))
        data = upload.read()
        try:
            table = importing.read_upload(upload.name, data)
        except importing.ImportFileError as exc:
            raise ValidationError(str(exc)) from exc
        if not table.rows:
            raise ValidationError(_("文件里只有表头，没有人员行。"))
        self.data_bytes = data
        self.row_count = len(table.rows)
        return upload


def _job_for(request: HttpRequest, pk: int) -> ImportJob:
    j = require_perm(request.jurisdiction, importing.IMPORT)  # type: ignore[attr-defined]
    return selectors.get_import_job_for(j, request.user.pk, pk)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    j: Jurisdiction = require_perm(request.jurisdiction, importing.IMPORT)  # type: ignore[attr-defined]
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        job = services.import_job_create(
            actor=request.user,
            jurisdiction=j,
            filename=upload.name,
            suffix=_suffix(upload.name),
            data=form.data_bytes,
            mode=form.cleaned_data["mode"],
            total=form.row_count,
        )
        if form.row_count > importing.BACKGROUND_ROWS:
            process_import.enqueue(job.pk)
        else:
            run_job(job.pk)
        return redirect("residents:import_job", pk=job.pk)
    jobs = selectors.import_jobs_of(j, request.user.pk)
    return render(
        request,
        "residents/import.html",
        {"form": form, "jobs": jobs, "background_rows": importing.BACKGROUND_ROWS},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


def _suffix(name: str) -> str:
    return ".xlsx" if name.lower().endswith(".xlsx") else ".csv"


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    require_perm(request.jurisdiction, importing.IMPORT)  # type: ignore[attr-defined]
    if request.GET.get("format") == "csv":
        response = HttpResponse(importing.template_csv(), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="register-template.csv"'
        return response
    response = HttpResponse(importing.template_xlsx(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="register-template.xlsx"'
    return response


def _job_context(job: ImportJob) -> dict:
    return {
        "job": job,
        "counts": job.result.get("counts", {}),
        "problems": job.result.get("problems", []),
        "problem_total": job.result.get("problem_total", 0),
        "dry_run": job.mode == importing.Mode.DRY_RUN,
    }


@login_required
@never_cache
@require_GET
def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    job = _job_for(request, pk)
    return render(request, "residents/import_job.html", _job_context(job))


@login_required
@never_cache
@require_GET
def import_job_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress fragment the job page polls; once finished it asks for a full reload."""
    job = _job_for(request, pk)
    response = render(request, "residents/import_progress.html", {"job": job})
    if job.finished and request.headers.get("HX-Request"):
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_GET
def import_job_report(request: HttpRequest, pk: int) -> FileResponse:
    job = _job_for(request, pk)
    if not job.report:
        raise Http404
    return FileResponse(
        job.report.open("rb"), as_attachment=True, filename=f"rejected-rows-{job.pk}.xlsx"
    )


# --- export ---------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def export(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, exporting.EXPORT)  # type: ignore[attr-defined]
    form = PersonFilterForm(request.GET or None, jurisdiction=j)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请在名单页修改后再导出。"))
        return redirect(reverse("residents:person_list") + "?" + request.GET.urlencode())
    filters = form.filters() if form.is_bound else selectors.PersonFilters()
    qs = selectors.person_search(j, filters)
    if exporting.needs_reauth(qs) and not exporting.reauth_fresh(request.session):
        target = request.get_full_path()
        return redirect(reverse("residents:export_reauth") + "?next=" + _quote(target))
    try:
        data, _count = exporting.export_persons(actor=request.user, jurisdiction=j, filters=filters)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(reverse("residents:person_list") + "?" + request.GET.urlencode())
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="persons-{stamp}.xlsx"'
    return response


def _quote(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="")


class ReauthForm(forms.Form):
    secret = forms.CharField(
        label=gettext_lazy("登录密码或动态验证码"),
        widget=forms.PasswordInput(
            attrs={"autocomplete": "current-password", "autofocus": True, "class": "form-control"}
        ),
        max_length=128,
    )


def _reauth_ok(user, secret: str) -> bool:  # type: ignore[no-untyped-def]
    secret = secret.strip()
    if secret.isdigit() and len(secret) == 6:
        for device in devices_for_user(user, confirmed=True):
            if device.verify_token(secret):
                return True
    return user.check_password(secret)


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def export_reauth(request: HttpRequest) -> HttpResponse:
    """Confirm it is still the signed-in person before a large export (valid five minutes)."""
    j = require_perm(request.jurisdiction, exporting.EXPORT)  # type: ignore[attr-defined]
    target = request.GET.get("next") or reverse("residents:export")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("residents:export")
    form = ReauthForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _reauth_ok(request.user, form.cleaned_data["secret"]):
            exporting.reauth_mark(request.session)
            audit("residents.export.reauthenticated", actor=request.user, jurisdiction=j)
            return redirect(target)
        audit(
            "residents.export.reauth_failed",
            actor=request.user,
            jurisdiction=j,
            outcome=AuditEvent.Outcome.DENIED,
        )
        form.add_error("secret", _("密码或验证码不正确。"))
    has_device = any(True for _d in devices_for_user(request.user, confirmed=True))
    return render(
        request,
        "residents/export_reauth.html",
        {"form": form, "has_device": has_device, "next": target},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )
