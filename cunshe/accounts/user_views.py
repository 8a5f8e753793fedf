"""User and role management for the security administrator (三权分立)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cunshe.accounts import selectors, services
from cunshe.accounts.forms import CreateUserForm, GrantRoleForm
from cunshe.accounts.models import RoleAssignment
from cunshe.core.access import get_scoped_or_404, require_perm
from cunshe.web.forms import call_into_form

PERM = "accounts.manage_users"


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, PERM)
    q = request.GET.get("q", "").strip()[:40]
    form = CreateUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = call_into_form(
            form, services.user_create, actor=request.user, jurisdiction=j, **form.cleaned_data
        )
        if user is not None:
            messages.success(request, _("账号已创建。"))
            return redirect("accounts:user_detail", pk=user.pk)
    users = selectors.users_within(j, q)
    return render(request, "accounts/users.html", {"users": users, "form": form, "q": q})


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, PERM)
    user = selectors.get_user_for(j, pk)
    form = GrantRoleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        granted = call_into_form(
            form,
            services.role_assign,
            actor=request.user,
            jurisdiction=j,
            user=user,
            **form.cleaned_data,
        )
        if granted is not None:
            messages.success(request, _("角色已授予。"))
            return redirect("accounts:user_detail", pk=user.pk)
    assignments = selectors.assignments_of_user_within(j, user)
    return render(
        request,
        "accounts/user_detail.html",
        {"subject": user, "assignments": assignments, "form": form},
    )


@login_required
@require_POST
def assignment_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    j = require_perm(request.jurisdiction, PERM)
    assignment = get_scoped_or_404(RoleAssignment.objects.all(), j, need=PERM, pk=pk)
    try:
        services.role_revoke(actor=request.user, jurisdiction=j, assignment=assignment)
    except PermissionDenied as exc:
        messages.error(request, str(exc) or _("没有权限。"))
    else:
        messages.success(request, _("角色已撤销。"))
    return redirect("accounts:user_detail", pk=assignment.user_id)
