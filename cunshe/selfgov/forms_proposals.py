"""Forms of proposals and consultation records."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class ProposalForm(forms.Form):
    title = forms.CharField(label=_("议题"), max_length=200)
    text = forms.CharField(
        label=_("提议内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )
    proposer = forms.IntegerField(
        label=_("提议村民（登记编号，村委会代录纸质提议时填写）"), required=False, min_value=1
    )


class SignForm(forms.Form):
    person = forms.IntegerField(
        label=_("联署村民（登记编号，代录纸质联署时填写）"), required=False, min_value=1
    )


class LinkMeetingForm(forms.Form):
    meeting = forms.IntegerField(label=_("召集的村民会议编号"), min_value=1)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
