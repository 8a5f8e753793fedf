"""Forms of the points store's desk pages (the services check everything again)."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from cunshe.volunteering.models import Donor, StockMovement


class _Styled(forms.Form):
    """Bootstrap classes on every widget (the templates render fields in a loop)."""

    def __init__(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for f in self.fields.values():
            w = f.widget
            if isinstance(w, forms.CheckboxInput):
                w.attrs["class"] = "form-check-input"
            elif isinstance(w, forms.Select):
                w.attrs["class"] = "form-select"
            elif not isinstance(w, forms.HiddenInput):
                w.attrs["class"] = "form-control"


class StoreForm(_Styled):
    name = forms.CharField(label=_("名称"), max_length=100)
    address = forms.CharField(label=_("地址"), max_length=200, required=False)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=100, required=False)
    active = forms.BooleanField(label=_("营业中"), required=False, initial=True)


class ItemForm(_Styled):
    name = forms.CharField(label=_("商品"), max_length=100)
    unit = forms.CharField(label=_("单位"), max_length=10, initial="件")
    price_points = forms.IntegerField(label=_("兑换积分"), min_value=1, max_value=1_000_000)
    active = forms.BooleanField(label=_("上架"), required=False, initial=True)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class StockInForm(_Styled):
    KINDS = [
        (StockMovement.Kind.PURCHASE, _("采购入库")),
        (StockMovement.Kind.DONATION, _("捐赠入库")),
    ]

    item = forms.TypedChoiceField(label=_("商品"), coerce=int)
    kind = forms.ChoiceField(label=_("入库方式"), choices=KINDS)
    quantity = forms.IntegerField(label=_("数量"), min_value=1, max_value=9999)
    cost_yuan = forms.DecimalField(
        label=_("采购金额（元）"), required=False, min_value=0, max_digits=9, decimal_places=2
    )
    donor = forms.TypedChoiceField(label=_("捐赠人"), coerce=int, required=False, empty_value=None)
    donor_name = forms.CharField(label=_("或新建捐赠人：名称"), max_length=100, required=False)
    donor_kind = forms.ChoiceField(label=_("类别"), choices=Donor.Kind.choices, required=False)
    donor_phone = forms.CharField(label=_("联系电话（可不填）"), max_length=20, required=False)
    donor_public = forms.BooleanField(label=_("同意在公开名单上显示"), required=False, initial=True)
    reason = forms.CharField(label=_("备注"), max_length=300, required=False)

    def __init__(self, *args, items=(), donors=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, f"{i.name}（{i.unit}）") for i in items]
        self.fields["donor"].choices = [("", "—")] + [(d.pk, d.name) for d in donors]


class AdjustForm(_Styled):
    item = forms.TypedChoiceField(label=_("商品"), coerce=int)
    delta = forms.IntegerField(label=_("调整数量（减少填负数）"), min_value=-9999, max_value=9999)
    reason = forms.CharField(label=_("原因"), max_length=300)

    def __init__(self, *args, items=(), **kwargs):  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["item"].choices = [(i.pk, i.name) for i in items]


class DonorForm(_Styled):
    name = forms.CharField(label=_("捐赠人"), max_length=100)
    kind = forms.ChoiceField(label=_("类别"), choices=Donor.Kind.choices)
    phone = forms.CharField(label=_("联系电话（可不填）"), max_length=20, required=False)
    public = forms.BooleanField(label=_("同意公开"), required=False, initial=True)


class ReverseForm(_Styled):
    reason = forms.CharField(label=_("撤销原因"), max_length=300)
