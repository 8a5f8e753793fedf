"""Pages of 四议两公开: the matters list, opening a matter, and the matter's page with its six
steps (where it stands, each step's record, the form for the next step).

Parse → check access → selector/service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Kind, Level, Region
from cunshe.selfgov.forms_matters import MatterForm, StepForm
from cunshe.selfgov.models import Decision, Disclosure, Matter, Meeting, Step
from cunshe.selfgov.selectors import matters as selectors
from cunshe.selfgov.services import matters as services
from cunshe.web.forms import call_into_form

VIEW = selectors.VIEW
PAGE_SIZE = 50


def villages_of(j: Jurisdiction) -> list[Region]:
    """The villages (村民委员会) in the jurisdiction, for the forms' choices."""
    return list(
        Region.objects.within(j)
        .current()
        .filter(level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .order_by("code")[:500]
    )


def _label(record: Meeting | Decision | Disclosure) -> str:
    if isinstance(record, Meeting):
        return f"{record.title} · {record.scheduled_at:%Y-%m-%d}"
    if isinstance(record, Decision):
        meeting = record.agenda_item.meeting
        return _("%(meeting)s · %(item)s（赞成%(yes)s/到会%(present)s）") % {
            "meeting": meeting.title,
            "item": record.agenda_item.title,
            "yes": record.votes_for,
            "present": record.present,
        }
    return f"{record.title} · {record.published_at:%Y-%m-%d}"


@login_required
@require_GET
def matters_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    raw = request.GET.get("step", "")
    step = int(raw) if raw.isdigit() and int(raw) <= Step.RESULT_PUBLISHED else None
    rows = list(selectors.matters_for(j, step=step)[:PAGE_SIZE])
    return render(
        request,
        "selfgov/matters_list.html",
        {
            "matters": rows,
            "step": step,
            "steps": Step.choices,
            "can_manage": j.has_perm(services.MANAGE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def matter_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, services.MANAGE)  # type: ignore[attr-defined]
    form = MatterForm(request.POST or None, villages=villages_of(j))
    if request.method == "POST":
        if form.is_valid():
            matter = call_into_form(
                form, services.matter_create, actor=request.user, jurisdiction=j,
                **form.cleaned_data,
            )  # fmt: skip
            if matter is not None:
                messages.success(request, _("已建立事项，请按四议两公开的顺序记录各步。"))
                return redirect("selfgov:matter", pk=matter.pk)
        return render(request, "selfgov/matters_new.html", {"form": form}, status=400)
    return render(request, "selfgov/matters_new.html", {"form": form})


def _detail(
    request: HttpRequest, j: Jurisdiction, matter: Matter, form: StepForm | None = None,
    status: int = 200,
) -> HttpResponse:  # fmt: skip
    following = matter.step + 1 if matter.step < Step.RESULT_PUBLISHED else None
    perm = None
    if following is not None:
        perm = services.DISCLOSE if following >= Step.DECISION_PUBLISHED else services.MANAGE
    can_act = perm is not None and j.has_perm(perm)
    candidates = selectors.step_candidates(j, matter) if can_act else []
    if form is None and can_act:
        form = StepForm(
            candidates=[(c.pk, _label(c)) for c in candidates],
            initial={"version": matter.version},
        )
    return render(
        request,
        "selfgov/matters_detail.html",
        {
            "matter": matter,
            "progress": selectors.progress(matter),
            "following": Step(following) if following else None,
            "record_kind": services.record_kind(following) if following else "",
            "can_act": can_act,
            "form": form,
            "has_candidates": bool(candidates),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def matter_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, VIEW)  # type: ignore[attr-defined]
    matter = selectors.get_matter_for(j, pk)
    if request.method == "GET":
        return _detail(request, j, matter)
    following = matter.step + 1
    need = services.DISCLOSE if following >= Step.DECISION_PUBLISHED else services.MANAGE
    require_perm(j, need)
    candidates = selectors.step_candidates(j, matter)
    form = StepForm(request.POST, candidates=[(c.pk, _label(c)) for c in candidates])
    if form.is_valid():
        chosen = {c.pk: c for c in candidates}[form.cleaned_data["record"]]
        kind = services.record_kind(following)
        done = call_into_form(
            form,
            services.matter_advance,
            refusals={services.ConcurrentEdit: _("已被他人修改，请刷新页面后再操作。")},
            actor=request.user,
            jurisdiction=j,
            matter=matter,
            step=following,
            note=form.cleaned_data["note"],
            expected_version=form.cleaned_data["version"],
            **{kind: chosen},
        )
        if done is not None:
            messages.success(request, _("已记录“%(step)s”。") % {"step": Step(following).label})
            return redirect("selfgov:matter", pk=matter.pk)
    matter = selectors.get_matter_for(j, pk)
    return _detail(request, j, matter, form=form, status=400)


urlpatterns = [
    path("matters/", matters_list, name="matters"),
    path("matters/new/", matter_new, name="matter_new"),
    path("matters/<int:pk>/", matter_detail, name="matter"),
]
