"""Writes of 村务公开: publishing items (never edited afterwards; a correction is a new item
naming the original), the due dates the rules generate, the township's overdue alerts, and
villagers' questions with the committee's public answers.

Periods: general matters are due every DISCLOSURE_GENERAL_MONTHS months (a calendar quarter),
finances every DISCLOSURE_FINANCE_MONTHS months (a calendar month), both counted from January;
a period's disclosure is due its grace days after the period ends. A general item fulfils the
due of every period its own period overlaps (one general disclosure a quarter at least); a
finance item fulfils the due of every period it covers whole (a month's accounts, all of them).
A major item linked to a matter fulfils the matter's due (made when the matter is decided).
"""

from __future__ import annotations

import calendar
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import ROLE_PERMISSIONS
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.core.notifications import notify
from cunshe.regions.models import Kind, Level, Region
from cunshe.selfgov.models import (
    Disclosure,
    DisclosureCategory,
    DisclosureDue,
    DisclosureQuestion,
    Matter,
    Step,
)
from cunshe.selfgov.rules import rule
from cunshe.selfgov.services.matters import matter_advance

DISCLOSE = "selfgov.disclose"
PARTICIPATE = "selfgov.participate"
SUPERVISE = "selfgov.supervise"
Category = DisclosureCategory
PERIODIC = (Category.GENERAL, Category.FINANCE)
# Publishing an item linked to a matter at these steps records the matter's next step.
ADVANCED_BY_PUBLISHING = (Step.DECIDED, Step.DECISION_PUBLISHED)
MAX_TITLE = 200
MAX_BODY = 20000
MAX_QUESTION = 1000
MAX_ANSWER = 4000
MAX_REASON = 300
# A villager may have this many unanswered questions on one item (a flood is not a question).
MAX_OPEN_QUESTIONS = 5

_MONTHS_RULE = {
    Category.GENERAL: "DISCLOSURE_GENERAL_MONTHS",
    Category.FINANCE: "DISCLOSURE_FINANCE_MONTHS",
}
_GRACE_RULE = {
    Category.GENERAL: "DISCLOSURE_GENERAL_GRACE_DAYS",
    Category.FINANCE: "DISCLOSURE_FINANCE_GRACE_DAYS",
}
# Roles at the village told of new questions, and at the township told of overdue disclosures.
_COMMITTEE_ROLES = sorted(r for r, perms in ROLE_PERMISSIONS.items() if DISCLOSE in perms)
_SUPERVISOR_ROLES = sorted(r for r, perms in ROLE_PERMISSIONS.items() if SUPERVISE in perms)


# --- periods ------------------------------------------------------------------------------------


def period_of(category: str, day: date) -> tuple[date, date]:
    """The rules' period of `category` that `day` lies in: whole months counted from January
    (a calendar quarter for general matters, a month for finances)."""
    months = int(rule(_MONTHS_RULE[Category(category)]))
    if months < 1 or 12 % months:
        raise ValueError(f"{_MONTHS_RULE[category]} must divide the year, not {months}")
    first_month = (day.month - 1) // months * months + 1
    last_month = first_month + months - 1
    last_day = calendar.monthrange(day.year, last_month)[1]
    return date(day.year, first_month, 1), date(day.year, last_month, last_day)


def due_date(category: str, period_end: date) -> date:
    """When a period's disclosure is due: its grace days after the period ends."""
    return period_end + timedelta(days=int(rule(_GRACE_RULE[Category(category)])))


def _fulfils(category: str, item_start: date, item_end: date) -> Q:
    """Dues (of the item's village and category) that an item of that period fulfils."""
    if category == Category.FINANCE:
        return Q(period_start__gte=item_start, period_end__lte=item_end)
    return Q(period_start__lte=item_end, period_end__gte=item_start)


# --- publishing ---------------------------------------------------------------------------------


def _insert(model, **fields):  # type: ignore[no-untyped-def]
    # Scoped managers refuse unscoped use; a new row is saved through the model instead.
    row = model(**fields)
    row.save(force_insert=True)
    return row


