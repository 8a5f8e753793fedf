"""/api/v1/me: who is calling, which role is active, and the caller's own API tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.pagination import paginate
from pydantic import field_validator

from cunshe.accounts import services
from cunshe.accounts.middleware import ACTIVE_ASSIGNMENT_KEY, activate_for_request
from cunshe.accounts.models import ApiToken, RoleAssignment
from cunshe.api.auth import require_session
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.api.tokens import token_of, token_status, tokens_of
from cunshe.core.audit import audit

router = Router(tags=["me"])


class AssignmentOut(Schema):
    id: int
    role: str
    role_label: str
    region_code: str
    region_name: str
    department: str
    department_label: str
    valid_from: date
    valid_to: date | None

    @staticmethod
    def resolve_role_label(a: RoleAssignment) -> str:
        return str(a.get_role_display())

    @staticmethod
    def resolve_region_name(a: RoleAssignment) -> str:
        return a.region.name

    @staticmethod
    def resolve_department_label(a: RoleAssignment) -> str:
        return str(a.get_department_display()) if a.department else ""


class MeOut(Schema):
    id: int
    username: str
    display_name: str
    language: str
    age_friendly: bool
    auth: Literal["session", "token"] = Field(description="本次请求的认证方式")
    active_assignment: AssignmentOut | None
    assignments: list[AssignmentOut] = Field(
        description="有效的角色授权；令牌调用时只有令牌所代表的那一个"
    )


class SwitchIn(Schema):
    assignment_id: int


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    assignment: AssignmentOut
    created_at: datetime
    last_used_at: datetime | None
    expires_at: datetime | None
    revoked_at: datetime | None
    status: Literal["active", "expired", "revoked", "role_ended"]

    @staticmethod
    def resolve_status(token: ApiToken) -> str:
        return token_status(token)


class TokenCreatedOut(TokenOut):
    secret: str = Field(description="完整令牌，只在创建时返回这一次；服务器只保存其散列值")


class TokenIn(Schema):
    name: str = Field(min_length=1, max_length=80)
    assignment_id: int
    expires_at: datetime | None = None

    @field_validator("name")
    @classmethod
    def _strip(cls, value: str) -> str:
        value = value.strip()
        if not value:
            raise ValueError(_("此项不能为空。"))
        return value


def _me(request: HttpRequest) -> dict:
    user = request.user
    return {
        "id": user.pk,
        "username": user.username,
        "display_name": user.display_name,
        "language": user.language,
        "age_friendly": user.age_friendly,
        "auth": "token" if getattr(request, "api_token", None) else "session",
        "active_assignment": request.assignment,
        "assignments": request.assignments,
    }


@router.get("", response=MeOut, summary="当前用户与角色")
def me(request: HttpRequest) -> dict:
    # The middleware (or the token) has already loaded the assignments: no query here.
    return _me(request)


@router.post(
    "/active-assignment",
    response=MeOut,
    summary="切换当前角色（仅限浏览器会话）",
)
def switch_active_assignment(request: HttpRequest, payload: SwitchIn) -> dict:
    require_session(request)
    chosen = next((a for a in request.assignments if a.pk == payload.assignment_id), None)
    if chosen is None:
        raise ApiError(
            400,
            "invalid",
            _("无法切换到该角色。"),
            {"assignment_id": [_("请选择您当前有效的一个角色。")]},
        )
    request.session[ACTIVE_ASSIGNMENT_KEY] = chosen.pk
    activate_for_request(request, request.assignments)
    audit("accounts.role.switched", jurisdiction=chosen.jurisdiction(), obj=chosen)
    return _me(request)


@router.get("/tokens", response=list[TokenOut], summary="我的访问令牌")
@paginate(PagePagination)
def list_tokens(request: HttpRequest) -> QuerySet[ApiToken]:
    return tokens_of(request.user)


@router.post(
    "/tokens",
    response={201: TokenCreatedOut},
    summary="创建访问令牌（仅限浏览器会话；完整令牌只返回一次）",
)
def create_token(request: HttpRequest, payload: TokenIn, response: HttpResponse) -> Status:
    # A leaked token must not be able to mint more tokens.
    require_session(request)
    assignment = next((a for a in request.assignments if a.pk == payload.assignment_id), None)
    if assignment is None:
        raise ApiError(
            400,
            "invalid",
            _("提交的内容有误，请检查后重试。"),
            {"assignment_id": [_("请选择您当前有效的一个角色。")]},
        )
    expires_at = payload.expires_at
    if expires_at is not None:
        if timezone.is_naive(expires_at):
            expires_at = timezone.make_aware(expires_at)
        if expires_at <= timezone.now():
            raise ApiError(
                400,
                "invalid",
                _("提交的内容有误，请检查后重试。"),
                {"expires_at": [_("过期时间必须晚于现在。")]},
            )
    token, secret = services.api_token_create(
        user=request.user, assignment=assignment, name=payload.name, expires_at=expires_at
    )
    token.assignment_live = True
    token.secret = secret
    response["Cache-Control"] = "no-store"
    return Status(201, token)


@router.delete("/tokens/{token_id}", response=TokenOut, summary="撤销访问令牌")
def revoke_token(request: HttpRequest, token_id: int) -> ApiToken:
    token = token_of(request.user, token_id)
    current = getattr(request, "api_token", None)
    if current is not None and current.pk != token.pk:
        # A token may revoke itself (e.g. a script that finds it leaked); only a signed-in person
        # may revoke the others, so a leaked token cannot lock its owner's other clients out.
        require_session(request)
    return services.api_token_revoke(user=request.user, token=token)
