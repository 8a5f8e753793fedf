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


class RegionCodeField(forms.CharField):
    """A region given by its code; resolved and checked by the view against the jurisdiction."""

    def __init__(self, **kwargs) -> None:  # type: ignore[no-untyped-def]
        kwargs.setdefault("label", _("区划代码"))
        kwargs.setdefault("max_length", 15)
        kwargs.setdefault(
            "help_text",
            _("例如 220182102200（村，12位）、220182102（乡镇，9位）、220182（县，6位）"),
        )
        super().__init__(**kwargs)

    def clean(self, value):  # type: ignore[no-untyped-def]
        from cunshe.regions.models import Region

        code = super().clean(value).strip()
        region = Region.objects.filter(code=code).first()
        if region is None:
            raise forms.ValidationError(_("没有这个区划代码。"))
        return region


def _role_choices():  # type: ignore[no-untyped-def]
    from cunshe.accounts.roles import Role

    return Role.choices


def _department_choices():  # type: ignore[no-untyped-def]
    from cunshe.accounts.roles import Department

    return [("", "—"), *Department.choices]


class GrantRoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=_role_choices)
    region = RegionCodeField()
    department = forms.ChoiceField(label=_("部门"), choices=_department_choices, required=False)


class CreateUserForm(GrantRoleForm):
    username = forms.RegexField(
        label=_("用户名"),
        regex=r"^[A-Za-z0-9_.@+-]{3,40}$",
        error_messages={"invalid": _("用户名只能包含字母、数字和 _ . @ + -，3到40位。")},
    )
    display_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.RegexField(
        label=_("手机号"),
        regex=r"^1[3-9][0-9]{9}$",
        required=False,
        error_messages={"invalid": _("请输入11位手机号。")},
    )
    password = forms.CharField(
        label=_("初始密码"),
        widget=forms.PasswordInput,
        min_length=10,
        help_text=_("至少10位；用户首次登录后应修改。"),
    )

    field_order = ["username", "display_name", "phone", "password", "role", "region", "department"]

    def clean_password(self) -> str:
        from django.contrib.auth.password_validation import validate_password

        password = self.cleaned_data["password"]
        validate_password(password)
        return password
