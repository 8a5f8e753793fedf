"""Forms of the 四议两公开 pages: open a matter, record its next step."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from cunshe.regions.models import Region
from cunshe.selfgov.models import MatterCategory
from cunshe.selfgov.services import matters as services

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class MatterForm(forms.Form):
    village = forms.ModelChoiceField(
        label=gettext_lazy("村"), queryset=Region.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    title = forms.CharField(
        label=gettext_lazy("事项名称"),
        max_length=services.MAX_TITLE,
        widget=forms.TextInput(
            attrs={**_INPUT, "placeholder": gettext_lazy("例如：村道硬化工程筹资筹劳方案")}
        ),
    )
    category = forms.ChoiceField(
        label=gettext_lazy("类别（组织法第二十四条）"),
        choices=MatterCategory.choices,
        widget=forms.Select(attrs=_SELECT),
    )
    description = forms.CharField(
        label=gettext_lazy("内容"),
        required=False,
        max_length=services.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 4}),
    )

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        field.queryset = Region.objects.filter(pk__in=[v.pk for v in villages])
        field.choices = [(v.pk, v.name) for v in villages]
        if len(villages) == 1:
            field.initial = villages[0].pk


class StepForm(forms.Form):
    """The next step's record, chosen among the candidates the page offers."""

    record = forms.TypedChoiceField(label=gettext_lazy("关联记录"), coerce=int, choices=[],
                                    widget=forms.Select(attrs=_SELECT))  # fmt: skip
    note = forms.CharField(
        label=gettext_lazy("说明"),
        required=False,
        max_length=services.MAX_NOTE,
        widget=forms.TextInput(attrs=_INPUT),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, candidates: list[tuple[int, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["record"].choices = [("", gettext_lazy("请选择")), *candidates]
