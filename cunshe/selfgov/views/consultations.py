"""Pages of consultation (协商) records: the list, a new record (topic, parties, notice) and the
record's page where the committee adds the next stage — discussion, outcome, implementation,
feedback — in order, each dated (services.proposals.consultation_create/_advance)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_perm
from cunshe.selfgov.forms_consultations import AdvanceForm, ConsultationForm
from cunshe.selfgov.models import Consultation, Proposal
from cunshe.selfgov.selectors import proposals as selectors
from cunshe.selfgov.services import proposals as services
from cunshe.selfgov.views.matters import villages_of
from cunshe.web.forms import call_into_form

PAGE_SIZE = 100


@login_required
@require_GET
def consultations_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, selectors.VIEW)  # type: ignore[attr-defined]
    rows = list(selectors.consultations_for(j)[:PAGE_SIZE])
    return render(request, "selfgov/consultations_list.html",
                  {"rows": rows, "can_manage": j.has_perm(services.MANAGE)})  # fmt: skip


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def consultation_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, services.MANAGE)  # type: ignore[attr-defined]
    villages = villages_of(j)
    form = ConsultationForm(request.POST or None, initial={"notice_on": timezone.localdate()})
    if request.method == "POST" and form.is_valid() and villages:
        proposal = None
        if form.cleaned_data["proposal"]:
            proposal = Proposal.objects.within(j).filter(pk=form.cleaned_data["proposal"]).first()
            if proposal is None:
                form.add_error("proposal", _("没有这项提议。"))
        if not form.errors:
            row = call_into_form(
                form, services.consultation_create, actor=request.user, jurisdiction=j,
                village=villages[0], topic=form.cleaned_data["topic"],
                parties=form.cleaned_data["parties"], notice_on=form.cleaned_data["notice_on"],
                notice_how=form.cleaned_data["notice_how"], proposal=proposal,
            )  # fmt: skip
            if row is not None:
                messages.success(request, _("协商记录已登记。"))
                return redirect("selfgov:consultation", pk=row.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "selfgov/consultations_new.html", {"form": form}, status=status)


def _page(request, j, row, form=None, status=200):  # type: ignore[no-untyped-def]
    done = row.stage >= Consultation.Stage.FEEDBACK
    if form is None and not done:
        form = AdvanceForm(
            initial={"stage": row.stage + 1, "on": timezone.localdate(), "version": row.version}
        )
    stages = [
        (Consultation.Stage.NOTICED.label, row.notice_on, row.notice_how),
        (Consultation.Stage.DISCUSSED.label, row.discussed_on, row.discussion),
        (Consultation.Stage.CONCLUDED.label, row.concluded_on, row.outcome),
        (Consultation.Stage.IMPLEMENTED.label, row.implemented_on, row.implementation),
        (Consultation.Stage.FEEDBACK.label, row.feedback_on, row.feedback),
    ]
    context = {
        "c": row,
        "stages": stages,
        "form": form,
        "can_manage": j.has_perm(services.MANAGE) and not done,
    }
    return render(request, "selfgov/consultations_detail.html", context, status=status)


@login_required
@never_cache
@require_GET
def consultation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, selectors.VIEW)  # type: ignore[attr-defined]
    return _page(request, j, selectors.get_consultation_for(j, pk))


@login_required
@require_POST
def consultation_advance(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, selectors.VIEW)  # type: ignore[attr-defined]
    row = selectors.get_consultation_for(j, pk, need=services.MANAGE)
    form = AdvanceForm(request.POST)
    if form.is_valid() and call_into_form(
        form, services.consultation_advance,
        refusals={services.ConcurrentEdit: _("已被他人修改，请刷新页面后再操作。")},
        actor=request.user, jurisdiction=j, consultation=row,
        stage=form.cleaned_data["stage"], on=form.cleaned_data["on"],
        text=form.cleaned_data["text"], expected_version=form.cleaned_data["version"],
    ):  # fmt: skip
        messages.success(request, _("已记录。"))
        return redirect("selfgov:consultation", pk=row.pk)
    return _page(request, j, row, form=form, status=400)


urlpatterns = [
    path("consultations/", consultations_list, name="consultations"),
    path("consultations/new/", consultation_new, name="consultation_new"),
    path("consultations/<int:pk>/", consultation_detail, name="consultation"),
    path("consultations/<int:pk>/advance/", consultation_advance, name="consultation_advance"),
]
