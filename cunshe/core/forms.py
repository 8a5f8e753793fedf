"""Filter form of the audit-log page."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from cunshe.core.jurisdiction import is_valid_code
from cunshe.core.models import AuditEvent
from cunshe.core.selectors import AuditFilters


class AuditFilterForm(forms.Form):
    date_from = forms.DateField(label=_("起始日期"), required=False)
    date_to = forms.DateField(label=_("截止日期"), required=False)
    action = forms.CharField(label=_("动作前缀"), required=False, max_length=100)
    actor = forms.CharField(label=_("操作人账号"), required=False, max_length=150)
    outcome = forms.ChoiceField(
        label=_("结果"),
        required=False,
        choices=[("", _("全部")), *AuditEvent.Outcome.choices],
    )
    region = forms.CharField(label=_("区划代码前缀"), required=False, max_length=15)

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["date_from"].widget = forms.DateInput(attrs={"type": "date"})
        self.fields["date_to"].widget = forms.DateInput(attrs={"type": "date"})
        for f in self.fields.values():
            css = "form-select form-select-sm" if f is self.fields["outcome"] else ""
            f.widget.attrs["class"] = css or "form-control form-control-sm"

    def clean_region(self) -> str:
        code = self.cleaned_data["region"].strip()
        if code and not is_valid_code(code):
            raise ValidationError(_("区划代码应为2、4、6、9、12或15位数字。"))
        return code

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            raise ValidationError(_("起始日期不能晚于截止日期。"))
        return data

    def filters(self) -> AuditFilters:
        d = self.cleaned_data
        return AuditFilters(
            date_from=d.get("date_from"),
            date_to=d.get("date_to"),
            action=(d.get("action") or "").strip(),
            actor=(d.get("actor") or "").strip(),
            outcome=d.get("outcome") or "",
            region=d.get("region") or "",
        )
