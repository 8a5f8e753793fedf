"""Forms of the bodies pages (parse only: the rules are in services.bodies)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Level, Region
from cunshe.selfgov.models import BodyKind, Position

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_DATE = {"class": "form-control", "type": "date"}


class BodyForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("村/组"), queryset=Region.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    kind = forms.ChoiceField(
        label=_("类别"), choices=BodyKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=_INPUT))
    term_start = forms.DateField(
        label=_("本届起始"), required=False, widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )
    term_end = forms.DateField(
        label=_("本届届满"),
        required=False,
        help_text=_("村民委员会、村务监督委员会不填则按五年计算。"),
        widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d"),
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        field.queryset = Region.objects.filter(pk__in=[r.pk for r in regions])
        field.choices = [
            (r.pk, f"{r.name}" if r.level == Level.VILLAGE else f"— {r.name}") for r in regions
        ]


class MemberForm(forms.Form):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    position = forms.ChoiceField(
        label=_("职务"), choices=Position.choices, widget=forms.Select(attrs=_SELECT)
    )
    start = forms.DateField(
        label=_("任职起始"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )
    end = forms.DateField(
        label=_("任职终止"), required=False, widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )
    households_represented = forms.IntegerField(
        label=_("联系户数"), required=False, min_value=1, max_value=999,
        widget=forms.NumberInput(attrs=_INPUT),
    )  # fmt: skip
    note = forms.CharField(
        label=_("说明"), required=False, max_length=200, widget=forms.TextInput(attrs=_INPUT)
    )


class EndForm(forms.Form):
    membership = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    end = forms.DateField(
        label=_("终止日期"), widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )
    note = forms.CharField(
        label=_("原因"), required=False, max_length=200, widget=forms.TextInput(attrs=_INPUT)
    )