def _require(jurisdiction: Jurisdiction, perm: str, code: str) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("该村不在您的管辖范围内。"))
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def _check_item(
    category: str, title: str, body: str, start: date | None, end: date | None, today: date
) -> tuple[str, str, date | None, date | None]:
    if category not in Category.values:
        raise ValidationError({"category": _("请选择公开类别。")})
    title = (title or "").strip()
    body = (body or "").strip()
    if not title:
        raise ValidationError({"title": _("请填写标题。")})
    if len(title) > MAX_TITLE:
        raise ValidationError({"title": _("标题最多200字。")})
    if not body:
        raise ValidationError({"body": _("请填写公开内容。")})
    if len(body) > MAX_BODY:
        raise ValidationError({"body": _("公开内容最多20000字。")})
    if "\x00" in title or "\x00" in body:
        raise ValidationError({"body": _("不能包含空字符。")})
    if (start is None) != (end is None):
        raise ValidationError({"period_end": _("所属期间的起止日期要同时填写。")})
    if start is not None and end is not None:
        if end < start:
            raise ValidationError({"period_end": _("所属期间的结束日期不能早于开始日期。")})
        if start > today:
            raise ValidationError({"period_start": _("不能公开尚未开始的期间。")})
    elif category in PERIODIC:
        if category == Category.FINANCE:
            raise ValidationError({"period_start": _("财务公开须注明所属期间（例如一个月）。")})
        start = end = today  # a general item without a period speaks of today
    return title, body, start, end


@transaction.atomic
def disclosure_publish(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    village: Region,
    category: str,
    title: str,
    body: str,
    period_start: date | None = None,
    period_end: date | None = None,
    corrects: Disclosure | None = None,
    matter: Matter | None = None,
) -> Disclosure:
    """Publish an item for `village`. It fulfils the dues its category and period meet; an
    item linked to a matter at step 4 or 5 is that matter's step 5 or 6."""
    _require(jurisdiction, DISCLOSE, village.code)
    if village.level != Level.VILLAGE:
        raise ValidationError({"village": _("村务公开属于一个村。")})
    now = timezone.now()
    today = timezone.localdate(now)
    if corrects is not None:
        if corrects.region_code != village.code:
            raise ValidationError({"corrects": _("只能更正本村的公开。")})
        matter = matter or (corrects.matter if corrects.matter_id else None)
    title, body, period_start, period_end = _check_item(
        category, title, body, period_start, period_end, today
    )
    if matter is not None:
        if matter.region_code[:12] != village.code:
            raise ValidationError({"matter": _("这个事项不是本村的事项。")})
        if corrects is None and matter.step < Step.DECIDED:
            raise ValidationError(
                {"matter": _("四议两公开须依次进行：请先完成“%(step)s”。")
                 % {"step": Step(matter.step + 1).label}}
            )  # fmt: skip
        if corrects is None and matter.step == Step.DECIDED and category != Category.MAJOR:
            raise ValidationError({"category": _("决议须作为“重大事项”公开。")})
    item = _insert(
        Disclosure,
        region=village,
        category=category,
        title=title,
        body=body,
        period_start=period_start,
        period_end=period_end,
        published_at=now,
        published_by=actor,
        corrects=corrects,
        matter=matter,
    )
    fulfilled = 0
    if category in PERIODIC and period_start is not None and period_end is not None:
        fulfilled = (
            DisclosureDue.objects.within(jurisdiction)
            .filter(
                _fulfils(category, period_start, period_end),
                region_id=village.pk,
                category=category,
                matter__isnull=True,
                fulfilled_by__isnull=True,
            )
            .update(fulfilled_by=item)
        )
    audit(
        "selfgov.disclosure.published",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=item,
        detail={
            "village": village.code,
            "category": category,
            "corrects": corrects.pk if corrects else None,
            "matter": matter.pk if matter else None,
            "dues_fulfilled": fulfilled,
        },
    )
    if matter is not None and corrects is None and matter.step in ADVANCED_BY_PUBLISHING:
        matter_advance(
            actor=actor,
            jurisdiction=jurisdiction,
            matter=matter,
            step=matter.step + 1,
            disclosure=item,
        )
    return item


# --- due dates and overdue alerts ---------------------------------------------------------------


def _villages() -> list[tuple[int, str]]:
    return list(
        Region.objects.current()
        .filter(level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE)
        .order_by("code")
        .values_list("pk", "code")
    )


