"""Personal API tokens: list, create (the secret shown once), revoke."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, time, timedelta
from functools import wraps

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from cunshe.accounts import selectors, services
from cunshe.accounts.models import RoleAssignment
from cunshe.api.tokens import token_of, token_status, tokens_of


class _DateInput(forms.DateInput):
    input_type = "date"


class CreateTokenForm(forms.Form):
    name = forms.CharField(
        label=gettext_lazy("名称"),
        max_length=80,
        help_text=gettext_lazy("写明用途，例如“乡镇统计脚本”。"),
    )
    assignment = forms.TypedChoiceField(
        label=gettext_lazy("代表的角色"),
        coerce=int,
        help_text=gettext_lazy("令牌只拥有这一个角色的权限和管辖范围。"),
    )
    expires_on = forms.DateField(
        label=gettext_lazy("有效至（含当天，可不填）"), required=False, widget=_DateInput()
    )

    def __init__(self, *args, assignments: list[RoleAssignment], **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.assignments = {a.pk: a for a in assignments}
        self.fields["assignment"].choices = [(a.pk, str(a)) for a in assignments]

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise forms.ValidationError(_("此项不能为空。"))
        return name

    def clean_expires_on(self):  # type: ignore[no-untyped-def]
        day = self.cleaned_data["expires_on"]
        if day is not None and day < timezone.localdate():
            raise forms.ValidationError(_("有效期不能早于今天。"))
        return day

    def expires_at(self) -> datetime | None:
        day = self.cleaned_data["expires_on"]
        if day is None:
            return None
        # Valid through the whole chosen day, local time.
        return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _verified_staff_only(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """/accounts/ is exempt from the two-factor middleware (sign-in lives there), so these pages
    check it themselves: a token must not become a way around two-factor sign-in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:  # type: ignore[no-untyped-def]
        if (
            settings.REQUIRE_STAFF_2FA
            and selectors.needs_two_factor(request.assignments)
            and not request.user.is_verified()
        ):
            return redirect(
                reverse("accounts:two_factor") + "?" + urlencode({"next": request.path})
            )
        return view(request, *args, **kwargs)

    return wrapped


def _rows(request: HttpRequest) -> list[dict]:
    return [{"token": t, "status": token_status(t)} for t in tokens_of(request.user)]


@never_cache
@login_required
@_verified_staff_only
def token_list(request: HttpRequest) -> HttpResponse:
    form = CreateTokenForm(request.POST or None, assignments=request.assignments)
    context: dict = {"form": form, "has_roles": bool(request.assignments)}
    if request.method == "POST" and form.is_valid():
        token, secret = services.api_token_create(
            user=request.user,
            assignment=form.assignments[form.cleaned_data["assignment"]],
            name=form.cleaned_data["name"],
            expires_at=form.expires_at(),
        )
        # Rendered, not redirected: the secret must not travel through the session or a URL.
        context |= {
            "new_token": token,
            "new_secret": secret,
            "form": CreateTokenForm(assignments=request.assignments),
        }
    context["rows"] = _rows(request)
    return render(request, "accounts/tokens.html", context)


@never_cache
@login_required
@_verified_staff_only
def token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = token_of(request.user, pk)
    if request.method == "POST":
        services.api_token_revoke(user=request.user, token=token)
        messages.success(request, _("令牌已撤销。"))
        return redirect("accounts:tokens")
    return render(
        request, "accounts/tokens_revoke.html", {"token": token, "status": token_status(token)}
    )
