"""Forms of the villager's service-desk pages (phone layout).

They check shape only; the services check the rules (whose household, which modes, what a file
really is) and their refusals come back onto the forms (`cunshe.web.forms.call_into_form`). The
material fields are named `material_<requirement id>` — the same keys the services use for
their errors — so a refused file is reported next to the input that chose it.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from cunshe.residents.models import Person
from cunshe.servicedesk.models import Material, MaterialRequirement

ACCEPT = "application/pdf,image/*"


class SearchForm(forms.Form):
    q = forms.CharField(label=_("查找事项"), required=False, max_length=40)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        widget = self.fields["q"].widget
        widget.attrs.update({"class": "form-control", "placeholder": _("例如：低保、养老")})
        widget.input_type = "search"


class MaterialFields:
    """Adds one file input per required material, and a "use the one on file" box where the
    applicant already gave that kind of document; `materials()` returns what the services take."""

    fields: dict[str, forms.Field]
    cleaned_data: dict[str, Any]

    def add_material_fields(
        self, requirements: Iterable[MaterialRequirement], on_file: dict[str, Material]
    ) -> None:
        self.material_rows: list[dict[str, Any]] = []
        for req in requirements:
            file_field = forms.FileField(
                label=req.name,
                required=False,
                widget=forms.FileInput(attrs={"accept": ACCEPT, "class": "form-control"}),
            )
            self.fields[f"material_{req.pk}"] = file_field
            source = on_file.get(req.doc_type) if req.doc_type else None
            reuse_name = ""
            if source is not None:
                reuse_name = f"reuse_{req.pk}"
                self.fields[reuse_name] = forms.BooleanField(
                    label=_("用以前交过的"),
                    required=False,
                    initial=True,
                    widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
                )
            self.material_rows.append(
                {"requirement": req, "file": f"material_{req.pk}", "reuse": reuse_name,
                 "source": source}
            )  # fmt: skip

    @property
    def material_fields(self) -> list[dict[str, Any]]:
        """For templates: each requirement with its bound file field and reuse box (or None)."""
        return [
            {"requirement": row["requirement"], "file": self[row["file"]],  # type: ignore[index]
             "reuse": self[row["reuse"]] if row["reuse"] else None,  # type: ignore[index]
             "source": row["source"]}
            for row in self.material_rows
        ]  # fmt: skip

    def materials(self) -> tuple[dict[int, UploadedFile], dict[int, int]]:
        """(uploads, reuses) by requirement id. A new file wins over the one on file."""
        uploads: dict[int, UploadedFile] = {}
        reuse: dict[int, int] = {}
        for row in self.material_rows:
            req = row["requirement"]
            upload = self.cleaned_data.get(row["file"])
            if upload:
                uploads[req.pk] = upload
            elif row["reuse"] and self.cleaned_data.get(row["reuse"]):
                reuse[req.pk] = row["source"].pk
        return uploads, reuse


class ApplyForm(MaterialFields, forms.Form):
    """Apply online for one item: who (a member of the caller's own household), what for, and
    the materials. The idempotency key is made when the form is first shown."""

    applicant = forms.TypedChoiceField(coerce=int, widget=forms.HiddenInput)
    details = forms.CharField(
        label=_("申请事由（可不填）"),
        required=False,
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )
    idempotency_key = forms.CharField(max_length=64, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        members: list[Person],
        requirements: Iterable[MaterialRequirement],
        on_file: dict[str, Material],
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("initial", {}).setdefault("idempotency_key", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.fields["applicant"].choices = [(p.pk, p.name) for p in members]
        self.add_material_fields(requirements, on_file)


class ResubmitForm(MaterialFields, forms.Form):
    """Bring the material a returned application still needs."""

    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)

    def __init__(
        self,
        *args: Any,
        requirements: Iterable[MaterialRequirement],
        on_file: dict[str, Material],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.add_material_fields(requirements, on_file)
        # On a returned application the box would "reuse" what the officer just found wanting.
        for row in self.material_rows:
            if row["reuse"]:
                self.fields[row["reuse"]].initial = False


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label=_("撤回原因"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        error_messages={"required": _("请写一下为什么撤回。")},
    )
    expected_version = forms.IntegerField(min_value=1, widget=forms.HiddenInput)
