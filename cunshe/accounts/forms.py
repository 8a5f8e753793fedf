from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class LoginForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("用户名或密码不正确。连续输错多次后账号将被暂时锁定。"),
        "inactive": _("该账号已停用，请联系村或乡镇管理员。"),
    }

    def __init__(self, *args, **kwargs) -> None:  # type: ignore[no-untyped-def]
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("用户名或手机号")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autofocus": True})
        self.fields["password"].label = _("密码")


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("6位动态验证码"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]{6}"}
        ),
    )

    def clean_token(self) -> str:
        token = self.cleaned_data["token"].strip()
        if not token.isdigit():
            raise forms.ValidationError(_("验证码是6位数字。"))
        return token


class PreferencesForm(forms.Form):
    language = forms.ChoiceField(
        required=False, choices=[("zh-hans", "中文"), ("en", "English"), ("ko", "한국어")]
    )
    age_friendly = forms.ChoiceField(required=False, choices=[("1", "on"), ("0", "off")])
    next = forms.CharField(required=False)
