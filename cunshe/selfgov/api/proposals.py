"""/api/v1/selfgov/proposals/: proposals and co-signatures (Art. 21) over JSON, with the same
selectors and services as the pages. Staff (selfgov.view) read every proposal in their
jurisdiction with the co-signers' names; a villager (selfgov.participate) reads those of their
village with counts only, proposes and co-signs for themself. A clerk or leader
(selfgov.manage) records a paper proposal or signature for a named villager (`person` /
`proposer`: the register id) and links the 村民会议 convened at the villagers' request.

A refusal by a rule (a second signature, a child, a meeting convened by the committee) is 400
with code "rule" and the message; a stale `expected_version` is 409.
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
from cunshe.selfgov.models import Meeting, Proposal
from cunshe.selfgov.selectors import proposals as selectors
from cunshe.selfgov.selectors.bodies import person_in
from cunshe.selfgov.services import proposals as services

router = Router(tags=["selfgov"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_STATUSES = "|".join(Proposal.Status.values)


class ProposalOut(Schema):
    """Counts only: no names (the list is the same for villagers and staff)."""

    id: int
    region_code: str
    title: str
    status: str
    status_label: str
    on_paper: bool
    villager_signatures: int
    representative_signatures: int
    reached_on: date | None
    reached_by: str
    convene_by: date | None
    overdue: bool
    meeting_id: int | None
    version: int
    created_at: datetime

    @staticmethod
    def resolve_status_label(p: Proposal) -> str:
        return str(p.get_status_display())

    @staticmethod
    def resolve_overdue(p: Proposal) -> bool:
        return selectors.is_overdue(p)


class StandingOut(Schema):
    adults: int
    representatives: int
    villager_signatures: int
    representative_signatures: int
    villagers_needed: int
    representatives_needed: int
    by_villagers: bool
    by_representatives: bool


class SignatureOut(Schema):
    person_id: int
    name: str
    as_villager: bool
    as_representative: bool
    on_paper: bool
    signed_at: datetime

    @staticmethod
    def resolve_name(s: Any) -> str:
        return s.person.name


class ProposalDetailOut(ProposalOut):
    text: str
    standing: StandingOut
    signed: bool = Field(description="村民本人是否已联署（工作人员恒为 false）")
    proposer_name: str | None = Field(None, description="仅工作人员可见")
    signatures: list[SignatureOut] | None = Field(
        None, alias="signatures_out", description="联署人名单，仅工作人员可见"
    )


class ProposalIn(Schema):
    village: str = Field(..., pattern=r"^\d{12}$", description="村的12位区划代码")
    title: str = Field(..., min_length=1, max_length=services.MAX_TITLE)
    text: str = Field(..., min_length=1, max_length=services.MAX_TEXT)
    proposer: int | None = Field(None, ge=1, description="村委会代录纸质提议：提议村民的登记编号")


class SignIn(Schema):
    person: int | None = Field(None, ge=1, description="村委会代录纸质联署：村民的登记编号")


class LinkIn(Schema):
    meeting: int = Field(..., ge=1, description="按村民或村民代表提议召集的本村村民会议")
    expected_version: int | None = Field(None, ge=1, description="读取时的version；不符则409")


class ProposalQuery(Schema):
    status: str = Field("", pattern=f"^({_STATUSES})?$")


def _scope(request: HttpRequest) -> Jurisdiction:
    return request_jurisdiction(request)


def _rule(exc: ValidationError) -> ApiError:
    fields = fields_from_django(exc)
    first = next(iter(fields.values()))[0]
    return ApiError(400, "rule", first, fields)


def _detail(request: HttpRequest, j: Jurisdiction, pk: int) -> Proposal:
    """The proposal with its standing; names (proposer, co-signers) only for staff."""
    p = selectors.get_proposal_for(j, pk)
    staff = j.has_perm(selectors.VIEW)
    me = None
    if not j.has_perm(services.MANAGE) and j.has_perm(services.PARTICIPATE):
        me = selectors.person_of_user(j, p.region_code, request.user)
    p.standing = selectors.standing(j, p)  # type: ignore[attr-defined]
    p.signed = selectors.has_signed(p, me)  # type: ignore[attr-defined]
    p.proposer_name = p.proposer.name if staff else None  # type: ignore[attr-defined]
    p.signatures_out = selectors.signatures_of(p) if staff else None  # type: ignore[attr-defined]
    return p


@router.get("", response=list[ProposalOut], summary="村民提议列表（联署人数与召集期限）")
@paginate(CursorPagination, ordering="-created_at")
def proposal_list(request: HttpRequest, filters: Query[ProposalQuery], **kwargs: Any) -> QuerySet:
    return selectors.proposals_for(_scope(request), status=filters.status)


@router.get("/{proposal_id}", response=ProposalDetailOut, summary="提议详情与联署情况")
def proposal_detail(request: HttpRequest, proposal_id: Id) -> Proposal:
    return _detail(request, _scope(request), proposal_id)


@router.post("", response={201: ProposalDetailOut}, summary="提出提议（提议人即第一个联署人）")
def proposal_create(request: HttpRequest, payload: ProposalIn) -> Status:
    j = _scope(request)
    if not (j.has_perm(services.MANAGE) or j.has_perm(services.PARTICIPATE)):
        require_perm(j, services.PARTICIPATE)  # audited 403
    village = (
        Region.objects.within(j)
        .filter(code=payload.village, level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .first()
    )
    if village is None:
        raise ValidationError({"village": _("没有这个村，或不在您的管辖范围内。")})
    proposer = None
    if payload.proposer is not None:
        proposer = person_in(j, village.code, payload.proposer)
        if proposer is None:
            raise ValidationError({"proposer": _("本村没有这个登记编号的村民。")})
    try:
        p = services.proposal_create(
            actor=request.user, jurisdiction=j, village=village, title=payload.title,
            text=payload.text, proposer=proposer,
        )  # fmt: skip
    except ValidationError as exc:
        raise _rule(exc) from None
    return Status(201, _detail(request, j, p.pk))


@router.post("/{proposal_id}/signatures", response={201: ProposalDetailOut}, summary="联署")
def proposal_sign(request: HttpRequest, proposal_id: Id, payload: SignIn) -> Status:
    j = _scope(request)
    p = selectors.get_proposal_for(j, proposal_id)  # 404 outside the jurisdiction
    person = None
    if payload.person is not None and j.has_perm(services.MANAGE):
        person = person_in(j, p.region_code, payload.person)
        if person is None:
            raise ValidationError({"person": _("本村没有这个登记编号的村民。")})
    try:
        services.proposal_sign(actor=request.user, jurisdiction=j, proposal=p, person=person)
    except ValidationError as exc:
        raise _rule(exc) from None
    return Status(201, _detail(request, j, p.pk))


@router.post("/{proposal_id}/meeting", response=ProposalDetailOut, summary="关联召集的村民会议")
def proposal_link(request: HttpRequest, proposal_id: Id, payload: LinkIn) -> Proposal:
    j = _scope(request)
    p = selectors.get_proposal_for(j, proposal_id, need=services.MANAGE)
    meeting = Meeting.objects.within(j).filter(pk=payload.meeting).first()
    if meeting is None:
        raise ValidationError({"meeting": _("没有这个会议，或不在您的管辖范围内。")})
    try:
        services.proposal_link_meeting(
            actor=request.user, jurisdiction=j, proposal=p, meeting=meeting,
            expected_version=payload.expected_version,
        )  # fmt: skip
    except ValidationError as exc:
        raise _rule(exc) from None
    except services.ConcurrentEdit:
        raise ApiError(
            409, "conflict", _("该提议已被他人修改，请重新读取后再操作。"), {"expected_version": []}
        ) from None
    return _detail(request, j, p.pk)
