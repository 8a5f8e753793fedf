"""好差评: one rating per finished matter, and the rectification every real-name bad rating
opens — called back (100 %), then rectified or explained, within a deadline in working days."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.accounts.models import User
from cunshe.accounts.roles import Role
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.notifications import notify
from cunshe.core.workdays import add_working_days
from cunshe.servicedesk.models import (
    Application,
    CallBack,
    Rating,
    Rectification,
    Status,
)
from cunshe.servicedesk.rules import BAD_INDICATORS, GOOD_INDICATORS, rule
from cunshe.servicedesk.selectors.deadlines import unit_users
from cunshe.servicedesk.services.applications import is_applicant_side, is_intake_clerk

RECTIFY = "servicedesk.rectify"
RATEABLE = (Status.REJECTED, Status.DELIVERED, Status.CLOSED)


def _tell(users: list[User], subject: Any, body: Any, values: dict[str, Any], link: str) -> None:
    for user in users:
        with translation.override(user.language or "zh-hans"):
            notify(recipient=user, subject=str(subject) % values, body=str(body) % values,
                   link=link)  # fmt: skip


@transaction.atomic
def rating_submit(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    application: Application,
    score: int,
    indicators: list[str] | tuple[str, ...] = (),
    comment: str = "",
    real_name: bool = True,
) -> Rating:
    """Rate a finished matter once. A real-name 不满意/非常不满意 opens a rectification."""
    if not jurisdiction.covers(application.region_code):
        raise PermissionDenied(_("该办件不在您的管辖范围内。"))
    if not (
        is_applicant_side(jurisdiction, application) or is_intake_clerk(jurisdiction, application)
    ):
        raise PermissionDenied(_("只有申请人本户或村代办员可以评价。"))
    app = Application.objects.within(jurisdiction).select_for_update().get(pk=application.pk)
    if app.status not in RATEABLE:
        raise ValidationError(_("办结后才能评价。"))
    if Rating.objects.within(jurisdiction).filter(application=app).exists():
        raise ValidationError(_("该办件已评价过，每件只能评价一次。"))
    try:
        score = int(score)
    except (TypeError, ValueError):
        score = 0
    if score not in Rating.Score.values:
        raise ValidationError({"score": _("请选择评价等级。")})
    allowed = set(BAD_INDICATORS) if score <= 3 else set()
    if score >= 3:
        allowed |= set(GOOD_INDICATORS)
    unknown = [i for i in indicators if i not in allowed]
    if unknown:
        raise ValidationError({"indicators": _("评价指标与评价等级不符。")})
    bad = score in rule("BAD_SCORES")
    if bad and not indicators and not comment.strip():
        raise ValidationError({"indicators": _("请选择或写明不满意的原因，便于整改。")})
    rating = Rating(
        region=app.region,
        application=app,
        score=score,
        indicators=list(dict.fromkeys(indicators)),
        comment=comment.strip()[:2000],
        real_name=real_name,
        rated_by=actor,
        item=app.item,
        handler_code=app.handler_code,
        officer=app.assignee,
        rated_at=timezone.now(),
    )
    try:
        with transaction.atomic():
            rating.save()
    except IntegrityError as exc:
        raise ValidationError(_("该办件已评价过，每件只能评价一次。")) from exc
    rectification = None
    if bad and real_name:
        rectification = Rectification(
            region=app.region,
            rating=rating,
            handler_code=app.handler_code,
            handler_department=app.handler_department,
            due_on=add_working_days(timezone.localdate(), rule("RECTIFY_WORKING_DAYS")),
        )
        rectification.save()
        users = unit_users(app.handler_code, app.handler_department)
        values = {"number": app.number, "item": app.item.name, "due": rectification.due_on}
        link = f"/desk/rectifications/{rectification.pk}/"
        transaction.on_commit(lambda: _tell(users, _BAD_SUBJECT, _BAD_BODY, values, link))
    audit(
        "servicedesk.rating.submitted",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=rating,
        detail={"score": score, "real_name": real_name, "rectification": bool(rectification)},
    )
    return rating


_BAD_SUBJECT = gettext_lazy("差评待回访：%(item)s")
_BAD_BODY = gettext_lazy("办件%(number)s收到实名差评，请在%(due)s前回访并整改。")


def may_rectify(jurisdiction: Jurisdiction, rectification: Rectification) -> bool:
    """The handling unit, or anyone above it with servicedesk.rectify in whose subtree it lies
    (a township over its villages' matters, a village leader over the village's)."""
    if not jurisdiction.has_perm(RECTIFY):
        return False
    if not any(rectification.handler_code.startswith(p) for p in jurisdiction.prefixes):
        return False
    if jurisdiction.role == Role.COUNTY_OFFICER and jurisdiction.department:
        # As for the matter itself (selectors.applications): a county department works its
        # own department's rectifications only, at county level or below it.
        return rectification.handler_department == jurisdiction.department
    if rectification.handler_department and len(rectification.handler_code) == 6:
        return jurisdiction.department in ("", rectification.handler_department)
    return True


def _lock(jurisdiction: Jurisdiction, rectification: Rectification) -> Rectification:
    if not jurisdiction.covers(rectification.region_code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    if not may_rectify(jurisdiction, rectification):
        raise PermissionDenied(RECTIFY)
    return Rectification.objects.within(jurisdiction).select_for_update().get(pk=rectification.pk)


@transaction.atomic
def callback_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    rectification: Rectification,
    reached: bool,
    summary: str,
    satisfied_after: bool | None = None,
) -> CallBack:
    """Record a call-back to the villager (reached or not)."""
    rect = _lock(jurisdiction, rectification)
    if rect.closed_at is not None:
        raise ValidationError(_("该整改已办结。"))
    if not summary.strip():
        raise ValidationError({"summary": _("请写明回访情况。")})
    callback = CallBack.objects.create(
        rectification=rect,
        at=timezone.now(),
        by=actor,
        reached=bool(reached),
        summary=summary.strip()[:2000],
        satisfied_after=satisfied_after if reached else None,
    )
    if reached and rect.state == Rectification.State.OPEN:
        rect.state = Rectification.State.CALLED_BACK
        rect.save(update_fields=["state"])
    audit(
        "servicedesk.rectification.called_back",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=rect,
        detail={"reached": bool(reached)},
    )
    return callback


@transaction.atomic
def rectification_close(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    rectification: Rectification,
    outcome: str,
    result: str,
) -> Rectification:
    """Close a rectification as rectified or explained — only after the villager was reached."""
    rect = _lock(jurisdiction, rectification)
    if rect.closed_at is not None:
        raise ValidationError(_("该整改已办结。"))
    if outcome not in (Rectification.State.RECTIFIED, Rectification.State.EXPLAINED):
        raise ValidationError({"outcome": _("请选择整改结果。")})
    if not rect.callbacks.filter(reached=True).exists():
        raise ValidationError(_("须先回访并联系上评价人，才能办结整改。"))
    if not result.strip():
        raise ValidationError({"result": _("请写明整改或解释的内容。")})
    rect.state = outcome
    rect.result = result.strip()[:4000]
    rect.closed_by = actor
    rect.closed_at = timezone.now()
    rect.save(update_fields=["state", "result", "closed_by", "closed_at"])
    audit(
        "servicedesk.rectification.closed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=rect,
        detail={"outcome": outcome, "on_time": timezone.localdate() <= rect.due_on},
    )
    return rect
