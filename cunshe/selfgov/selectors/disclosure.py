"""Scoped reads of 村务公开: the village desk (items, questions with their askers, the village's
dues), the township's overdue list, and the public village page (no sign-in: items, answered
and open questions without any asker, the matters' progress)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from cunshe.core.access import get_scoped_or_404, require_jurisdiction, require_perm
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Kind, Level, Region
from cunshe.selfgov.models import (
    Disclosure,
    DisclosureCategory,
    DisclosureDue,
    DisclosureQuestion,
    Matter,
    MatterStep,
)
from cunshe.selfgov.services.disclosure import SUPERVISE

VIEW = "selfgov.view"
PAGE_SIZE = 30
MAX_PAGE = 200
_DAYS_120 = timedelta(days=120)
# The public page never loads who asked, answered, published or hid anything.
_PUBLIC_QUESTION_FIELDS = ("id", "disclosure_id", "question", "asked_at", "answer", "answered_at")


def public_scope(code: str) -> Jurisdiction:
    """A read-only scope of one village for the public page: no permission at all."""
    return Jurisdiction(prefixes=(code,), permissions=frozenset(), role="public")


# --- staff ---------------------------------------------------------------------------------------


def disclosures_for(jurisdiction: Jurisdiction, *, category: str = "") -> QuerySet[Disclosure]:
    """Items in the jurisdiction, newest first, with their unanswered question counts."""
    qs = (
        Disclosure.objects.within(jurisdiction)
        .select_related("region", "corrects")
        .annotate(
            waiting=Count(
                "questions",
                filter=Q(questions__answered_at__isnull=True, questions__hidden=False),
            )
        )
    )
    if category:
        qs = qs.filter(category=category)
    return qs.order_by("-published_at", "-id")


def get_disclosure_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str = VIEW
) -> Disclosure:
    """404 outside the jurisdiction, 403 (audited) inside without `need`."""
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        Disclosure.objects.within(j).select_related("region", "corrects", "matter", "published_by"),
        j,
        need=need,
        pk=pk,
    )


def get_question_for(
    jurisdiction: Jurisdiction | None, pk: int, *, need: str
) -> DisclosureQuestion:
    j = require_jurisdiction(jurisdiction)
    return get_scoped_or_404(
        DisclosureQuestion.objects.within(j).select_related("disclosure"),
        j,
        need=need,
        pk=pk,
    )


def staff_questions(item: Disclosure) -> list[DisclosureQuestion]:
    """All questions on an item, hidden ones too, with asker and answerer (staff only)."""
    return list(
        item.questions.select_related("asked_by", "answered_by", "hidden_by").order_by(
            "asked_at", "id"
        )
    )


def corrections_of(jurisdiction: Jurisdiction, item: Disclosure) -> list[Disclosure]:
    return list(
        Disclosure.objects.within(jurisdiction).filter(corrects=item).order_by("published_at", "id")
    )


def village_dues(jurisdiction: Jurisdiction, *, today: date | None = None) -> list[DisclosureDue]:
    """Open dues in the jurisdiction (soonest first) and those met in the last 120 days."""
    today = today or timezone.localdate()
    return list(
        DisclosureDue.objects.within(jurisdiction)
        .filter(Q(fulfilled_by__isnull=True) | Q(due_on__gte=today.replace(day=1) - _DAYS_120))
        .select_related("region", "matter", "fulfilled_by")
        .order_by("fulfilled_by_id", "due_on", "id")[:100]
    )


@dataclass
class OverdueRow:
    due: DisclosureDue
    village: str
    days_overdue: int


def overdue_for(
    jurisdiction: Jurisdiction | None, *, today: date | None = None
) -> list[OverdueRow]:
    """Dues past their date and not met, across the villages of the jurisdiction (supervisors
    only: 403 audited otherwise), most overdue first."""
    j = require_perm(jurisdiction, SUPERVISE)
    today = today or timezone.localdate()
    dues = (
        DisclosureDue.objects.within(j)
        .filter(due_on__lt=today, fulfilled_by__isnull=True)
        .select_related("region", "matter")
        .order_by("due_on", "region_code", "id")[:500]
    )
    return [OverdueRow(d, d.region.name, (today - d.due_on).days) for d in dues]


# --- public --------------------------------------------------------------------------------------


def public_village(code: str) -> Region:
    """The village (村民委员会) named by a 12-digit code; 404 for anything else."""
    if not (len(code) == 12 and code.isdigit()):
        raise Http404
    region = (
        Region.objects.select_related("parent")
        .filter(code=code, level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .first()
    )
    if region is None:
        raise Http404
    return region


def public_items(code: str, *, category: str = "", page: int = 1) -> tuple[list[Disclosure], bool]:
    """One page of a village's items, newest first, without who published them."""
    if category and category not in DisclosureCategory.values:
        raise Http404
    qs = (
        Disclosure.objects.within(public_scope(code))
        .select_related("corrects")
        .only(
            "id",
            "region_code",
            "category",
            "title",
            "period_start",
            "period_end",
            "published_at",
            "corrects__id",
            "corrects__title",
            "matter",
        )
        .annotate(answered=Count("questions", filter=Q(questions__hidden=False)))
    )
    if category:
        qs = qs.filter(category=category)
    start = (page - 1) * PAGE_SIZE
    rows = list(qs.order_by("-published_at", "-id")[start : start + PAGE_SIZE + 1])
    return rows[:PAGE_SIZE], len(rows) > PAGE_SIZE


