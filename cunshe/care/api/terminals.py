"""/api/v1/care/terminals/: the terminal register (staff, care.terminals) and the events
endpoint devices post to (no account: each message is authenticated by its own signature).

Wearers' names are clear for roles that may unmask register data and masked otherwise; call-back
phones are always masked; secrets appear once, in the answer that made them. Every read of the
register is audited (it names cared-for people).

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

import json
from datetime import datetime, time
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.care import ingest
from cunshe.care.access import audit_read
from cunshe.care.models import Terminal, TerminalEvent
from cunshe.care.rules import rule
from cunshe.care.selectors import terminals as selectors
from cunshe.care.services import terminals as services
from cunshe.core.access import require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.masking import mask_name, mask_phone

router = Router(tags=["care"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
MAX_BATCH = 500
UNMASK = "residents.unmask"
_STATES = "online|offline|inactive|low_battery|removed"


def _no_nul(value: str | None) -> str | None:
    if value is not None and "\x00" in value:
        raise ValueError(_("不能包含空字符。"))
    return value


# --- schemas ----------------------------------------------------------------------------------


class TerminalOut(Schema):
    id: int
    serial: str
    person_id: int
    person_name: str = Field(description="佩戴人姓名；无 residents.unmask 权限时脱敏")
    region_code: str
    region_name: str
    model_name: str
    callback_phone_masked: str
    active: bool
    checkin_start: time | None
    checkin_end: time | None
    last_seen_at: datetime | None
    last_checkin_at: datetime | None
    battery: int | None
    worn: bool
    online: bool
    bad_signature_count: int
    version: int
    created_at: datetime

    @staticmethod
    def resolve_person_name(t: Terminal, context: dict[str, Any]) -> str:
        request = (context or {}).get("request")
        j = getattr(request, "jurisdiction", None)
        if j is not None and j.has_perm(UNMASK):
            return t.person.name
        return mask_name(t.person.name)

    @staticmethod
    def resolve_region_name(t: Terminal) -> str:
        return t.region.name

    @staticmethod
    def resolve_callback_phone_masked(t: Terminal) -> str:
        return mask_phone(t.callback_phone)

    @staticmethod
    def resolve_online(t: Terminal) -> bool:
        return t.active and selectors.is_online(t)


class TerminalEventOut(Schema):
    event_id: str
    kind: str
    occurred_at: datetime
    received_at: datetime
    source: str
    battery: int | None


class TerminalDetailOut(TerminalOut):
    events: list[TerminalEventOut]

    @staticmethod
    def resolve_events(t: Terminal) -> list[TerminalEvent]:
        return selectors.terminal_events(t)


class TerminalCreatedOut(TerminalOut):
    secret: str = Field(description="签名密钥：只在本次返回，请写入终端")


class SecretOut(Schema):
    id: int
    serial: str
    secret: str = Field(description="新的签名密钥：只在本次返回，旧密钥立即失效")
    version: int


class TerminalQuery(Schema):
    q: str = Field("", max_length=40, description="序列号前缀或佩戴人姓名")
    state: str = Field("", pattern=f"^(|{_STATES})$", description="在线状态等")


class TerminalIn(Schema):
    serial: str = Field(..., min_length=1, max_length=40)
    person_id: int = Field(..., ge=1, le=2**63 - 1)
    callback_phone: str = Field(..., min_length=1, max_length=30)
    model_name: str = Field("", max_length=60)
    checkin_start: time | None = Field(None, description="每日签到开始（本地时间）；缺省用规则")
    checkin_end: time | None = None


class TerminalPatch(Schema):
    version: int = Field(..., ge=1, description="读取时的 version；已被他人修改时返回 409")
    person_id: int | None = Field(None, ge=1, le=2**63 - 1)
    callback_phone: str | None = Field(None, min_length=1, max_length=30)
    model_name: str | None = Field(None, max_length=60)
    checkin_start: time | None = None
    checkin_end: time | None = None


class DeactivateIn(Schema):
    reason: str = Field(..., min_length=1, max_length=200)
    version: int | None = Field(None, ge=1)


class IngestOut(Schema):
    results: list[dict[str, str]] = Field(
        description="每条消息的结果（与提交顺序相同）：accepted / duplicate / parked / "
        "rejected（附 reason）"
    )
    counts: dict[str, int]


# --- helpers ----------------------------------------------------------------------------------


def _scope(request: HttpRequest) -> Jurisdiction:
    return require_perm(
        request_jurisdiction(request), services.TERMINALS, action="care.permission.denied"
    )


def _conflict() -> ApiError:
    return ApiError(409, "conflict", _("该终端已被他人修改，请重新读取后再操作。"), {"version": []})


def _person(j: Jurisdiction, person_id: int | None) -> Any:
    if person_id is None:
        return None
    person = selectors.persons_for_terminals(j).filter(pk=person_id).first()
    if person is None:
        raise ValidationError({"person_id": _("请选择本辖区登记在册的人员。")})
    return person


def _fields(exc: ValidationError) -> ValidationError:
    """Service field names → API field names (person → person_id)."""
    if hasattr(exc, "error_dict") and "person" in exc.error_dict:
        exc.error_dict["person_id"] = exc.error_dict.pop("person")
    return exc


def _detail(j: Jurisdiction, pk: int) -> Terminal:
    terminal = selectors.get_terminal_for(j, pk)
    audit_read(j, "terminal", obj=terminal)
    return terminal


# --- the register -----------------------------------------------------------------------------


@router.get("", response=list[TerminalOut], summary="呼叫终端列表")
@paginate(PagePagination)
def terminal_list(request: HttpRequest, filters: Query[TerminalQuery], **kwargs: Any) -> QuerySet:
    j = _scope(request)
    audit_read(j, "terminals", q=bool(filters.q), state=filters.state)
    return selectors.terminal_list(j, selectors.TerminalFilters(q=filters.q, state=filters.state))


@router.post("", response={201: TerminalCreatedOut}, summary="登记呼叫终端")
def terminal_create(request: HttpRequest, payload: TerminalIn) -> Any:
    j = _scope(request)
    try:
        terminal, secret = services.terminal_register(
            actor=request.user,
            jurisdiction=j,
            person=_person(j, payload.person_id),
            serial=payload.serial,
            callback_phone=_no_nul(payload.callback_phone) or "",
            model_name=_no_nul(payload.model_name) or "",
            checkin_start=payload.checkin_start,
            checkin_end=payload.checkin_end,
        )
    except ValidationError as exc:
        raise _fields(exc) from None
    out = selectors.get_terminal_for(j, terminal.pk)
    out.secret = secret  # type: ignore[attr-defined]
    return Status(201, out)


@router.get("/{int:terminal_id}", response=TerminalDetailOut, summary="呼叫终端详情与最近事件")
def terminal_detail(request: HttpRequest, terminal_id: Id) -> Terminal:
    j = require_jurisdiction(getattr(request, "jurisdiction", None))
    return _detail(j, terminal_id)


@router.patch("/{int:terminal_id}", response=TerminalOut, summary="修改呼叫终端")
def terminal_patch(request: HttpRequest, terminal_id: Id, payload: TerminalPatch) -> Terminal:
    j = require_jurisdiction(getattr(request, "jurisdiction", None))
    terminal = selectors.get_terminal_for(j, terminal_id)
    given = payload.model_fields_set
    try:
        services.terminal_update(
            actor=request.user,
            jurisdiction=j,
            terminal=terminal,
            version=payload.version,
            person=_person(j, payload.person_id),
            callback_phone=_no_nul(payload.callback_phone),
            model_name=_no_nul(payload.model_name),
            checkin_start=payload.checkin_start,
            checkin_end=payload.checkin_end,
            window=bool({"checkin_start", "checkin_end"} & given),
        )
    except services.ConcurrentEdit:
        raise _conflict() from None
    except ValidationError as exc:
        raise _fields(exc) from None
    return selectors.get_terminal_for(j, terminal_id)


@router.post("/{int:terminal_id}/deactivate", response=TerminalOut, summary="停用呼叫终端")
def terminal_deactivate(request: HttpRequest, terminal_id: Id, payload: DeactivateIn) -> Terminal:
    j = require_jurisdiction(getattr(request, "jurisdiction", None))
    terminal = selectors.get_terminal_for(j, terminal_id)
    try:
        services.terminal_set_active(
            actor=request.user,
            jurisdiction=j,
            terminal=terminal,
            active=False,
            reason=_no_nul(payload.reason) or "",
            version=payload.version,
        )
    except services.ConcurrentEdit:
        raise _conflict() from None
    return selectors.get_terminal_for(j, terminal_id)


@router.post("/{int:terminal_id}/reset-secret", response=SecretOut, summary="重置签名密钥")
def terminal_reset_secret(request: HttpRequest, terminal_id: Id) -> dict[str, Any]:
    j = require_jurisdiction(getattr(request, "jurisdiction", None))
    terminal = selectors.get_terminal_for(j, terminal_id)
    terminal, secret = services.terminal_reset_secret(
        actor=request.user, jurisdiction=j, terminal=terminal
    )
    return {
        "id": terminal.pk,
        "serial": terminal.serial,
        "secret": secret,
        "version": terminal.version,
    }


# --- devices ----------------------------------------------------------------------------------

_EVENTS_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/json": {
                "schema": {
                    "oneOf": [
                        {"type": "object"},
                        {"type": "array", "items": {"type": "object"}, "maxItems": MAX_BATCH},
                    ]
                },
                "example": {
                    "v": 1,
                    "id": "20260501T080000-0001",
                    "device": "860000000000001",
                    "type": "checkin",
                    "at": "2026-05-01T08:00:00+08:00",
                    "battery": 83,
                    "sig": "<hex HMAC-SHA256, see docs/terminals.md>",
                },
            }
        },
    }
}


@router.post(
    "/events",
    response=IngestOut,
    auth=None,
    summary="终端上报事件（一条或最多500条的数组；按每条消息的签名认证）",
    openapi_extra=_EVENTS_BODY,
)
def events_ingest(request: HttpRequest) -> dict[str, Any]:
    limit = (MAX_BATCH + 1) * rule("MAX_MESSAGE_BYTES")
    if len(request.body) > limit:
        raise ApiError(413, "too_large", _("请求过大：一次最多提交500条消息。"))
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError, RecursionError):  # RecursionError: deep nesting
        raise ApiError(400, "bad_request", _("请求内容不是有效的 JSON。")) from None
    if isinstance(body, dict):
        messages = [body]
    elif isinstance(body, list) and body:
        messages = body
    else:
        raise ApiError(400, "bad_request", _("请提交一条消息（JSON 对象）或消息数组。"))
    if len(messages) > MAX_BATCH:
        raise ApiError(413, "too_large", _("请求过大：一次最多提交500条消息。"))
    # Array items that are not objects are rejected as malformed, one by one.
    result = ingest.ingest_batch(
        [m if isinstance(m, dict) else b"" for m in messages], TerminalEvent.Source.HTTP
    )
    return {"results": [r.as_dict() for r in result.results], "counts": result.counts}
