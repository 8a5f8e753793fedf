"""Pages: rating a finished matter (好差评), the rectification desk with call-backs, and the
rating statistics per item, officer and unit."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_perm
from cunshe.core.audit import audit
from cunshe.core.masking import mask_phone
from cunshe.servicedesk.forms_ratings import CallBackForm, CloseForm, RatingForm
from cunshe.servicedesk.models import Rating, Rectification
from cunshe.servicedesk.rules import BAD_INDICATORS, GOOD_INDICATORS
from cunshe.servicedesk.selectors import ratings as selectors
from cunshe.servicedesk.selectors.applications import application_for
from cunshe.servicedesk.services import ratings as services
from cunshe.servicedesk.services.applications import is_applicant_side, is_intake_clerk
from cunshe.web.forms import call_into_form

RECTIFY = services.RECTIFY


@login_required
@require_http_methods(["GET", "POST"])
def rate(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    app = application_for(j, pk)
    if not (is_applicant_side(j, app) or is_intake_clerk(j, app)):
        raise Http404
    existing = Rating.objects.within(j).filter(application=app).first()
    form = RatingForm(request.POST or None)
    if request.method == "POST" and existing is None and form.is_valid():
        rating = call_into_form(
            form,
            services.rating_submit,
            actor=request.user,
            jurisdiction=j,
            application=app,
            score=form.cleaned_data["score"],
            indicators=form.cleaned_data["indicators"],
            comment=form.cleaned_data["comment"],
            real_name=form.cleaned_data["real_name"],
        )
        if rating is not None:
            messages.success(request, _("感谢您的评价。"))
            return redirect("servicedesk:rate", pk=app.pk)
    return render(
        request,
        "servicedesk/ratings_rate.html",
        {
            "application": app,
            "rating": existing,
            "form": form,
            "rateable": app.status in services.RATEABLE,
            "good": GOOD_INDICATORS,
            "bad": BAD_INDICATORS,
        },
    )


@login_required
@require_GET
def rectifications(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, RECTIFY)  # type: ignore[attr-defined]
    show = request.GET.get("show", "open")
    rows = selectors.rectifications_for(j)
    if show == "open":
        rows = rows.filter(closed_at__isnull=True)
    elif show == "overdue":
        rows = rows.filter(closed_at__isnull=True, due_on__lt=timezone.localdate())
    rows = rows.order_by("closed_at", "due_on", "id")[:200]
    by = request.GET.get("by", "item")
    if by not in selectors.GROUPS:
        by = "item"
    stats = selectors.rating_stats(j, by=by) if j.has_perm(selectors.VIEW) else []
    return render(
        request,
        "servicedesk/ratings_rectifications.html",
        {
            "rows": rows,
            "show": show,
            "by": by,
            "stats": stats,
            "today": timezone.localdate(),
        },
    )


def _rectification_page(request: HttpRequest, rect: Rectification, phone: str = "") -> HttpResponse:
    application = rect.rating.application
    return render(
        request,
        "servicedesk/ratings_rectification.html",
        {
            "rect": rect,
            "rating": rect.rating,
            "application": application,
            "phone_masked": mask_phone(application.applicant.phone),
            "phone": phone,
            "callbacks": list(rect.callbacks.select_related("by")),
            "callback_form": CallBackForm(),
            "close_form": CloseForm(),
            "today": timezone.localdate(),
        },
    )


@login_required
@never_cache
@require_GET
def rectification(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    rect = selectors.rectification_for(j, pk)
    audit("servicedesk.rectification.viewed", jurisdiction=j, obj=rect)
    return _rectification_page(request, rect)


@login_required
@never_cache
@require_POST
def rectification_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    """The villager's full phone number for the call-back: shown masked on the page, in full only
    on this deliberate, audited request (as the reporter's phone on a 随手拍 report)."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    rect = selectors.rectification_for(j, pk)
    audit(
        "servicedesk.rectification.phone_revealed",
        actor=request.user,
        jurisdiction=j,
        obj=rect,
        detail={"field": "applicant_phone"},
    )
    phone = rect.rating.application.applicant.phone or "-"
    response = _rectification_page(request, rect, phone=phone)
    response["Cache-Control"] = "no-store"
    return response


def _rect_post(request: HttpRequest, pk: int, form_class, service, **extra):  # type: ignore[no-untyped-def]
    j = request.jurisdiction  # type: ignore[attr-defined]
    rect = selectors.rectification_for(j, pk)
    form = form_class(request.POST)
    done = None
    if form.is_valid():
        data = dict(form.cleaned_data)
        done = call_into_form(
            form, service, actor=request.user, jurisdiction=j, rectification=rect, **data, **extra
        )
    if done is not None:
        messages.success(request, _("已保存。"))
        return redirect("servicedesk:rectification", pk=rect.pk)
    for errors in form.errors.values():
        for error in errors:
            messages.error(request, error)
    return redirect("servicedesk:rectification", pk=rect.pk)


@login_required
@require_POST
def rectification_callback(request: HttpRequest, pk: int) -> HttpResponse:
    return _rect_post(request, pk, CallBackForm, services.callback_record)


@login_required
@require_POST
def rectification_close(request: HttpRequest, pk: int) -> HttpResponse:
    return _rect_post(request, pk, CloseForm, services.rectification_close)


urlpatterns: list[URLPattern] = [
    path("my/<int:pk>/rate/", rate, name="rate"),
    path("rectifications/", rectifications, name="rectifications"),
    path("rectifications/<int:pk>/", rectification, name="rectification"),
    path("rectifications/<int:pk>/reveal/", rectification_reveal, name="rectification_reveal"),
    path(
        "rectifications/<int:pk>/callback/", rectification_callback, name="rectification_callback"
    ),
    path("rectifications/<int:pk>/close/", rectification_close, name="rectification_close"),
]
