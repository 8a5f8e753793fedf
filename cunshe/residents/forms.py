"""Forms of the register's pages. They check shape and give clear messages; the services
check the rules (ID numbers, one head per household, event order) and their refusals come back
onto the forms as errors (`cunshe.web.forms.call_into_form`)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.core.jurisdiction import Jurisdiction, is_valid_code
from cunshe.regions.models import Level, Region
from cunshe.residents import services
from cunshe.residents.codes import (
    EDUCATION,
    ETHNICITIES,
    MARITAL,
    POLITICAL,
    RELATIONSHIPS,
    EventKind,
    ResidenceStatus,
    choices,
)
from cunshe.residents.models import Household, Person
from cunshe.residents.selectors import PERSON_FLAGS, PersonFilters

# Above this many villages and groups a select list is no help; a code field is used instead.
REGION_SELECT_MAX = 400
AGE_MAX = 150

FLAG_LABELS: list[tuple[str, Any]] = [
    ("has_disability", _("持证残疾人")),
    ("is_veteran", _("退役军人")),
    ("is_youfu", _("优抚对象")),
    ("lacks_guardianship_capacity", _("无监护能力")),
    ("is_dibao", _("低保户")),
    ("is_tekun", _("特困供养")),
    ("is_tuopin", _("脱贫户")),
    ("is_monitored", _("防返贫监测户")),
    ("is_wubao", _("五保户")),
    ("is_military_family", _("军烈属")),
]
assert {k for k, _l in FLAG_LABELS} == set(PERSON_FLAGS) | set(Household.FLAG_FIELDS)


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        else:
            widget.attrs.setdefault("class", "form-control")


def region_choices(jurisdiction: Jurisdiction) -> list[tuple[str, str]] | None:
    """Villages and groups below the caller's root, or None when there are too many to list
    (a county or wider: the page then asks for a code)."""
    if any(len(p) < 9 for p in jurisdiction.prefixes):
        return None
    rows = list(
        Region.objects.within(jurisdiction)
        .current()
        .filter(level__in=(Level.VILLAGE, Level.GROUP))
        .order_by("code")
        .values_list("code", "name", "level")[: REGION_SELECT_MAX + 1]
    )
    if len(rows) > REGION_SELECT_MAX:
        return None
    return [(code, ("\u3000" if level == Level.GROUP else "") + name) for code, name, level in rows]


class PersonFilterForm(forms.Form):
    q = forms.CharField(label=_("查找"), required=False, max_length=60)
    region = forms.CharField(label=_("村/组"), required=False, max_length=15)
    sex = forms.ChoiceField(
        label=_("性别"), required=False, choices=[("", _("全部")), *Person.Sex.choices]
    )
    age_min = forms.IntegerField(
        label=_("最小年龄"), required=False, min_value=0, max_value=AGE_MAX
    )
    age_max = forms.IntegerField(
        label=_("最大年龄"), required=False, min_value=0, max_value=AGE_MAX
    )
    residence_status = forms.ChoiceField(
        label=_("居住状态"),
        required=False,
        choices=[("", _("全部现有人员")), *ResidenceStatus.choices],
    )
    flag = forms.ChoiceField(
        label=_("标记"), required=False, choices=[("", _("全部")), *FLAG_LABELS]
    )
    include_gone = forms.BooleanField(label=_("含已迁出、已故"), required=False)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("姓名、拼音、首字母、身份证号、手机号或户号"), "type": "search"}
        )
        regions = region_choices(jurisdiction) if jurisdiction is not None else None
        if regions is not None:
            self.fields["region"] = forms.ChoiceField(
                label=_("村/组"), required=False, choices=[("", _("全部")), *regions]
            )
        else:
            self.fields["region"].widget.attrs["placeholder"] = _("区划代码")
            self.fields["region"].widget.attrs["inputmode"] = "numeric"
        _style(self)
        self.fields["include_gone"].widget.attrs["class"] = "form-check-input"

    def clean_region(self) -> str:
        code = (self.cleaned_data.get("region") or "").strip()
        if not code:
            return ""
        if not is_valid_code(code):
            raise ValidationError(_("区划代码应为2、4、6、9、12或15位数字。"))
        j = self.jurisdiction
        if j is not None and not j.covers(code) and not any(p.startswith(code) for p in j.prefixes):
            raise ValidationError(_("该区划不在您的管辖范围内。"))
        return code

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        low, high = data.get("age_min"), data.get("age_max")
        if low is not None and high is not None and low > high:
            raise ValidationError(_("最小年龄不能大于最大年龄。"))
        return data

    def filters(self) -> PersonFilters:
        d = self.cleaned_data
        return PersonFilters(
            q=(d.get("q") or "").strip(),
            region_code=d.get("region") or "",
            sex=d.get("sex") or "",
            age_min=d.get("age_min"),
            age_max=d.get("age_max"),
            residence_status=d.get("residence_status") or "",
            flag=d.get("flag") or "",
            include_gone=bool(d.get("include_gone")),
        )


def filters_from_query(querydict: Any, jurisdiction: Jurisdiction | None = None) -> PersonFilters:
    """The person-list filters in a query string (page and export share them). Raises
    ValidationError carrying the form's messages when a value is bad."""
    form = PersonFilterForm(querydict, jurisdiction=jurisdiction)
    if not form.is_valid():
        raise ValidationError(dict(form.errors.as_data()))
    return form.filters()


