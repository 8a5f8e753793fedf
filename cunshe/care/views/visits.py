"""Visit pages: record a visit (made for a phone in the field), the due and overdue list (mine,
per village, counts per carer, open follow-ups, coverage), marking a follow-up done, and the
access-checked photo download. Parse → check access → selector/service → render."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.care import access
from cunshe.care.forms_visits import DueFilterForm, VisitForm
from cunshe.care.models import CareProfile, Visit
from cunshe.care.rules import rule
from cunshe.care.selectors import visits as sel
from cunshe.care.selectors.profiles import children_count
from cunshe.care.services import visits as svc
from cunshe.care.views.profiles import villages_in
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.servicedesk.services.applications import sniff_content_type
from cunshe.web.forms import call_into_form

VISIT = svc.VISIT
EDIT = svc.EDIT
DUE_SHOWN = 100
FOLLOW_UPS_SHOWN = 50


def _carer_choices(j: Jurisdiction, p: CareProfile) -> list[tuple[int, str]] | None:
    """A clerk may record for one of the profile's active carers; others only for themselves."""
    if not j.has_perm(EDIT):
        return None
    return [
        (c.pk, f"{c.name}（{c.get_carer_type_display()}）") for c in p.carers.filter(active=True)
    ]


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def visit_new(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    p = access.get_profile_for(j, pk, need=VISIT)
    carers = _carer_choices(j, p)
    status = 200
    if request.method == "POST":
        form = VisitForm(request.POST, request.FILES, carers=carers)
        if form.is_valid():
            d = form.cleaned_data
            carer = p.carers.filter(pk=int(d["carer"])).first() if d.get("carer") else None
            visit = call_into_form(
                form,
                svc.visit_record,
                actor=request.user,
                jurisdiction=j,
                profile=p,
                visited_at=d["visited_at"],
                mode=d["mode"],
                findings=d["findings"],
                needs_found=d["needs_found"],
                follow_up=d["follow_up"],
                follow_up_due=d["follow_up_due"],
                carer=carer,
                photos=d["photos"],
            )
            if visit is not None:
                messages.success(request, _("探访已记录。"))
                return redirect("care:profile_detail", pk=p.pk)
        status = 400
    else:
        form = VisitForm(carers=carers)
    access.audit_read(j, "profile", obj=p, kind=p.kind, page="visit_new")
    return render(
        request,
        "care/visit_form.html",
        {"p": p, "form": form, "max_photos": rule("MAX_PHOTOS_PER_VISIT")},
        status=status,
    )


def _pct(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.0f}%"


@never_cache
@login_required
@require_GET
def visits_due(request: HttpRequest) -> HttpResponse:
    """Due soon and overdue visits: mine, or the caller's villages; counts per carer and per
    village; open follow-ups; coverage per village (per township for a county)."""
    j = require_perm(request.jurisdiction, VISIT)  # type: ignore[attr-defined]
    villages = villages_in(j)
    form = DueFilterForm(request.GET or None, villages=villages)
    d = form.cleaned_data if form.is_valid() else {}
    mine = request.user.pk if d.get("mine") else None
    village = d.get("village", "")
    now = timezone.now()
    rows = list(sel.due_profiles(j, mine_user=mine, village=village, now=now)[: DUE_SHOWN + 1])
    more = len(rows) > DUE_SHOWN
    rows = rows[:DUE_SHOWN]
    for p in rows:
        p.overdue = svc.is_overdue(p, now)  # type: ignore[attr-defined]
    follow_ups = list(sel.open_follow_ups(j, mine_user=mine)[:FOLLOW_UPS_SHOWN])
    today = timezone.localdate()
    group_by = "village" if len(j.root_code) >= 9 else "township"
    cover = sel.coverage(j, group_by=group_by)
    for r in cover:
        r["pct"] = _pct(r["rate"])
    total = sel.coverage_total(cover)
    access.audit_read(
        j,
        "due_list",
        count=len(rows),
        children=children_count(rows),
        follow_ups=len(follow_ups),
        mine=bool(mine),
    )
    return render(
        request,
        "care/visit_due.html",
        {
            "form": form,
            "profiles": rows,
            "more": more,
            "overdue_count": sum(1 for p in rows if p.overdue),  # type: ignore[attr-defined]
            "by_carer": sel.due_counts_by_carer(j, village=village, now=now),
            "by_village": sel.due_counts_by_village(j, now=now) if len(villages) > 1 else [],
            "follow_ups": follow_ups,
            "today": today,
            "coverage": cover,
            "coverage_total": {**total, "pct": _pct(total["rate"])},
            "coverage_by": group_by,
            "intervals": rule("VISIT_INTERVAL_DAYS"),
        },
    )


def _visit_for(j: Jurisdiction, vid: int) -> tuple[Visit, CareProfile]:
    visit = Visit.objects.within(j).filter(pk=vid).first()
    if visit is None:
        raise Http404
    return visit, access.get_profile_for(j, visit.profile_id)


@login_required
@require_POST
def follow_up_done(request: HttpRequest, vid: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    visit, p = _visit_for(j, vid)
    access.get_profile_for(j, p.pk, need=VISIT)
    from django import forms

    form = forms.Form(request.POST)
    if call_into_form(form, svc.follow_up_done, actor=request.user, jurisdiction=j, visit=visit):
        messages.success(request, _("跟进事项已办结。"))
    else:
        messages.error(request, " ".join(str(e) for e in form.non_field_errors()))
    target = request.POST.get("next", "")
    if target == "due":
        return redirect("care:visits_due")
    return redirect("care:profile_detail", pk=p.pk)


@never_cache
@login_required
@require_GET
def visit_photo(request: HttpRequest, vid: int, phid: int) -> HttpResponse:
    """One photo of a visit, to those who may read the profile; every read audited."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    visit, p = _visit_for(j, vid)
    photo = visit.photos.filter(pk=phid).first()
    if photo is None:
        raise Http404
    try:
        handle = photo.file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    access.audit_read(j, "visit_photo", obj=visit, kind=p.kind, photo=photo.pk)
    # Served inline on purpose, unlike the service desk's materials (attachment): the profile
    # page shows each visit's photos as <img> thumbnails, and a carer opens the link on a phone
    # to look at it. Inline is safe only for what really is an image, so:
    # - the type is sniffed again from the stored bytes (not taken from the row), and only a
    #   JPEG or PNG is inline; anything else goes out as an octet-stream attachment;
    # - nosniff, so the browser keeps that type;
    # - a CSP of its own, "default-src 'none'; sandbox": opened on its own, the response may
    #   load nothing and run nothing, whatever it holds.
    content_type = sniff_content_type(handle.read(16))
    handle.seek(0)
    extension = _PHOTO_EXTENSIONS.get(content_type)
    name = f"visit-{visit.pk}-{photo.pk}.{extension or 'bin'}"
    response = FileResponse(
        handle,
        as_attachment=extension is None,
        filename=name,
        content_type=content_type if extension else "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


_PHOTO_EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


urlpatterns = [
    path("visits/", visits_due, name="visits_due"),
    path("profiles/<int:pk>/visits/new/", visit_new, name="visit_new"),
    path("visits/<int:vid>/follow-up-done/", follow_up_done, name="follow_up_done"),
    path("visits/<int:vid>/photos/<int:phid>/", visit_photo, name="visit_photo"),
]
