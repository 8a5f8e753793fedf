"""Pages of proposals: the list (the committee sees deadlines, overdue in red), a new
proposal, the proposal's page (standing against the thresholds, co-signing, linking the
村民会议). Villagers see their own village's proposals with counts only — never the names of
co-signers; staff see the names."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction
from cunshe.selfgov.forms_proposals import LinkMeetingForm, ProposalForm, SignForm
from cunshe.selfgov.models import Meeting, Proposal
from cunshe.selfgov.selectors import proposals as selectors
from cunshe.selfgov.selectors.bodies import person_in
from cunshe.selfgov.services import proposals as services
from cunshe.selfgov.views.matters import villages_of
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50


@login_required
@require_GET
def proposals_list(request: HttpRequest) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    status = request.GET.get("status", "")
    if status not in Proposal.Status.values:
        status = ""
    rows = list(selectors.proposals_for(j, status=status)[:PAGE_SIZE])
    today = timezone.localdate()
    return render(
        request,
        "selfgov/proposals_list.html",
        {
            "rows": [(p, selectors.is_overdue(p, today)) for p in rows],
            "status": status,
            "statuses": Proposal.Status.choices,
            "staff": j.has_perm(selectors.VIEW),
            "can_propose": j.has_perm(services.MANAGE) or j.has_perm(services.PARTICIPATE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def proposal_new(request: HttpRequest) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    villages = villages_of(j)
    if not villages or not (j.has_perm(services.MANAGE) or j.has_perm(services.PARTICIPATE)):
        raise Http404
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        village = villages[0]
        proposer = None
        if form.cleaned_data["proposer"]:
            proposer = person_in(j, village.code, form.cleaned_data["proposer"])
        proposal = call_into_form(
            form, services.proposal_create, actor=request.user, jurisdiction=j, village=village,
            title=form.cleaned_data["title"], text=form.cleaned_data["text"], proposer=proposer,
        )  # fmt: skip
        if proposal is not None:
            messages.success(request, _("提议已登记，您的签名是第一个联署。"))
            return redirect("selfgov:proposal", pk=proposal.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "selfgov/proposals_new.html", {"form": form}, status=status)


def _detail(request, j, proposal, *, sign_form=None, link_form=None, status=200):  # type: ignore[no-untyped-def]
    staff = j.has_perm(selectors.VIEW)
    me = None
    if not j.has_perm(services.MANAGE) and j.has_perm(services.PARTICIPATE):
        me = selectors.person_of_user(j, proposal.region_code, request.user)
    return render(
        request,
        "selfgov/proposals_detail.html",
        {
            "p": proposal,
            "standing": selectors.standing(j, proposal),
            "signatures": selectors.signatures_of(proposal) if staff else None,
            "staff": staff,
            "can_manage": j.has_perm(services.MANAGE),
            "can_sign": proposal.status in (Proposal.Status.OPEN, Proposal.Status.MUST_CONVENE),
            "signed": selectors.has_signed(proposal, me),
            "overdue": selectors.is_overdue(proposal),
            "sign_form": sign_form or SignForm(),
            "link_form": link_form or LinkMeetingForm(initial={"version": proposal.version}),
        },
        status=status,
    )


@login_required
@never_cache
@require_GET
def proposal_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    return _detail(request, j, selectors.get_proposal_for(j, pk))


@login_required
@require_POST
def proposal_sign(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    proposal = selectors.get_proposal_for(j, pk)
    form = SignForm(request.POST)
    if form.is_valid():
        person = None
        if form.cleaned_data["person"] and j.has_perm(services.MANAGE):
            person = person_in(j, proposal.region_code, form.cleaned_data["person"])
            if person is None:
                form.add_error("person", _("本村没有这个登记编号的村民。"))
        if not form.errors and call_into_form(
            form, services.proposal_sign, actor=request.user, jurisdiction=j,
            proposal=proposal, person=person,
        ):  # fmt: skip
            messages.success(request, _("已联署。"))
            return redirect("selfgov:proposal", pk=proposal.pk)
    return _detail(request, j, proposal, sign_form=form, status=400)


@login_required
@require_POST
def proposal_link(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    proposal = selectors.get_proposal_for(j, pk, need=services.MANAGE)
    form = LinkMeetingForm(request.POST)
    if form.is_valid():
        meeting = Meeting.objects.within(j).filter(pk=form.cleaned_data["meeting"]).first()
        if meeting is None:
            form.add_error("meeting", _("没有这个会议。"))
        elif call_into_form(
            form, services.proposal_link_meeting,
            refusals={services.ConcurrentEdit: _("已被他人修改，请刷新页面后再操作。")},
            actor=request.user, jurisdiction=j, proposal=proposal, meeting=meeting,
            expected_version=form.cleaned_data["version"],
        ):  # fmt: skip
            messages.success(request, _("已关联召集的村民会议。"))
            return redirect("selfgov:proposal", pk=proposal.pk)
    return _detail(request, j, proposal, link_form=form, status=400)


urlpatterns = [
    path("proposals/", proposals_list, name="proposals"),
    path("proposals/new/", proposal_new, name="proposal_new"),
    path("proposals/<int:pk>/", proposal_detail, name="proposal"),
    path("proposals/<int:pk>/sign/", proposal_sign, name="proposal_sign"),
    path("proposals/<int:pk>/link/", proposal_link, name="proposal_link"),
]
