"""Forms of the activities, shifts and hours pages (parse only: the rules are in the services)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Region
from cunshe.volunteering.models import Organisation, ServiceCategory, Skill, Station

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECK = {"class": "form-check-input"}
_DT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


def _dt(label: Any, required: bool = True) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        required=required,
        input_formats=_DT,
        widget=forms.DateTimeInput(attrs={**_INPUT, "type": "datetime-local"}, format=_DT[0]),
    )


def _date(label: Any, required: bool = True) -> forms.DateField:
    return forms.DateField(
        label=label, required=required, widget=forms.DateInput(attrs={**_INPUT, "type": "date"})
    )


class ProjectForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("所属村/镇"), queryset=Region.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    name = forms.CharField(
        label=_("项目名称"), max_length=100, widget=forms.TextInput(attrs=_INPUT)
    )
    category = forms.ChoiceField(
        label=_("服务类别"), choices=ServiceCategory.choices, widget=forms.Select(attrs=_SELECT)
    )
    organisation = forms.ModelChoiceField(
        label=_("志愿服务组织"),
        required=False,
        queryset=Organisation._base_manager.none(),
        widget=forms.Select(attrs=_SELECT),
    )
    station = forms.ModelChoiceField(
        label=_("志愿服务站"),
        required=False,
        queryset=Station._base_manager.none(),
        widget=forms.Select(attrs=_SELECT),
    )
    starts_on = _date(_("开始日期"))
    ends_on = _date(_("结束日期"), required=False)
    description = forms.CharField(
        label=_("项目简介"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 2}),
    )

    def __init__(self, *args: Any, regions: Any, organisations: Any, stations: Any, **kw: Any):
        super().__init__(*args, **kw)
        self.fields["region"].queryset = regions  # type: ignore[attr-defined]
        self.fields["organisation"].queryset = organisations  # type: ignore[attr-defined]
        self.fields["station"].queryset = stations  # type: ignore[attr-defined]


class ActivityForm(forms.Form):
    project = forms.TypedChoiceField(
        label=_("服务项目"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    title = forms.CharField(
        label=_("活动名称"), max_length=100, widget=forms.TextInput(attrs=_INPUT)
    )
    place = forms.CharField(label=_("地点"), max_length=200, widget=forms.TextInput(attrs=_INPUT))
    description = forms.CharField(
        label=_("活动内容"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 3}),
    )
    public = forms.BooleanField(
        label=_("公开招募（在本村公开页显示）"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs=_CHECK),
    )

    def __init__(self, *args: Any, projects: list[tuple[int, str]], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["project"].choices = projects  # type: ignore[attr-defined]


class ShiftForm(forms.Form):
    starts_at = _dt(_("开始时间"))
    ends_at = _dt(_("结束时间"))
    capacity = forms.IntegerField(
        label=_("招募人数"),
        min_value=1,
        max_value=10000,
        initial=5,
        widget=forms.NumberInput(attrs=_INPUT),
    )
    place = forms.CharField(
        label=_("地点（不填同活动）"),
        required=False,
        max_length=200,
        widget=forms.TextInput(attrs=_INPUT),
    )
    required_skills = forms.MultipleChoiceField(
        label=_("所需技能"),
        required=False,
        choices=Skill.choices,
        widget=forms.SelectMultiple(attrs={**_SELECT, "size": 4}),
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CancelForm(VersionForm):
    reason = forms.CharField(
        label=_("取消原因"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )


class ClerkSignupForm(forms.Form):
    volunteer = forms.TypedChoiceField(
        label=_("志愿者"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    # Only needed when the volunteer lacks a skill the shift asks for (the clerk overrides).
    skills_override_reason = forms.CharField(
        label=_("缺少所需技能时的安排原因"),
        required=False,
        max_length=300,
        widget=forms.TextInput(attrs={"class": "form-control"}),
    )

    def __init__(self, *args: Any, volunteers: list[tuple[int, str]], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["volunteer"].choices = volunteers  # type: ignore[attr-defined]


class RosterActionForm(forms.Form):
    signup = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
    at = _dt(_("时间（不填为现在）"), required=False)


class ManualHoursForm(forms.Form):
    volunteer = forms.TypedChoiceField(
        label=_("志愿者"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    service_date = _date(_("服务日期"))
    minutes = forms.IntegerField(
        label=_("时长（分钟）"), min_value=1, max_value=1440, widget=forms.NumberInput(attrs=_INPUT)
    )
    reason = forms.CharField(
        label=_("补录原因"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )

    def __init__(self, *args: Any, volunteers: list[tuple[int, str]], **kw: Any):
        super().__init__(*args, **kw)
        self.fields["volunteer"].choices = volunteers  # type: ignore[attr-defined]


class CorrectionForm(forms.Form):
    minutes = forms.IntegerField(
        label=_("更正时长（分钟，减少填负数）"),
        min_value=-1440,
        max_value=1440,
        widget=forms.NumberInput(attrs=_INPUT),
    )
    reason = forms.CharField(
        label=_("更正原因"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )


class RejectForm(forms.Form):
    note = forms.CharField(
        label=_("退回原因"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )
