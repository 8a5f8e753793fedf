"""Forms of the staff pages for applications: the clerk's intake (find the villager, choose the
item, record 代办/领办 and the materials), the list filters and the workflow actions on the
detail page. They check shape only; the services check the rules, and their refusals come back
onto these forms (`cunshe.web.forms.call_into_form`)."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cunshe.accounts.roles import Department
from cunshe.servicedesk.models import Material, MaterialRequirement, Mode, ServiceItem, Status
from cunshe.servicedesk.services.applications import CLERK_MODES, TRANSITIONS

# What the browser is told to offer; the service checks the bytes whatever the name says.
ACCEPT_FILES = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_PHONE = re.compile(r"^1\d{10}$")


def _style(form: forms.Form) -> None:
    for field in form.fields.values():
        widget = field.widget
        if isinstance(widget, forms.CheckboxInput):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.RadioSelect):
            widget.attrs.setdefault("class", "form-check-input")
        elif isinstance(widget, forms.Select):
            widget.attrs.setdefault("class", "form-select")
        elif not isinstance(widget, forms.HiddenInput):
            widget.attrs.setdefault("class", "form-control")


def is_exact_number(text: str) -> bool:
    """True for what looks like an ID or mobile number: searched only by POST (never in a URL,
    where it would stay in browser history and server logs)."""
    compact = "".join(text.split())
    return bool(_ID_NUMBER.match(compact) or _PHONE.match(compact))


# --- intake: finding the villager ---------------------------------------------------------------


class PersonSearchForm(forms.Form):
    """The GET search box: name, pinyin, initials or household number."""

    q = forms.CharField(label=_("查找村民"), max_length=60)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["q"].widget.attrs.update(
            {"placeholder": _("姓名、拼音、首字母或户号"), "type": "search", "autocomplete": "off"}
        )
        _style(self)

    def clean_q(self) -> str:
        q = self.cleaned_data["q"].strip()
        if is_exact_number(q):
            raise ValidationError(_("身份证号、手机号请用下面的“精确查找”，它们不会出现在网址里。"))
        return q


class ExactSearchForm(forms.Form):
    """The POST search: an exact ID or mobile number."""

    number = forms.CharField(label=_("身份证号或手机号"), max_length=30)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["number"].widget.attrs.update(
            {"autocomplete": "off", "inputmode": "text", "spellcheck": "false"}
        )
        _style(self)

    def clean_number(self) -> str:
        number = "".join(self.cleaned_data["number"].split()).upper()
        if not is_exact_number(number):
            raise ValidationError(_("请输入18位身份证号或11位手机号。"))
        return number


# --- materials (intake and resubmission) --------------------------------------------------------


class MaterialFieldsMixin:
    """One upload field per requirement of the item (`material_<id>`, the name the service's
    errors use), plus a "use the one on file" box (`reuse_<id>`) where the applicant already
    has a document of that type."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_material_fields(
        self, requirements: list[MaterialRequirement], on_file: dict[str, Material]
    ) -> None:
        self.requirements = requirements
        self.on_file = on_file
        for req in requirements:
            self.fields[f"material_{req.pk}"] = forms.FileField(
                label=req.name,
                required=False,
                widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_FILES}),
            )
            if req.doc_type and req.doc_type in on_file:
                self.fields[f"reuse_{req.pk}"] = forms.BooleanField(
                    label=_("使用已存档的材料"), required=False, initial=True
                )

    def material_rows(self) -> list[dict[str, Any]]:
        """For the template: each requirement with its upload and reuse fields."""
        out = []
        for req in self.requirements:
            reuse_name = f"reuse_{req.pk}"
            out.append(
                {
                    "requirement": req,
                    "upload": self[f"material_{req.pk}"],  # type: ignore[index]
                    "reuse": self[reuse_name] if reuse_name in self.fields else None,  # type: ignore[index]
                    "on_file": self.on_file.get(req.doc_type) if req.doc_type else None,
                }
            )
        return out

    def uploads(self) -> dict[int, UploadedFile]:
        out = {}
        for req in self.requirements:
            upload = self.cleaned_data.get(f"material_{req.pk}")
            if upload:
                out[req.pk] = upload
        return out

    def reuse(self) -> dict[int, int]:
        """Requirement → material on file, where the box is ticked and nothing new is uploaded
        (a new file replaces the one on file)."""
        out = {}
        for req in self.requirements:
            if self.cleaned_data.get(f"reuse_{req.pk}") and not self.cleaned_data.get(
                f"material_{req.pk}"
            ):
                out[req.pk] = self.on_file[req.doc_type].pk
        return out


