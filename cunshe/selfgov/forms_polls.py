"""Forms of the polls pages (parse only: the rules are in services.polls)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Region
from cunshe.selfgov.models import PollParticipation

_INPUT = {"class": "form-control"}
_SELECT = {"class": "form-select"}
_DT = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M"]


class PollForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("村/组"), queryset=Region.objects.none(), widget=forms.Select(attrs=_SELECT)
    )
    question = forms.CharField(
        label=_("问题"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )
    description = forms.CharField(
        label=_("说明"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 3}),
    )
    options = forms.CharField(
        label=_("选项（每行一个，2到10个）"),
        max_length=2500,
        widget=forms.Textarea(attrs={**_INPUT, "rows": 4}),
    )
    opens_at = forms.DateTimeField(
        label=_("开始时间"),
        input_formats=_DT,
        widget=forms.DateTimeInput(attrs={**_INPUT, "type": "datetime-local"}, format=_DT[0]),
    )
    closes_at = forms.DateTimeField(
        label=_("截止时间"),
        input_formats=_DT,
        widget=forms.DateTimeInput(attrs={**_INPUT, "type": "datetime-local"}, format=_DT[0]),
    )
    secret = forms.BooleanField(
        label=_("无记名投票"),
        required=False,
        initial=True,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )
    per_household = forms.BooleanField(
        label=_("每户一票"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, regions: list[Region], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["region"]
        field.queryset = Region.objects.filter(pk__in=[r.pk for r in regions])  # type: ignore[attr-defined]
        field.choices = [("", "---------")] + [(r.pk, f"{r.name}（{r.code}）") for r in regions]  # type: ignore[attr-defined]
        self._regions = {r.pk: r for r in regions}

    def clean_region(self) -> Region:
        region = self.cleaned_data["region"]
        return self._regions.get(region.pk, region)

    def clean_options(self) -> list[str]:
        return [line for line in self.cleaned_data["options"].splitlines() if line.strip()]


class VersionForm(forms.Form):
    version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)


class CancelForm(VersionForm):
    reason = forms.CharField(
        label=_("取消原因"), max_length=300, widget=forms.TextInput(attrs=_INPUT)
    )


class RecordVoteForm(forms.Form):
    """A vote at the hall or by proxy, recorded by a clerk."""

    origin = forms.ChoiceField(
        label=_("投票方式"),
        choices=[c for c in PollParticipation.Origin.choices if c[0] != "online"],
        widget=forms.Select(attrs=_SELECT),
    )
    person = forms.TypedChoiceField(
        label=_("投票人"), coerce=int, widget=forms.Select(attrs=_SELECT)
    )
    proxy_holder = forms.TypedChoiceField(
        label=_("受托人（委托投票时）"),
        coerce=int,
        required=False,
        empty_value=None,
        widget=forms.Select(attrs=_SELECT),
    )
    option = forms.TypedChoiceField(
        label=_("选择"), coerce=int, widget=forms.RadioSelect(attrs={"class": "form-check-input"})
    )

    def __init__(
        self,
        *args: Any,
        voters: list[tuple[int, str]],
        options: list[tuple[int, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["person"].choices = [("", "---------"), *voters]  # type: ignore[attr-defined]
        self.fields["proxy_holder"].choices = [("", "---------"), *voters]  # type: ignore[attr-defined]
        self.fields["option"].choices = options  # type: ignore[attr-defined]


class VoteForm(forms.Form):
    """The villager's own vote."""

    option = forms.TypedChoiceField(
        label=_("我的选择"),
        coerce=int,
        widget=forms.RadioSelect(attrs={"class": "form-check-input"}),
    )

    def __init__(self, *args: Any, options: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["option"].choices = options  # type: ignore[attr-defined]
