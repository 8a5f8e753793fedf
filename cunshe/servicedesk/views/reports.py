"""Pages of 随手拍: a villager's report form (phone first), the staff desk list and detail with
the handling steps, the access-checked photo, the village's public list (no sign-in, no reporter
identity) and the page where county officers issue Open311 keys.

Parse → check access → selector/service → render."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_phone
from cunshe.regions.models import Level, Region
from cunshe.servicedesk.models import ProblemReport, ReportCategory
from cunshe.servicedesk.selectors import reports as selectors
from cunshe.servicedesk.services import reports as services
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
MAX_PAGE = 200
_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


def _page_number(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


# --- forms ---------------------------------------------------------------------------------------


class CategoryChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: ReportCategory) -> str:
        return f"{obj.group} · {obj.name}" if obj.group else obj.name


class ReportForm(forms.Form):
    """What a villager (or a clerk for one) tells: what, where, and a photo."""

    category = CategoryChoice(
        label=gettext_lazy("问题类别"),
        queryset=ReportCategory.objects.none(),
        empty_label=gettext_lazy("请选择"),
        widget=forms.Select(attrs={**_SELECT, "class": "form-select form-select-lg"}),
    )
    description = forms.CharField(
        label=gettext_lazy("问题描述"),
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(
            attrs={
                **_INPUT,
                "rows": 3,
                "placeholder": gettext_lazy("例如：村口垃圾堆了三天没人清运"),
            }
        ),
    )
    photo = forms.FileField(
        label=gettext_lazy("拍照"),
        required=False,
        widget=forms.ClearableFileInput(
            attrs={"class": "form-control", "accept": "image/*", "capture": "environment"}
        ),
    )
    lat = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    lon = forms.CharField(required=False, max_length=20, widget=forms.HiddenInput)
    address = forms.CharField(
        label=gettext_lazy("地点"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": gettext_lazy("例如：二组东头桥边")}),
    )

    def __init__(self, *args: Any, regions: list[Region] | None = None, clerk: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.categories()
        if clerk:
            self.fields["region"] = forms.ModelChoiceField(
                label=gettext_lazy("所在村/组"),
                queryset=Region.objects.filter(pk__in=[r.pk for r in regions or []]),
                widget=forms.Select(attrs=_SELECT),
            )
            self.fields["reporter_name"] = forms.CharField(
                label=gettext_lazy("报告人姓名"),
                max_length=60,
                widget=forms.TextInput(attrs=_INPUT),
            )
            self.fields["reporter_phone"] = forms.CharField(
                label=gettext_lazy("报告人电话"),
                required=False,
                max_length=20,
                widget=forms.TextInput(attrs={**_INPUT, "inputmode": "tel"}),
            )


class FilterForm(forms.Form):
    state = forms.ChoiceField(
        label=gettext_lazy("状态"),
        required=False,
        choices=[
            ("", gettext_lazy("全部")),
            ("open", gettext_lazy("未办结")),
            ("closed", gettext_lazy("已办结")),
            *ProblemReport.State.choices,
        ],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    category = forms.ModelChoiceField(
        label=gettext_lazy("类别"),
        required=False,
        queryset=ReportCategory.objects.none(),
        empty_label=gettext_lazy("全部"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    older_than_days = forms.IntegerField(
        label=gettext_lazy("未办结超过(天)"),
        required=False,
        min_value=0,
        max_value=3650,
        widget=forms.NumberInput(attrs={"class": "form-control form-control-sm"}),
    )

    def __init__(self, *args: Any, category_rows: list[ReportCategory], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["category"]
        field.queryset = ReportCategory.objects.filter(pk__in=[c.pk for c in category_rows])
        # The rows are already loaded: offer them without a second query.
        field.choices = [("", field.empty_label), *((c.pk, c.name) for c in category_rows)]

    def filters(self) -> selectors.ReportFilters:
        data = self.cleaned_data
        category = data.get("category")
        return selectors.ReportFilters(
            state=data.get("state") or "",
            category=category.pk if category else None,
            older_than_days=data.get("older_than_days"),
        )


class StepForm(forms.Form):
    text = forms.CharField(
        label=gettext_lazy("处理说明"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 2}),
    )
    public = forms.BooleanField(
        label=gettext_lazy("在村公开页显示这条说明"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class RerouteForm(forms.Form):
    category = CategoryChoice(
        label=gettext_lazy("改为类别"),
        queryset=ReportCategory.objects.none(),
        widget=forms.Select(attrs=_SELECT),
    )
    reason = forms.CharField(
        label=gettext_lazy("改派原因"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["category"].queryset = selectors.categories()


class VisibilityForm(forms.Form):
    public = forms.TypedChoiceField(
        label=gettext_lazy("公开"),
        choices=[("1", gettext_lazy("公开")), ("0", gettext_lazy("不公开"))],
        coerce=lambda v: v == "1",
        widget=forms.Select(attrs=_SELECT),
    )
    reason = forms.CharField(
        label=gettext_lazy("原因"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs=_INPUT),
    )


class ClientForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("客户端名称"), max_length=100, widget=forms.TextInput(attrs=_INPUT)
    )
    region = forms.ModelChoiceField(
        label=gettext_lazy("可提交的地区"),
        queryset=Region.objects.none(),
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = (
            Region.objects.within(jurisdiction)
            .current()
            .filter(level__lte=Level.VILLAGE)
            .order_by("code")
        )


# --- the villager's form -------------------------------------------------------------------------


def _reporting_scope(request: HttpRequest) -> tuple[Jurisdiction, bool]:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    if j.has_perm(services.INTAKE):
        return j, True
    require_perm(j, services.APPLY)
    return j, False


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def report_new(request: HttpRequest) -> HttpResponse:
    j, clerk = _reporting_scope(request)
    regions: list[Region] = []
    if clerk:
        regions = list(
            Region.objects.within(j).current().filter(level__in=(Level.VILLAGE, Level.GROUP))
        )
    form = ReportForm(request.POST or None, request.FILES or None, regions=regions, clerk=clerk)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = dict(form.cleaned_data)
            region = data.pop("region", None) or request.assignment.region  # type: ignore[attr-defined]
            report = call_into_form(
                form,
                services.report_create,
                actor=request.user,
                jurisdiction=j,
                region=region,
                **data,
            )
            if report is not None:
                messages.success(
                    request,
                    _("已提交，编号 %(number)s。处理进展会通知您。") % {"number": report.number},
                )
                if clerk and j.has_perm(services.REPORTS):
                    return redirect("servicedesk:report", pk=report.pk)
                return redirect("servicedesk:report_new")
        status = 400
    mine = [] if clerk else selectors.own_reports(j, request.user.pk)
    return render(
        request,
        "servicedesk/reports_new.html",
        {
            "form": form,
            "clerk": clerk,
            "base": "web/desk.html" if clerk else "web/villager.html",
            "mine": mine,
            "village_code": request.assignment.region_code[:12],  # type: ignore[attr-defined]
        },
        status=status,
    )


# --- staff ---------------------------------------------------------------------------------------


@login_required
@require_GET
def reports_desk(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, services.REPORTS)  # type: ignore[attr-defined]
    category_rows = list(selectors.categories())
    form = FilterForm(request.GET or None, category_rows=category_rows)
    page = _page_number(request.GET.get("page"))
    rows: list[ProblemReport] = []
    more = False
    if page <= MAX_PAGE and (not form.is_bound or form.is_valid()):
        filters = form.filters() if form.is_bound else selectors.ReportFilters()
        start = (page - 1) * PAGE_SIZE
        rows = list(selectors.desk_list(j, filters)[start : start + PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    now = timezone.now()
    for r in rows:
        r.age_days = (now - r.created_at).days  # type: ignore[attr-defined]
        r.phone_masked = mask_phone(r.reporter_phone)  # type: ignore[attr-defined]
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "servicedesk/reports_desk.html",
        {
            "form": form,
            "reports": rows,
            "page": page,
            "more": more,
            "query": query.urlencode(),
            "open_states": services.OPEN_STATES,
            "can_intake": j.has_perm(services.INTAKE),
        },
    )


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    report: ProblemReport,
    *,
    forms_in: dict[str, forms.Form] | None = None,
    phone: str = "",
    status: int = 200,
) -> HttpResponse:
    forms_in = forms_in or {}
    steps = services.allowed_steps(j, report)
    can_handle = services.can_handle(j, report)
    return render(
        request,
        "servicedesk/reports_detail.html",
        {
            "report": report,
            "updates": selectors.report_updates(report),
            "steps": [(name, services.STEPS[name]) for name in steps],
            "step_form": forms_in.get("step") or StepForm(),
            "step_error": forms_in.get("step_name", ""),
            "reroute_form": forms_in.get("reroute") or RerouteForm(),
            "visibility_form": forms_in.get("visibility")
            or VisibilityForm(initial={"public": "1" if report.public else "0"}),
            "can_handle": can_handle,
            "closed": report.state in services.CLOSED_STATES,
            "unit": services.unit_label(report),
            "phone_masked": mask_phone(report.reporter_phone),
            "phone": phone,
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def report_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    report = selectors.get_report_for(j, pk)
    if request.method == "GET":
        return _detail(request, j, report)
    action = request.POST.get("action", "")
    kwargs = {"actor": request.user, "jurisdiction": j, "report": report}
    if action in services.STEPS:
        form: forms.Form = StepForm(request.POST)
        if form.is_valid():
            text = form.cleaned_data["text"]
            done = call_into_form(
                form,
                services.report_step,
                step=action,
                text=text,
                public=form.cleaned_data["public"],
                **kwargs,
            )
            if done is not None:
                messages.success(request, _("已保存。"))
                return redirect("servicedesk:report", pk=report.pk)
        return _detail(request, j, report, forms_in={"step": form, "step_name": action}, status=400)
    if action == "reroute":
        form = RerouteForm(request.POST)
        if form.is_valid() and call_into_form(
            form, services.report_reroute, **form.cleaned_data, **kwargs
        ):
            messages.success(request, _("已改派。"))
            return redirect("servicedesk:report", pk=report.pk)
        return _detail(request, j, report, forms_in={"reroute": form}, status=400)
    if action == "visibility":
        form = VisibilityForm(request.POST)
        if form.is_valid() and call_into_form(
            form, services.report_set_public, **form.cleaned_data, **kwargs
        ):
            messages.success(request, _("已保存。"))
            return redirect("servicedesk:report", pk=report.pk)
        return _detail(request, j, report, forms_in={"visibility": form}, status=400)
    if action == "reveal":
        try:
            phone = services.reporter_reveal(**kwargs)
        except PermissionDenied:
            messages.error(request, _("只有处理单位可以查看完整电话。"))
            return _detail(request, j, report, status=403)
        response = _detail(request, j, report, phone=phone or "-")
        response["Cache-Control"] = "no-store"
        return response
    return _detail(request, j, report, status=400)


@login_required
@require_GET
def report_photo(request: HttpRequest, pk: int) -> HttpResponse:
    report = selectors.photo_report_for(
        request.jurisdiction,  # type: ignore[attr-defined]
        pk,
        request.user.pk,
    )
    extension = "png" if report.photo_type == "image/png" else "jpg"
    try:
        handle = report.photo.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=report.photo_type or "image/jpeg")
    response["Content-Disposition"] = f'inline; filename="report-{report.number}.{extension}"'
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- public --------------------------------------------------------------------------------------


@require_GET
def village_reports(request: HttpRequest, code: str) -> HttpResponse:
    village = selectors.public_village(code)
    page = _page_number(request.GET.get("page"))
    if page > MAX_PAGE:
        raise Http404
    rows, more = selectors.village_page(village.code, page)
    return render(
        request,
        "servicedesk/reports_village.html",
        {
            "village": village,
            "reports": rows,
            "page": page,
            "more": more,
            "closed_states": services.CLOSED_STATES,
        },
    )


# --- Open311 keys --------------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def open311_clients(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, services.OPEN311)  # type: ignore[attr-defined]
    form = ClientForm(
        request.POST if request.POST.get("action") == "create" else None, jurisdiction=j
    )
    new_key = ""
    status = 200
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            raw = request.POST.get("client", "")
            if not raw.isdigit() or len(raw) > 18:
                raise Http404
            client = selectors.get_client_for(j, int(raw))
            services.open311_client_revoke(actor=request.user, jurisdiction=j, client=client)
            messages.success(request, _("已停用“%(name)s”的密钥。") % {"name": client.name})
            return redirect("servicedesk:open311_clients")
        if form.is_valid():
            made = call_into_form(
                form, services.open311_client_create, actor=request.user, jurisdiction=j,
                **form.cleaned_data,
            )  # fmt: skip
            if made is not None:
                new_key = made[1]
                form = ClientForm(jurisdiction=j)
        if not new_key:
            status = 400
    response = render(
        request,
        "servicedesk/open311_clients.html",
        {"form": form, "clients": selectors.clients_for(j), "new_key": new_key},
        status=status,
    )
    return response


urlpatterns = [
    path("reports/new/", report_new, name="report_new"),
    path("reports/", reports_desk, name="reports_desk"),
    path("reports/<int:pk>/", report_detail, name="report"),
    path("reports/<int:pk>/photo/", report_photo, name="report_photo"),
    path("villages/<str:code>/reports/", village_reports, name="village_reports"),
    path("open311/", open311_clients, name="open311_clients"),
]
