"""Staff pages of 村务公开: the desk (items and the village's due dates), publishing (also a
correction of an item, or a matter's decision or result), an item with its questions (answer
publicly or hide with a reason), and the township's overdue list. `selfgov:disclosures` is the
villager's tile: a villager lands on their village's public page, staff on the desk, anyone else
on the public chooser of villages.

Parse → check access → selector/service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.core.access import require_perm
from cunshe.selfgov.forms_disclosure import AnswerForm, HideForm, PublishForm
from cunshe.selfgov.models import DisclosureCategory, Step
from cunshe.selfgov.selectors import disclosure as selectors
from cunshe.selfgov.selectors import matters as matter_selectors
from cunshe.selfgov.services import disclosure as services
from cunshe.selfgov.views.matters import villages_of
from cunshe.web.forms import call_into_form

VIEW = selectors.VIEW
PAGE_SIZE = 50
MAX_PAGE = 200


def _int(raw: str | None) -> int | None:
    if raw and raw.isdigit() and len(raw) < 18:
        return int(raw)
    return None


@login_required
@require_GET
def disclosures_entry(request: HttpRequest) -> HttpResponse:
    """The villager's tile: their own village's public page; staff: the desk; others: the
    chooser. Anonymous visitors sign in first (the public pages themselves need no sign-in)."""
    j = getattr(request, "jurisdiction", None)
    if j is not None and j.has_perm(VIEW):
        return redirect("selfgov:disclosure_desk")
    assignment = getattr(request, "assignment", None)
    if j is not None and j.has_perm(services.PARTICIPATE) and assignment is not None:
        return redirect("selfgov:public_disclosures", code=assignment.region_code[:12])
    return redirect("selfgov:public_villages")


@login_required
@require_GET
def disclosure_desk(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    category = request.GET.get("category", "")
    if category not in ("", *DisclosureCategory.values):
        category = ""
    page = _int(request.GET.get("page")) or 1
    if page > MAX_PAGE:
        raise Http404
    start = (page - 1) * PAGE_SIZE
    rows = list(selectors.disclosures_for(j, category=category)[start : start + PAGE_SIZE + 1])
    today = timezone.localdate()
    return render(
        request,
        "selfgov/disclosure_desk.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "category": category,
            "categories": DisclosureCategory.choices,
            "dues": selectors.village_dues(j, today=today),
            "today": today,
            "can_publish": j.has_perm(services.DISCLOSE),
            "can_supervise": j.has_perm(services.SUPERVISE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def disclosure_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, services.DISCLOSE)  # type: ignore[attr-defined]
    source = request.POST if request.method == "POST" else request.GET
    matter = corrects = None
    if (matter_pk := _int(source.get("matter"))) is not None:
        matter = matter_selectors.get_matter_for(j, matter_pk, need=services.DISCLOSE)
    if (corrects_pk := _int(source.get("corrects"))) is not None:
        corrects = selectors.get_disclosure_for(j, corrects_pk, need=services.DISCLOSE)
    initial: dict = {}
    if matter is not None:
        initial = {"village": matter.region_id, "category": DisclosureCategory.MAJOR}
        label = _("决议公开") if matter.step == Step.DECIDED else _("实施结果公开")
        initial["title"] = f"{matter.title} · {label}"
    if corrects is not None:
        initial = {
            "village": corrects.region_id,
            "category": corrects.category,
            "title": _("更正：%(title)s") % {"title": corrects.title},
            "body": corrects.body,
            "period_start": corrects.period_start,
            "period_end": corrects.period_end,
        }
    form = PublishForm(
        request.POST if request.method == "POST" else None, villages=villages_of(j), initial=initial
    )
    context = {"form": form, "matter": matter, "corrects": corrects}
    if request.method == "POST":
        if form.is_valid():
            item = call_into_form(
                form, services.disclosure_publish, actor=request.user, jurisdiction=j,
                matter=matter, corrects=corrects, **form.cleaned_data,
            )  # fmt: skip
            if item is not None:
                messages.success(request, _("已公开。公开后的内容不能修改；如有错误，请发布更正。"))
                if matter is not None:
                    return redirect("selfgov:matter", pk=matter.pk)
                return redirect("selfgov:disclosure", pk=item.pk)
        return render(request, "selfgov/disclosure_new.html", context, status=400)
    return render(request, "selfgov/disclosure_new.html", context)


def _detail(request, j, item, *, forms_in=None, status=200):  # type: ignore[no-untyped-def]
    forms_in = forms_in or {}
    return render(
        request,
        "selfgov/disclosure_detail.html",
        {
            "item": item,
            "questions": selectors.staff_questions(item),
            "corrections": selectors.corrections_of(j, item),
            "can_answer": j.has_perm(services.DISCLOSE),
            "answer_form": forms_in.get("answer") or AnswerForm(),
            "hide_form": forms_in.get("hide") or HideForm(),
            "failed_question": forms_in.get("question"),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def disclosure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    item = selectors.get_disclosure_for(j, pk)
    if request.method == "GET":
        return _detail(request, j, item)
    question_pk = _int(request.POST.get("question"))
    if question_pk is None:
        raise Http404
    question = selectors.get_question_for(j, question_pk, need=services.DISCLOSE)
    if question.disclosure_id != item.pk:
        raise Http404
    action = request.POST.get("action", "")
    if action == "answer":
        form = AnswerForm(request.POST)
        if form.is_valid() and call_into_form(
            form, services.question_answer, actor=request.user, jurisdiction=j,
            question=question, answer=form.cleaned_data["answer"],
        ):  # fmt: skip
            messages.success(request, _("已公开答复。"))
            return redirect("selfgov:disclosure", pk=item.pk)
        return _detail(request, j, item, forms_in={"answer": form, "question": question_pk},
                       status=400)  # fmt: skip
    if action == "hide":
        form = HideForm(request.POST)
        if form.is_valid() and call_into_form(
            form, services.question_hide, actor=request.user, jurisdiction=j,
            question=question, reason=form.cleaned_data["reason"],
        ):  # fmt: skip
            messages.success(request, _("已隐藏该问题（不会删除，原因已记录）。"))
            return redirect("selfgov:disclosure", pk=item.pk)
        return _detail(request, j, item, forms_in={"hide": form, "question": question_pk},
                       status=400)  # fmt: skip
    return _detail(request, j, item, status=400)


@login_required
@require_GET
def overdue_list(request: HttpRequest) -> HttpResponse:
    rows = selectors.overdue_for(request.jurisdiction)  # type: ignore[attr-defined]
    return render(request, "selfgov/disclosure_overdue.html", {"rows": rows})


urlpatterns = [
    path("disclosures/", disclosures_entry, name="disclosures"),
    path("disclosures/desk/", disclosure_desk, name="disclosure_desk"),
    path("disclosures/new/", disclosure_new, name="disclosure_new"),
    path("disclosures/overdue/", overdue_list, name="disclosure_overdue"),
    path("disclosures/<int:pk>/", disclosure_detail, name="disclosure"),
]
