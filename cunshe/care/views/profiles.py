"""Care pages: the profile list (filtered, paginated, exportable), one profile with everything
about the person, the section edits (guardian and agreement, school, assessment, contacts,
carers, risk) and the access-checked download of the signed agreement. Every read of named
records is audited through `care.access`. Parse → check access → selector/service → render."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, path, reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.accounts.models import User
from cunshe.care import access, risk
from cunshe.care.forms_profiles import (
    AssessmentForm,
    CarerForm,
    ContactFormSet,
    GuardianForm,
    ProfileFilterForm,
    RiskForm,
    SchoolForm,
    VersionForm,
)
from cunshe.care.models import CareKind, CareProfile
from cunshe.care.selectors.profiles import children_count, profile_detail, profile_search
from cunshe.care.services import profiles as svc
from cunshe.care.services.visits import is_overdue
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_id_number, mask_phone
from cunshe.regions.models import Level, Region
from cunshe.residents.codes import RELATIONSHIPS
from cunshe.residents.models import GONE, Person
from cunshe.web.forms import call_into_form

EDIT = "care.edit"
EXPORT = "care.export"
VISIT = "care.visit"
PAGE_SIZE = 50
MAX_PAGE = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _page_number(raw: str | None) -> int:
    if raw and raw.isdigit() and len(raw) < 6:
        return max(1, int(raw))
    return 1


def _url_or_none(name: str, *args: Any) -> str | None:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return None


def villages_in(j: Jurisdiction) -> list[tuple[str, str]]:
    """Villages of the caller's subtree for a filter (a county's few hundred at most)."""
    if j.root_code and len(j.root_code) < 6:
        return []
    rows = Region.objects.filter(j.q("code"), level=Level.VILLAGE).order_by("code")
    return list(rows.values_list("code", "name"))


def _conflict() -> str:
    return _("该档案已被他人修改，请刷新后再操作。")


def _call(form: Form, service: Any, **kwargs: Any) -> Any:
    return call_into_form(form, service, refusals={svc.ConcurrentEdit: _conflict()}, **kwargs)


def _describe(reason: Any) -> str:
    try:
        from cunshe.care.identification import describe
    except ImportError:  # pragma: no cover - identification not installed
        describe = None
    if describe is not None:
        try:
            return describe(reason)
        except (KeyError, TypeError, ValueError, AttributeError):
            pass
    if isinstance(reason, list):
        return "；".join(str(r) for r in reason)
    return str(reason or "")


# --- the list -------------------------------------------------------------------------------


def _filter_form(request: HttpRequest, j: Jurisdiction) -> ProfileFilterForm:
    return ProfileFilterForm(
        request.GET or None, kinds=access.visible_kinds(j), villages=villages_in(j)
    )


@never_cache
@login_required
@require_GET
def profile_list(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, access.VIEW)  # type: ignore[attr-defined]
    form = _filter_form(request, j)
    page = _page_number(request.GET.get("page"))
    too_deep = page > MAX_PAGE
    rows: list[CareProfile] = []
    more = False
    now = timezone.now()
    if not too_deep and (not form.is_bound or form.is_valid()):
        start = (page - 1) * PAGE_SIZE
        # One row more than a page says whether a next page exists, without COUNT(*).
        rows = list(profile_search(j, form.filters(), now=now)[start : start + PAGE_SIZE + 1])
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
    for p in rows:
        p.overdue = is_overdue(p, now)  # type: ignore[attr-defined]
    access.audit_read(j, "list", count=len(rows), children=children_count(rows), page=page)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "care/profile_list.html",
        {
            "form": form,
            "profiles": rows,
            "page": page,
            "more": more,
            "too_deep": too_deep,
            "query": query.urlencode(),
            "first_row": (page - 1) * PAGE_SIZE + 1,
            "export_url": reverse("care:profile_export") if j.has_perm(EXPORT) else None,
            "filters_open": bool(form.errors)
            or any(v for k, v in query.items() if k not in ("q", "page")),
        },
    )


@never_cache
@login_required
@require_GET
def profile_export(request: HttpRequest) -> HttpResponse:
    """The filtered list as .xlsx, masked; a list longer than a page needs a fresh sign-in
    (the register's re-authentication page)."""
    from cunshe.residents import exporting

    j = require_perm(request.jurisdiction, EXPORT)  # type: ignore[attr-defined]
    form = _filter_form(request, j)
    back = reverse("care:profile_list") + "?" + request.GET.urlencode()
    if form.is_bound and not form.is_valid():
        messages.error(request, _("筛选条件有误，请在名单页修改后再导出。"))
        return redirect(back)
    filters = form.filters()
    large = profile_search(j, filters)[: PAGE_SIZE + 1].count() > PAGE_SIZE
    reauth = _url_or_none("residents:export_reauth")
    if large and reauth and not exporting.reauth_fresh(request.session):
        from urllib.parse import quote

        return redirect(reauth + "?next=" + quote(request.get_full_path(), safe=""))
    try:
        data, _count = svc.export_profiles(actor=request.user, jurisdiction=j, filters=filters)
    except ValidationError as exc:
        messages.error(request, "；".join(exc.messages))
        return redirect(back)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(data, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="care-profiles-{stamp}.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- one profile ----------------------------------------------------------------------------


def _history_rows(d: Any) -> list[dict[str, Any]]:
    out = []
    for e in d.history:
        out.append({"event": e, "title": e.get_kind_display(), "who": e.actor or _("系统")})
    return out


def _profile_context(j: Jurisdiction, p: CareProfile) -> dict[str, Any]:
    d = profile_detail(j, p)
    person = p.person
    can_edit = j.has_perm(EDIT)
    now = timezone.now()
    return {
        "p": p,
        "person": person,
        "person_id_masked": mask_id_number(person.id_number),
        "person_phone_masked": mask_phone(person.phone),
        "age": person.age_on(),
        "relationship": RELATIONSHIPS.get(person.relationship, person.relationship),
        "reason_text": _describe(p.reason),
        "criteria": risk.labelled(p.kind, p.risk_criteria),
        "suggested": [
            c["label"]
            for c in risk.labelled(p.kind, risk.suggest(p.kind, person))
            if c["code"] not in (p.risk_criteria or [])
        ]
        if can_edit
        else [],
        "history": _history_rows(d),
        "contacts": [
            {"c": c, "phone": c.phone if can_edit else mask_phone(c.phone)} for c in d.contacts
        ],
        "carers": [
            {"c": c, "phone": c.phone if can_edit else mask_phone(c.phone)} for c in d.carers
        ],
        "visits": d.visits,
        "alerts": d.alerts,
        "terminals": d.terminals,
        "guardian_phone": p.guardian_phone if can_edit else mask_phone(p.guardian_phone),
        "is_child": p.kind == CareKind.CHILD,
        "overdue": is_overdue(p, now),
        "can_edit": can_edit,
        "can_visit": j.has_perm(VISIT) and p.is_open,
        "person_url": _url_or_none("residents:person", person.pk)
        if j.has_perm("residents.view")
        else None,
        "need_url": _url_or_none("care:need_create"),
        "end_form": VersionForm(initial={"version": p.version}),
    }


@never_cache
@login_required
@require_GET
def profile_detail_page(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    p = access.get_profile_for(j, pk)
    access.audit_read(j, "profile", obj=p, kind=p.kind, page="detail")
    return render(request, "care/profile_detail.html", _profile_context(j, p))


@never_cache
@login_required
@require_GET
def agreement(request: HttpRequest, pk: int) -> HttpResponse:
    """The signed guardianship agreement, to those who may read the child's profile; audited."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    p = access.get_profile_for(j, pk)
    if not p.agreement_file:
        raise Http404
    try:
        handle = p.agreement_file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    access.audit_read(j, "agreement", obj=p, kind=p.kind)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        p.agreement_content_type, "bin"
    )
    response = FileResponse(
        handle,
        as_attachment=True,
        filename=f"agreement-{p.pk}.{extension}",
        content_type=p.agreement_content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


# --- edits ----------------------------------------------------------------------------------

SECTIONS = {
    "guardian": _("委托监护人与监护协议"),
    "school": _("就读学校"),
    "assessment": _("需求评估与备注"),
    "contacts": _("联系人"),
    "carers": _("关爱人员"),
    "risk": _("风险等级"),
}
CHILD_ONLY = {"guardian", "school"}


def _household_adults(p: CareProfile) -> list[tuple[int, str]]:
    adults = (
        Person._base_manager.filter(household_id=p.person.household_id)
        .exclude(pk=p.person_id)
        .exclude(residence_status__in=GONE)
        .order_by("birth_date")
    )
    return [(a.pk, a.name) for a in adults if a.age_on() >= 18]


def _staff(p: CareProfile) -> list[tuple[int, str]]:
    return [(u.pk, u.display_name or u.username) for u in svc.carer_candidates(p)]


def _initial(section: str, p: CareProfile) -> dict[str, Any]:
    base: dict[str, Any] = {"version": p.version}
    if section == "guardian":
        base.update(
            guardian_person=p.guardian_person_id or "",
            guardian_name=p.guardian_name,
            guardian_relation=p.guardian_relation,
            guardian_phone=p.guardian_phone,
            agreement_signed_on=p.agreement_signed_on,
        )
    elif section == "school":
        base.update(school=p.school, school_class=p.school_class)
    elif section == "assessment":
        base.update(needs_assessment=p.needs_assessment, notes=p.notes)
    elif section == "risk":
        base.update(criteria=list(p.risk_criteria or []))
    return base


def _form(section: str, p: CareProfile, data: Any = None, files: Any = None) -> Any:
    initial = _initial(section, p)
    if section == "guardian":
        return GuardianForm(data, files, initial=initial, people=_household_adults(p))
    if section == "school":
        return SchoolForm(data, initial=initial)
    if section == "assessment":
        return AssessmentForm(data, initial=initial)
    if section == "carers":
        return CarerForm(data, initial=initial, staff=_staff(p))
    if section == "risk":
        if data is None:
            initial["criteria"] = list(p.risk_criteria or [])
        return RiskForm(data, initial=initial, kind=p.kind)
    return VersionForm(data, initial=initial)


def _contacts_formset(p: CareProfile, data: Any = None) -> Any:
    initial = [
        {"name": c.name, "relation": c.relation, "phone": c.phone, "is_family": c.is_family}
        for c in p.contacts.all()
    ]
    return ContactFormSet(data, initial=initial or None, prefix="contacts")


def _save_section(
    request: HttpRequest, j: Jurisdiction, p: CareProfile, section: str, form: Any, formset: Any
) -> Any:
    d = form.cleaned_data
    common = {
        "actor": request.user,
        "jurisdiction": j,
        "profile": p,
        "expected_version": d["version"],
    }
    if section == "guardian":
        person = None
        if d.get("guardian_person"):
            wanted = int(d["guardian_person"])
            if wanted not in {k for k, _n in _household_adults(p)}:
                form.add_error("guardian_person", _("请选择同户的成年人。"))
                return None
            person = Person._base_manager.get(pk=wanted)
        return _call(
            form, svc.profile_set_guardian, **common, guardian_person=person,
            guardian_name=d["guardian_name"], guardian_relation=d["guardian_relation"],
            guardian_phone=d["guardian_phone"], agreement_signed_on=d["agreement_signed_on"],
            agreement_file=d.get("agreement_file") or None,
        )  # fmt: skip
    if section == "school":
        return _call(form, svc.profile_set_school, **common, school=d["school"],
                     school_class=d["school_class"])  # fmt: skip
    if section == "assessment":
        return _call(form, svc.profile_set_assessment, **common,
                     needs_assessment=d["needs_assessment"], notes=d["notes"])  # fmt: skip
    if section == "risk":
        return _call(form, svc.profile_set_risk, **common, criteria=d["criteria"], note=d["note"])
    if section == "carers":
        user = None
        if d.get("user"):
            user = User.objects.filter(pk=int(d["user"])).first()
        return _call(form, svc.carer_assign, **common, carer_type=d["carer_type"], user=user,
                     name=d["name"], phone=d["phone"])  # fmt: skip
    if section == "contacts":
        rows = [
            svc.ContactIn(
                f.cleaned_data["name"],
                f.cleaned_data["relation"],
                f.cleaned_data["phone"],
                f.cleaned_data["is_family"],
            )
            for f in formset.forms
            if not f.is_blank  # an emptied row removes that contact
        ]
        return _call(form, svc.profile_set_contacts, **common, contacts=rows)
    raise Http404


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def profile_edit(request: HttpRequest, pk: int, section: str) -> HttpResponse:
    if section not in SECTIONS:
        raise Http404
    j = request.jurisdiction  # type: ignore[attr-defined]
    p = access.get_profile_for(j, pk, need=EDIT)
    if section in CHILD_ONLY and p.kind != CareKind.CHILD:
        raise Http404
    status = 200
    if request.method == "POST":
        form = _form(section, p, request.POST, request.FILES)
        formset = _contacts_formset(p, request.POST) if section == "contacts" else None
        valid = form.is_valid() and (formset is None or formset.is_valid())
        if valid and _save_section(request, j, p, section, form, formset) is not None:
            messages.success(request, _("已保存：%(section)s。") % {"section": SECTIONS[section]})
            return redirect("care:profile_detail", pk=p.pk)
        errors = [str(e) for e in form.non_field_errors()]
        status = 409 if _conflict() in errors else 400
    else:
        form = _form(section, p)
        formset = _contacts_formset(p) if section == "contacts" else None
    access.audit_read(j, "profile", obj=p, kind=p.kind, page=f"edit_{section}")
    return render(
        request,
        "care/profile_edit.html",
        {
            "p": p,
            "section": section,
            "title": SECTIONS[section],
            "form": form,
            "formset": formset,
            "carers": list(p.carers.filter(active=True)) if section == "carers" else [],
            "suggested": [c["label"] for c in risk.labelled(p.kind, risk.suggest(p.kind, p.person))]
            if section == "risk"
            else [],
            "end_form": VersionForm(initial={"version": p.version}),
        },
        status=status,
    )


@login_required
@require_POST
def carer_end(request: HttpRequest, pk: int, cid: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    p = access.get_profile_for(j, pk, need=EDIT)
    carer = p.carers.filter(pk=cid).first()
    if carer is None:
        raise Http404
    form = VersionForm(request.POST)
    if form.is_valid() and (
        _call(
            form,
            svc.carer_end,
            actor=request.user,
            jurisdiction=j,
            profile=p,
            expected_version=form.cleaned_data["version"],
            carer=carer,
        )
        is not None
    ):
        messages.success(request, _("已解除关爱人员：%(name)s。") % {"name": carer.name})
    else:
        messages.error(
            request, " ".join(str(e) for e in form.non_field_errors()) or _("操作没有完成。")
        )
    return redirect("care:profile_edit", pk=p.pk, section="carers")


urlpatterns = [
    path("", profile_list, name="profile_list"),
    path("export/", profile_export, name="profile_export"),
    path("profiles/<int:pk>/", profile_detail_page, name="profile_detail"),
    path("profiles/<int:pk>/agreement/", agreement, name="profile_agreement"),
    path("profiles/<int:pk>/edit/<slug:section>/", profile_edit, name="profile_edit"),
    path("profiles/<int:pk>/carers/<int:cid>/end/", carer_end, name="carer_end"),
]
