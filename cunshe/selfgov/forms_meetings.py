"""Forms of the meetings pages (parse only: the rules are in services.meetings)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Level, Region
from cunshe.selfgov.models import Body, Meeting, MeetingKind

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}


class ConveneForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("会议类型"), choices=MeetingKind.choices, widget=forms.Select(attrs=_SELECT)
    )
    region = forms.ModelChoiceField(
        label=_("村/组"), queryset=Region.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    body = forms.TypedChoiceField(
        label=_("召开会议的组织"), required=False, coerce=int, empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )  # fmt: skip
    title = forms.CharField(
        label=_("会议名称"), max_length=150, widget=forms.TextInput(attrs=_INPUT)
    )
    requested_by = forms.ChoiceField(
        label=_("召集依据"), choices=Meeting.RequestedBy.choices, widget=forms.Select(attrs=_SELECT)
    )
    notice_on = forms.DateField(
        label=_("通知日期"),
        widget=forms.DateInput(attrs={**_INPUT, "type": "date"}, format="%Y-%m-%d"),
    )
    scheduled_at = forms.DateTimeField(
        label=_("召开时间"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"],
        widget=forms.DateTimeInput(
            attrs={**_INPUT, "type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
        ),
    )
    place = forms.CharField(label=_("地点"), max_length=150, widget=forms.TextInput(attrs=_INPUT))
    agenda = forms.CharField(
        label=_("议题（每行一个）"),
        max_length=6000,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 4}),
    )

    def __init__(
        self, *args: Any, regions: list[Region], bodies: list[Body], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = Region.objects.filter(pk__in=[r.pk for r in regions])
        self.fields["region"].choices = [
            (r.pk, r.name if r.level == Level.VILLAGE else f"— {r.name}") for r in regions
        ]
        self._bodies = {b.pk: b for b in bodies}
        self.fields["body"].choices = [
            ("", _("（村民会议、小组会议、两委联席会议、党员大会不选）")),
            *((b.pk, f"{b.name}（{b.get_kind_display()}）") for b in bodies),
        ]

    def clean_body(self) -> Body | None:
        pk = self.cleaned_data.get("body")
        return self._bodies.get(pk) if pk else None

    def clean_agenda(self) -> list[str]:
        return [line.strip() for line in self.cleaned_data["agenda"].splitlines() if line.strip()]


class ItemForm(forms.Form):
    title = forms.CharField(
        label=_("议题"),
        max_length=200,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": _("新议题")}),
    )


class DecisionForm(forms.Form):
    text = forms.CharField(
        label=_("决议内容"), max_length=4000, widget=forms.Textarea(attrs={**_INPUT, "rows": 2})
    )
    votes_for = forms.IntegerField(
        label=_("赞成"),
        min_value=0,
        max_value=100000,
        widget=forms.NumberInput(attrs={**_INPUT, "inputmode": "numeric"}),
    )
    votes_against = forms.IntegerField(
        label=_("反对"),
        min_value=0,
        max_value=100000,
        initial=0,
        widget=forms.NumberInput(attrs={**_INPUT, "inputmode": "numeric"}),
    )
    abstentions = forms.IntegerField(
        label=_("弃权"),
        min_value=0,
        max_value=100000,
        initial=0,
        widget=forms.NumberInput(attrs={**_INPUT, "inputmode": "numeric"}),
    )


class CloseForm(forms.Form):
    minutes_text = forms.CharField(
        label=_("会议记录"),
        required=False,
        max_length=20000,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 4}),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因"), max_length=500, widget=forms.TextInput(attrs=_INPUT)
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class AttachmentForm(forms.Form):
    title = forms.CharField(
        label=_("附件名称"),
        max_length=120,
        widget=forms.TextInput(attrs={**_INPUT, "placeholder": _("如：签到表、会议通知")}),
    )
    file = forms.FileField(
        label=_("文件（PDF、JPG或PNG）"),
        widget=forms.ClearableFileInput(
            attrs={**_INPUT, "accept": "application/pdf,image/jpeg,image/png"}
        ),
    )
