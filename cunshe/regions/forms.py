from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Kind
from cunshe.regions.services import GROUP_NAME_MAX


class GroupForm(forms.Form):
    name = forms.CharField(
        label=_("名称"),
        max_length=GROUP_NAME_MAX,
        error_messages={
            "required": _("请填写名称。"),
            "max_length": _("名称不能超过 50 个字。"),
        },
    )
    kind = forms.ChoiceField(
        label=_("类别"),
        choices=[(Kind.GROUP.value, Kind.GROUP.label), (Kind.HAMLET.value, Kind.HAMLET.label)],
        initial=Kind.GROUP.value,
        error_messages={
            "required": _("请选择类别。"),
            "invalid_choice": _("类别必须是村民小组或自然屯。"),
        },
    )


class RenameForm(forms.Form):
    name = forms.CharField(
        label=_("新名称"),
        max_length=GROUP_NAME_MAX,
        error_messages={
            "required": _("请填写名称。"),
            "max_length": _("名称不能超过 50 个字。"),
        },
    )


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), max_length=40, required=False)