# --- households -----------------------------------------------------------------------------


class HouseholdForm(forms.Form):
    region = forms.ChoiceField(label=_("村/组"))
    number = forms.CharField(label=_("户号"), max_length=30)
    address = forms.CharField(label=_("住址"), max_length=200, required=False)
    hukou_here = forms.BooleanField(label=_("户籍在本村"), required=False, initial=True)
    is_dibao = forms.BooleanField(label=_("低保户"), required=False)
    is_tekun = forms.BooleanField(label=_("特困供养"), required=False)
    is_tuopin = forms.BooleanField(label=_("脱贫户"), required=False)
    is_monitored = forms.BooleanField(label=_("防返贫监测户"), required=False)
    is_wubao = forms.BooleanField(label=_("五保户"), required=False)
    is_military_family = forms.BooleanField(label=_("军烈属"), required=False)

    def __init__(self, *args: Any, jurisdiction: Jurisdiction, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.jurisdiction = jurisdiction
        regions = region_choices(jurisdiction) or []
        self.fields["region"].choices = [("", "—"), *regions]
        _style(self)

    def clean_region(self) -> Region:
        code = self.cleaned_data["region"]
        region = Region.objects.within(self.jurisdiction).filter(code=code).first()
        if region is None:
            raise ValidationError(_("请选择您管辖范围内的村或组。"))
        return region


# --- persons --------------------------------------------------------------------------------


def _blank_first(mapping: dict[str, str]) -> list[tuple[str, str]]:
    return [("", "—"), *choices(mapping)]


class PersonRegisterForm(forms.Form):
    name = forms.CharField(label=_("姓名"), max_length=60)
    id_number = forms.CharField(label=_("身份证号"), max_length=30)
    relationship = forms.ChoiceField(label=_("与户主关系"), choices=choices(RELATIONSHIPS))
    since = forms.DateField(
        label=_("登记日期/起始日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(
        label=_("居住状态"),
        required=False,
        choices=[
            ("", _("按户籍推定")),
            *[(v, lbl) for v, lbl in ResidenceStatus.choices if v not in ("moved_out", "deceased")],
        ],
    )
    destination = forms.CharField(label=_("外出去向"), max_length=100, required=False)
    phone = forms.CharField(label=_("手机号"), max_length=20, required=False)
    ethnicity = forms.ChoiceField(label=_("民族"), choices=choices(ETHNICITIES), initial="01")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["since"].initial = timezone.localdate()
        self.fields["id_number"].widget.attrs["autocomplete"] = "off"
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        _style(self)

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))


def _clean_phone(raw: str) -> str:
    value = "".join((raw or "").split()).replace("-", "")
    if value and not (value.isdigit() and 7 <= len(value) <= 12):
        raise ValidationError(_("手机号应为11位数字（固定电话7至12位数字）。"))
    return value


class PersonEditForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    name = forms.CharField(label=_("姓名"), max_length=60)
    relationship = forms.ChoiceField(label=_("与户主关系"), choices=choices(RELATIONSHIPS))
    ethnicity = forms.ChoiceField(label=_("民族"), choices=choices(ETHNICITIES))
    # The phone number is never put into the form in clear (that would bypass the audited
    # unmasking): blank keeps it, a new number replaces it, the box below removes it.
    phone = forms.CharField(
        label=_("新手机号"), max_length=20, required=False, help_text=_("留空表示不修改")
    )
    clear_phone = forms.BooleanField(label=_("删除手机号"), required=False)
    education = forms.ChoiceField(
        label=_("文化程度"), choices=_blank_first(EDUCATION), required=False
    )
    marital_status = forms.ChoiceField(
        label=_("婚姻状况"), choices=_blank_first(MARITAL), required=False
    )
    political_status = forms.ChoiceField(label=_("政治面貌"), choices=choices(POLITICAL))
    disability = forms.CharField(
        label=_("残疾类别与等级"),
        max_length=10,
        required=False,
        help_text=_("类别:等级，如 4:2 表示肢体残疾二级"),
    )
    illness = forms.CharField(
        label=_("慢性病或失能情况"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    lacks_guardianship_capacity = forms.BooleanField(label=_("无监护能力"), required=False)
    is_veteran = forms.BooleanField(label=_("退役军人"), required=False)
    is_youfu = forms.BooleanField(label=_("优抚对象"), required=False)

    # The same list the service accepts; residence state and hukou location change by events.
    EDITABLE = services.EDITABLE

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["phone"].widget.attrs["inputmode"] = "tel"
        _style(self)

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        data = {f: getattr(person, f) or "" for f in cls.EDITABLE if f != "phone"}
        for f in ("lacks_guardianship_capacity", "is_veteran", "is_youfu"):
            data[f] = getattr(person, f)
        data["version"] = person.version
        return data

    def clean_phone(self) -> str:
        return _clean_phone(self.cleaned_data.get("phone", ""))

    def clean_disability(self) -> str:
        from cunshe.residents.codes import DISABILITY_CATEGORIES, DISABILITY_GRADES

        value = "".join((self.cleaned_data.get("disability") or "").split()).replace("：", ":")
        if not value:
            return ""
        category, _sep, grade = value.partition(":")
        if category not in DISABILITY_CATEGORIES or grade not in DISABILITY_GRADES:
            raise ValidationError(_("请按“类别:等级”填写，类别1至7，等级1至4，如 4:2。"))
        return value

    def changes(self, person: Person) -> dict[str, Any]:
        """Only the fields that differ, so the audit event names what really changed."""
        out: dict[str, Any] = {}
        if self.cleaned_data.get("clear_phone"):
            if person.phone:
                out["phone"] = ""
        elif self.cleaned_data.get("phone") and self.cleaned_data["phone"] != person.phone:
            out["phone"] = self.cleaned_data["phone"]
        for f in self.EDITABLE:
            if f == "phone":
                continue
            new = self.cleaned_data.get(f)
            old = getattr(person, f)
            if isinstance(old, bool):
                new = bool(new)
            elif old is None:
                old = ""
            if new != old:
                out[f] = new
        return out


RECORDABLE = [
    (v, lbl)
    for v, lbl in EventKind.choices
    if v not in (EventKind.REGISTERED, EventKind.BIRTH, EventKind.CORRECTION)
]


class EventForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)
    kind = forms.ChoiceField(
        label=_("事件"),
        # No event is preselected: a hurried click must not record a death.
        choices=[("", _("请选择…")), *RECORDABLE, (EventKind.CORRECTION, _("更正"))],
    )
    occurred_on = forms.DateField(
        label=_("发生日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    destination = forms.CharField(label=_("去向/来源"), max_length=100, required=False)
    note = forms.CharField(label=_("说明"), max_length=200, required=False)
    corrects = forms.TypedChoiceField(label=_("要更正的事件"), required=False, coerce=int)
    corrected_kind = forms.ChoiceField(
        label=_("实际情况"),
        required=False,
        choices=[("", _("该事件没有发生")), *RECORDABLE],
    )

    def __init__(self, *args: Any, events: list[Any] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        self.events = {e.pk: e for e in events if e.kind != EventKind.CORRECTION}
        self.fields["corrects"].choices = [("", "—")] + [
            (e.pk, f"{e.occurred_on:%Y-%m-%d} {e.get_kind_display()}") for e in self.events.values()
        ]
        self.fields["corrects"].empty_value = None
        self.fields["occurred_on"].initial = timezone.localdate()
        _style(self)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("kind") == EventKind.CORRECTION:
            if not data.get("corrects"):
                self.add_error("corrects", _("请选择要更正的事件。"))
        elif data.get("corrects"):
            self.add_error("corrects", _("只有“更正”才需要选择要更正的事件。"))
        data["corrects_event"] = self.events.get(data.get("corrects") or 0)
        return data
