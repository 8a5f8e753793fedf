"""Forms of the 村务公开 pages: publish an item, ask a question, answer or hide one."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy

from cunshe.regions.models import Region
from cunshe.selfgov.models import DisclosureCategory
from cunshe.selfgov.services import disclosure as services

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class PublishForm(forms.Form):
    village = forms.ModelChoiceField(
        label=gettext_lazy("村"), queryset=Region.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    category = forms.ChoiceField(
        label=gettext_lazy("类别"),
        choices=DisclosureCategory.choices,
        widget=forms.Select(attrs=_SELECT),
    )
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=services.MAX_TITLE,
        widget=forms.TextInput(attrs=_INPUT),
    )
    body = forms.CharField(
        label=gettext_lazy("公开内容"),
        max_length=services.MAX_BODY,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 8}),
    )
    period_start = forms.DateField(
        label=gettext_lazy("所属期间起"),
        required=False,
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}),
    )
    period_end = forms.DateField(
        label=gettext_lazy("所属期间止"),
        required=False,
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}),
    )

    def __init__(self, *args: Any, villages: list[Region], **kwargs: Any):
        super().__init__(*args, **kwargs)
        field = self.fields["village"]
        field.queryset = Region.objects.filter(pk__in=[v.pk for v in villages])
        field.choices = [(v.pk, v.name) for v in villages]
        if len(villages) == 1:
            field.initial = villages[0].pk


class QuestionForm(forms.Form):
    question = forms.CharField(
        label=gettext_lazy("我要提问"),
        max_length=services.MAX_QUESTION,
        widget=forms.Textarea(
            attrs={
                **_INPUT,
                "rows": 3,
                "placeholder": gettext_lazy(
                    "对这条公开有疑问，请写在这里。村委会将公开答复，不显示您的姓名。"
                ),
            }
        ),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=gettext_lazy("公开答复"),
        max_length=services.MAX_ANSWER,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 3}),
    )


class HideForm(forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("隐藏原因"),
        max_length=services.MAX_REASON,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": gettext_lazy("例如：含他人隐私")}),
    )
