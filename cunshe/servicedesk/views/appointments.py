"""Pages: appointments (预约).

Staff: the windows list (create a window of one's own unit), a window's day (slots with
places and bookings; generate slots, change places, mark who came; a clerk books for a
villager). Villagers, on the phone layout: pick a window → a day → a slot → confirm; their
household's bookings, with cancel and reschedule.

Every booking form carries a hidden idempotency key made when the form is drawn, so a
double-clicked submit books once.
"""

from __future__ import annotations

import re
import secrets
from datetime import date, datetime, time, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from cunshe.accounts.roles import Department
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level
from cunshe.residents import selectors as register
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import ServiceItem, ServiceWindow, Slot
from cunshe.servicedesk.selectors import appointments as sel
from cunshe.servicedesk.services import appointments as svc
from cunshe.web.forms import call_into_form

WINDOWS = sel.WINDOWS
INTAKE = sel.INTAKE
APPLY = sel.APPLY
VIEW = sel.VIEW
STAFF_SEES = (WINDOWS, INTAKE, VIEW)
# How far ahead a villager may look for a free day.
BOOK_AHEAD_DAYS = 14


# --- helpers -----------------------------------------------------------------------------------


# Days outside this range are no one's appointment (and date.max + 1 day would overflow).
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2099, 12, 31)


def _day_from(raw: str | None, default: date | None = None) -> date:
    fallback = default or timezone.localdate()
    try:
        day = date.fromisoformat(raw) if raw else fallback
    except ValueError:
        return fallback
    return day if FIRST_DAY <= day <= LAST_DAY else fallback


def _new_key() -> str:
    return secrets.token_urlsafe(18)


def _slot_label(slot: Slot) -> str:
    start = timezone.localtime(slot.starts_at)
    end = timezone.localtime(slot.ends_at)
    return _("%(start)s–%(end)s（剩 %(n)s 个名额）") % {
        "start": start.strftime("%H:%M"),
        "end": end.strftime("%H:%M"),
        "n": slot.remaining,
    }


def _safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def _window_url(window_id: int, day: date) -> str:
    return f"{reverse('servicedesk:window', args=[window_id])}?date={day.isoformat()}"


_PERMISSION_NAME = re.compile(r"^[a-z_]+\.[a-z_]+$")


