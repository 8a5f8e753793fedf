"""Forms of the election pages. A person is named by their ID number (found through its blind
index, inside the clerk's village), never picked from a list of thousands."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


class _Styled(forms.Form):
    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            css = (
                "form-check-input"
                if isinstance(field.widget, forms.CheckboxInput)
                else "form-control"
            )
            if isinstance(field.widget, forms.Select):
                css = "form-select"
            field.widget.attrs.setdefault("class", css)


def _date(label):  # type: ignore[no-untyped-def]
    return forms.DateField(label=label, widget=forms.DateInput({"type": "date"}))


def _id_number(label=None, required=True):  # type: ignore[no-untyped-def]
    return forms.CharField(
        label=label or _("身份证号"), max_length=18, min_length=15, required=required
    )


class ElectionForm(_Styled):
    title = forms.CharField(label=_("选举名称"), max_length=150)
    vote_on = _date(_("选举日"))
    seats = forms.IntegerField(label=_("应选名额"), min_value=1, max_value=20, initial=5)


class VersionForm(_Styled):
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class PublishForm(VersionForm):
    published_on = forms.DateField(
        label=_("公布日期"), widget=forms.DateInput({"type": "date"}), required=False
    )


class PersonReasonForm(_Styled):
    id_number = _id_number()
    reason = forms.CharField(label=_("理由"), max_length=200)


class OptInForm(_Styled):
    id_number = _id_number()
    opted_in_on = _date(_("表示参加选举日期"))


class CheckForm(_Styled):
    id_number = _id_number()


class ObjectionForm(_Styled):
    filed_by_name = forms.CharField(label=_("提出人"), max_length=60)
    id_number = _id_number(_("所涉人员身份证号"))
    wrongly_listed = forms.BooleanField(
        label=_("此人不应列入名单（不勾选：此人被漏登）"), required=False
    )
    text = forms.CharField(label=_("异议内容"), widget=forms.Textarea({"rows": 2}))
    filed_on = forms.DateField(
        label=_("提出日期"), widget=forms.DateInput({"type": "date"}), required=False
    )


class AnswerForm(_Styled):
    answer = forms.CharField(label=_("答复"), widget=forms.Textarea({"rows": 2}))
    upheld = forms.TypedChoiceField(
        label=_("处理结果"),
        choices=[("1", _("异议成立")), ("0", _("异议不成立"))],
        coerce=lambda v: v == "1",
    )


class ProxyForm(_Styled):
    principal_id_number = _id_number(_("委托人身份证号"))
    holder_id_number = _id_number(_("受托人身份证号"))
    written_on = _date(_("委托书日期"))


class CandidateForm(_Styled):
    id_number = _id_number(_("候选人身份证号"))
    position = forms.CharField(label=_("职位"), max_length=20, initial="委员")
    round = forms.IntegerField(label=_("轮次"), min_value=1, max_value=9, initial=1)


class ResultForm(_Styled):
    """Counts for one round; one field per candidate is added by the view."""

    round = forms.IntegerField(label=_("轮次"), min_value=1, max_value=9, initial=1)
    ballots_cast = forms.IntegerField(label=_("投票人数（收回选票）"), min_value=0)
    invalid_ballots = forms.IntegerField(label=_("无效票"), min_value=0, initial=0)

    def __init__(self, *args, candidates=(), **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        for c in candidates:
            self.fields[f"votes_{c.pk}"] = forms.IntegerField(
                label=f"{c.person.name}（{c.position}）", min_value=0, required=False
            )
            self.fields[f"votes_{c.pk}"].widget.attrs["class"] = "form-control"

    def votes(self, candidates) -> dict[int, int]:  # type: ignore[no-untyped-def]
        return {
            c.pk: self.cleaned_data[f"votes_{c.pk}"]
            for c in candidates
            if self.cleaned_data.get(f"votes_{c.pk}") is not None
        }


class ApprovalForm(_Styled):
    id_number = _id_number()
    applied_on = _date(_("申请日期"))
    decision_id = forms.IntegerField(label=_("同意决定编号（村民会议/代表会议）"), required=False)


class DeprivationForm(_Styled):
    id_number = _id_number()
    since = _date(_("起始日期"))
    until = forms.DateField(
        label=_("终止日期（无则留空）"), widget=forms.DateInput({"type": "date"}), required=False
    )
    basis = forms.CharField(label=_("判决文书编号"), max_length=200)


class RecallForm(_Styled):
    member_id = forms.IntegerField(label=_("村委会成员任职编号"))
    reason = forms.CharField(label=_("罢免理由"), widget=forms.Textarea({"rows": 2}))
    signatures = forms.IntegerField(label=_("联名人数"), min_value=0)
    by_representatives = forms.BooleanField(label=_("由村民代表联名"), required=False)


class RecallResultForm(_Styled):
    voters_registered = forms.IntegerField(label=_("登记选民数"), min_value=0)
    voters_voting = forms.IntegerField(label=_("参加投票人数"), min_value=0)
    votes_for = forms.IntegerField(label=_("赞成票"), min_value=0)
