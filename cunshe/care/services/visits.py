"""Visits and the visit plan. `plan_refresh` is what other parts call when a profile's risk,
status or latest major change moves; `visit_record` records a visit (care.visit) and moves the
plan; `follow_up_done` marks a visit's follow-up done.

The plan (rules VISIT_INTERVAL_DAYS): a visit is due on the day the risk level's interval after
the last visit (or after the profile became active, when never visited) runs out — the whole of
that day, so "90 days exactly" is due and not yet overdue; for a high-risk person with a major
change since the last visit, no later than 24 h after the change (to the minute).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.care.models import CareProfile, CarerAssignment, Visit, VisitPhoto
from cunshe.care.rules import rule
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction

VISIT = "care.visit"
EDIT = "care.edit"
PHOTO_TYPES = ("image/jpeg", "image/png")


def _end_of_day(moment: datetime) -> datetime:
    day = timezone.localtime(moment).date()
    return timezone.make_aware(datetime.combine(day, time.max))


def next_due(profile: CareProfile, now: datetime | None = None) -> datetime | None:
    """When the next visit is due: the end of the day the risk level's interval after the last
    visit (or after confirmation, when never visited) ends; for a high-risk person with a major
    change since the last visit, no later than 24 h after that change. None when the profile is
    not active."""
    if profile.status != CareProfile.Status.ACTIVE:
        return None
    interval = timedelta(days=rule("VISIT_INTERVAL_DAYS")[profile.risk_level])
    base = profile.last_visit_at or profile.status_changed_at or now or timezone.now()
    due = _end_of_day(base + interval)
    change = profile.major_change_at
    if (
        profile.risk_level == "high"
        and change is not None
        and (profile.last_visit_at is None or profile.last_visit_at < change)
    ):
        due = min(due, change + timedelta(hours=rule("HIGH_RISK_AFTER_CHANGE_HOURS")))
    return due


def plan_refresh(profile: CareProfile, *, now: datetime | None = None) -> None:
    """Store the profile's next visit due date (call inside the writing transaction)."""
    profile.next_visit_due = next_due(profile, now)
    CareProfile._base_manager.filter(pk=profile.pk).update(next_visit_due=profile.next_visit_due)


def is_overdue(profile: CareProfile, now: datetime | None = None) -> bool:
    due = profile.next_visit_due
    return due is not None and due < (now or timezone.now())


# --- recording a visit ----------------------------------------------------------------------


def check_photo(upload: UploadedFile, field: str = "photos") -> tuple[str, str]:
    """(content type, sha256) of an acceptable photo: JPEG or PNG by content, within the size
    limit; ValidationError naming `field` otherwise."""
    from cunshe.servicedesk.services.applications import sniff_content_type

    limit = rule("MAX_PHOTO_BYTES")
    name = (upload.name or "")[-60:]
    if upload.size is None or upload.size > limit:
        raise ValidationError(
            {
                field: _("照片“%(name)s”太大：不能超过%(mb)sMB。")
                % {"name": name, "mb": limit // (1024 * 1024)}
            }
        )
    if upload.size == 0:
        raise ValidationError({field: _("照片“%(name)s”是空文件。") % {"name": name}})
    upload.seek(0)
    content_type = sniff_content_type(upload.read(16))
    upload.seek(0)
    if content_type not in PHOTO_TYPES:
        raise ValidationError(
            {field: _("“%(name)s”不是JPG或PNG照片，请重新选择。") % {"name": name}}
        )
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return content_type, digest.hexdigest()


def _text(value: str, field: str, limit: int) -> str:
    value = (value or "").strip()
    if "\x00" in value:
        raise ValidationError({field: _("不能包含空字符。")})
    if len(value) > limit:
        raise ValidationError({field: _("最多 %(max)s 个字符。") % {"max": limit}})
    return value


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def _check_when(profile: CareProfile, visited_at: datetime, now: datetime) -> None:
    if timezone.is_naive(visited_at):
        raise ValidationError({"visited_at": _("探访时间缺少时区。")})
    skew = timedelta(minutes=rule("VISIT_CLOCK_SKEW_MINUTES"))
    if visited_at > now + skew:
        raise ValidationError({"visited_at": _("探访时间不能晚于现在。")})
    if visited_at < _start_of(profile.identified_on):
        raise ValidationError(
            {
                "visited_at": _("探访时间早于该档案建立（%(day)s）。")
                % {"day": profile.identified_on.isoformat()}
            }
        )


def _carer_of(
    j: Jurisdiction, profile: CareProfile, actor: Any, assignment: CarerAssignment | None
) -> tuple[Any, str]:
    """(user or None, name) of who made the visit: the recorder by default; a clerk (care.edit)
    may record a visit made by one of the profile's active carers."""
    if assignment is None:
        return actor, (getattr(actor, "display_name", "") or actor.username)[:60]
    if assignment.profile_id != profile.pk or not assignment.active:
        raise ValidationError({"carer": _("请选择此对象当前的关爱人员。")})
    if assignment.user_id != getattr(actor, "pk", None) and not j.has_perm(EDIT):
        raise PermissionDenied(_("只有村工作人员可以代他人登记探访。"))
    return assignment.user, assignment.name


def visit_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    visited_at: datetime,
    mode: str,
    findings: str,
    needs_found: str = "",
    follow_up: str = "",
    follow_up_due: date | None = None,
    carer: CarerAssignment | None = None,
    photos: Sequence[UploadedFile] = (),
    now: datetime | None = None,
) -> Visit:
    """Record one visit: not in the future (a few minutes of clock skew allowed), not before the
    profile existed, for an open profile in the recorder's jurisdiction (404 outside it); up to
    MAX_PHOTOS_PER_VISIT JPEG/PNG photos. Moves the profile's last visit and next due date."""
    from cunshe.care.access import get_profile_for

    # Checked before the transaction: a refusal's audit event must not roll back with it.
    get_profile_for(jurisdiction, profile.pk, need=VISIT)
    with transaction.atomic():
        return _record(
            actor=actor, jurisdiction=jurisdiction, profile=profile, visited_at=visited_at,
            mode=mode, findings=findings, needs_found=needs_found, follow_up=follow_up,
            follow_up_due=follow_up_due, carer=carer, photos=photos, now=now,
        )  # fmt: skip