def dues_generate(*, today: date | None = None) -> int:
    """Make the current period's general and finance dues of every village (once each; a run
    that finds them made adds nothing) and mark those already met by items published earlier.
    Returns the number of rows made."""
    today = today or timezone.localdate()
    made = 0
    with system_scope("selfgov: disclosure due dates") as j, transaction.atomic():
        villages = _villages()
        for category in PERIODIC:
            start, end = period_of(category, today)
            due_on = due_date(category, end)
            have = set(
                DisclosureDue.objects.within(j)
                .filter(category=category, period_start=start, matter__isnull=True)
                .values_list("region_id", flat=True)
            )
            rows = [
                DisclosureDue(
                    region_id=pk,
                    region_code=code,
                    category=category,
                    period_start=start,
                    period_end=end,
                    due_on=due_on,
                )
                for pk, code in villages
                if pk not in have
            ]
            # bulk_create skips save(): region_code is set above; a concurrent run's rows are
            # skipped by the once-per-period constraint.
            DisclosureDue.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)
            made += len(rows)
            _fulfil_from_earlier(j, category, start, end)
    return made


def _fulfil_from_earlier(j: Jurisdiction, category: str, start: date, end: date) -> None:
    """Open dues of this period met by items published before the due existed."""
    items = Disclosure.objects.within(j).filter(
        category=category, period_start__isnull=False, period_end__isnull=False
    )
    if category == Category.FINANCE:
        items = items.filter(period_start__lte=start, period_end__gte=end)
    else:
        items = items.filter(period_start__lte=end, period_end__gte=start)
    first: dict[int, int] = {}
    for region_id, pk in items.order_by("published_at", "id").values_list("region_id", "pk"):
        first.setdefault(region_id, pk)
    if not first:
        return
    open_dues = DisclosureDue.objects.within(j).filter(
        category=category,
        period_start=start,
        matter__isnull=True,
        fulfilled_by__isnull=True,
        region_id__in=list(first),
    )
    for due in open_dues.only("pk", "region_id"):
        DisclosureDue.objects.within(j).filter(pk=due.pk).update(fulfilled_by=first[due.region_id])


_ALERT_SUBJECT = gettext_lazy("村务公开逾期：%(count)s项")
_ALERT_BODY = gettext_lazy(
    "辖区内有%(count)s项村务公开已过期限仍未公开（%(villages)s），请督促村委会及时公开。"
)


def _users_at(code: str, roles: list[str]) -> list[User]:
    assignments = RoleAssignment.objects.active().filter(region_code=code, role__in=roles)
    return list(
        User.objects.filter(is_active=True, pk__in=assignments.values("user_id")).order_by("pk")
    )


def overdue_alert(*, now: datetime | None = None) -> int:
    """Tell each township's officers, once, of its villages' disclosures past their due date
    (one message per township per run, naming the villages); returns the dues alerted."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    alerted = 0
    with system_scope("selfgov: overdue disclosure alerts") as j, transaction.atomic():
        dues = list(
            DisclosureDue.objects.within(j)
            .select_for_update()
            .filter(due_on__lt=today, fulfilled_by__isnull=True, alerted_at__isnull=True)
            .order_by("region_code", "due_on", "id")
            .values_list("pk", "region_code")
        )
        by_township: dict[str, list[tuple[int, str]]] = defaultdict(list)
        for pk, code in dues:
            by_township[code[:9]].append((pk, code[:12]))
        names = dict(
            Region.objects.filter(
                code__in={c for rows in by_township.values() for _pk, c in rows}
            ).values_list("code", "name")
        )
        for township, rows in by_township.items():
            villages = sorted({names.get(code, code) for _pk, code in rows})
            params = {"count": len(rows), "villages": "、".join(villages)}
            for user in _users_at(township, _SUPERVISOR_ROLES):
                notify(
                    recipient=user,
                    subject=str(_ALERT_SUBJECT) % params,
                    body=str(_ALERT_BODY) % params,
                    link="/gov/disclosures/overdue/",
                )
            DisclosureDue.objects.within(j).filter(pk__in=[pk for pk, _code in rows]).update(
                alerted_at=now
            )
            alerted += len(rows)
        if alerted:
            audit(
                "selfgov.disclosure_due.alerted",
                jurisdiction=j,
                detail={"dues": alerted, "townships": sorted(by_township)},
            )
    return alerted


# --- questions and answers ----------------------------------------------------------------------


@transaction.atomic
def question_ask(
    *, actor: Any, jurisdiction: Jurisdiction, disclosure: Disclosure, question: str
) -> DisclosureQuestion:
    """A villager of the item's village asks about it; the committee is told (in the app)."""
    if not jurisdiction.has_perm(PARTICIPATE) or not jurisdiction.covers(disclosure.region_code):
        raise PermissionDenied(_("只有本村村民可以对本村的公开提问。"))
    text = (question or "").strip()
    if not text:
        raise ValidationError({"question": _("请写下您的问题。")})
    if len(text) > MAX_QUESTION:
        raise ValidationError({"question": _("问题最多1000字。")})
    if "\x00" in text:
        raise ValidationError({"question": _("不能包含空字符。")})
    waiting = (
        DisclosureQuestion.objects.within(jurisdiction)
        .filter(disclosure=disclosure, asked_by=actor, answered_at__isnull=True, hidden=False)
        .count()
    )
    if waiting >= MAX_OPEN_QUESTIONS:
        raise ValidationError(
            {"question": _("您在这条公开下已有%(n)s个问题等待答复，请等答复后再提问。")
             % {"n": waiting}}
        )  # fmt: skip
    row = _insert(
        DisclosureQuestion,
        region_id=disclosure.region_id,
        disclosure=disclosure,
        asked_by=actor,
        question=text,
    )
    audit("selfgov.question.asked", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"disclosure": disclosure.pk})  # fmt: skip
    for user in _users_at(disclosure.region_code[:12], _COMMITTEE_ROLES):
        notify(
            recipient=user,
            subject=_("村务公开有新的提问"),
            body=_("“%(title)s”收到一个村民提问，请及时公开答复。") % {"title": disclosure.title},
            link=f"/gov/disclosures/{disclosure.pk}/",
        )
    return row


