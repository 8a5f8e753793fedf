"""Visits and the visit plan (being built). `plan_refresh` is what other parts call when a
profile's risk, status or latest major change moves."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.utils import timezone

from cunshe.care.models import CareProfile
from cunshe.care.rules import rule


def next_due(profile: CareProfile, now: datetime | None = None) -> datetime | None:
    """When the next visit is due: the risk level's interval after the last visit (or after
    confirmation, when never visited); for a high-risk person with a major change since the last
    visit, no later than 24 h after that change. None when the profile is not active."""
    if profile.status != CareProfile.Status.ACTIVE:
        return None
    interval = timedelta(days=rule("VISIT_INTERVAL_DAYS")[profile.risk_level])
    base = profile.last_visit_at or profile.status_changed_at or now or timezone.now()
    due = base + interval
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
