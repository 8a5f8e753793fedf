"""Users, their role assignments (role × region) and personal API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import date

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from cunshe.accounts.roles import DEPARTMENT_ROLES, ROLE_LEVELS, Department, Role
from cunshe.core.fields import BlindIndexField, EncryptedCharField
from cunshe.core.jurisdiction import Jurisdiction, ScopeError


class User(AbstractUser):
    """A person who signs in. Villagers sign in with their phone number as username."""

    display_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = EncryptedCharField(_("手机号"), blind_index="phone_bidx")
    phone_bidx = BlindIndexField()
    language = models.CharField(
        _("界面语言"),
        max_length=10,
        blank=True,
        choices=[("zh-hans", "中文"), ("en", "English"), ("ko", "한국어")],
    )
    age_friendly = models.BooleanField(_("适老化模式"), default=False)

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.display_name or self.username


class RoleAssignmentQuerySet(models.QuerySet):
    def active(self, on: date | None = None) -> RoleAssignmentQuerySet:
        """Assignments in force on `on` (default: today in the platform's time zone)."""
        today = on or timezone.localdate()
        return self.filter(
            revoked_at__isnull=True,
            valid_from__lte=today,
        ).filter(models.Q(valid_to__isnull=True) | models.Q(valid_to__gte=today))

    def within(self, jurisdiction: Jurisdiction | None) -> RoleAssignmentQuerySet:
        if jurisdiction is None:
            raise ScopeError("RoleAssignment query without a jurisdiction")
        return self.filter(jurisdiction.q("region_code"))


class RoleAssignment(models.Model):
    """A user holds a role over a region's subtree from a date, until revoked or ended."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(_("角色"), max_length=30, choices=Role.choices)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_code = models.CharField(max_length=15, editable=False)
    department = models.CharField(_("部门"), max_length=30, choices=Department.choices, blank=True)
    valid_from = models.DateField(_("起始日期"), default=timezone.localdate)
    valid_to = models.DateField(_("截止日期"), null=True, blank=True)
    granted_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    granted_at = models.DateTimeField(auto_now_add=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = RoleAssignmentQuerySet.as_manager()

    class Meta:
        ordering = ["user_id", "region_code", "role"]
        indexes = [
            models.Index(
                fields=["region_code"], name="assignment_region", opclasses=["varchar_pattern_ops"]
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "region", "department"],
                condition=models.Q(revoked_at__isnull=True),
                name="one_live_assignment_per_user_role_region",
            ),
            models.CheckConstraint(
                condition=models.Q(valid_to__isnull=True)
                | models.Q(valid_to__gte=models.F("valid_from")),
                name="assignment_dates_ordered",
            ),
        ]
        verbose_name = _("角色授权")
        verbose_name_plural = _("角色授权")

    def __str__(self) -> str:
        dept = f" {self.get_department_display()}" if self.department else ""
        return f"{self.get_role_display()}{dept} · {self.region.name}"

    def clean(self) -> None:
        if self.region_id and self.region.level not in ROLE_LEVELS.get(self.role, set()):
            raise ValidationError({"region": _("该角色不能授予在这一级区划上。")})
        if self.role in DEPARTMENT_ROLES and not self.department:
            raise ValidationError({"department": _("县级部门干部必须指定部门。")})
        if self.role not in DEPARTMENT_ROLES and self.department:
            raise ValidationError({"department": _("只有县级部门干部需要指定部门。")})

    def save(self, *args, **kwargs) -> None:
        self.region_code = self.region.code
        super().save(*args, **kwargs)

    def jurisdiction(self) -> Jurisdiction:
        """The scope this assignment gives: its region's subtree and its role's permissions."""
        from cunshe.accounts.roles import permissions_for

        return Jurisdiction(
            prefixes=(self.region_code,),
            permissions=permissions_for(self.role, self.department),
            role=self.role,
            user_id=self.user_id,
            assignment_id=self.pk,
            department=self.department,
        )


def _hash_token(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


class ApiToken(models.Model):
    """A personal token for machine clients; only its hash is stored. It acts as one of the
    user's role assignments, never more."""

    user = models.ForeignKey(User, on_delete=models.PROTECT, related_name="api_tokens")
    assignment = models.ForeignKey(RoleAssignment, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(_("名称"), max_length=80)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API令牌")
        verbose_name_plural = _("API令牌")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """A new (full token, prefix, hash); the full token is shown once and never stored."""
        prefix = secrets.token_hex(4)
        secret = secrets.token_urlsafe(32)
        full = f"cst_{prefix}_{secret}"
        return full, prefix, _hash_token(full)

    @staticmethod
    def hash(full: str) -> str:
        return _hash_token(full)

    @property
    def is_live(self) -> bool:
        if self.revoked_at is not None:
            return False
        return self.expires_at is None or self.expires_at > timezone.now()
