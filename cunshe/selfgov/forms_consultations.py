"""Forms of consultation (协商) records."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.selfgov.models import Consultation

_DATE = forms.DateInput(attrs={"type": "date"})


class ConsultationForm(forms.Form):
    topic = forms.CharField(label=_("协商议题"), max_length=200)
    parties = forms.CharField(
        label=_("参与方"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )
    notice_on = forms.DateField(label=_("通知日期"), widget=_DATE)
    notice_how = forms.CharField(label=_("通知方式（如公告栏、广播、微信群）"), max_length=200)
    proposal = forms.IntegerField(
        label=_("关联的村民提议编号（可不填）"), required=False, min_value=1
    )


class AdvanceForm(forms.Form):
    stage = forms.TypedChoiceField(
        label=_("下一步"),
        coerce=int,
        choices=[c for c in Consultation.Stage.choices if c[0] > Consultation.Stage.NOTICED],
    )
    on = forms.DateField(label=_("日期"), widget=_DATE)
    text = forms.CharField(
        label=_("内容"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)
