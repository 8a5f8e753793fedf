"""Forms of the terminal pages: the register's filter, registration and edit, deactivation,
and the parked-message review."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.care.selectors import terminals as selectors
from cunshe.care.services.terminals import MAX_REASON, default_window
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Person

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_SMALL_INPUT = {"class": "form-control form-control-sm"}
_SMALL_SELECT = {"class": "form-select form-select-sm"}

STATES = [
    ("", _("全部")),
    ("online", _("在线")),
    ("offline", _("离线")),
    ("low_battery", _("电量低")),
    ("removed", _("已摘除")),
    ("inactive", _("已停用")),
]


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("序列号或姓名"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={**_SMALL_INPUT, "autocomplete": "off"}),
    )
    state = forms.ChoiceField(
        label=_("状态"), required=False, choices=STATES, widget=forms.Select(attrs=_SMALL_SELECT)
    )

    def filters(self) -> selectors.TerminalFilters:
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        return selectors.TerminalFilters(q=data.get("q") or "", state=data.get("state") or "")


class WearerChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Person) -> str:
        return f"{obj.name} · {obj.region.name} · {obj.birth_date:%Y}"


class TerminalForm(forms.Form):
    """Registration (with the serial) and editing (with the version instead)."""

    serial = forms.CharField(
        label=_("设备序列号/IMEI"),
        max_length=40,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off", "inputmode": "latin"}),
    )
    person = WearerChoice(
        label=_("佩戴人"),
        queryset=Person._base_manager.none(),  # set per request in __init__
        empty_label=_("请选择"),
        widget=forms.Select(attrs=_SELECT),
    )
    model_name = forms.CharField(
        label=_("型号"), required=False, max_length=60, widget=forms.TextInput(attrs=_INPUT)
    )
    callback_phone = forms.CharField(
        label=_("回拨电话"),
        max_length=30,
        help_text=_("终端内置 SIM 卡号码，告警时回拨"),
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "tel", "autocomplete": "off"}),
    )
    checkin_start = forms.TimeField(
        label=_("每日签到开始"),
        widget=forms.TimeInput(attrs={**_INPUT, "type": "time"}, format="%H:%M"),
    )
    checkin_end = forms.TimeField(
        label=_("每日签到截止"),
        widget=forms.TimeInput(attrs={**_INPUT, "type": "time"}, format="%H:%M"),
    )
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        jurisdiction: Jurisdiction,
        editing: bool = False,
        extra_person: int | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        people = selectors.terminal_person_choices(jurisdiction)
        ids = [p.pk for p in people]
        if extra_person is not None and extra_person not in ids:
            ids.append(extra_person)
        field = self.fields["person"]
        field.queryset = (
            selectors.persons_for_terminals(jurisdiction)
            .filter(pk__in=ids)
            .select_related("region")
            .order_by("region_code", "name_pinyin", "pk")
        )
        if editing:
            del self.fields["serial"]
        else:
            del self.fields["version"]
            start, end = default_window()
            self.fields["checkin_start"].initial = start
            self.fields["checkin_end"].initial = end


class DeactivateForm(forms.Form):
    reason = forms.CharField(
        label=_("停用原因"),
        max_length=MAX_REASON,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": _("例如：设备丢失、本人已迁出")}),
    )


class ParkedForm(forms.Form):
    serial = forms.CharField(max_length=40, widget=forms.HiddenInput)
    reason = forms.CharField(
        label=_("不予处理的原因"),
        required=False,
        max_length=MAX_REASON - 10,
        widget=forms.TextInput(attrs={**_SMALL_INPUT, "placeholder": _("例如：测试设备")}),
    )
