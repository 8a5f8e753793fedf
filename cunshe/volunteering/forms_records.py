"""Forms of the record and certificate pages (parse only: the rules are in services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.volunteering.models import Evaluation, Honour

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_DATE = {"class": "form-control", "type": "date"}


class _Ids(forms.Form):
    """Several forms share one page: each gets its own element ids."""

    ids = "f"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", f"id_{self.ids}_%s")
        super().__init__(*args, **kwargs)


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs=_DATE, format="%Y-%m-%d")
    )


class TrainingForm(_Ids):
    ids = "training"
    title = forms.CharField(
        label=_("培训内容"), max_length=200, widget=forms.TextInput(attrs=_INPUT)
    )
    provider = forms.CharField(
        label=_("培训单位"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    held_on = _date(_("培训日期"))
    minutes = forms.IntegerField(
        label=_("培训时长(分钟)"),
        min_value=0,
        max_value=43200,
        initial=0,
        widget=forms.NumberInput(attrs=_INPUT),
    )


class HonourForm(_Ids):
    ids = "honour"
    title = forms.CharField(
        label=_("表彰奖励"), max_length=200, widget=forms.TextInput(attrs=_INPUT)
    )
    level = forms.ChoiceField(
        label=_("级别"), choices=Honour.Level.choices, widget=forms.Select(attrs=_SELECT)
    )
    awarded_on = _date(_("获得日期"))
    awarded_by = forms.CharField(
        label=_("授予单位"), max_length=100, widget=forms.TextInput(attrs=_INPUT)
    )


class EvaluationForm(_Ids):
    ids = "evaluation"
    period = forms.CharField(
        label=_("评价期间"),
        max_length=40,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": "2026年上半年"}),
    )
    rating = forms.ChoiceField(
        label=_("评价结果"), choices=Evaluation.Rating.choices, widget=forms.Select(attrs=_SELECT)
    )
    comment = forms.CharField(
        label=_("评语"), max_length=300, required=False, widget=forms.TextInput(attrs=_INPUT)
    )


class CertificateForm(_Ids):
    ids = "certificate"
    issuer_name = forms.CharField(
        label=_("出具单位"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    organisation = forms.TypedChoiceField(
        label=_("出具组织"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )
    period_from = _date(_("服务起始（不填自首次服务）"), required=False)
    period_to = _date(_("服务截止（不填为今天）"), required=False)

    def __init__(self, *args: Any, organisations: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._orgs = {o.pk: o for o in organisations}
        self.fields["organisation"].choices = [
            ("", _("（无）")),
            *[(o.pk, o.name) for o in organisations],
        ]

    def values(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["organisation"] = self._orgs.get(d.get("organisation"))  # type: ignore[arg-type]
        return d


class RevokeForm(_Ids):
    ids = "revoke"
    reason = forms.CharField(
        label=_("撤销原因"), max_length=200, widget=forms.TextInput(attrs=_INPUT)
    )


class ExportForm(forms.Form):
    full_ids = forms.BooleanField(
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        label=_("导出完整证件号码（需查看证件号码权限，留痕）"),
        required=False,
    )
