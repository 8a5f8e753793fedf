"""Polls pages. Staff (selfgov.view / selfgov.manage): the list, a new poll, one poll (open,
record a vote at the hall or by proxy, close, cancel; who voted; results once closed).
Villagers (selfgov.participate): their village's polls, voting once online, results once closed.

Parse → check access → selector/service → render.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.forms_polls import CancelForm, PollForm, RecordVoteForm, VersionForm, VoteForm
from cunshe.selfgov.models import Poll, PollParticipation
from cunshe.selfgov.selectors import bodies as body_sel
from cunshe.selfgov.selectors import polls as sel
from cunshe.selfgov.services import polls as svc
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50


def _j(request: HttpRequest) -> Jurisdiction:
    return require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]


def _page(raw: str | None) -> int:
    return max(1, int(raw)) if raw and raw.isdigit() and len(raw) < 5 else 1


@login_required
@require_GET
def poll_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(sel.polls_for(j)[start : start + PAGE_SIZE + 1])
    return render(
        request,
        "selfgov/polls_list.html",
        {
            "polls": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "can_manage": j.has_perm(sel.MANAGE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def poll_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.MANAGE)  # type: ignore[attr-defined]
    form = PollForm(
        request.POST or None,
        regions=list(body_sel.villages_for(j)),
        initial={"opens_at": timezone.localtime().replace(second=0, microsecond=0)},
    )
    status = 200
    if request.method == "POST":
        if form.is_valid():
            poll = call_into_form(
                form, svc.poll_create, actor=request.user, jurisdiction=j, **form.cleaned_data
            )
            if poll is not None:
                messages.success(request, _("调查已创建，开始投票前可以核对。"))
                return redirect("selfgov:poll", pk=poll.pk)
        status = 400
    return render(request, "selfgov/polls_new.html", {"form": form}, status=status)


def _record_form(poll: Poll, data: Any = None) -> RecordVoteForm:
    voted = PollParticipation.objects.filter(poll=poll).values("person_id")
    voters = [
        (v.person_id, v.person.name)
        for v in poll.voters.exclude(person_id__in=voted)
        .select_related("person")
        .order_by("person__name_pinyin", "person_id")
    ]
    options = [(o.pk, o.text) for o in sel.options_of(poll)]
    return RecordVoteForm(data, voters=voters, options=options)


def _detail(
    request: HttpRequest,
    j: Jurisdiction,
    poll: Poll,
    *,
    forms_in: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    forms_in = forms_in or {}
    manage = j.has_perm(sel.MANAGE)
    is_open = poll.status == Poll.Status.OPEN
    return render(
        request,
        "selfgov/polls_detail.html",
        {
            "poll": poll,
            "options": sel.options_of(poll),
            "result": sel.results_of(poll),
            "participations": sel.participations_of(poll),
            "manage": manage,
            "record_form": forms_in.get("record")
            or (_record_form(poll) if manage and is_open else None),
            "version_form": forms_in.get("version")
            or VersionForm(initial={"version": poll.version}),
            "cancel_form": forms_in.get("cancel") or CancelForm(initial={"version": poll.version}),
            "may_close": is_open and timezone.now() >= poll.closes_at,
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def poll_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    if request.method == "GET":
        return _detail(request, j, sel.get_poll_for(j, pk))
    poll = sel.get_poll_for(j, pk, need=sel.MANAGE)
    action = request.POST.get("action", "")
    kw = {"actor": request.user, "jurisdiction": j, "poll": poll}
    refusals = {ConcurrentEdit: _("已被他人修改，请刷新后重试。")}
    if action in ("open", "close"):
        form = VersionForm(request.POST)
        service = svc.poll_open if action == "open" else svc.poll_close
        if form.is_valid() and call_into_form(
            form, service, refusals=refusals, expected_version=form.cleaned_data["version"], **kw
        ):
            messages.success(
                request, _("投票已开始。") if action == "open" else _("投票已结束，结果已公布。")
            )
            return redirect("selfgov:poll", pk=pk)
        return _detail(request, j, poll, forms_in={"version": form}, status=400)
    if action == "cancel":
        form = CancelForm(request.POST)
        if form.is_valid() and call_into_form(
            form,
            svc.poll_cancel,
            refusals=refusals,
            reason=form.cleaned_data["reason"],
            expected_version=form.cleaned_data["version"],
            **kw,
        ):
            messages.success(request, _("调查已取消。"))
            return redirect("selfgov:poll", pk=pk)
        return _detail(request, j, poll, forms_in={"cancel": form}, status=400)
    if action == "record":
        form = _record_form(poll, request.POST)
        if form.is_valid():
            d = form.cleaned_data
            people = {
                p.pk: p
                for p in [
                    body_sel.person_in(j, poll.region_code[:12], d["person"]),
                    d["proxy_holder"]
                    and body_sel.person_in(j, poll.region_code[:12], d["proxy_holder"]),
                ]
                if p
            }
            option = next(o for o in sel.options_of(poll) if o.pk == d["option"])
            if call_into_form(
                form,
                svc.vote_cast,
                origin=d["origin"],
                option=option,
                person=people.get(d["person"]),
                proxy_holder=people.get(d["proxy_holder"]),
                **kw,
            ):
                messages.success(request, _("已记录投票。"))
                return redirect("selfgov:poll", pk=pk)
        return _detail(request, j, poll, forms_in={"record": form}, status=400)
    return _detail(request, j, poll, status=400)


# --- villagers -----------------------------------------------------------------------------------


@login_required
@require_GET
def my_polls(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.PARTICIPATE)  # type: ignore[attr-defined]
    return render(request, "selfgov/polls_mine.html", {"polls": list(sel.villager_polls(j)[:50])})


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_poll(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    poll = sel.get_villager_poll(j, pk)
    options = sel.options_of(poll)
    form = VoteForm(request.POST or None, options=[(o.pk, o.text) for o in options])
    status = 200
    if request.method == "POST":
        if form.is_valid():
            option = next(o for o in options if o.pk == form.cleaned_data["option"])
            if call_into_form(
                form, svc.vote_cast, actor=request.user, jurisdiction=j, poll=poll, option=option
            ):
                messages.success(request, _("您的投票已记录，谢谢参与。"))
                return redirect("selfgov:my_poll", pk=pk)
        status = 400
    person = sel.person_of(request.user)
    now = timezone.now()
    return render(
        request,
        "selfgov/polls_vote.html",
        {
            "poll": poll,
            "form": form,
            "result": sel.results_of(poll),
            "voted": sel.has_voted(poll, person),
            "eligible": sel.is_eligible(poll, person),
            "open_now": poll.status == Poll.Status.OPEN and poll.opens_at <= now < poll.closes_at,
        },
        status=status,
    )


urlpatterns = [
    path("polls/", poll_list, name="polls"),
    path("polls/new/", poll_new, name="poll_new"),
    path("polls/<int:pk>/", poll_detail, name="poll"),
    path("my/polls/", my_polls, name="my_polls"),
    path("my/polls/<int:pk>/", my_poll, name="my_poll"),
]
