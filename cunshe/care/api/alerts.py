"""/api/v1/care/alerts/: the live board's alerts, one alert with its timeline, acknowledge and
close — the same selectors and services as the pages (care.alerts; 404 outside the caller's
subtree; a child's alert without care.view_children is masked in the list and 403 in detail).
A second acknowledgement, or closing a closed alert, answers 409 `already_handled`; a stale
`expected_version` on close answers 409 `conflict`.

No `from __future__ import annotations` here: Ninja must see the types at runtime.
"""

from datetime import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Router, Schema
from pydantic import ConfigDict, field_validator

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.care import access
from cunshe.care.models import Alert, Visit
from cunshe.care.selectors import alerts as selectors
from cunshe.care.services import alerts as services
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.services import ConcurrentEdit

router = Router(tags=["care"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class BoardAlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    person_name: str = Field(
        description="儿童告警对无 care.view_children 的角色显示为“儿童（无权查看详情）”"
    )
    child: bool
    hidden: bool
    village_code: str
    village: str
    place: str
    opened_at: datetime
    age_minutes: int
    step: int
    rung: str
    next_rung_in_minutes: int | None = Field(description="已响应或已到最后一级时为 null")
    overdue: bool = Field(description="最后一级的时限也已过，仍无人响应")


class BoardOut(Schema):
    now: datetime
    total: int
    open: int
    acknowledged: int
    overdue: int
    more: bool = Field(description="超过列表上限，只返回最早的部分")
    items: list[BoardAlertOut]


class AlertStepOut(Schema):
    at: datetime
    title: str
    note: str
    recipients: int | None


class AlertOut(Schema):
    id: int
    kind: str
    kind_label: str
    status: str
    person_name: str
    region_code: str
    region_name: str
    opened_at: datetime
    for_date: Any = None
    step: int
    rung: str
    step_due_at: datetime | None
    overdue: bool
    acknowledged_by: str | None
    acknowledged_at: datetime | None
    closed_by: str | None
    closed_at: datetime | None
    close_note: str
    visit_made: bool | None
    version: int
    timeline: list[AlertStepOut]


class CloseIn(Schema):
    model_config = ConfigDict(extra="forbid")

    note: str = Field(min_length=1, max_length=services.MAX_NOTE, description="处置情况（必填）")
    visit_made: bool = Field(description="是否上门")
    visit: int | None = Field(None, ge=1, le=2**63 - 1, description="关联的探访记录 id")
    expected_version: int = Field(ge=1, description="读取该告警时的 version")

    @field_validator("note")
    @classmethod
    def _text(cls, v: str) -> str:
        if "\x00" in v:
            raise ValueError(_("不能包含空字符。"))
        return v


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def _row(r: selectors.BoardRow) -> dict[str, Any]:
    a = r.alert
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": str(Alert.Kind(a.kind).label),
        "status": a.status,
        "person_name": r.name,
        "child": r.child,
        "hidden": r.hidden,
        "village_code": a.region_code[:12],
        "village": r.village,
        "place": r.place,
        "opened_at": a.opened_at,
        "age_minutes": r.age_minutes,
        "step": a.step,
        "rung": services.rung_name(a.step),
        "next_rung_in_minutes": r.next_in_minutes,
        "overdue": r.overdue,
    }


def _detail(alert: Alert) -> dict[str, Any]:
    from django.utils import timezone

    return {
        "id": alert.pk,
        "kind": alert.kind,
        "kind_label": str(Alert.Kind(alert.kind).label),
        "status": alert.status,
        "person_name": alert.person.name,
        "region_code": alert.region_code,
        "region_name": alert.region.name,
        "opened_at": alert.opened_at,
        "for_date": alert.for_date,
        "step": alert.step,
        "rung": services.rung_name(alert.step),
        "step_due_at": alert.step_due_at,
        "overdue": services.is_overdue(alert, timezone.now()),
        "acknowledged_by": str(alert.acknowledged_by) if alert.acknowledged_by_id else None,
        "acknowledged_at": alert.acknowledged_at,
        "closed_by": str(alert.closed_by) if alert.closed_by_id else None,
        "closed_at": alert.closed_at,
        "close_note": alert.close_note,
        "visit_made": alert.visit_made,
        "version": alert.version,
        "timeline": [e.__dict__ for e in selectors.timeline(alert)],
    }


def _already(exc: services.AlreadyHandled) -> ApiError:
    return ApiError(409, "already_handled", exc.messages[0])


@router.get("", response=BoardOut, summary="未关闭的告警（看板：最早的在前）")
def alert_board(request: HttpRequest) -> dict[str, Any]:
    j = _scope(request)
    data = selectors.board(j)
    access.audit_read(
        j, "alerts", count=len(data.shown_ids),
        children=sum(r.child for g in data.villages for r in g.rows), page="api",
    )  # fmt: skip
    return {
        "now": data.now,
        "total": data.total,
        "open": data.open,
        "acknowledged": data.acknowledged,
        "overdue": data.overdue,
        "more": data.more,
        "items": [_row(r) for g in data.villages for r in g.rows],
    }


@router.get("/{alert_id}", response=AlertOut, summary="告警详情与处理经过")
def alert_detail(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    j = _scope(request)
    alert = selectors.get_alert_for(j, alert_id)
    access.audit_read(j, "alert", obj=alert, page="api")
    return _detail(alert)


@router.post("/{alert_id}/acknowledge", response=AlertOut, summary="响应告警（停止逐级上报）")
def alert_acknowledge(request: HttpRequest, alert_id: Id) -> dict[str, Any]:
    j = _scope(request)
    alert = selectors.get_alert_for(j, alert_id)
    try:
        services.alert_acknowledge(actor=request.user, jurisdiction=j, alert=alert)
    except services.AlreadyHandled as exc:
        raise _already(exc) from None
    return _detail(selectors.get_alert_for(j, alert_id))


@router.post("/{alert_id}/close", response=AlertOut, summary="关闭告警（填写处置情况）")
def alert_close(request: HttpRequest, alert_id: Id, payload: CloseIn) -> dict[str, Any]:
    j = _scope(request)
    alert = selectors.get_alert_for(j, alert_id)
    visit = None
    if payload.visit is not None:
        visit = Visit.objects.within(j).select_related("profile").filter(pk=payload.visit).first()
        if visit is None:
            raise ApiError(
                400, "invalid", _("没有这条探访记录。"), {"visit": [_("没有这条探访记录。")]}
            )
    try:
        services.alert_close(
            actor=request.user,
            jurisdiction=j,
            alert=alert,
            note=payload.note,
            visit_made=payload.visit_made,
            visit=visit,
            expected_version=payload.expected_version,
        )
    except services.AlreadyHandled as exc:
        raise _already(exc) from None
    except ConcurrentEdit:
        raise ApiError(
            409, "conflict", _("该告警已被他人修改，请重新读取后再操作。"),
            {"expected_version": []},
        ) from None  # fmt: skip
    return _detail(selectors.get_alert_for(j, alert_id))
