"""Forms of the rating and rectification pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.servicedesk.models import Rating, Rectification
from cunshe.servicedesk.rules import BAD_INDICATORS, GOOD_INDICATORS

INDICATOR_CHOICES = [(i, _(i)) for i in dict.fromkeys((*GOOD_INDICATORS, *BAD_INDICATORS))]


class RatingForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对这次办事满意吗？"),
        choices=Rating.Score.choices,
        coerce=int,
        widget=forms.RadioSelect,
    )
    indicators = forms.MultipleChoiceField(
        label=_("具体评价（可多选）"),
        choices=INDICATOR_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    comment = forms.CharField(
        label=_("想说的话"), required=False, max_length=2000, widget=forms.Textarea({"rows": 3})
    )
    real_name = forms.BooleanField(
        label=_("实名评价（差评会有工作人员回访）"), required=False, initial=True
    )


class CallBackForm(forms.Form):
    reached = forms.BooleanField(label=_("已联系上评价人"), required=False)
    satisfied_after = forms.NullBooleanField(
        label=_("回访后是否满意"),
        required=False,
        widget=forms.Select(
            choices=[("unknown", _("未表态")), ("true", _("满意")), ("false", _("仍不满意"))]
        ),
    )
    summary = forms.CharField(
        label=_("回访情况"), max_length=2000, widget=forms.Textarea({"rows": 3})
    )


class CloseForm(forms.Form):
    outcome = forms.ChoiceField(
        label=_("整改结果"),
        choices=[
            (Rectification.State.RECTIFIED, Rectification.State.RECTIFIED.label),
            (Rectification.State.EXPLAINED, Rectification.State.EXPLAINED.label),
        ],
    )
    result = forms.CharField(
        label=_("整改或解释的内容"), max_length=4000, widget=forms.Textarea({"rows": 3})
    )
