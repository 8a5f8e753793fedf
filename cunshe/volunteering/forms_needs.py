"""Forms of the needs part: post a need, close/cancel it, decline an invitation, batch run."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.volunteering.models import ServiceCategory
from cunshe.volunteering.models.volunteers import Skill

DT = forms.DateTimeInput(
    attrs={"type": "datetime-local", "class": "form-control"}, format="%Y-%m-%dT%H:%M"
)


class NeedForm(forms.Form):
    title = forms.CharField(label=_("需求"), max_length=100)
    description = forms.CharField(
        label=_("说明"), max_length=500, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    category = forms.ChoiceField(label=_("服务类别"), choices=ServiceCategory.choices)
    skills = forms.MultipleChoiceField(
        label=_("所需技能"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    region = forms.ChoiceField(label=_("村/组"))
    place = forms.CharField(label=_("地点"), max_length=200, required=False)
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=DT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=DT, input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]
    )
    volunteers_needed = forms.IntegerField(
        label=_("需要人数"), min_value=1, max_value=50, initial=1
    )

    def __init__(self, *args: Any, places: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = places
        for name, field in self.fields.items():
            if name != "skills" and not isinstance(field.widget, forms.DateTimeInput):
                field.widget.attrs.setdefault(
                    "class",
                    "form-select" if isinstance(field, forms.ChoiceField) else "form-control",
                )


class OutcomeForm(forms.Form):
    text = forms.CharField(
        label=_("结果或原因"),
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class DeclineForm(forms.Form):
    reason = forms.CharField(
        label=_("谢绝原因"),
        max_length=200,
        widget=forms.TextInput(attrs={"class": "form-control form-control-lg"}),
    )


class BatchForm(forms.Form):
    since = forms.DateField(
        label=_("从"), widget=forms.DateInput(attrs={"type": "date", "class": "form-control"})
    )
    until = forms.DateField(
        label=_("到（不含）"),
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )


class FromCareForm(forms.Form):
    title = forms.CharField(max_length=100, required=False)


class HelpRequestForm(forms.Form):
    """A villager asks for help for a member of their own household (phone page)."""

    recipient = forms.TypedChoiceField(label=_("为谁申请"), coerce=int)
    category = forms.ChoiceField(label=_("需要什么帮助"), choices=ServiceCategory.choices)
    starts_at = forms.DateTimeField(
        label=_("什么时候"),
        widget=forms.DateTimeInput(
            attrs={"type": "datetime-local", "class": "form-control form-control-lg"},
            format="%Y-%m-%dT%H:%M",
        ),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
    )
    hours = forms.TypedChoiceField(
        label=_("大约多久"),
        coerce=int,
        choices=[(1, _("1小时")), (2, _("2小时")), (3, _("3小时")), (4, _("半天（4小时）"))],
        initial=2,
    )
    description = forms.CharField(
        label=_("简单说明"),
        max_length=200,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control form-control-lg"}),
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["recipient"].choices = members
        for name in ("recipient", "category", "hours"):
            self.fields[name].widget.attrs["class"] = "form-select form-select-lg"
