"""Forms of the alert pages: acknowledging (no fields but the page's version) and closing with
a note."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from cunshe.care.models import Visit
from cunshe.care.services.alerts import MAX_NOTE

_INPUT = {"class": "form-control"}


class AcknowledgeForm(forms.Form):
    pass


class CloseForm(forms.Form):
    note = forms.CharField(
        label=gettext_lazy("处置情况"),
        max_length=MAX_NOTE,
        widget=forms.Textarea(
            attrs={
                **_INPUT,
                "rows": 3,
                "placeholder": gettext_lazy("例如：已电话联系，老人摔倒后已送医，家属陪同"),
            }
        ),
    )
    visit_made = forms.TypedChoiceField(
        label=gettext_lazy("是否上门"),
        choices=[("1", gettext_lazy("已上门")), ("0", gettext_lazy("未上门"))],
        coerce=lambda v: v == "1",
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )
    visit = forms.ModelChoiceField(
        label=gettext_lazy("关联探访记录"),
        required=False,
        queryset=Visit._base_manager.none(),
        empty_label=gettext_lazy("不关联"),
        widget=forms.Select(attrs={"class": "form-select"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, visits: list[Visit], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["visit"]
        field.queryset = Visit._base_manager.filter(pk__in=[v.pk for v in visits])
        field.choices = [
            ("", field.empty_label),
            *(
                (v.pk, f"{v.visited_at:%Y-%m-%d %H:%M} · {v.get_mode_display()} · {v.carer_name}")
                for v in visits
            ),
        ]
