"""Forms of the profile pages: the list's filters and one form per editable section. Every edit
form carries the `version` the page was read at (a stale page is refused, not overwritten)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _

from cunshe.care import risk
from cunshe.care.models import CareKind, CareProfile, CarerAssignment, RiskLevel
from cunshe.care.selectors.profiles import ProfileFilters

_BLANK = [("", _("全部"))]


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(
            widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)
        ):
            continue
        if isinstance(widget, forms.HiddenInput):
            continue
        css = "form-select" if isinstance(widget, forms.Select) else "form-control"
        widget.attrs.setdefault("class", css)


class ProfileFilterForm(forms.Form):
    q = forms.CharField(label=_("姓名或拼音"), max_length=30, required=False)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("在册")), ("all", _("全部状态")), *CareProfile.Status.choices],
    )
    kind = forms.ChoiceField(label=_("类别"), required=False)
    risk = forms.ChoiceField(
        label=_("风险等级"), required=False, choices=_BLANK + RiskLevel.choices
    )
    village = forms.ChoiceField(label=_("村"), required=False)
    overdue = forms.BooleanField(label=_("只看探访逾期"), required=False)

    def __init__(
        self, *args: Any, kinds: list[str], villages: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = _BLANK + [(k, CareKind(k).label) for k in kinds]
        self.fields["village"].choices = _BLANK + villages
        self.fields["q"].widget.attrs["placeholder"] = _("姓名、拼音或首字母")
        _style(self)

    def clean_q(self) -> str:
        value = self.cleaned_data.get("q", "").strip()
        if "\x00" in value:
            raise forms.ValidationError(_("不能包含空字符。"))
        return value

    def filters(self) -> ProfileFilters:
        d = self.cleaned_data if self.is_bound else {}
        status = d.get("status") or CareProfile.Status.ACTIVE
        return ProfileFilters(
            status="" if status == "all" else status,
            kind=d.get("kind", ""),
            risk=d.get("risk", ""),
            village=d.get("village", ""),
            overdue=bool(d.get("overdue")),
            q=d.get("q", ""),
        )


class _Versioned(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class GuardianForm(_Versioned):
    guardian_person = forms.ChoiceField(
        label=_("从户籍登记中选择"),
        required=False,
        help_text=_("同户的成年人；不在本户的可直接填写姓名。"),
    )
    guardian_name = forms.CharField(label=_("委托监护人姓名"), max_length=60, required=False)
    guardian_relation = forms.CharField(label=_("与儿童关系"), max_length=30)
    guardian_phone = forms.CharField(label=_("监护人电话"), max_length=20)
    agreement_signed_on = forms.DateField(
        label=_("监护责任协议签订日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    agreement_file = forms.FileField(
        label=_("签字的协议（PDF或照片）"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf,image/jpeg,image/png"}),
    )

    def __init__(self, *args: Any, people: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["guardian_person"].choices = [("", "—")] + [(str(k), v) for k, v in people]
        self.fields["guardian_phone"].widget.attrs["inputmode"] = "tel"
        _style(self)


class SchoolForm(_Versioned):
    school = forms.CharField(label=_("就读学校"), max_length=100, required=False)
    school_class = forms.CharField(label=_("年级班级"), max_length=40, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class AssessmentForm(_Versioned):
    needs_assessment = forms.CharField(
        label=_("需求评估"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("生活、健康、学习、心理、安全等方面的需要。"),
    )
    notes = forms.CharField(
        label=_("备注"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _style(self)


class ContactForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60, required=False)
    relation = forms.CharField(label=_("关系"), max_length=30, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)
    is_family = forms.BooleanField(label=_("家属"), required=False, initial=True)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        _style(self)

    @property
    def is_blank(self) -> bool:
        d = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return not any((d.get("name"), d.get("relation"), d.get("phone")))


ContactFormSet = formset_factory(ContactForm, extra=2, max_num=10, absolute_max=10)


class CarerForm(_Versioned):
    carer_type = forms.ChoiceField(label=_("类型"), choices=CarerAssignment.CarerType.choices)
    user = forms.ChoiceField(label=_("本村或乡镇工作人员"), required=False)
    name = forms.CharField(label=_("或填写姓名"), max_length=60, required=False)
    phone = forms.CharField(label=_("电话"), max_length=20, required=False)

    def __init__(self, *args: Any, staff: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].choices = [("", "—")] + [(str(k), v) for k, v in staff]
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        _style(self)


class RiskForm(_Versioned):
    criteria = forms.MultipleChoiceField(
        label=_("风险因素"), required=False, widget=forms.CheckboxSelectMultiple
    )
    note = forms.CharField(label=_("说明"), max_length=300, required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["criteria"].choices = [
            (c.code, f"{c.label}（{RiskLevel(c.level).label}）") for c in risk.criteria_for(kind)
        ]
        _style(self)


class VersionForm(_Versioned):
    """A bare action (ending a carer) that only needs the version the page was read at."""
