"""/api/v1/volunteering/records/: certificates (list, issue) and the public certificate check
(no sign-in; the same fields as the public page: nothing personal but a masked name).

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.errors import ApiError
from cunshe.api.pagination import PagePagination
from cunshe.core.access import require_perm
from cunshe.volunteering.models import Certificate
from cunshe.volunteering.selectors import records as sel
from cunshe.volunteering.selectors import volunteers as vol_sel
from cunshe.volunteering.services import certificates as svc

router = Router(tags=["volunteering"])
Id = Annotated[int, Path(ge=1, le=2**63 - 1)]


class VolCertificateOut(Schema):
    id: int
    number: str
    volunteer_id: int
    volunteer_number: str
    issuer_name: str
    period_from: date | None
    period_to: date
    minutes: int
    star: int
    activities: int
    issued_at: datetime
    revoked_at: datetime | None
    revoke_reason: str
    verify_url: str
    pdf_sha256: str

    @staticmethod
    def resolve_volunteer_number(c: Certificate) -> str:
        return c.volunteer.number

    @staticmethod
    def resolve_verify_url(c: Certificate) -> str:
        return svc.verify_path(c.token)


class VolCertificateIn(Schema):
    issuer_name: str = Field("", max_length=100)
    organisation_id: int | None = Field(None, ge=1, le=2**63 - 1)
    period_from: date | None = None
    period_to: date | None = None


class VolCertificateCheckOut(Schema):
    number: str
    name_masked: str
    minutes: int
    star: int
    activities: int
    issuer_name: str
    issued_on: date
    period_from: date | None
    period_to: date
    valid: bool
    revoked_on: date | None


@router.get(
    "/volunteers/{volunteer_id}/certificates",
    response=list[VolCertificateOut],
    summary="志愿者的服务证明",
)
@paginate(PagePagination)
def certificate_list(request: HttpRequest, volunteer_id: Id, **kwargs: Any) -> Any:
    j = require_perm(request_jurisdiction(request), vol_sel.VIEW)
    v = vol_sel.get_volunteer_for(j, volunteer_id)
    return sel.certificates_for(j, v)


@router.post(
    "/volunteers/{volunteer_id}/certificates",
    response={201: VolCertificateOut},
    summary="出具志愿服务证明",
)
def certificate_issue(request: HttpRequest, volunteer_id: Id, payload: VolCertificateIn) -> Any:
    j = require_perm(request_jurisdiction(request), vol_sel.VIEW)
    v = vol_sel.get_volunteer_for(j, volunteer_id, need=vol_sel.MANAGE)
    org = None
    if payload.organisation_id:
        org = (
            vol_sel.organisations_above(j, v.region_code).filter(pk=payload.organisation_id).first()
        )
        if org is None:
            raise ApiError(404, "not_found", "没有找到该组织。")
    cert = svc.certificate_issue(
        actor=request.user, jurisdiction=j, volunteer=v, organisation=org,
        issuer_name=payload.issuer_name, period_from=payload.period_from,
        period_to=payload.period_to, base_url=request.build_absolute_uri("/"),
    )  # fmt: skip
    return Status(201, cert)


@router.get(
    "/certificates/check/{token}",
    response=VolCertificateCheckOut,
    auth=None,
    summary="公开核验志愿服务证明（无需登录）",
)
def certificate_check(request: HttpRequest, token: Annotated[str, Path(max_length=32)]) -> Any:
    return sel.public_certificate(token)