def _refusal_message(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return " ".join(str(m) for m in exc.messages)
    text = str(exc)
    return _("没有权限。") if not text or _PERMISSION_NAME.match(text) else text


# --- forms -------------------------------------------------------------------------------------


class IdempotentForm(forms.Form):
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("idempotency_key", _new_key())


class WindowForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("窗口名称"), max_length=100)
    department = forms.ChoiceField(
        label=gettext_lazy("部门"), choices=[("", "—"), *Department.choices], required=False
    )
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)

    def __init__(self, *args: Any, county: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not county:
            del self.fields["department"]
        for f in self.fields.values():
            f.widget.attrs.setdefault(
                "class", "form-select" if f is self.fields.get("department") else "form-control"
            )


class WindowEditForm(forms.Form):
    name = forms.CharField(label=gettext_lazy("窗口名称"), max_length=100)
    address = forms.CharField(label=gettext_lazy("地址"), max_length=200, required=False)
    active = forms.BooleanField(label=gettext_lazy("开放预约"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["class"] = "form-control"
        self.fields["address"].widget.attrs["class"] = "form-control"
        self.fields["active"].widget.attrs["class"] = "form-check-input"


WEEKDAYS = [
    (0, gettext_lazy("周一")),
    (1, gettext_lazy("周二")),
    (2, gettext_lazy("周三")),
    (3, gettext_lazy("周四")),
    (4, gettext_lazy("周五")),
]
MINUTES = [(15, "15"), (20, "20"), (30, "30"), (60, "60")]


class GenerateForm(forms.Form):
    start = forms.DateField(
        label=gettext_lazy("从"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=gettext_lazy("到"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=gettext_lazy("每周开放"),
        choices=WEEKDAYS,
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        initial=[0, 1, 2, 3, 4],
    )
    am_start = forms.TimeField(label=gettext_lazy("上午开始"), initial=time(8, 30), required=False)
    am_end = forms.TimeField(label=gettext_lazy("上午结束"), initial=time(11, 30), required=False)
    pm_start = forms.TimeField(label=gettext_lazy("下午开始"), initial=time(13, 30), required=False)
    pm_end = forms.TimeField(label=gettext_lazy("下午结束"), initial=time(16, 30), required=False)
    minutes = forms.TypedChoiceField(
        label=gettext_lazy("每段分钟数"), choices=MINUTES, coerce=int, initial=30
    )
    capacity = forms.IntegerField(
        label=gettext_lazy("每段名额"), min_value=1, max_value=500, initial=4
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, f in self.fields.items():
            if name == "weekdays":
                continue
            f.widget.attrs.setdefault(
                "class", "form-select" if name == "minutes" else "form-control"
            )
            if isinstance(f, forms.TimeField):
                f.widget.input_type = "time"

    def times(self) -> list[tuple[time, time]]:
        """The day's slots: each half-day cut into pieces of `minutes`."""
        data = self.cleaned_data
        step = timedelta(minutes=data["minutes"])
        out: list[tuple[time, time]] = []
        for a, b in (("am_start", "am_end"), ("pm_start", "pm_end")):
            start, end = data.get(a), data.get(b)
            if start is None and end is None:
                continue
            if start is None or end is None or end <= start:
                raise ValidationError({"times": _("请完整填写开始和结束时间，结束要晚于开始。")})
            cursor = datetime.combine(date.min, start)
            stop = datetime.combine(date.min, end)
            while cursor + step <= stop:
                out.append((cursor.time(), (cursor + step).time()))
                cursor += step
        return out


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=gettext_lazy("名额"), min_value=0, max_value=500)


class ClerkBookForm(IdempotentForm):
    slot = forms.TypedChoiceField(label=gettext_lazy("时段"), coerce=int)
    person = forms.CharField(
        label=gettext_lazy("村民"),
        max_length=40,
        help_text=gettext_lazy("姓名、身份证号或手机号；同名时请输入身份证号。"),
    )
    item = forms.TypedChoiceField(
        label=gettext_lazy("办理事项"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, slots: list[Slot], items: list[ServiceItem], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(s.pk, _slot_label(s)) for s in slots]
        self.fields["item"].choices = [("", _("（不指定）")), *[(i.pk, i.name) for i in items]]
        self.fields["slot"].widget.attrs["class"] = "form-select"
        self.fields["item"].widget.attrs["class"] = "form-select"
        self.fields["person"].widget.attrs["class"] = "form-control"


class VillagerBookForm(IdempotentForm):
    person = forms.TypedChoiceField(
        label=gettext_lazy("为谁预约"), coerce=int, widget=forms.RadioSelect
    )
    item = forms.TypedChoiceField(
        label=gettext_lazy("要办的事（可不选）"), coerce=int, required=False, empty_value=None
    )

    def __init__(
        self, *args: Any, members: list, items: list, me_id: int | None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [
            (m.pk, f"{m.name}{_('（本人）') if m.account_id == me_id else ''}") for m in members
        ]
        mine = next((m.pk for m in members if m.account_id == me_id), None)
        if not self.is_bound and mine is not None:
            self.initial["person"] = mine
        self.fields["item"].choices = [
            ("", _("（不选）")),
            *[(e.item.pk, e.item.name) for e in items],
        ]
        self.fields["item"].widget.attrs["class"] = "form-select"


class RescheduleForm(forms.Form):
    slot = forms.TypedChoiceField(
        label=gettext_lazy("新时段"), coerce=int, widget=forms.RadioSelect
    )

    def __init__(self, *args: Any, slots: list[Slot], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["slot"].choices = [(s.pk, _slot_label(s)) for s in slots]


# --- staff: windows ----------------------------------------------------------------------------


def _unit_region(request: HttpRequest, j: Jurisdiction):  # type: ignore[no-untyped-def]
    """The caller's own unit, when it is one that runs windows (village, township, county)."""
    assignment = getattr(request, "assignment", None)
    region = getattr(assignment, "region", None)
    if region is None or region.level not in svc.WINDOW_KIND_BY_LEVEL or not j.has_perm(WINDOWS):
        return None
    return region


@login_required
@require_http_methods(["GET", "POST"])
def windows(request: HttpRequest) -> HttpResponse:
    """Windows in and above the caller's unit, with the day's places; create a window."""
    j = require_perm(request.jurisdiction, WINDOWS)  # type: ignore[attr-defined]
    day = _day_from(request.GET.get("date"))
    unit = _unit_region(request, j)
    county = unit is not None and unit.level == Level.COUNTY
    form = None
    if unit is not None:
        form = WindowForm(
            request.POST if request.method == "POST" else None,
            county=county,
            initial={"department": j.department},
        )
    if request.method == "POST":
        if form is None:
            raise PermissionDenied(_("只能为本单位设置服务窗口。"))
        if form.is_valid():
            window = call_into_form(
                form,
                svc.window_create,
                actor=request.user,
                jurisdiction=j,
                region=unit,
                **form.cleaned_data,
            )
            if window is not None:
                messages.success(request, _("已建立服务窗口，请为它生成预约时段。"))
                return redirect("servicedesk:window", pk=window.pk)
    rows = list(sel.window_rows(j, day))
    return render(
        request,
        "servicedesk/appointments_windows.html",
        {"rows": rows, "day": day, "form": form, "unit": unit},
        status=400 if form is not None and form.errors else 200,
    )


def _staff_window(request: HttpRequest, pk: int) -> tuple[Jurisdiction, ServiceWindow]:
    """A window the caller runs (its unit's staff): 404 outside reach, 403 otherwise."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    win = sel.get_window_for(j, pk, need=WINDOWS)
    sel.require_unit_staff(j, win)
    return j, win


def _window_page(
    request: HttpRequest,
    j: Jurisdiction,
    window: ServiceWindow,
    day: date,
    *,
    status: int = 200,
    **bound: forms.Form,
) -> HttpResponse:
    staff = sel.is_unit_staff(j, window)
    slots = sel.slots_on(window, day)
    if staff:
        bookings = sel.window_day_bookings(j, window, day, whole_window=True)
    elif j.has_perm(INTAKE):
        bookings = sel.window_day_bookings(j, window, day, whole_window=False)
    else:
        bookings = None  # places only: names are for the window's own staff
    context: dict[str, Any] = {
        "window": window,
        "day": day,
        "prev_day": day - timedelta(days=1),
        "next_day": day + timedelta(days=1),
        "slots": slots,
        "bookings": bookings,
        "staff": staff,
        "can_intake": j.has_perm(INTAKE),
        "now": timezone.now(),
        "totals": {
            "capacity": sum(s.capacity for s in slots),
            "booked": sum(s.booked for s in slots),
        },
    }
    if staff:
        context["edit_form"] = bound.get("edit_form") or WindowEditForm(
            initial={"name": window.name, "address": window.address, "active": window.active}
        )
        context["generate_form"] = bound.get("generate_form") or GenerateForm(
            initial={
                "start": day if day >= timezone.localdate() else timezone.localdate(),
                "end": max(day, timezone.localdate()) + timedelta(days=27),
            }
        )
    if j.has_perm(INTAKE) and window.active:
        open_slots = [s for s in slots if s.remaining > 0 and s.starts_at > sel.booking_cutoff()]
        items = [e.item for e in catalogue.effective_items(j.root_code)] if open_slots else []
        context["book_form"] = bound.get("book_form") or ClerkBookForm(
            slots=open_slots, items=items
        )
    context["capacity_error"] = bound.get("capacity_error")
    return render(request, "servicedesk/appointments_window.html", context, status=status)


@login_required
@require_GET
def window(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    win = sel.get_window_for(j, pk, need=STAFF_SEES)
    return _window_page(request, j, win, _day_from(request.GET.get("date")))


@login_required
@require_POST
def window_edit(request: HttpRequest, pk: int) -> HttpResponse:
    j, win = _staff_window(request, pk)
    day = _day_from(request.POST.get("date"))
    form = WindowEditForm(request.POST)
    if form.is_valid() and call_into_form(
        form, svc.window_update, actor=request.user, jurisdiction=j, window=win, **form.cleaned_data
    ):
        messages.success(request, _("已保存。"))
        return redirect(_window_url(win.pk, day))
    win.refresh_from_db()
    return _window_page(request, j, win, day, status=400, edit_form=form)


@login_required
@require_POST
def window_generate(request: HttpRequest, pk: int) -> HttpResponse:
    j, win = _staff_window(request, pk)
    day = _day_from(request.POST.get("date"))
    form = GenerateForm(request.POST)
    if form.is_valid():
        try:
            times = form.times()
        except ValidationError as exc:
            form.add_error(None, exc.messages)
            times = None
        if times is not None:
            data = form.cleaned_data
            made = call_into_form(
                form,
                svc.slots_generate,
                actor=request.user,
                jurisdiction=j,
                window=win,
                start=data["start"],
                end=data["end"],
                weekdays=data["weekdays"],
                times=times,
                capacity=data["capacity"],
            )
            if made is not None:
                messages.success(request, _("已生成 %(n)s 个时段。") % {"n": made})
                return redirect(_window_url(win.pk, data["start"]))
    return _window_page(request, j, win, day, status=400, generate_form=form)


@login_required
@require_POST
def slot_capacity(request: HttpRequest, pk: int, slot_pk: int) -> HttpResponse:
    j, win = _staff_window(request, pk)
    slot = Slot.objects.filter(window=win, pk=slot_pk).select_related("window").first()
    if slot is None:
        raise Http404
    day = timezone.localtime(slot.starts_at).date()
    form = CapacityForm(request.POST)
    if form.is_valid() and call_into_form(
        form,
        svc.slot_capacity_change,
        actor=request.user,
        jurisdiction=j,
        slot=slot,
        capacity=form.cleaned_data["capacity"],
    ):
        messages.success(request, _("名额已修改。"))
        return redirect(_window_url(win.pk, day))
    errors = [str(e) for errs in form.errors.values() for e in errs]
    return _window_page(
        request, j, win, day, status=400, capacity_error={"slot": slot.pk, "errors": errors}
    )


def _find_person(j: Jurisdiction, text: str):  # type: ignore[no-untyped-def]
    """Exactly one person in the clerk's register matching the text, or a ValidationError."""
    found = list(
        register.person_search(j, register.PersonFilters(q=text.strip())).select_related(None)[:2]
    )
    if not found:
        raise ValidationError({"person": _("在本村登记的人员中没有找到此人。")})
    if len(found) > 1:
        raise ValidationError({"person": _("找到多人同名，请输入身份证号。")})
    return found[0]


@login_required
@require_POST
def window_book(request: HttpRequest, pk: int) -> HttpResponse:
    """A clerk books a place for a villager of their village."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    win = sel.get_window_for(j, pk, need=INTAKE)
    day = _day_from(request.POST.get("date"))
    slots = sel.slots_on(win, day)
    items = [e.item for e in catalogue.effective_items(j.root_code)]
    form = ClerkBookForm(request.POST, slots=slots, items=items)
    if form.is_valid():
        data = form.cleaned_data
        slot = next(s for s in slots if s.pk == data["slot"])
        slot.window = win
        item = next((i for i in items if i.pk == data["item"]), None)
        try:
            person = _find_person(j, data["person"])
        except ValidationError as exc:
            form.add_error("person", exc.message_dict["person"])
            person = None
        if person is not None:
            booking = call_into_form(
                form,
                svc.booking_create,
                actor=request.user,
                jurisdiction=j,
                slot=slot,
                person=person,
                item=item,
                idempotency_key=data["idempotency_key"],
            )
            if booking is not None:
                messages.success(
                    request,
                    _("已为%(name)s预约 %(when)s。")
                    % {"name": booking.person.name, "when": svc.when_text(booking.slot)},
                )
                return redirect(_window_url(win.pk, day))
    return _window_page(request, j, win, day, status=400, book_form=form)


@login_required
@require_POST
def booking_mark(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    booking = sel.get_booking_for(j, pk, need=(WINDOWS,))
    day = timezone.localtime(booking.slot.starts_at).date()
    try:
        svc.booking_mark(
            actor=request.user,
            jurisdiction=j,
            booking=booking,
            outcome=request.POST.get("outcome", ""),
        )
        messages.success(request, _("已登记。"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_message(exc))
    return redirect(_window_url(booking.slot.window_id, day))


# --- cancel and reschedule (villager and clerk) ----------------------------------------------


def _is_villager(j: Jurisdiction) -> bool:
    return j.has_perm(APPLY) and not j.has_perm(INTAKE)


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    j = request.jurisdiction  # type: ignore[attr-defined]
    booking = sel.get_booking_for(j, pk)
    default = (
        reverse("servicedesk:my_bookings")
        if _is_villager(j)
        else _window_url(booking.slot.window_id, timezone.localtime(booking.slot.starts_at).date())
    )
    try:
        svc.booking_cancel(
            actor=request.user,
            jurisdiction=j,
            booking=booking,
            reason=request.POST.get("reason", ""),
        )
        messages.success(request, _("预约已取消，名额已释放。"))
    except (ValidationError, PermissionDenied) as exc:
        messages.error(request, _refusal_message(exc))
    return redirect(_safe_next(request, default))


@login_required
@require_http_methods(["GET", "POST"])
def booking_reschedule(request: HttpRequest, pk: int) -> HttpResponse:
    """Pick a new day and slot at the same window; the old place is given back only when the
    new one is taken."""
    j = request.jurisdiction  # type: ignore[attr-defined]
    booking = sel.get_booking_for(j, pk)
    win = booking.slot.window
    days = sel.bookable_days(win, BOOK_AHEAD_DAYS)
    raw = request.POST.get("date") if request.method == "POST" else request.GET.get("date")
    day: date | None = _day_from(raw) if raw else (days[0].day if days else None)
    # Every slot of the day may be posted; the service says when one filled up meanwhile.
    day_slots = [s for s in sel.slots_on(win, day) if s.pk != booking.slot_id] if day else []
    form = RescheduleForm(request.POST if request.method == "POST" else None, slots=day_slots)
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            slot = next(s for s in day_slots if s.pk == form.cleaned_data["slot"])
            slot.window = win
            new = call_into_form(
                form,
                svc.booking_reschedule,
                actor=request.user,
                jurisdiction=j,
                booking=booking,
                slot=slot,
            )
            if new is not None:
                messages.success(
                    request, _("已改约到 %(when)s。") % {"when": svc.when_text(new.slot)}
                )
                if _is_villager(j):
                    return redirect("servicedesk:my_bookings")
                return redirect(_window_url(win.pk, timezone.localtime(new.slot.starts_at).date()))
    cutoff = sel.booking_cutoff()
    open_slots = [s for s in day_slots if s.remaining > 0 and s.starts_at > cutoff]
    return render(
        request,
        "servicedesk/appointments_reschedule.html",
        {
            "booking": booking,
            "window": win,
            "day": day,
            "days": days,
            "form": form,
            "open_slots": open_slots,
            "layout": "web/villager.html" if _is_villager(j) else "web/desk.html",
        },
        status=status,
    )


# --- villager: book ----------------------------------------------------------------------------


def _item_from(code: str) -> ServiceItem | None:
    """The catalogue item named in `?item=` (the 办事 page links here with one), if any."""
    code = code.strip()
    if not code or len(code) > 40:
        return None
    return ServiceItem.objects.filter(code=code, active=True).first()


def _suits(window: ServiceWindow, route: catalogue.Route | None) -> bool:
    if route is None or window.region_code != route.code:
        return False
    return not route.department or window.department in ("", route.department)


@login_required
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest) -> HttpResponse:
    """Phone-first booking: a window → a day → a slot → who and confirm. `?item=<code>` (from
    the 办事 page) is carried through the steps, puts the window that handles it first and
    preselects it."""
    # A window or slot out of reach is 404 before anything else; then only villagers book here.
    j = require_jurisdiction(request.jurisdiction)  # type: ignore[attr-defined]
    base = sel.windows_for(j).filter(active=True)
    item = _item_from(request.GET.get("item", ""))
    context: dict[str, Any] = {
        "step": "window",
        "item": item,
        "item_q": f"&{urlencode({'item': item.code})}" if item else "",
    }
    slot_pk = request.GET.get("slot", "")
    window_pk = request.GET.get("window", "")
    if slot_pk.isdigit():
        return _book_confirm(request, j, base, int(slot_pk), item)
    if window_pk.isdigit():
        win = base.filter(pk=int(window_pk)).first()
        if win is None:
            raise Http404
        require_perm(j, APPLY)
        context["window"] = win
        raw_day = request.GET.get("date")
        if raw_day:
            day = _day_from(raw_day)
            context.update(step="slot", day=day, slots=sel.open_slots_on(win, day))
        else:
            context.update(step="day", days=sel.bookable_days(win, BOOK_AHEAD_DAYS))
    else:
        require_perm(j, APPLY)
        windows = list(base.order_by("-region_code", "name"))
        route = None
        if item is not None:
            place = j.root_code
            effective = catalogue.effective_item(item, place)
            route = catalogue.route(effective, place) if effective.offered else None
        for w in windows:
            w.suits = _suits(w, route)  # type: ignore[attr-defined]
        windows.sort(key=lambda w: not w.suits)  # type: ignore[attr-defined]
        context["windows"] = windows
    return render(request, "servicedesk/appointments_book.html", context)


def _book_confirm(
    request: HttpRequest, j: Jurisdiction, base: Any, slot_pk: int, item: ServiceItem | None
) -> HttpResponse:
    slot = Slot.objects.filter(pk=slot_pk, window__in=base).select_related("window").first()
    if slot is None:
        raise Http404
    require_perm(j, APPLY)
    members = sel.household_members_for_booking(j)
    place = members[0].region_code if members else j.root_code
    items = catalogue.effective_items(place) if members else []
    form = VillagerBookForm(
        request.POST if request.method == "POST" else None,
        members=members,
        items=items,
        me_id=request.user.pk,
        initial={"item": item.pk} if item is not None else None,
    )
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            data = form.cleaned_data
            person = next(m for m in members if m.pk == data["person"])
            item = next((e.item for e in items if e.item.pk == data["item"]), None)
            booking = call_into_form(
                form,
                svc.booking_create,
                actor=request.user,
                jurisdiction=j,
                slot=slot,
                person=person,
                item=item,
                idempotency_key=data["idempotency_key"],
            )
            if booking is not None:
                messages.success(
                    request,
                    _("预约成功：%(when)s，%(window)s。请按时到场。")
                    % {"when": svc.when_text(booking.slot), "window": booking.slot.window.name},
                )
                return redirect("servicedesk:my_bookings")
    slot.refresh_from_db(fields=["booked", "capacity"])
    return render(
        request,
        "servicedesk/appointments_book.html",
        {
            "step": "confirm",
            "slot": slot,
            "window": slot.window,
            "day": timezone.localtime(slot.starts_at).date(),
            "form": form,
            "members": members,
            "full": slot.remaining <= 0,
            "item": item,
            "item_q": f"&{urlencode({'item': item.code})}" if item else "",
        },
        status=status,
    )


@login_required
@require_GET
def my_bookings(request: HttpRequest) -> HttpResponse:
    j = require_perm(request.jurisdiction, APPLY)  # type: ignore[attr-defined]
    upcoming, others = sel.my_bookings(j)
    return render(
        request,
        "servicedesk/appointments_mine.html",
        {
            "upcoming": upcoming,
            "others": others,
            "now": timezone.now(),
            "linked": sel.own_household_id(j) is not None,
        },
    )


urlpatterns: list[URLPattern] = [
    path("windows/", windows, name="windows"),
    path("windows/<int:pk>/", window, name="window"),
    path("windows/<int:pk>/edit/", window_edit, name="window_edit"),
    path("windows/<int:pk>/generate/", window_generate, name="window_generate"),
    path("windows/<int:pk>/slots/<int:slot_pk>/capacity/", slot_capacity, name="slot_capacity"),
    path("windows/<int:pk>/book/", window_book, name="window_book"),
    path("book/", book, name="book"),
    path("bookings/mine/", my_bookings, name="my_bookings"),
    path("bookings/<int:pk>/cancel/", booking_cancel, name="booking_cancel"),
    path("bookings/<int:pk>/reschedule/", booking_reschedule, name="booking_reschedule"),
    path("bookings/<int:pk>/mark/", booking_mark, name="booking_mark"),
]
