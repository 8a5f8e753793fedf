from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.web.forms import call_into_form


class _Form(forms.Form):
    name = forms.CharField()


class _Stale(Exception):
    pass


def _raise(exc):  # type: ignore[no-untyped-def]
    def service(**kwargs):  # type: ignore[no-untyped-def]
        raise exc

    return service


def test_result_is_returned_when_the_service_succeeds():
    assert call_into_form(_Form({"name": "x"}), lambda **kw: kw["n"] + 1, n=1) == 2


def test_field_errors_land_on_their_fields_and_others_on_the_form():
    form = _Form({"name": "x"})
    form.is_valid()
    service = _raise(ValidationError({"name": "坏名字", "unknown": "别的问题"}))
    assert call_into_form(form, service) is None
    assert form.errors["name"] == ["坏名字"]
    assert "别的问题" in form.non_field_errors()


def test_permission_names_are_not_shown_but_sentences_are():
    form = _Form({"name": "x"})
    form.is_valid()
    call_into_form(form, _raise(PermissionDenied("residents.edit")))
    assert form.non_field_errors() == ["没有权限。"]
    form = _Form({"name": "x"})
    form.is_valid()
    call_into_form(form, _raise(PermissionDenied("Not in your jurisdiction.")))
    assert form.non_field_errors() == ["Not in your jurisdiction."]


def test_listed_refusals_show_their_message():
    form = _Form({"name": "x"})
    form.is_valid()
    call_into_form(form, _raise(_Stale()), refusals={_Stale: "已被他人修改"})
    assert form.non_field_errors() == ["已被他人修改"]