def _record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    visited_at: datetime,
    mode: str,
    findings: str,
    needs_found: str,
    follow_up: str,
    follow_up_due: date | None,
    carer: CarerAssignment | None,
    photos: Sequence[UploadedFile],
    now: datetime | None,
) -> Visit:
    from cunshe.care.access import get_profile_for

    p = get_profile_for(jurisdiction, profile.pk, need=VISIT, for_update=True)
    now = now or timezone.now()
    if p.status not in (CareProfile.Status.ACTIVE, CareProfile.Status.CANDIDATE):
        raise ValidationError(_("该档案已退出或不予认定，不能登记探访。"))
    if mode not in Visit.Mode.values:
        raise ValidationError({"mode": _("请选择探访方式。")})
    _check_when(p, visited_at, now)
    findings = _text(findings, "findings", 4000)
    if not findings:
        raise ValidationError({"findings": _("请填写探访情况。")})
    needs_found = _text(needs_found, "needs_found", 300)
    follow_up = _text(follow_up, "follow_up", 300)
    if follow_up_due is not None and not follow_up:
        raise ValidationError({"follow_up": _("填写了跟进期限，请同时写明跟进事项。")})
    if follow_up_due is not None and follow_up_due < timezone.localtime(visited_at).date():
        raise ValidationError({"follow_up_due": _("跟进期限不能早于探访日期。")})
    photos = list(photos or ())
    if len(photos) > rule("MAX_PHOTOS_PER_VISIT"):
        raise ValidationError(
            {"photos": _("每次探访最多上传 %(n)s 张照片。") % {"n": rule("MAX_PHOTOS_PER_VISIT")}}
        )
    checked = [check_photo(f) for f in photos]
    user, name = _carer_of(jurisdiction, p, actor, carer)
    visit = p.visits.create(
        region=p.region,
        visited_at=visited_at,
        mode=mode,
        carer=user,
        carer_name=name,
        findings=findings,
        needs_found=needs_found,
        follow_up=follow_up,
        follow_up_due=follow_up_due,
        recorded_by=actor,
    )
    for upload, (content_type, sha) in zip(photos, checked, strict=True):
        photo = VisitPhoto(visit=visit, content_type=content_type, size=upload.size, sha256=sha)
        photo.file.save("photo", upload, save=False)
        photo.save()
    if p.last_visit_at is None or visited_at > p.last_visit_at:
        p.last_visit_at = visited_at
        CareProfile._base_manager.filter(pk=p.pk).update(last_visit_at=visited_at)
    plan_refresh(p, now=now)
    audit(
        "care.visit.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=visit,
        detail={
            "profile": p.pk,
            "kind": p.kind,
            "mode": mode,
            "photos": len(photos),
            "for_carer": user is None or getattr(user, "pk", None) != getattr(actor, "pk", None),
            "follow_up": bool(follow_up),
        },
    )
    return visit


def follow_up_done(*, actor: Any, jurisdiction: Jurisdiction, visit: Visit) -> Visit:
    """Mark a visit's follow-up as done (once)."""
    from cunshe.care.access import get_profile_for

    get_profile_for(jurisdiction, visit.profile_id, need=VISIT)
    with transaction.atomic():
        return _follow_up_done(actor=actor, jurisdiction=jurisdiction, visit=visit)


def _follow_up_done(*, actor: Any, jurisdiction: Jurisdiction, visit: Visit) -> Visit:
    fresh = Visit.objects.within(jurisdiction).select_for_update(of=("self",)).get(pk=visit.pk)
    if not fresh.follow_up:
        raise ValidationError(_("这次探访没有后续跟进事项。"))
    if fresh.follow_up_done_at is not None:
        raise ValidationError(_("该跟进事项已经办结。"))
    fresh.follow_up_done_at = timezone.now()
    fresh.save(update_fields=["follow_up_done_at"])
    audit(
        "care.visit.follow_up_done",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=fresh,
        detail={"profile": fresh.profile_id},
    )
    return fresh
