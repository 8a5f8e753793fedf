"""Forms of the points pages (the services do the checking; forms only parse)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.volunteering.models import EarningRule
from cunshe.volunteering.rules import rule
from cunshe.volunteering.services.earning_rules import category_name


class _Styled(forms.Form):
    """Bootstrap classes on every visible widget."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            if isinstance(f.widget, forms.HiddenInput):
                continue
            css = "form-select" if isinstance(f.widget, forms.Select) else "form-control"
            f.widget.attrs.setdefault("class", css)


def _categories() -> list[tuple[str, str]]:
    return [(c, category_name(c)) for c in rule("POINTS_CATEGORIES")]


class RuleChangeForm(_Styled):
    category = forms.ChoiceField(label=_("积分类别"), choices=())
    name = forms.CharField(label=_("积分项目"), max_length=100)
    points_per_unit = forms.IntegerField(label=_("每单位积分"), min_value=1, max_value=10000)
    unit = forms.ChoiceField(label=_("单位"), choices=EarningRule.Unit.choices)
    max_units = forms.IntegerField(
        label=_("单次申报上限"), min_value=1, max_value=1000, required=False
    )
    credit_to = forms.ChoiceField(label=_("计入"), choices=EarningRule.CreditTo.choices)
    description = forms.CharField(label=_("说明"), max_length=300, required=False)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = _categories()


class RuleForm(RuleChangeForm):
    region = forms.ModelChoiceField(label=_("村"), queryset=None, empty_label=None)
    code = forms.SlugField(label=_("规则代码"), max_length=40)
    field_order = ["region", "code"]

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages


class TemplateForm(_Styled):
    region = forms.ModelChoiceField(label=_("村"), queryset=None, empty_label=None)

    def __init__(self, *args: Any, villages: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = villages


class DeclareForm(_Styled):
    earning_rule = forms.ModelChoiceField(label=_("积分项目"), queryset=None, empty_label=None)
    household = forms.ModelChoiceField(label=_("户"), queryset=None, required=False)
    quantity = forms.DecimalField(
        label=_("数量"), max_digits=7, decimal_places=2, min_value=0.01, initial=1
    )
    deed_date = forms.DateField(label=_("事迹日期"), widget=forms.DateInput(attrs={"type": "date"}))
    description = forms.CharField(
        label=_("事迹说明"), max_length=300, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, rules: Any = None, households: Any = None, **kw: Any) -> None:
        super().__init__(*args, **kw)
        self.fields["earning_rule"].queryset = rules
        self.fields["earning_rule"].label_from_instance = lambda r: (
            _("%(cat)s · %(name)s（%(pts)s分/%(unit)s）")
            % {
                "cat": category_name(r.category),
                "name": r.name,
                "pts": r.points_per_unit,
                "unit": r.get_unit_display(),
            }
        )
        if households is None:
            del self.fields["household"]
        else:
            self.fields["household"].queryset = households
            self.fields["household"].required = True
            self.fields["household"].label_from_instance = lambda h: f"{h.number} {h.address}"


class ReasonForm(_Styled):
    reason = forms.CharField(label=_("原因"), max_length=300)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class ObjectionForm(_Styled):
    declaration = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(label=_("异议理由"), max_length=300)


class DecideForm(_Styled):
    objection = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("0", _("异议不成立")), ("1", _("异议成立"))],
        coerce=lambda v: v == "1",
    )
    answer = forms.CharField(label=_("处理意见"), max_length=300)
