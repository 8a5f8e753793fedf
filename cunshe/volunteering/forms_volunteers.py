"""Forms of the volunteers pages (parse only: the rules are in services.volunteers)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Level, Region
from cunshe.volunteering.models import DayPart, Organisation, Skill, Station, Volunteer, Weekday

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_CHECK = {"class": "form-check-input"}

SLOT_CHOICES = [
    (f"{d}-{p}", f"{Weekday(d).label}{DayPart(p).label}") for d in range(7) for p in range(3)
]


def region_choices(regions: list[Region]) -> list[tuple[int, str]]:
    return [(r.pk, r.name if r.level != Level.GROUP else f"— {r.name}") for r in regions]


class FilterForm(forms.Form):
    q = forms.CharField(
        label=_("姓名、拼音或编号"),
        required=False,
        max_length=30,
        widget=forms.TextInput(attrs={**_INPUT, "type": "search"}),
    )
    skill = forms.ChoiceField(
        label=_("技能"),
        required=False,
        choices=[("", _("全部技能")), *Skill.choices],
        widget=forms.Select(attrs=_SELECT),
    )
    station = forms.TypedChoiceField(
        label=_("服务站"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )
    organisation = forms.TypedChoiceField(
        label=_("组织"),
        required=False,
        coerce=int,
        empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )
    star = forms.TypedChoiceField(
        label=_("星级"),
        required=False,
        coerce=int,
        empty_value=None,
        choices=[("", _("全部星级")), *[(i, f"{i}★") for i in range(6)]],
        widget=forms.Select(attrs=_SELECT),
    )
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[("", _("全部状态")), *Volunteer.Status.choices],
        widget=forms.Select(attrs=_SELECT),
    )

    def __init__(self, *args: Any, stations: list, organisations: list, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["station"].choices = [
            ("", _("全部服务站")),
            *[(s.pk, s.name) for s in stations],
        ]
        self.fields["organisation"].choices = [
            ("", _("全部组织")),
            *[(o.pk, o.name) for o in organisations],
        ]


class _ProfileFields(forms.Form):
    """Skills, availability, home, station, organisations, consent (shared by the forms)."""

    skills = forms.MultipleChoiceField(
        label=_("技能"),
        required=False,
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple(attrs=_CHECK),
    )
    availability = forms.MultipleChoiceField(
        label=_("可服务时间"),
        required=False,
        choices=SLOT_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs=_CHECK),
    )
    region = forms.TypedChoiceField(
        label=_("所在村（屯）"), coerce=int, required=False, widget=forms.Select(attrs=_SELECT)
    )
    station = forms.TypedChoiceField(
        label=_("志愿服务站"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )
    organisations = forms.TypedMultipleChoiceField(
        label=_("所属组织"),
        coerce=int,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs=_CHECK),
    )
    public_consent = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=_CHECK),
        label=_("同意在村志愿者光荣榜公开姓名和时长"),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        regions: list[Region],
        stations: list[Station],
        organisations: list[Organisation],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self._regions = {r.pk: r for r in regions}
        self._stations = {s.pk: s for s in stations}
        self._orgs = {o.pk: o for o in organisations}
        self.fields["region"].choices = [("", _("（随户籍）")), *region_choices(regions)]
        self.fields["station"].choices = [("", _("（无）")), *[(s.pk, s.name) for s in stations]]
        self.fields["organisations"].choices = [(o.pk, o.name) for o in organisations]

    def profile(self) -> dict[str, Any]:
        """cleaned_data turned into the services' arguments."""
        from cunshe.volunteering.services.volunteers import availability_mask

        d = self.cleaned_data
        return {
            "skills": d["skills"],
            "availability": availability_mask(d["availability"]),
            "region": self._regions.get(d["region"]) if d.get("region") else None,
            "station": self._stations.get(d["station"]) if d.get("station") else None,
            "organisations": [self._orgs[pk] for pk in d["organisations"] if pk in self._orgs],
            "public_consent": d["public_consent"],
        }


class ResidentForm(_ProfileFields):
    person = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    phone = forms.CharField(
        label=_("联系电话（不填则用户籍登记的）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=_INPUT),
    )


class OtherForm(_ProfileFields):
    name = forms.CharField(label=_("姓名"), max_length=60, widget=forms.TextInput(attrs=_INPUT))
    id_number = forms.CharField(
        label=_("身份证号"),
        max_length=20,
        widget=forms.TextInput(attrs={**_INPUT, "autocomplete": "off"}),
    )
    phone = forms.CharField(
        label=_("手机号"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={**_INPUT, "inputmode": "tel"}),
    )
    verified = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=_CHECK),
        label=_("证件已核验（已查看本人身份证原件）"),
        required=False,
    )


