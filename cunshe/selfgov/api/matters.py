"""/api/v1/selfgov/matters/: 四议两公开 matters, scoped like the pages. A step names its record by
id (meeting, decision or disclosure); a skipped step, a wrong record or a failed decision is a
400 naming the rule; a stale `expected_version` is a 409.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError, fields_from_django
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Kind, Level, Region
from cunshe.selfgov.models import Decision, Disclosure, Matter, MatterCategory, Meeting
from cunshe.selfgov.selectors import matters as selectors
from cunshe.selfgov.services import matters as services

router = Router(tags=["selfgov"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_CATEGORIES = "|".join(MatterCategory.values)


class StepOut(Schema):
    number: int
    label: str
    done: bool
    current: bool
    at: datetime | None
    record: str
    meeting_id: int | None
    disclosure_id: int | None


class MatterOut(Schema):
    id: int
    title: str
    category: str
    category_label: str
    region_code: str
    step: int
    version: int
    created_at: datetime

    @staticmethod
    def resolve_category_label(m: Matter) -> str:
        return str(m.get_category_display())


class MatterDetailOut(MatterOut):
    description: str
    steps: list[StepOut]

    @staticmethod
    def resolve_steps(m: Matter) -> list[selectors.StepView]:
        return selectors.progress(m)


class MatterIn(Schema):
    village: str = Field(..., pattern=r"^\d{12}$", description="村的12位区划代码")
    title: str = Field(..., min_length=1, max_length=200)
    category: str = Field(..., pattern=f"^({_CATEGORIES})$")
    description: str = Field("", max_length=4000)


class StepIn(Schema):
    step: int = Field(..., ge=1, le=6, description="下一步的序号（1–6，须依次进行）")
    meeting: int | None = Field(None, ge=1, description="第1–3步：会议记录")
    decision: int | None = Field(None, ge=1, description="第4步：会议决议")
    disclosure: int | None = Field(None, ge=1, description="第5–6步：关联本事项的公开")
    note: str = Field("", max_length=300)
    expected_version: int | None = Field(None, ge=1, description="读取时的version；不符则409")


class MatterQuery(Schema):
    step: int | None = Field(None, ge=0, le=6, description="已完成到第几步")


def _scope(request: HttpRequest, perm: str = selectors.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


@router.get("", response=list[MatterOut], summary="四议两公开事项列表")
@paginate(CursorPagination, ordering="-created_at")
def matter_list(request: HttpRequest, filters: Query[MatterQuery], **kwargs: Any) -> QuerySet:
    return selectors.matters_for(_scope(request), step=filters.step)


@router.get("/{matter_id}", response=MatterDetailOut, summary="事项详情与六步进度")
def matter_detail(request: HttpRequest, matter_id: Id) -> Matter:
    return selectors.get_matter_for(_scope(request), matter_id)


@router.post("", response={201: MatterDetailOut}, summary="新建四议两公开事项")
def matter_create(request: HttpRequest, payload: MatterIn) -> Status:
    j = _scope(request, services.MANAGE)
    village = (
        Region.objects.within(j)
        .filter(code=payload.village, level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .first()
    )
    if village is None:
        raise ValidationError({"village": _("没有这个村，或不在您的管辖范围内。")})
    matter = services.matter_create(
        actor=request.user, jurisdiction=j, village=village, title=payload.title,
        category=payload.category, description=payload.description,
    )  # fmt: skip
    return Status(201, selectors.get_matter_for(j, matter.pk))


def _record(j: Jurisdiction, model: type, pk: int | None, field: str) -> Any:
    if pk is None:
        return None
    if model is Decision:
        meetings = Meeting.objects.within(j)
        row = (
            Decision.objects.select_related("agenda_item__meeting")
            .filter(pk=pk, agenda_item__meeting__in=meetings)
            .first()
        )
    else:
        row = model.objects.within(j).filter(pk=pk).first()
    if row is None:
        raise ValidationError({field: _("没有这项记录，或不在您的管辖范围内。")})
    return row


@router.post("/{matter_id}/steps", response=MatterDetailOut, summary="记录下一步（须依次进行）")
def matter_step(request: HttpRequest, matter_id: Id, payload: StepIn) -> Matter:
    j = _scope(request)
    matter = selectors.get_matter_for(j, matter_id)  # 404 outside the jurisdiction
    # Steps 5 and 6 are publications (selfgov.disclose), the others selfgov.manage: audited 403.
    require_perm(j, services.DISCLOSE if payload.step >= 5 else services.MANAGE)
    try:
        services.matter_advance(
            actor=request.user,
            jurisdiction=j,
            matter=matter,
            step=payload.step,
            meeting=_record(j, Meeting, payload.meeting, "meeting"),
            decision=_record(j, Decision, payload.decision, "decision"),
            disclosure=_record(j, Disclosure, payload.disclosure, "disclosure"),
            note=payload.note,
            expected_version=payload.expected_version,
        )
    except ValidationError as exc:
        # The rule broken is the message, so a client shows it as the page does.
        fields = fields_from_django(exc)
        first = next(iter(fields.values()))[0]
        raise ApiError(400, "rule", first, fields) from None
    except services.ConcurrentEdit:
        raise ApiError(
            409, "conflict", _("该事项已被他人修改，请重新读取后再操作。"), {"expected_version": []}
        ) from None
    return selectors.get_matter_for(j, matter_id)
