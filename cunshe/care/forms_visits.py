"""Forms of the visit pages: recording a visit on a phone in the field (big fields, the camera
for photos, little typing) and the due list's filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.care.models import Visit


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotosField(forms.FileField):
    """Zero or more files; the service checks count, size and content."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault(
            "widget",
            MultipleFileInput(attrs={"accept": "image/jpeg,image/png", "capture": "environment"}),
        )
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        if not data:
            return []
        files = data if isinstance(data, (list, tuple)) else [data]
        return [super(PhotosField, self).clean(f, initial) for f in files]


class VisitForm(forms.Form):
    visited_at = forms.DateTimeField(
        label=_("探访时间"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    mode = forms.ChoiceField(
        label=_("方式"),
        choices=Visit.Mode.choices,
        widget=forms.RadioSelect(attrs={"class": "btn-check"}),
        initial="home",
    )
    carer = forms.ChoiceField(label=_("探访人"), required=False)
    findings = forms.CharField(
        label=_("探访情况"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("身体、生活、安全、情绪等情况。"),
    )
    needs_found = forms.CharField(
        label=_("发现的需求"),
        max_length=300,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    follow_up = forms.CharField(label=_("后续跟进"), max_length=300, required=False)
    follow_up_due = forms.DateField(
        label=_("跟进期限"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    photos = PhotosField(label=_("照片"), required=False)

    def __init__(self, *args: Any, carers: list[tuple[int, str]] | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if carers is None:
            # Only a clerk records for someone else; everyone else records their own visit.
            del self.fields["carer"]
        else:
            self.fields["carer"].choices = [("", _("本人"))] + [(str(k), v) for k, v in carers]
        if not self.is_bound:
            self.initial.setdefault(
                "visited_at", timezone.localtime().replace(second=0, microsecond=0)
            )
        for _name, field in self.fields.items():
            if isinstance(field.widget, (forms.RadioSelect, forms.HiddenInput)):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", f"{css} form-control-lg")
        self.fields["findings"].widget.attrs["autocomplete"] = "off"

    def clean_visited_at(self) -> Any:
        value = self.cleaned_data["visited_at"]
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return value


class DueFilterForm(forms.Form):
    mine = forms.BooleanField(label=_("只看我负责的"), required=False)
    village = forms.ChoiceField(label=_("村"), required=False)

    def __init__(self, *args: Any, villages: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["village"].choices = [("", _("全部")), *villages]
        self.fields["village"].widget.attrs["class"] = "form-select form-select-sm"
