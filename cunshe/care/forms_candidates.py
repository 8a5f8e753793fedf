"""Forms of the identification pages: filtering candidates, confirming (with a risk level) or
dismissing (with a reason) one, and a clerk's corrections of kin links."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.care.models import CareKind, KinLink, RiskLevel
from cunshe.care.selectors.candidates import CandidateFilters
from cunshe.regions.models import Region
from cunshe.residents.models import Person

_SMALL_SELECT = {"class": "form-select form-select-sm"}
_INPUT = {"class": "form-control"}


class CandidateFilterForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("类别"),
        required=False,
        choices=[("", _("全部")), *CareKind.choices],
        widget=forms.Select(attrs=_SMALL_SELECT),
    )
    village = forms.ChoiceField(
        label=_("村"), required=False, widget=forms.Select(attrs=_SMALL_SELECT)
    )

    def __init__(self, *args: Any, villages: list[Region], kinds: list[str], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("全部")), *((v.code, v.name) for v in villages)]
        self.fields["kind"].choices = [
            ("", _("全部")),
            *((k, label) for k, label in CareKind.choices if k in kinds),
        ]

    def filters(self) -> CandidateFilters:
        data = self.cleaned_data if self.is_valid() else {}
        return CandidateFilters(kind=data.get("kind") or "", village=data.get("village") or "")


class ConfirmForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    risk_level = forms.ChoiceField(
        label=_("风险等级"),
        choices=[("", _("请选择…")), *RiskLevel.choices],
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )
    note = forms.CharField(
        label=_("核实情况"),
        required=False,
        max_length=300,
        widget=forms.TextInput(
            attrs={"class": "form-control form-control-sm", "placeholder": _("核实情况（可不填）")}
        ),
    )


class DismissForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("不予认定的原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )


class KinAddForm(forms.Form):
    person = forms.TypedChoiceField(label=_("本人"), coerce=int, widget=forms.Select(
        attrs={"class": "form-select"}))  # fmt: skip
    kind = forms.ChoiceField(
        label=_("关系"),
        choices=KinLink.Kind.choices,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    relative = forms.TypedChoiceField(
        label=_("其父母或配偶是（本户成员）"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    relative_id = forms.IntegerField(
        label=_("或：其他户人员的登记编号"),
        required=False,
        min_value=1,
        widget=forms.NumberInput(attrs={**_INPUT, "inputmode": "numeric"}),
    )
    note = forms.CharField(
        label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=_INPUT)
    )

    def __init__(self, *args: Any, members: list[Person], **kwargs: Any):
        super().__init__(*args, **kwargs)
        options = [(m.pk, f"{m.name}（{m.get_relationship_display()}）") for m in members]
        self.fields["person"].choices = options
        self.fields["relative"].choices = [("", "—"), *options]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not data.get("relative") and not data.get("relative_id"):
            self.add_error("relative", _("请选择本户成员，或填写其他户人员的登记编号。"))
        elif data.get("relative") and data.get("relative_id"):
            self.add_error("relative_id", _("本户成员和登记编号只能填一个。"))
        return data


class KinDisableForm(forms.Form):
    note = forms.CharField(
        label=_("停用原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-sm"}),
    )
