"""Pages of the points part (docs/volunteering/points.md).

Staff (points.view to read): earning rules (points.rules to write), declarations (declare,
review, approve, reject, withdraw, decide objections, credit once the posting has ended),
accounts with running balances and the village ledger (points.approve reverses an entry).
Villager (points.participate): 我家的积分 — balance, history, declare, pending steps, the
village's posted declarations to object to, and the points card QR (reset).

Parse → check access → selector/service → render.
"""

from __future__ import annotations

from typing import Any

import segno
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name
from cunshe.residents.models import Household
from cunshe.residents.services import ConcurrentEdit
from cunshe.volunteering.forms_points import (
    DecideForm,
    DeclareForm,
    ObjectionForm,
    ReasonForm,
    RuleChangeForm,
    RuleForm,
    TemplateForm,
    VersionForm,
)
from cunshe.volunteering.models import Declaration, EarningRule, Objection
from cunshe.volunteering.selectors import points as sel
from cunshe.volunteering.selectors import store as store_sel
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import earning_rules as rsvc
from cunshe.volunteering.services import ledger
from cunshe.volunteering.services import points as psvc
from cunshe.volunteering.services.earning_rules import category_name
from cunshe.web.forms import call_into_form

PAGE_SIZE = 50
STALE = {ConcurrentEdit: _("已被他人修改，请刷新后重试。")}


def _j(request: HttpRequest) -> Jurisdiction:
    return require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]


def _page(raw: str | None) -> int:
    return max(1, int(raw)) if raw and raw.isdigit() and len(raw) < 5 else 1


