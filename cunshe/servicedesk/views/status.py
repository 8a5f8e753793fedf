"""Pages: the acceptance receipt (PDF) and the public status lookup.

- `receipt`: /desk/applications/<pk>/receipt.pdf — staff who may see the matter, or the
  applicant's household; 404 for anyone else; every download is audited (personal data).
- `status`: /desk/status/ — no sign-in. The receipt number and the last four digits of the
  applicant's phone are POSTed (never put in a URL, so they stay out of logs and histories).
  Failed lookups are counted per client IP and per receipt number in Django's cache; past the
  limit the lookup is refused without checking, so the 10 000 possible last-four digits cannot
  be tried. `?n=` (what the receipt's QR code opens) only fills in the number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from cunshe.core.audit import audit, client_ip
from cunshe.core.models import AuditEvent
from cunshe.servicedesk.models import CLOCK_RUNNING, FINISHED, Application, Status
from cunshe.servicedesk.receipts import NotAccepted, acceptance_receipt_pdf
from cunshe.servicedesk.selectors.applications import application_for, status_lookup
from cunshe.servicedesk.services.applications import TimelineEntry, public_timeline

# --- limits on failed lookups -----------------------------------------------------------------

# (name, window in seconds, failures allowed in it). Per receipt number there is also a day's
# cap, so that spreading guesses over many addresses still takes years, not days.
LIMITS: dict[str, tuple[tuple[int, int], ...]] = {
    "ip": ((15 * 60, 10),),
    "number": ((15 * 60, 10), (24 * 3600, 30)),
}
NUMBER_RE = re.compile(r"^[23456789A-HJKMNP-Z]{12}$")


def _limits(scope: str) -> tuple[tuple[int, int], ...]:
    # Deployments (and tests) may set SERVICEDESK_STATUS_LIMITS = {"ip": ((900, 10),), ...}.
    return getattr(settings, "SERVICEDESK_STATUS_LIMITS", {}).get(scope, LIMITS[scope])


def _key(scope: str, value: str, window: int) -> str:
    return f"servicedesk:status:{scope}:{window}:{value}"


def _subjects(request: HttpRequest, number: str) -> list[tuple[str, str]]:
    return [("ip", client_ip(request) or "unknown"), ("number", number)]


def _locked(subjects: list[tuple[str, str]]) -> bool:
    for scope, value in subjects:
        for window, allowed in _limits(scope):
            if (cache.get(_key(scope, value, window)) or 0) >= allowed:
                return True
    return False


def _count_failure(subjects: list[tuple[str, str]], number: str) -> None:
    """Count one failure against every subject; audit the failure that locks one of them."""
    for scope, value in subjects:
        for window, allowed in _limits(scope):
            key = _key(scope, value, window)
            if cache.add(key, 1, timeout=window):
                count = 1
            else:
                try:
                    count = cache.incr(key)
                except ValueError:  # expired between add and incr
                    cache.add(key, 1, timeout=window)
                    count = 1
            if count == allowed:
                audit(
                    "servicedesk.status.locked",
                    outcome=AuditEvent.Outcome.DENIED,
                    detail={"scope": scope, "window_minutes": window // 60, "failures": count,
                            **({"receipt": number} if scope == "number" else {})},
                )  # fmt: skip


# --- the public status page -------------------------------------------------------------------


class StatusLookupForm(forms.Form):
    number = forms.CharField(
        label=gettext_lazy("受理编号"),
        max_length=20,
        widget=forms.TextInput(
            attrs={
                "autocomplete": "off",
                "autocapitalize": "characters",
                "spellcheck": "false",
                "class": "form-control form-control-lg",
                "maxlength": "20",
            }
        ),
    )
    last4 = forms.CharField(
        label=gettext_lazy("手机号后四位"),
        max_length=4,
        min_length=4,
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "off",
                "pattern": "[0-9]{4}",
                "class": "form-control form-control-lg",
                "maxlength": "4",
            }
        ),
        error_messages={"min_length": gettext_lazy("请输入4位数字。")},
    )

    def clean_number(self) -> str:
        return re.sub(r"[\s-]", "", self.cleaned_data["number"]).upper()

    def clean_last4(self) -> str:
        value = self.cleaned_data["last4"].strip()
        if not value.isdigit():
            raise forms.ValidationError(_("请输入4位数字。"))
        return value


@dataclass(frozen=True)
class PublicStatus:
    """What the status page shows: nothing that names or identifies the applicant."""

    number: str
    item: str
    status: str
    finished: bool
    waiting_for_material: bool
    due_on: date | None
    finished_on: date | None
    timeline: list[TimelineEntry]


def public_status(application: Application) -> PublicStatus:
    due = application.due_on if application.status in CLOCK_RUNNING else None
    finished_at = application.finished_at
    return PublicStatus(
        number=application.number,
        item=application.item.name,
        status=str(Status(application.status).label),
        finished=application.status in FINISHED,
        waiting_for_material=application.status == Status.RETURNED,
        due_on=due,
        finished_on=timezone.localtime(finished_at).date() if finished_at else None,
        timeline=list(reversed(public_timeline(application))),
    )


@never_cache
@require_http_methods(["GET", "POST"])
def status(request: HttpRequest) -> HttpResponse:
    result: PublicStatus | None = None
    error = ""
    locked = False
    if request.method == "POST":
        form = StatusLookupForm(request.POST)
        if form.is_valid():
            number = form.cleaned_data["number"]
            subjects = _subjects(request, number)
            if not NUMBER_RE.match(number):
                # No receipt has such a number: a typo, not a guess at anyone's digits.
                error = _("编号或手机号后四位不正确")
            elif locked := _locked(subjects):
                # Not checked at all: a right guess now would look just like a wrong one.
                error = _("查询失败次数太多，请稍后再试，或联系村代办员。")
            else:
                application = status_lookup(number, form.cleaned_data["last4"])
                if application is None:
                    _count_failure(subjects, number)
                    error = _("编号或手机号后四位不正确")
                else:
                    result = public_status(application)
            # Start again with the number filled in; the digits are never sent back.
            form = StatusLookupForm(initial={"number": number})
    else:
        prefill = (request.GET.get("n") or "").strip().upper()
        form = StatusLookupForm(initial={"number": prefill if NUMBER_RE.match(prefill) else ""})
    # (The site's Referrer-Policy, same-origin, keeps ?n= from other sites. "no-referrer" would
    # make browsers send "Origin: null" with the form, which the CSRF check rightly refuses.)
    return render(
        request,
        "servicedesk/status.html",
        {"form": form, "result": result, "error": error},
        status=429 if locked else 200,
    )


# --- the receipt ------------------------------------------------------------------------------


@login_required
@never_cache
@require_GET
def receipt(request: HttpRequest, pk: int) -> HttpResponse:
    application = application_for(request.jurisdiction, pk)  # type: ignore[attr-defined]
    status_url = request.build_absolute_uri(reverse("servicedesk:status"))
    try:
        pdf = acceptance_receipt_pdf(application, status_url=status_url)
    except NotAccepted as exc:
        raise Http404(_("该办件尚未受理，还没有受理回执。")) from exc
    audit("servicedesk.receipt.viewed", obj=application, detail={"status": application.status})
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="receipt-{application.number}.pdf"'
    return response


urlpatterns: list[URLPattern] = [
    path("status/", status, name="status"),
    path("applications/<int:pk>/receipt.pdf", receipt, name="receipt"),
]
