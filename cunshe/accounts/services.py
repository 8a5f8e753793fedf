"""Writes about users and roles; each one audited."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.accounts.models import ApiToken, RoleAssignment, User
from cunshe.accounts.roles import ADMIN_ROLES
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Region


def _may_grant(jurisdiction: Jurisdiction) -> None:
    if not jurisdiction.has_perm("accounts.manage_users"):
        raise PermissionDenied("accounts.manage_users")


@transaction.atomic
def role_assign(
    *,
    actor: User | None,
    jurisdiction: Jurisdiction,
    user: User,
    role: str,
    region: Region,
    department: str = "",
    valid_from: date | None = None,
    valid_to: date | None = None,
) -> RoleAssignment:
    """Grant `role` over `region` to `user`. Nobody grants themselves a role, and the region must
    lie inside the granter's jurisdiction (三权分立: only the security administrator grants)."""
    _may_grant(jurisdiction)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("不能给自己授予角色。"))
    if not jurisdiction.covers(region.code):
        raise PermissionDenied(_("该区划不在您的管辖范围内。"))
    held_admin = set(
        RoleAssignment.objects.active()
        .filter(user=user, role__in=ADMIN_ROLES)
        .values_list("role", flat=True)
    )
    if role in ADMIN_ROLES and held_admin - {role}:
        raise ValidationError(_("系统、安全、审计三个管理员角色不能由同一人兼任。"))
    assignment = RoleAssignment(
        user=user,
        role=role,
        region=region,
        department=department,
        valid_from=valid_from or timezone.localdate(),
        valid_to=valid_to,
        granted_by=actor,
    )
    assignment.full_clean(exclude=["granted_by", "revoked_by"])
    assignment.save()
    audit(
        "accounts.role.granted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=assignment,
        detail={
            "user_id": user.pk,
            "role": role,
            "region_code": region.code,
            "department": department,
        },
    )
    return assignment


@transaction.atomic
def role_revoke(
    *, actor: User | None, jurisdiction: Jurisdiction, assignment: RoleAssignment
) -> RoleAssignment:
    """End an assignment now; the row stays as history."""
    _may_grant(jurisdiction)
    if actor is not None and actor.pk == assignment.user_id:
        raise PermissionDenied(_("不能撤销自己的角色。"))
    if not jurisdiction.covers(assignment.region_code):
        raise PermissionDenied(_("该区划不在您的管辖范围内。"))
    assignment.revoked_at = timezone.now()
    assignment.revoked_by = actor
    assignment.save(update_fields=["revoked_at", "revoked_by"])
    audit(
        "accounts.role.revoked",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=assignment,
        detail={
            "user_id": assignment.user_id,
            "role": assignment.role,
            "region_code": assignment.region_code,
        },
    )
    return assignment


def user_set_preferences(
    *, user: User, language: str | None = None, age_friendly: bool | None = None
) -> User:
    """Remember the interface language and the age-friendly mode for this user."""
    fields = []
    if language is not None:
        user.language = language
        fields.append("language")
    if age_friendly is not None:
        user.age_friendly = age_friendly
        fields.append("age_friendly")
    if fields:
        user.save(update_fields=fields)
    return user


@transaction.atomic
def api_token_create(
    *, user: User, assignment: RoleAssignment, name: str, expires_at=None
) -> tuple[ApiToken, str]:
    """A new personal token acting as `assignment`; returns it with the secret shown once."""
    if assignment.user_id != user.pk:
        raise PermissionDenied(_("只能为自己的角色创建令牌。"))
    full, prefix, digest = ApiToken.generate()
    token = ApiToken.objects.create(
        user=user,
        assignment=assignment,
        name=name,
        prefix=prefix,
        token_hash=digest,
        expires_at=expires_at,
    )
    audit(
        "accounts.api_token.created", actor=user, obj=token, detail={"assignment_id": assignment.pk}
    )
    return token, full


@transaction.atomic
def api_token_revoke(*, user: User, token: ApiToken) -> ApiToken:
    if token.user_id != user.pk:
        raise PermissionDenied
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit("accounts.api_token.revoked", actor=user, obj=token)
    return token


@transaction.atomic
def user_create(
    *,
    actor: User,
    jurisdiction: Jurisdiction,
    username: str,
    display_name: str,
    password: str,
    phone: str = "",
    role: str,
    region: Region,
    department: str = "",
) -> User:
    """Create an account together with its first role (an account with no role sees nothing)."""
    _may_grant(jurisdiction)
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("该用户名已被使用。")})
    user = User(username=username, display_name=display_name, phone=phone)
    user.set_password(password)
    user.save()
    audit("accounts.user.created", actor=actor, jurisdiction=jurisdiction, obj=user)
    role_assign(
        actor=actor,
        jurisdiction=jurisdiction,
        user=user,
        role=role,
        region=region,
        department=department,
    )
    return user


def totp_device_for(user: User) -> tuple[Any, bool]:
    """The user's confirmed TOTP device, or an unconfirmed one to enrol (created once and
    reused, so a reload does not change the secret): (device, enrolling)."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is not None:
        return device, False
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="default", confirmed=False)
    return device, True


def totp_confirm(*, user: User, device: Any) -> None:
    """The first correct code confirms an enrolment."""
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    audit("accounts.two_factor.enrolled", actor=user, obj=device)