# --- earning rules -------------------------------------------------------------------------


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def earning_rules(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    villages = sel.villages_for(j)
    form = RuleForm(villages=villages)
    template_form = TemplateForm(villages=villages)
    status = 200
    if request.method == "POST":
        require_perm(j, rsvc.RULES)
        if request.POST.get("action") == "template":
            template_form = TemplateForm(request.POST, villages=villages)
            if template_form.is_valid():
                n = call_into_form(
                    template_form,
                    rsvc.rules_copy_template,
                    actor=request.user,
                    jurisdiction=j,
                    region=template_form.cleaned_data["region"],
                )
                if n is not None:
                    messages.success(request, _("已从模板添加%(n)s条规则。") % {"n": n})
                    return redirect("volunteering:earning_rules")
        else:
            form = RuleForm(request.POST, villages=villages)
            if form.is_valid():
                data = {k: v for k, v in form.cleaned_data.items() if k != "version"}
                row = call_into_form(
                    form, rsvc.rule_create, actor=request.user, jurisdiction=j, **data
                )
                if row is not None:
                    messages.success(request, _("积分规则已添加。"))
                    return redirect("volunteering:earning_rules")
        status = 400
    show_all = request.GET.get("all") == "1"
    rules = list(sel.rules_for(j, current_only=not show_all)[:500])
    for r in rules:
        r.category_name = category_name(r.category)
    return render(
        request,
        "volunteering/points_rules.html",
        {
            "rules": rules,
            "form": form,
            "template_form": template_form,
            "show_all": show_all,
            "can_write": j.has_perm(rsvc.RULES),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def earning_rule(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    row = sel.get_rule_for(j, pk)
    form = RuleChangeForm(
        initial={
            **{
                f: getattr(row, f)
                for f in (
                    "category",
                    "name",
                    "points_per_unit",
                    "unit",
                    "max_units",
                    "credit_to",
                    "description",
                )
            },
            "version": row.version,
        }
    )
    status = 200
    if request.method == "POST":
        row = sel.get_rule_for(j, pk, need=rsvc.RULES)
        if request.POST.get("action") == "retire":
            form = RuleChangeForm()
            done = call_into_form(
                form, rsvc.rule_retire, actor=request.user, jurisdiction=j, current=row
            )
            if done is not None:
                messages.success(request, _("规则已停用。"))
                return redirect("volunteering:earning_rules")
        else:
            form = RuleChangeForm(request.POST)
            if form.is_valid():
                data = dict(form.cleaned_data)
                version = data.pop("version")
                new = call_into_form(
                    form,
                    rsvc.rule_change,
                    refusals=STALE,
                    actor=request.user,
                    jurisdiction=j,
                    current=row,
                    expected_version=version,
                    **data,
                )
                if new is not None:
                    messages.success(request, _("已生成新版本 v%(v)s。") % {"v": new.version})
                    return redirect("volunteering:earning_rule", pk=new.pk)
        status = 400
    versions = list(
        EarningRule._base_manager.filter(region_id=row.region_id, code=row.code).order_by(
            "-version"
        )
    )
    return render(
        request,
        "volunteering/points_rule.html",
        {
            "rule": row,
            "form": form,
            "versions": versions,
            "category": category_name(row.category),
            "can_write": j.has_perm(rsvc.RULES) and row.valid_to is None,
        },
        status=status,
    )


# --- declarations --------------------------------------------------------------------------


@login_required
@require_GET
def declarations(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    status = request.GET.get("status", "")
    if status not in Declaration.Status.values:
        status = ""
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(sel.declarations_for(j, status)[start : start + PAGE_SIZE + 1])
    return render(
        request,
        "volunteering/points_declarations.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "status": status,
            "statuses": Declaration.Status.choices,
            "can_declare": j.has_perm(dsvc.DECLARE),
        },
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration_new(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, dsvc.DECLARE)  # type: ignore[attr-defined]
    rules = sel.rules_for(j, current_only=True).order_by("region_code", "category", "code")
    households = Household.objects.within(j).order_by("region_code", "number")
    form = DeclareForm(
        request.POST or None,
        rules=rules,
        households=households,
        initial={"deed_date": timezone.localdate()},
    )
    if request.method == "POST":
        if form.is_valid():
            row = call_into_form(
                form,
                dsvc.declaration_declare,
                actor=request.user,
                jurisdiction=j,
                **form.cleaned_data,
            )
            if row is not None:
                messages.success(request, _("申报已提交，等待组长审核。"))
                return redirect("volunteering:declaration", pk=row.pk)
        return render(request, "volunteering/points_declare.html", {"form": form}, status=400)
    return render(request, "volunteering/points_declare.html", {"form": form})


def _declaration_page(
    request: HttpRequest, j: Jurisdiction, row: Declaration, form: Any = None, status: int = 200
) -> HttpResponse:
    objections = sel.objections_of(row)
    user = request.user
    return render(
        request,
        "volunteering/points_declaration.html",
        {
            "d": row,
            "category": category_name(row.rule.category),
            "objections": objections,
            "form": form,
            "reason_form": ReasonForm(initial={"version": row.version}),
            "decide_form": DecideForm(),
            "may_review": row.status == Declaration.Status.DECLARED
            and bool(dsvc.review_capacity(j, user, row)),
            "may_approve": row.status == Declaration.Status.REVIEWED and j.has_perm(dsvc.APPROVE),
            "may_reject": row.status in (*dsvc.OPEN_STATUSES, Declaration.Status.POSTED)
            and (
                j.has_perm(dsvc.APPROVE)
                or (
                    row.status == Declaration.Status.DECLARED
                    and bool(dsvc.review_capacity(j, user, row))
                )
            ),
            "may_withdraw": row.status in dsvc.OPEN_STATUSES
            and row.declared_by_id == user.pk
            and row.hours_entry_id is None,
            "may_decide": j.has_perm(dsvc.APPROVE),
            "may_credit": row.status == Declaration.Status.POSTED
            and j.has_perm(dsvc.APPROVE)
            and row.posting_ends_on < timezone.localdate(),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def declaration(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    row = sel.get_declaration_for(j, pk)
    if request.method == "GET":
        return _declaration_page(request, j, row)
    action = request.POST.get("action", "")
    kw: dict[str, Any] = {"actor": request.user, "jurisdiction": j, "declaration": row}
    if action == "decide":
        form: Any = DecideForm(request.POST)
        if form.is_valid():
            objection = Objection._base_manager.filter(
                pk=form.cleaned_data["objection"], declaration=row
            ).first()
            if objection is not None and call_into_form(
                form,
                dsvc.objection_decide,
                actor=request.user,
                jurisdiction=j,
                objection=objection,
                upheld=form.cleaned_data["upheld"],
                answer=form.cleaned_data["answer"],
            ):
                messages.success(request, _("异议已处理。"))
                return redirect("volunteering:declaration", pk=row.pk)
        return _declaration_page(request, j, row, form, 400)
    services = {
        "review": dsvc.declaration_review,
        "approve": dsvc.declaration_approve,
        "withdraw": dsvc.declaration_withdraw,
        "reject": dsvc.declaration_reject,
        "credit": dsvc.declaration_credit_now,
    }
    if action not in services:
        return _declaration_page(request, j, row, None, 400)
    form = ReasonForm(request.POST) if action == "reject" else VersionForm(request.POST)
    if form.is_valid():
        if action == "reject":
            kw["reason"] = form.cleaned_data["reason"]
        if action != "credit":
            kw["expected_version"] = form.cleaned_data.get("version")
        if call_into_form(form, services[action], refusals=STALE, **kw) is not None:
            messages.success(request, _("已办理。"))
            return redirect("volunteering:declaration", pk=row.pk)
    row = sel.get_declaration_for(j, pk)
    return _declaration_page(request, j, row, form, 400)


# --- accounts and the village ledger -------------------------------------------------------


@login_required
@require_GET
def points_accounts(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, sel.VIEW)  # type: ignore[attr-defined]
    page = _page(request.GET.get("page"))
    start = (page - 1) * PAGE_SIZE
    rows = list(sel.accounts_for(j)[start : start + PAGE_SIZE + 1])
    villages = [{"village": v, **sel.village_ledger(v.code)} for v in sel.villages_for(j)[:20]]
    return render(
        request,
        "volunteering/points_accounts.html",
        {
            "rows": rows[:PAGE_SIZE],
            "more": len(rows) > PAGE_SIZE,
            "page": page,
            "villages": villages,
        },
    )


@login_required
@never_cache
@require_GET
def points_account(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    account = sel.get_account_for(j, pk)
    return render(
        request,
        "volunteering/points_account.html",
        {
            "account": account,
            "lines": sel.movements_with_running(account),
            "may_reverse": j.has_perm(psvc.APPROVE),
            "reason_form": ReasonForm(),
        },
    )


@login_required
@require_POST
def entry_reverse(request: HttpRequest, pk: int) -> HttpResponse:
    j = _j(request)
    entry = sel.get_entry_for(j, pk, need=psvc.APPROVE)
    form = ReasonForm(request.POST)
    back = request.POST.get("account", "")
    if form.is_valid():
        try:
            psvc.entry_reverse(
                actor=request.user, jurisdiction=j, entry=entry, reason=form.cleaned_data["reason"]
            )
            messages.success(request, _("已冲正。"))
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
    else:
        messages.error(request, _("冲正必须说明原因。"))
    if back.isdigit():
        return redirect("volunteering:points_account", pk=int(back))
    return redirect("volunteering:points_accounts")


# --- the villager's page -------------------------------------------------------------------


def _my_page(
    request: HttpRequest,
    j: Jurisdiction,
    *,
    declare_form: Any = None,
    object_form: Any = None,
    status: int = 200,
) -> HttpResponse:
    own = sel.own_person(j)
    if own is None:
        return render(request, "volunteering/my_points.html", {"unlinked": True}, status=status)
    # A GET creates nothing: no account yet → balance 0, "尚无积分", no card until the first
    # credit (or the card reset POST) creates the account.
    account = store_sel.existing_household_account(own.household_id)
    village = own.household.region_code[:12]
    rules = sel.current_rules_of_village(village)
    posted = list(sel.posted_in_village(village).exclude(household_id=own.household_id)[:50])
    for d in posted:
        d.masked_household = mask_name(d.household.address or d.household.number)
    mine = list(sel.household_declarations(own.household_id)[:50])
    qr = segno.make(account.card_token, error="m").svg_data_uri(scale=6) if account else ""
    return render(
        request,
        "volunteering/my_points.html",
        {
            "own": own,
            "account": account,
            "lines": sel.movements_with_running(account, limit=50) if account else [],
            "pending": [
                d for d in mine if d.status in (*dsvc.OPEN_STATUSES, Declaration.Status.POSTED)
            ],
            "history": [
                d for d in mine if d.status not in (*dsvc.OPEN_STATUSES, Declaration.Status.POSTED)
            ][:20],
            "posted": posted,
            "declare_form": declare_form
            or DeclareForm(rules=rules, initial={"deed_date": timezone.localdate()}),
            "object_form": object_form,
            "qr": qr,
            "has_rules": rules.exists(),
        },
        status=status,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def my_points(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, dsvc.PARTICIPATE)  # type: ignore[attr-defined]
    if request.method == "GET":
        return _my_page(request, j)
    action = request.POST.get("action", "")
    own = sel.own_person(j)
    if own is None:
        return _my_page(request, j, status=400)
    if action == "declare":
        rules = sel.current_rules_of_village(own.household.region_code[:12])
        form = DeclareForm(request.POST, rules=rules)
        if form.is_valid() and call_into_form(
            form,
            dsvc.declaration_declare,
            actor=request.user,
            jurisdiction=j,
            **form.cleaned_data,
        ):
            messages.success(request, _("申报已提交，等待组长审核。"))
            return redirect("volunteering:my_points")
        return _my_page(request, j, declare_form=form, status=400)
    if action == "object":
        form = ObjectionForm(request.POST)
        if form.is_valid():
            row = sel.get_posted_for_villager(j, form.cleaned_data["declaration"])
            if call_into_form(
                form,
                dsvc.objection_raise,
                actor=request.user,
                jurisdiction=j,
                declaration=row,
                reason=form.cleaned_data["reason"],
            ):
                messages.success(request, _("异议已提交，村两委会处理。"))
                return redirect("volunteering:my_points")
        return _my_page(request, j, object_form=form, status=400)
    if action == "withdraw":
        pk = request.POST.get("declaration", "")
        row = (
            sel.household_declarations(own.household_id)
            .filter(pk=int(pk) if pk.isdigit() and len(pk) < 19 else 0)
            .first()
        )
        if row is not None:
            form = VersionForm()
            if call_into_form(
                form, dsvc.declaration_withdraw, actor=request.user, jurisdiction=j, declaration=row
            ):
                messages.success(request, _("申报已撤回。"))
                return redirect("volunteering:my_points")
            messages.error(request, " ".join(form.non_field_errors()))
        return _my_page(request, j, status=400)
    if action == "reset_card":
        # One tap must not void the card: the form asks to tick 确认作废旧卡 first.
        if request.POST.get("confirm") != "1":
            messages.error(request, _("请先勾选“确认作废旧卡”，再重置积分卡。"))
            return _my_page(request, j, status=400)
        psvc.card_reset(
            actor=request.user, jurisdiction=j, account=ledger.household_account(own.household)
        )
        messages.success(request, _("积分卡已重置，旧的二维码不能再用。"))
        return redirect("volunteering:my_points")
    return _my_page(request, j, status=400)


urlpatterns = [
    path("points/rules/", earning_rules, name="earning_rules"),
    path("points/rules/<int:pk>/", earning_rule, name="earning_rule"),
    path("points/declarations/", declarations, name="declarations"),
    path("points/declarations/new/", declaration_new, name="declaration_new"),
    path("points/declarations/<int:pk>/", declaration, name="declaration"),
    path("points/accounts/", points_accounts, name="points_accounts"),
    path("points/accounts/<int:pk>/", points_account, name="points_account"),
    path("points/entries/<int:pk>/reverse/", entry_reverse, name="points_entry_reverse"),
    path("me/points/", my_points, name="my_points"),
]
