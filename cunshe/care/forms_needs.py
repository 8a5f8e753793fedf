"""Forms of the needs pages. Field names match the error keys of `cunshe.care.services.needs`,
so `call_into_form` puts the service's refusals next to the right field."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.care.models import CareNeed
from cunshe.care.services.needs import CATEGORIES, SETTLED
from cunshe.servicedesk.forms_desk import new_idempotency_key

ACCEPT_FILES = "application/pdf,image/jpeg,image/png"


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


class NeedForm(forms.Form):
    """发现需求: the category and what is needed (the profile, visit or alert come from the URL)."""

    category = forms.ChoiceField(label=_("需求类别"), widget=forms.RadioSelect)
    description = forms.CharField(
        label=_("需求描述"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("写清需要什么帮助，例如：需要办理残疾人护理补贴；需要每周送餐。"),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [(k, v) for k, v in CATEGORIES.items()]
        _style(self)


class ReferForm(forms.Form):
    """转为服务申请（代办）: the catalogue item and the villager's signed authorisation."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    item = forms.TypedChoiceField(label=_("服务事项"), coerce=int)
    authorised_on = forms.DateField(
        label=_("委托日期"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("村民（或其监护人）在委托书上签字的日期。"),
    )
    authorisation = forms.FileField(
        label=_("村民签字的委托书"),
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_FILES, "capture": "environment"}),
        help_text=_("拍照或扫描，PDF、JPG或PNG，不超过5MB。"),
    )
    details = forms.CharField(
        label=_("补充说明"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, items: list[tuple[int, str]], **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("idempotency_key", new_idempotency_key())
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [("", _("请选择事项")), *items]
        _style(self)


class SettleForm(forms.Form):
    """办结需求: met or closed, and the outcome in words."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)
    status = forms.ChoiceField(label=_("结果"), widget=forms.RadioSelect)
    outcome = forms.CharField(
        label=_("处理结果"),
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [(s, CareNeed.Status(s).label) for s in SETTLED]
        _style(self)


class NeedFilterForm(forms.Form):
    status = forms.ChoiceField(label=_("状态"), required=False)
    category = forms.ChoiceField(label=_("类别"), required=False)
    village = forms.ChoiceField(label=_("村"), required=False)

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [
            ("active", _("未办结（待处理、已转办）")),
            *CareNeed.Status.choices,
            ("", _("全部")),
        ]
        self.fields["category"].choices = [("", _("全部类别")), *CATEGORIES.items()]
        self.fields["village"].choices = [("", _("全部")), *villages]
        for field in self.fields.values():
            field.widget.attrs["class"] = "form-select form-select-sm"

    def clean_status(self) -> str:
        # An unbound form (the first visit) and a bound one without status both mean "active".
        return self.cleaned_data.get("status") or ("" if "status" in self.data else "active")