# --- intake: the application --------------------------------------------------------------------


def new_idempotency_key() -> str:
    return secrets.token_urlsafe(24)


class IntakeForm(MaterialFieldsMixin, forms.Form):
    """A clerk's application for a villager. Field names match the service's error keys."""

    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=64)
    mode = forms.ChoiceField(label=_("办理方式"), widget=forms.RadioSelect)
    authorised_on = forms.DateField(
        label=_("委托日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text=_("村民在委托书上签字的日期。"),
    )
    authorisation = forms.FileField(
        label=_("村民签字的委托书"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT_FILES}),
        help_text=_("拍照或扫描，PDF、JPG或PNG，不超过5MB。"),
    )
    accompanied_at = forms.DateTimeField(
        label=_("陪同办理时间"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"],
    )
    accompanied_place = forms.CharField(label=_("陪同办理地点"), required=False, max_length=100)
    details = forms.CharField(
        label=_("申请事由"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(
        self,
        *args: Any,
        item: ServiceItem,
        requirements: list[MaterialRequirement],
        on_file: dict[str, Material],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        modes = [m for m in CLERK_MODES if m in (item.modes or [])]
        self.fields["mode"].choices = [(m, Mode(m).label) for m in modes]
        if len(modes) == 1:
            self.fields["mode"].initial = modes[0]
        elif Mode.DAIBAN in modes:
            self.fields["mode"].initial = Mode.DAIBAN
        self.fields["accompanied_place"].widget.attrs["placeholder"] = _("如：闵家镇便民服务中心")
        self.add_material_fields(requirements, on_file)
        _style(self)


# --- the list -----------------------------------------------------------------------------------


class DeskFilterForm(forms.Form):
    number = forms.CharField(label=_("受理编号"), required=False, max_length=12)
    status = forms.ChoiceField(label=_("状态"), required=False)
    item = forms.TypedChoiceField(label=_("事项"), required=False, coerce=int, empty_value=None)
    mode = forms.ChoiceField(label=_("办理方式"), required=False)
    mine = forms.BooleanField(label=_("本单位待办"), required=False)
    overdue = forms.BooleanField(label=_("已超期"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", _("全部")), *Status.choices]
        self.fields["mode"].choices = [("", _("全部")), *Mode.choices]
        items = ServiceItem.objects.order_by("name", "code").values_list("pk", "name")
        self.fields["item"].choices = [("", _("全部")), *items]
        self.fields["number"].widget.attrs.update(
            {"placeholder": _("12位受理编号"), "autocomplete": "off", "spellcheck": "false"}
        )
        _style(self)

    def clean_number(self) -> str:
        return (self.cleaned_data.get("number") or "").strip().upper()


# --- the detail page: workflow actions ----------------------------------------------------------


class ActionForm(MaterialFieldsMixin, forms.Form):
    """One workflow action. `expected_version` is the version the page showed: a stale page
    changes nothing (ConcurrentEdit)."""

    action = forms.ChoiceField(widget=forms.HiddenInput)
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    reason = forms.CharField(
        label=_("理由"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )

    def __init__(
        self,
        *args: Any,
        requirements: list[MaterialRequirement] | None = None,
        on_file: dict[str, Material] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["action"].choices = [(name, t.label) for name, t in TRANSITIONS.items()]
        self.fields["action"].error_messages["invalid_choice"] = _("未知的操作。")
        # Only resubmission carries material; other actions have none to add.
        self.add_material_fields(requirements or [], on_file or {})
        _style(self)


class RerouteForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    item = forms.TypedChoiceField(label=_("改为事项"), coerce=int)
    department = forms.ChoiceField(label=_("改由县级部门"), required=False)
    reason = forms.CharField(
        label=_("改派理由"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(
        self, *args: Any, items: list[tuple[int, str]], current_item: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = items
        self.fields["item"].initial = current_item
        self.fields["department"].choices = [("", _("按事项默认")), *Department.choices]
        self.fields["reason"].error_messages["required"] = _("请填写改派理由。")
        _style(self)


class AssignForm(forms.Form):
    expected_version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    assignee = forms.TypedChoiceField(label=_("分派给"), coerce=int)

    def __init__(self, *args: Any, officers: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["assignee"].choices = officers
        self.fields["assignee"].error_messages["invalid_choice"] = _(
            "该人员不在本办理单位，不能分派。"
        )
        _style(self)