class EditForm(_ProfileFields):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_edit_%s")
        super().__init__(*args, **kwargs)

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    name = forms.CharField(label=_("姓名"), max_length=60, widget=forms.TextInput(attrs=_INPUT))
    phone = forms.CharField(
        label=_("新手机号（不改请留空）"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs=_INPUT),
    )
    verified = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=_CHECK), label=_("证件已核验"), required=False
    )


class StatusForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "id_status_%s")
        super().__init__(*args, **kwargs)

    status = forms.ChoiceField(
        label=_("状态"), choices=Volunteer.Status.choices, widget=forms.Select(attrs=_SELECT)
    )
    reason = forms.CharField(label=_("原因"), max_length=200, widget=forms.TextInput(attrs=_INPUT))


class SelfRegisterForm(forms.Form):
    skills = forms.MultipleChoiceField(
        label=_("我会做的"),
        required=False,
        choices=Skill.choices,
        widget=forms.CheckboxSelectMultiple(attrs=_CHECK),
    )
    availability = forms.MultipleChoiceField(
        label=_("我有空的时间"),
        required=False,
        choices=SLOT_CHOICES,
        widget=forms.CheckboxSelectMultiple(attrs=_CHECK),
    )
    public_consent = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=_CHECK),
        label=_("同意在村志愿者光荣榜公开我的姓名和服务时长"),
        required=False,
    )


class StationForm(forms.Form):
    region = forms.TypedChoiceField(
        label=_("村"), coerce=int, required=False, widget=forms.Select(attrs=_SELECT)
    )
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=_INPUT))
    address = forms.CharField(
        label=_("地址"), max_length=200, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    opening_hours = forms.CharField(
        label=_("开放时间"), max_length=100, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    organisation = forms.TypedChoiceField(
        label=_("运营组织"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )
    active = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=_CHECK), label=_("有效"), required=False, initial=True
    )

    def __init__(
        self, *args: Any, regions: list[Region], organisations: list, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self._regions = {r.pk: r for r in regions}
        self._orgs = {o.pk: o for o in organisations}
        self.fields["region"].choices = [(r.pk, r.name) for r in regions]
        self.fields["organisation"].choices = [
            ("", _("（无）")),
            *[(o.pk, o.name) for o in organisations],
        ]

    def values(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["region"] = self._regions.get(d.get("region"))  # type: ignore[arg-type]
        d["organisation"] = self._orgs.get(d.get("organisation"))  # type: ignore[arg-type]
        return d


class OrganisationForm(forms.Form):
    region = forms.TypedChoiceField(
        label=_("所在地"), coerce=int, required=False, widget=forms.Select(attrs=_SELECT)
    )
    name = forms.CharField(label=_("名称"), max_length=100, widget=forms.TextInput(attrs=_INPUT))
    kind = forms.ChoiceField(
        label=_("类别"), choices=Organisation.Kind.choices, widget=forms.Select(attrs=_SELECT)
    )
    contact_name = forms.CharField(
        label=_("联系人"), max_length=60, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    contact_phone = forms.CharField(
        label=_("联系电话"), max_length=20, required=False, widget=forms.TextInput(attrs=_INPUT)
    )
    active = forms.BooleanField(
        widget=forms.CheckboxInput(attrs=_CHECK), label=_("有效"), required=False, initial=True
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._regions = {r.pk: r for r in regions}
        self.fields["region"].choices = region_choices(regions)

    def values(self) -> dict[str, Any]:
        d = dict(self.cleaned_data)
        d["region"] = self._regions.get(d.get("region"))  # type: ignore[arg-type]
        return d


class HamletForm(forms.Form):
    region = forms.TypedChoiceField(
        label=_("村/屯"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    lat = forms.DecimalField(
        label=_("纬度"),
        max_digits=9,
        decimal_places=6,
        widget=forms.NumberInput(attrs={**_INPUT, "step": "0.000001"}),
    )
    lon = forms.DecimalField(
        label=_("经度"),
        max_digits=10,
        decimal_places=6,
        widget=forms.NumberInput(attrs={**_INPUT, "step": "0.000001"}),
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._regions = {r.pk: r for r in regions}
        self.fields["region"].choices = region_choices(regions)

    def region_obj(self) -> Region | None:
        return self._regions.get(self.cleaned_data["region"])
