"""Forms of village rules (村规民约, 自治章程)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.selfgov.models import RulesKind


class AdoptForm(forms.Form):
    kind = forms.ChoiceField(label=_("类别"), choices=RulesKind.choices)
    title = forms.CharField(label=_("标题"), max_length=200)
    text = forms.CharField(label=_("全文"), widget=forms.Textarea(attrs={"rows": 10}))
    decision = forms.IntegerField(label=_("通过它的村民会议决议编号"), min_value=1)


class FileForm(forms.Form):
    filed_on = forms.DateField(label=_("备案日期"), widget=forms.DateInput(attrs={"type": "date"}))
    note = forms.CharField(label=_("备案意见"), max_length=300, required=False)
