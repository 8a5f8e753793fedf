"""Election pages: the list, one election (timetable, roll counts, objections, proxies,
candidates and results), its roll, printable lists and .xlsx exports, and the village's
registry of non-hukou approvals, deprivations and recall petitions.

Reading needs selfgov.view (in the jurisdiction); every write needs selfgov.elections and goes
through `services.elections` (which checks again and audits)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.audit import audit
from cunshe.regions.models import Region
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov import forms_elections as f
from cunshe.selfgov.models.bodies import Membership
from cunshe.selfgov.models.elections import VoterRollEntry
from cunshe.selfgov.models.meetings import Decision
from cunshe.selfgov.selectors import elections as sel
from cunshe.selfgov.services import elections as svc
from cunshe.web.forms import call_into_form

STALE = {ConcurrentEdit: _("已被他人修改，请刷新后重试。")}


def _j(request: HttpRequest):  # type: ignore[no-untyped-def]
    return require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]


def _village_choices(j) -> list[Region]:  # type: ignore[no-untyped-def]
    return list(Region.objects.filter(j.q("code"), level="village").order_by("code")[:200])


@login_required
@require_http_methods(["GET", "POST"])
def elections(request: HttpRequest) -> HttpResponse:
    j = _j(request)
    rows = sel.elections_for(j)[:100]
    may_write = j.has_perm(svc.ELECTIONS)
    form = f.ElectionForm(request.POST or None)
    if request.method == "POST":
        require_perm(j, svc.ELECTIONS)
        village = (
            Region.objects.filter(code=j.root_code).first() if len(j.root_code) >= 12 else None
        )
        if village is None:
            form.add_error(None, _("只有村级工作人员可以建立本村选举。"))
        elif form.is_valid():
            election = call_into_form(
                form,
                svc.election_create,
                actor=request.user,
                jurisdiction=j,
                village=village,
                **form.cleaned_data,
            )
            if election is not None:
                messages.success(request, _("已建立选举。"))
                return redirect("selfgov:election", pk=election.pk)
    return render(
        request,
        "selfgov/elections_list.html",
        {"rows": rows, "form": form, "may_write": may_write},
    )


def _detail_context(request: HttpRequest, election, **forms: Any) -> dict:  # type: ignore[no-untyped-def]
    j = _j(request)
    cands = list(sel.candidates(election))
    open_round = max((c.round for c in cands), default=1)
    round_cands = [c for c in cands if c.round == open_round and c.votes is None]
    ctx = {
        "election": election,
        "tt": sel.timetable(election),
        "summary": sel.summary(election),
        "objections": sel.objections(election),
        "proxies": list(sel.proxies(election)),
        "candidates": cands,
        "results": list(sel.results(election)),
        "may_write": j.has_perm(svc.ELECTIONS),
        "publish_form": f.PublishForm(initial={"version": election.version}),
        "generate_form": f.VersionForm(initial={"version": election.version}),
        "optin_form": f.OptInForm(),
        "objection_form": f.ObjectionForm(),
        "answer_form": f.AnswerForm(),
        "proxy_form": f.ProxyForm(),
        "candidate_form": f.CandidateForm(initial={"round": open_round}),
        "result_form": f.ResultForm(initial={"round": open_round}, candidates=round_cands),
        "round_cands": round_cands,
        "proxy_cap": svc.rule("PROXY_MAX_PER_HOLDER"),
    }
    ctx.update(forms)
    return ctx


@login_required
@require_GET
def election(request: HttpRequest, pk: int) -> HttpResponse:
    e = sel.election_for(_j(request), pk)
    return render(request, "selfgov/elections_detail.html", _detail_context(request, e))


def _person_or_error(form, j, e, field="id_number"):  # type: ignore[no-untyped-def]
    person = sel.person_by_id_number(j, form.cleaned_data[field], e.region_code)
    if person is None:
        form.add_error(field, _("本村户籍登记中没有这个身份证号。"))
    return person


def _entry_or_error(form, j, e, field):  # type: ignore[no-untyped-def]
    entry = sel.entry_by_id_number(j, e, form.cleaned_data[field])
    if entry is None:
        form.add_error(field, _("此人不在本次选举的选民名单上。"))
    return entry


# Each action: (form class, context name, handler(form, j, election, user) -> result or None).
def _generate(form, j, e, user):  # type: ignore[no-untyped-def]
    s = call_into_form(
        form,
        svc.roll_generate,
        refusals=STALE,
        actor=user,
        jurisdiction=j,
        election=e,
        expected_version=form.cleaned_data.get("version"),
    )
    return s and _("已生成选民名单：共%(n)s人（新增%(a)s，移出%(r)s，另村已登记%(x)s）。") % {
        "n": s.total,
        "a": s.added + s.reinstated,
        "r": s.removed,
        "x": s.elsewhere,
    }


def _publish(form, j, e, user):  # type: ignore[no-untyped-def]
    done = call_into_form(
        form,
        svc.roll_publish,
        refusals=STALE,
        actor=user,
        jurisdiction=j,
        election=e,
        on=form.cleaned_data.get("published_on"),
        expected_version=form.cleaned_data.get("version"),
    )
    return done and _("选民名单已公布。")


def _optin(form, j, e, user):  # type: ignore[no-untyped-def]
    person = _person_or_error(form, j, e)
    done = person and call_into_form(
        form,
        svc.optin_record,
        actor=user,
        jurisdiction=j,
        election=e,
        person=person,
        opted_in_on=form.cleaned_data["opted_in_on"],
    )
    return done and _("已记录。")


def _objection(form, j, e, user):  # type: ignore[no-untyped-def]
    person = _person_or_error(form, j, e)
    if person is None:
        return None
    entry = None
    if form.cleaned_data["wrongly_listed"]:
        entry = VoterRollEntry.objects.filter(election=e, person=person).first()
        if entry is None:
            form.add_error("id_number", _("此人不在本次选举的选民名单上。"))
            return None
    done = call_into_form(
        form,
        svc.objection_file,
        actor=user,
        jurisdiction=j,
        election=e,
        text=form.cleaned_data["text"],
        filed_by_name=form.cleaned_data["filed_by_name"],
        filed_on=form.cleaned_data.get("filed_on"),
        entry=entry,
        subject=None if entry else person,
    )
    return done and _("已登记异议。")


def _proxy(form, j, e, user):  # type: ignore[no-untyped-def]
    principal = _entry_or_error(form, j, e, "principal_id_number")
    holder = _entry_or_error(form, j, e, "holder_id_number")
    done = (
        principal
        and holder
        and call_into_form(
            form,
            svc.proxy_record,
            actor=user,
            jurisdiction=j,
            election=e,
            principal=principal,
            holder=holder,
            written_on=form.cleaned_data["written_on"],
        )
    )
    return done and _("已登记委托投票。")


def _candidate(form, j, e, user):  # type: ignore[no-untyped-def]
    person = _person_or_error(form, j, e)
    done = person and call_into_form(
        form,
        svc.candidate_add,
        actor=user,
        jurisdiction=j,
        election=e,
        person=person,
        position=form.cleaned_data["position"],
        round=form.cleaned_data["round"],
    )
    return done and _("已添加候选人。")


ACTIONS: dict[str, tuple[type, str, Callable]] = {
    "generate": (f.VersionForm, "generate_form", _generate),
    "publish": (f.PublishForm, "publish_form", _publish),
    "optin": (f.OptInForm, "optin_form", _optin),
    "objection": (f.ObjectionForm, "objection_form", _objection),
    "proxy": (f.ProxyForm, "proxy_form", _proxy),
    "candidate": (f.CandidateForm, "candidate_form", _candidate),
}


@login_required
@require_POST
def election_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    j = _j(request)
    e = sel.election_for(j, pk)
    require_perm(j, svc.ELECTIONS)
    if action == "result":
        return _result(request, j, e)
    if action not in ACTIONS:
        raise Http404
    form_class, name, handler = ACTIONS[action]
    form = form_class(request.POST)
    message = handler(form, j, e, request.user) if form.is_valid() else None
    if message:
        messages.success(request, message)
        return redirect("selfgov:election", pk=e.pk)
    return render(
        request,
        "selfgov/elections_detail.html",
        _detail_context(request, e, **{name: form}),
        status=400,
    )


def _result(request: HttpRequest, j, e) -> HttpResponse:  # type: ignore[no-untyped-def]
    round_no = int(request.POST.get("round") or 1)
    cands = [c for c in sel.candidates(e) if c.round == round_no]
    form = f.ResultForm(request.POST, candidates=cands)
    if form.is_valid():
        result = call_into_form(
            form,
            svc.result_record,
            actor=request.user,
            jurisdiction=j,
            election=e,
            ballots_cast=form.cleaned_data["ballots_cast"],
            invalid_ballots=form.cleaned_data["invalid_ballots"],
            votes=form.votes(cands),
            round=round_no,
        )
        if result is not None:
            if result.valid:
                messages.success(request, _("结果已录入，选举有效。"))
            else:
                messages.warning(request, _("结果已录入：投票人数未过登记选民半数，选举无效。"))
            return redirect("selfgov:election", pk=e.pk)
    return render(
        request,
        "selfgov/elections_detail.html",
        _detail_context(request, e, result_form=form),
        status=400,
    )


@login_required
@require_POST
def objection_answer(request: HttpRequest, pk: int, objection_pk: int) -> HttpResponse:
    j = _j(request)
    e = sel.election_for(j, pk)
    require_perm(j, svc.ELECTIONS)
    objection = sel.objection_for(e, objection_pk)
    form = f.AnswerForm(request.POST)
    if form.is_valid() and call_into_form(
        form,
        svc.objection_answer,
        actor=request.user,
        jurisdiction=j,
        objection=objection,
        answer=form.cleaned_data["answer"],
        upheld=form.cleaned_data["upheld"],
    ):
        messages.success(request, _("已答复。"))
        return redirect("selfgov:election", pk=e.pk)
    return render(
        request,
        "selfgov/elections_detail.html",
        _detail_context(request, e, answer_form=form),
        status=400,
    )


@login_required
@require_POST
def proxy_revoke(request: HttpRequest, pk: int, proxy_pk: int) -> HttpResponse:
    j = _j(request)
    e = sel.election_for(j, pk)
    require_perm(j, svc.ELECTIONS)
    svc.proxy_revoke(actor=request.user, jurisdiction=j, proxy=sel.proxy_for(e, proxy_pk))
    messages.success(request, _("已撤销委托。"))
    return redirect("selfgov:election", pk=e.pk)


# --- the roll --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def roll(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    e = sel.election_for(j, pk)
    add_form, remove_form, check_form = f.PersonReasonForm(), f.PersonReasonForm(), f.CheckForm()
    verdict = checked = None
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        if op == "check":
            check_form = f.CheckForm(request.POST)
            if check_form.is_valid():
                checked = _person_or_error(check_form, j, e)
                verdict = checked and svc.judge_person(e, checked)
        else:
            require_perm(j, svc.ELECTIONS)
            form = f.PersonReasonForm(request.POST)
            if op == "add":
                add_form = form
            elif op == "remove":
                remove_form = form
            else:
                raise Http404
            done = None
            if form.is_valid():
                if op == "add":
                    person = _person_or_error(form, j, e)
                    done = person and call_into_form(
                        form,
                        svc.roll_entry_add,
                        actor=request.user,
                        jurisdiction=j,
                        election=e,
                        person=person,
                        reason=form.cleaned_data["reason"],
                    )
                else:
                    entry = _entry_or_error(form, j, e, "id_number")
                    done = entry and call_into_form(
                        form,
                        svc.roll_entry_remove,
                        actor=request.user,
                        jurisdiction=j,
                        entry=entry,
                        reason=form.cleaned_data["reason"],
                    )
            if done:
                messages.success(request, _("选民名单已更新。"))
                return redirect("selfgov:election_roll", pk=e.pk)
            status = 400
    show = request.GET.get("show", "current")
    category = request.GET.get("category", "")
    page = Paginator(sel.roll_entries(e, show=show, category=category), 100).get_page(
        request.GET.get("page")
    )
    rows = [sel.roll_row(entry, e.vote_on) for entry in page.object_list]
    return render(
        request,
        "selfgov/elections_roll.html",
        {
            "election": e,
            "page": page,
            "rows": rows,
            "show": show,
            "category": category,
            "categories": VoterRollEntry.Category.choices,
            "summary": sel.summary(e),
            "add_form": add_form,
            "remove_form": remove_form,
            "check_form": check_form,
            "checked": checked,
            "verdict": verdict,
            "may_write": j.has_perm(svc.ELECTIONS),
        },
        status=status,
    )


# --- printing and exports --------------------------------------------------------------------

PRINTABLE = ("roll", "proxies", "results")


@login_required
@require_GET
def printable(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """The lists for the village notice board: names (the law publishes them there), never ID
    numbers, phones or addresses."""
    j = _j(request)
    e = sel.election_for(j, pk)
    if what not in PRINTABLE:
        raise Http404
    ctx: dict[str, Any] = {"election": e, "what": what, "tt": sel.timetable(e)}
    if what == "roll":
        entries = sel.roll_entries(e)
        ctx["groups"] = [
            (label, [x for x in entries if x.category == code])
            for code, label in VoterRollEntry.Category.choices
        ]
        ctx["summary"] = sel.summary(e)
    elif what == "proxies":
        ctx["proxies"] = list(sel.proxies(e))
    else:
        ctx["results"] = list(sel.results(e))
        ctx["candidates"] = list(sel.candidates(e))
    audit("selfgov.election.printed", jurisdiction=j, obj=e, detail={"what": what})
    return render(request, "selfgov/elections_print.html", ctx)


@login_required
@require_GET
def export(request: HttpRequest, pk: int, what: str) -> HttpResponse:
    """The roll or the results as .xlsx; ID numbers masked. Every cell goes through the
    platform's formula guard (`inert_row`): names and positions are free text."""
    from openpyxl import Workbook

    from cunshe.core.spreadsheets import inert_row

    j = _j(request)
    e = sel.election_for(j, pk)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(what)

    def append(values: list[Any]) -> None:
        ws.append(inert_row(values))

    if what == "roll":
        append([_("户号"), _("姓名"), _("性别"), _("选举日年龄"), _("身份证号"), _("类别")])
        n = 0
        for entry in sel.roll_entries(e).iterator(chunk_size=2000):
            r = sel.roll_row(entry, e.vote_on)
            append(
                [r["household"], r["name"], r["sex"], r["age"], r["id_masked"], r["category_label"]]
            )
            n += 1
    elif what == "results":
        append([_("轮次"), _("登记选民"), _("投票人数"), _("无效票"), _("是否有效")])
        for res in sel.results(e):
            append(
                [
                    res.round,
                    res.registered,
                    res.ballots_cast,
                    res.invalid_ballots,
                    _("有效") if res.valid else _("无效"),
                ]
            )
        append([])
        append([_("轮次"), _("职位"), _("候选人"), _("得票"), _("当选")])
        n = 0
        for c in sel.candidates(e):
            append([c.round, c.position, c.person.name, c.votes, _("当选") if c.elected else ""])
            n += 1
    else:
        raise Http404
    buf = io.BytesIO()
    wb.save(buf)
    audit("selfgov.election.exported", jurisdiction=j, obj=e, detail={"what": what, "rows": n})
    response = HttpResponse(
        buf.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="election-{e.pk}-{what}.xlsx"'
    response["Cache-Control"] = "no-store"
    return response


# --- the village's registry: approvals, deprivations, recalls --------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def registry(request: HttpRequest) -> HttpResponse:
    j = _j(request)
    forms_ = {
        "approval": f.ApprovalForm(),
        "deprivation": f.DeprivationForm(),
        "recall": f.RecallForm(),
    }
    status = 200
    if request.method == "POST":
        require_perm(j, svc.ELECTIONS)
        op = request.POST.get("op", "")
        if op not in forms_:
            raise Http404
        form = {
            "approval": f.ApprovalForm,
            "deprivation": f.DeprivationForm,
            "recall": f.RecallForm,
        }[op](request.POST)
        forms_[op] = form
        if form.is_valid() and _registry_write(request, j, op, form):
            messages.success(request, _("已记录。"))
            return redirect("selfgov:election_registry")
        status = 400
    return render(
        request,
        "selfgov/elections_registry.html",
        {
            "approvals": sel.approvals_for(j)[:200],
            "deprivations": sel.deprivations_for(j)[:200],
            "recalls": sel.recalls_for(j)[:100],
            "forms": forms_,
            "result_form": f.RecallResultForm(),
            "may_write": j.has_perm(svc.ELECTIONS),
        },
        status=status,
    )


def _registry_write(request: HttpRequest, j, op: str, form) -> Any:  # type: ignore[no-untyped-def]
    village = j.root_code[:12]
    if op == "recall":
        member = (
            Membership.objects.within(j)
            .select_related("body")
            .filter(pk=form.cleaned_data["member_id"])
            .first()
        )
        if member is None:
            form.add_error("member_id", _("没有这个任职记录。"))
            return None
        return call_into_form(
            form,
            svc.recall_file,
            actor=request.user,
            jurisdiction=j,
            member=member,
            reason=form.cleaned_data["reason"],
            signatures=form.cleaned_data["signatures"],
            by_representatives=form.cleaned_data["by_representatives"],
        )
    person = sel.person_by_id_number(j, form.cleaned_data["id_number"], village)
    if person is None:
        form.add_error("id_number", _("本村户籍登记中没有这个身份证号。"))
        return None
    if op == "approval":
        decision = None
        if form.cleaned_data.get("decision_id"):
            # Looked up only inside the user's jurisdiction (ids elsewhere cannot be probed).
            # That is not the rule: the decision must be of the PERSON's village, and for a
            # township user the jurisdiction holds every village of the township, so the
            # service (`_check_decision`) refuses another village's decision, naming the law.
            decision = (
                Decision.objects.select_related("agenda_item__meeting")
                .filter(
                    pk=form.cleaned_data["decision_id"],
                    agenda_item__meeting__region_code__startswith=village,
                )
                .first()
            )
            if decision is None:
                form.add_error("decision_id", _("本村没有这个决定。"))
                return None
        return call_into_form(
            form,
            svc.approval_record,
            actor=request.user,
            jurisdiction=j,
            person=person,
            applied_on=form.cleaned_data["applied_on"],
            decision=decision,
        )
    return call_into_form(
        form,
        svc.deprivation_record,
        actor=request.user,
        jurisdiction=j,
        person=person,
        since=form.cleaned_data["since"],
        until=form.cleaned_data.get("until"),
        basis=form.cleaned_data["basis"],
    )


@login_required
@require_POST
def recall_result(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    petition = sel.recall_for(j, pk)
    require_perm(j, svc.ELECTIONS)
    form = f.RecallResultForm(request.POST)
    if form.is_valid() and call_into_form(
        form,
        svc.recall_result,
        actor=request.user,
        jurisdiction=j,
        petition=petition,
        **form.cleaned_data,
    ):
        messages.success(request, _("已录入罢免表决结果。"))
    else:
        messages.error(request, " ".join(str(m) for errs in form.errors.values() for m in errs))
    return redirect("selfgov:election_registry")


urlpatterns = [
    path("elections/", elections, name="elections"),
    path("elections/registry/", registry, name="election_registry"),
    path("elections/recalls/<int:pk>/result/", recall_result, name="recall_result"),
    path("elections/<int:pk>/", election, name="election"),
    path("elections/<int:pk>/roll/", roll, name="election_roll"),
    path("elections/<int:pk>/do/<slug:action>/", election_action, name="election_action"),
    path(
        "elections/<int:pk>/objections/<int:objection_pk>/answer/",
        objection_answer,
        name="objection_answer",
    ),
    path("elections/<int:pk>/proxies/<int:proxy_pk>/revoke/", proxy_revoke, name="proxy_revoke"),
    path("elections/<int:pk>/print/<slug:what>/", printable, name="election_print"),
    path("elections/<int:pk>/export/<slug:what>.xlsx", export, name="election_export"),
]