def public_item(code: str, pk: int) -> Disclosure:
    """One item of the village (404 for another village's or none)."""
    item = (
        Disclosure.objects.within(public_scope(code))
        .select_related("corrects", "matter")
        .defer("published_by")
        .filter(pk=pk)
        .first()
    )
    if item is None:
        raise Http404
    return item


def public_questions(item: Disclosure) -> list[DisclosureQuestion]:
    """The item's questions that are not hidden, without asker, answerer or anything of them."""
    return list(
        item.questions.filter(hidden=False)
        .only(*_PUBLIC_QUESTION_FIELDS)
        .order_by("asked_at", "id")
    )


def public_corrections(code: str, item: Disclosure) -> list[Disclosure]:
    return list(
        Disclosure.objects.within(public_scope(code))
        .filter(corrects=item)
        .only("pk", "title", "published_at", "region_code")
        .order_by("published_at", "id")
    )


def _steps_loaded() -> Prefetch:
    return Prefetch(
        "steps",
        queryset=MatterStep.objects.select_related(
            "meeting", "decision__agenda_item__meeting", "disclosure"
        ).order_by("step"),
        to_attr="step_rows",
    )


def public_matters(code: str, *, limit: int = 50) -> list[Matter]:
    """The village's 四议两公开 matters with their steps (titles of records only)."""
    return list(
        Matter.objects.within(public_scope(code))
        .defer("created_by")
        .prefetch_related(_steps_loaded())
        .order_by("-created_at", "-id")[:limit]
    )


def public_matter(code: str, pk: int) -> Matter:
    """One matter of the village with its steps (404 for another village's or none)."""
    matter = (
        Matter.objects.within(public_scope(code))
        .defer("created_by")
        .prefetch_related(_steps_loaded())
        .filter(pk=pk)
        .first()
    )
    if matter is None:
        raise Http404
    return matter


def chooser(code: str) -> tuple[Region | None, list[Region]]:
    """For the public chooser: the region named by `code` (None: the province's cities) and its
    children down to villages (村民委员会 only at the last level)."""
    from django.conf import settings

    root_code = code or settings.CUNSHE_PROVINCE_CODE
    if not root_code.isdigit() or len(root_code) not in (2, 4, 6, 9):
        raise Http404
    region = Region.objects.current().filter(code=root_code).first()
    if region is None:
        raise Http404
    children = Region.objects.current().filter(parent=region)
    if region.level == Level.TOWNSHIP:
        children = children.filter(level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
    return region, list(children.only("pk", "code", "name", "level").order_by("code")[:1000])
