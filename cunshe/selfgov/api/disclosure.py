"""/api/v1/selfgov/disclosures/: 村务公开 for staff (items, questions with askers' names, the
village's dues, the township's overdue list) and villagers' questions, scoped like the pages.
Published items are never edited: a correction is a new item with `corrects`.

No `from __future__ import annotations` here: Ninja must see `Query[...]` as a real type.
"""

from datetime import date, datetime
from typing import Annotated, Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Path, Query, Router, Schema, Status
from ninja.pagination import paginate

from cunshe.api.auth import request_jurisdiction
from cunshe.api.pagination import CursorPagination
from cunshe.core.access import require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Kind, Level, Region
from cunshe.selfgov.models import Disclosure, DisclosureCategory, DisclosureQuestion
from cunshe.selfgov.selectors import disclosure as selectors
from cunshe.selfgov.selectors import matters as matter_selectors
from cunshe.selfgov.services import disclosure as services

router = Router(tags=["selfgov"])

Id = Annotated[int, Path(ge=1, le=2**63 - 1)]
_CATEGORIES = "|".join(DisclosureCategory.values)


class DisclosureOut(Schema):
    id: int
    region_code: str
    category: str
    category_label: str
    title: str
    period_start: date | None
    period_end: date | None
    published_at: datetime
    corrects_id: int | None
    matter_id: int | None
    waiting_questions: int

    @staticmethod
    def resolve_category_label(d: Disclosure) -> str:
        return str(d.get_category_display())

    @staticmethod
    def resolve_waiting_questions(d: Disclosure) -> int:
        return getattr(d, "waiting", 0)


class QuestionOut(Schema):
    id: int
    question: str
    asked_at: datetime
    asked_by: str
    answer: str
    answered_at: datetime | None
    hidden: bool
    hidden_reason: str

    @staticmethod
    def resolve_asked_by(q: DisclosureQuestion) -> str:
        return q.asked_by.display_name or q.asked_by.username


class DisclosureDetailOut(DisclosureOut):
    body: str
    questions: list[QuestionOut]

    @staticmethod
    def resolve_questions(d: Disclosure) -> list[DisclosureQuestion]:
        return selectors.staff_questions(d)

    @staticmethod
    def resolve_waiting_questions(d: Disclosure) -> int:
        return sum(1 for q in selectors.staff_questions(d) if not q.answered_at and not q.hidden)


class DueOut(Schema):
    id: int
    region_code: str
    category: str
    period_start: date
    period_end: date
    due_on: date
    matter_id: int | None
    fulfilled_by_id: int | None
    alerted_at: datetime | None


class PublishIn(Schema):
    village: str = Field(..., pattern=r"^\d{12}$", description="村的12位区划代码")
    category: str = Field(..., pattern=f"^({_CATEGORIES})$")
    title: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=20000)
    period_start: date | None = None
    period_end: date | None = None
    corrects: int | None = Field(None, ge=1, description="所更正的公开")
    matter: int | None = Field(None, ge=1, description="关联的四议两公开事项（决议或实施结果）")


class QuestionIn(Schema):
    question: str = Field(..., min_length=1, max_length=1000)


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=4000)


class HideIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class ListQuery(Schema):
    category: str = Field("", pattern=f"^(|{_CATEGORIES})$")


def _scope(request: HttpRequest, perm: str = selectors.VIEW) -> Jurisdiction:
    return require_perm(request_jurisdiction(request), perm)


def _detail(j: Jurisdiction, pk: int) -> Disclosure:
    return selectors.get_disclosure_for(j, pk)


@router.get("", response=list[DisclosureOut], summary="村务公开列表")
@paginate(CursorPagination, ordering="-published_at")
def disclosure_list(request: HttpRequest, filters: Query[ListQuery], **kwargs: Any) -> QuerySet:
    return selectors.disclosures_for(_scope(request), category=filters.category)


@router.get("/dues", response=list[DueOut], summary="应公开期限（未公开的和近期已公开的）")
def due_list(request: HttpRequest) -> list:
    return selectors.village_dues(_scope(request))


@router.get("/overdue", response=list[DueOut], summary="逾期未公开（乡镇督办）")
def overdue(request: HttpRequest) -> list:
    j = _scope(request, services.SUPERVISE)
    return [row.due for row in selectors.overdue_for(j)]


@router.get("/{disclosure_id}", response=DisclosureDetailOut, summary="公开详情与村民提问")
def disclosure_detail(request: HttpRequest, disclosure_id: Id) -> Disclosure:
    return _detail(_scope(request), disclosure_id)


@router.post("", response={201: DisclosureDetailOut}, summary="发布村务公开（发布后不能修改）")
def disclosure_publish(request: HttpRequest, payload: PublishIn) -> Status:
    j = _scope(request, services.DISCLOSE)
    village = (
        Region.objects.within(j)
        .filter(code=payload.village, level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .first()
    )
    if village is None:
        raise ValidationError({"village": _("没有这个村，或不在您的管辖范围内。")})
    corrects = matter = None
    if payload.corrects is not None:
        corrects = Disclosure.objects.within(j).filter(pk=payload.corrects).first()
        if corrects is None:
            raise ValidationError({"corrects": _("没有这条公开。")})
    if payload.matter is not None:
        matter = matter_selectors.matters_for(j).filter(pk=payload.matter).first()
        if matter is None:
            raise ValidationError({"matter": _("没有这个事项。")})
    item = services.disclosure_publish(
        actor=request.user, jurisdiction=j, village=village, category=payload.category,
        title=payload.title, body=payload.body, period_start=payload.period_start,
        period_end=payload.period_end, corrects=corrects, matter=matter,
    )  # fmt: skip
    return Status(201, _detail(j, item.pk))


class AskedOut(Schema):
    id: int
    disclosure_id: int
    question: str
    asked_at: datetime


@router.post(
    "/{disclosure_id}/questions",
    response={201: AskedOut},
    summary="村民对本村公开提问（答复公开，不显示提问人）",
)
def question_ask(request: HttpRequest, disclosure_id: Id, payload: QuestionIn) -> Status:
    j = _scope(request, services.PARTICIPATE)
    item = Disclosure.objects.within(j).filter(pk=disclosure_id).first()
    if item is None:
        raise Http404
    row = services.question_ask(
        actor=request.user, jurisdiction=j, disclosure=item, question=payload.question
    )
    return Status(201, row)


@router.post("/questions/{question_id}/answer", response=QuestionOut, summary="公开答复村民提问")
def question_answer(request: HttpRequest, question_id: Id, payload: AnswerIn) -> DisclosureQuestion:
    j = _scope(request, services.DISCLOSE)
    question = selectors.get_question_for(j, question_id, need=services.DISCLOSE)
    services.question_answer(actor=request.user, jurisdiction=j, question=question,
                             answer=payload.answer)  # fmt: skip
    return DisclosureQuestion.objects.within(j).select_related("asked_by").get(pk=question_id)


@router.post(
    "/questions/{question_id}/hide", response=QuestionOut, summary="隐藏提问（须写明原因，不删除）"
)
def question_hide(request: HttpRequest, question_id: Id, payload: HideIn) -> DisclosureQuestion:
    j = _scope(request, services.DISCLOSE)
    question = selectors.get_question_for(j, question_id, need=services.DISCLOSE)
    services.question_hide(actor=request.user, jurisdiction=j, question=question,
                           reason=payload.reason)  # fmt: skip
    return DisclosureQuestion.objects.within(j).select_related("asked_by").get(pk=question_id)
