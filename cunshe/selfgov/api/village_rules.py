"""/api/v1/selfgov/rules/: 村规民约 and 自治章程 versions over JSON, with the same selectors and
services as the pages. Staff (selfgov.view) read the versions in their jurisdiction; a clerk or
leader (selfgov.manage) records a new version adopted by a passed 村民会议 decision (anything
else is 400 with code "rule", Art. 27 named); the township (selfgov.supervise) records the
filing once. No person is named in any answer (who recorded or filed stays in the audit log).

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
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
from cunshe.selfgov.models import RulesKind, RulesVersion
from cunshe.selfgov.selectors import village_rules as selectors
from cunshe.selfgov.services import village_rules as services

router = Router(tags=["selfgov"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_KINDS = "|".join(RulesKind.values)


class VersionOut(Schema):
    id: int
    region_code: str
    kind: str
    kind_label: str
    number: int
    title: str
    adopted_on: date
    decision_id: int
    filed_on: date | None
    created_at: datetime

    @staticmethod
    def resolve_kind_label(v: RulesVersion) -> str:
        return str(v.get_kind_display())


class VersionDetailOut(VersionOut):
    text: str
    filing_note: str
    meeting_id: int
    meeting_title: str

    @staticmethod
    def resolve_meeting_id(v: RulesVersion) -> int:
        return v.decision.agenda_item.meeting_id

    @staticmethod
    def resolve_meeting_title(v: RulesVersion) -> str:
        return v.decision.agenda_item.meeting.title


class AdoptIn(Schema):
    village: str = Field(..., pattern=r"^\d{12}$", description="村的12位区划代码")
    kind: str = Field(..., pattern=f"^({_KINDS})$")
    title: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=100_000)
    decision: int = Field(..., ge=1, description="通过它的本村村民会议决议")


class FileIn(Schema):
    filed_on: date
    note: str = Field("", max_length=300)


class VersionQuery(Schema):
    unfiled: bool = Field(False, description="只列未备案的版本")


def _scope(request: HttpRequest, perm: str = selectors.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


def _rule(exc: ValidationError) -> ApiError:
    fields = fields_from_django(exc)
    first = next(iter(fields.values()))[0]
    return ApiError(400, "rule", first, fields)


@router.get("", response=list[VersionOut], summary="村规民约、自治章程各版本")
@paginate(CursorPagination, ordering="-id")
def version_list(request: HttpRequest, filters: Query[VersionQuery], **kwargs: Any) -> QuerySet:
    return selectors.versions_for(_scope(request), unfiled=filters.unfiled)


@router.get("/{version_id}", response=VersionDetailOut, summary="版本全文、通过的会议与备案")
def version_detail(request: HttpRequest, version_id: Id) -> RulesVersion:
    return selectors.get_version_for(_scope(request), version_id)


@router.post("", response={201: VersionDetailOut}, summary="登记村民会议通过的新版本")
def version_adopt(request: HttpRequest, payload: AdoptIn) -> Status:
    j = _scope(request, services.MANAGE)
    village = (
        Region.objects.within(j)
        .filter(code=payload.village, level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .first()
    )
    if village is None:
        raise ValidationError({"village": _("没有这个村，或不在您的管辖范围内。")})
    decision = selectors.decision_in(j, payload.decision)
    if decision is None:
        raise ValidationError({"decision": _("没有这个决议，或不在您的管辖范围内。")})
    try:
        row = services.rules_adopt(
            actor=request.user, jurisdiction=j, village=village, kind=payload.kind,
            title=payload.title, text=payload.text, decision=decision,
        )  # fmt: skip
    except ValidationError as exc:
        raise _rule(exc) from None
    return Status(201, selectors.get_version_for(j, row.pk))


@router.post("/{version_id}/filing", response=VersionDetailOut, summary="乡镇登记备案（一次）")
def version_file(request: HttpRequest, version_id: Id, payload: FileIn) -> RulesVersion:
    j = _scope(request)
    row = selectors.get_version_for(j, version_id, need=services.SUPERVISE)
    try:
        services.rules_file(
            actor=request.user, jurisdiction=j, version=row, filed_on=payload.filed_on,
            note=payload.note,
        )  # fmt: skip
    except ValidationError as exc:
        raise _rule(exc) from None
    return selectors.get_version_for(j, version_id)