def _require_committee(jurisdiction: Jurisdiction, question: DisclosureQuestion) -> None:
    _require(jurisdiction, DISCLOSE, question.region_code)


@transaction.atomic
def question_answer(
    *, actor: Any, jurisdiction: Jurisdiction, question: DisclosureQuestion, answer: str
) -> DisclosureQuestion:
    """The committee answers publicly, once (an answer, like an item, is not edited)."""
    _require_committee(jurisdiction, question)
    row = DisclosureQuestion.objects.within(jurisdiction).select_for_update().get(pk=question.pk)
    if row.answered_at is not None:
        raise ValidationError({"answer": _("这个问题已经答复过了；如需补充，请发布更正公开。")})
    if row.hidden:
        raise ValidationError({"answer": _("这个问题已被隐藏，不能答复。")})
    text = (answer or "").strip()
    if not text:
        raise ValidationError({"answer": _("请填写答复内容。")})
    if len(text) > MAX_ANSWER:
        raise ValidationError({"answer": _("答复最多4000字。")})
    row.answer = text
    row.answered_by = actor
    row.answered_at = timezone.now()
    row.save(update_fields=["answer", "answered_by", "answered_at"])
    audit("selfgov.question.answered", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"disclosure": row.disclosure_id})  # fmt: skip
    notify(
        recipient=row.asked_by,
        subject=_("您的提问已答复"),
        body=_("村委会已公开答复您对“%(title)s”的提问。") % {"title": row.disclosure.title},
        link=f"/gov/villages/{row.region_code[:12]}/disclosures/{row.disclosure_id}/",
    )
    question.answer, question.answered_at = row.answer, row.answered_at
    return row


@transaction.atomic
def question_hide(
    *, actor: Any, jurisdiction: Jurisdiction, question: DisclosureQuestion, reason: str
) -> DisclosureQuestion:
    """Take a question off the public page, with a reason (kept and audited); never deleted."""
    _require_committee(jurisdiction, question)
    row = DisclosureQuestion.objects.within(jurisdiction).select_for_update().get(pk=question.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("隐藏问题须写明原因。")})
    if len(reason) > MAX_REASON:
        raise ValidationError({"reason": _("原因最多300字。")})
    if row.hidden:
        raise ValidationError({"reason": _("这个问题已经隐藏。")})
    row.hidden = True
    row.hidden_reason = reason
    row.hidden_at = timezone.now()
    row.hidden_by = actor
    row.save(update_fields=["hidden", "hidden_reason", "hidden_at", "hidden_by"])
    audit("selfgov.question.hidden", actor=actor, jurisdiction=jurisdiction, obj=row,
          detail={"disclosure": row.disclosure_id, "reason": reason})  # fmt: skip
    question.hidden = True
    return row
