"""Jilin's service-desk rules: the numbers the desk enforces, in one place.

Each can be overridden per deployment with `settings.SERVICEDESK_RULES = {"NAME": value}`
(tests use that too). Read them through `rule("NAME")`, never as literals elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

DEFAULTS: dict[str, Any] = {
    # 行政许可法 Art. 32: materials incomplete → tell the applicant everything to add, at once,
    # within 5 days. The desk promises acceptance within 2 working days of submission.
    "ACCEPT_WITHIN_WORKING_DAYS": 2,
    # A matter counts as "due soon" this many working days before its due date.
    "DUE_SOON_WORKING_DAYS": 2,
    # Overdue matters escalate one level up (village → township → county → city) every this
    # many working days past due, until finished.
    "ESCALATE_EVERY_WORKING_DAYS": 3,
    # 政务服务"好差评" (国办发〔2019〕51号): every real-name bad rating is called back (100 %) and
    # rectified or explained. The period is set by each province; Jilin's default here.
    "RECTIFY_WORKING_DAYS": 15,
    "BAD_SCORES": (1, 2),
    # Uploads: checked by content (magic bytes), not by the name or the browser's claim.
    "MAX_UPLOAD_BYTES": 5 * 1024 * 1024,
    "ALLOWED_UPLOAD_TYPES": ("application/pdf", "image/jpeg", "image/png"),
    # Appointments: reminders this long before the slot; bookings close this long before.
    "REMIND_BEFORE_HOURS": 24,
    "BOOKING_CLOSES_BEFORE_MINUTES": 30,
    # A villager may hold this many live bookings at once (stops one person filling a day).
    "MAX_LIVE_BOOKINGS_PER_PERSON": 3,
    # Open311: posts a minute per client key (a fixed window in the shared cache).
    "OPEN311_POSTS_PER_MINUTE": 30,
}

# The standard 好差评 indicators offered with each score (GB/T 39735-2020 style lists).
# Stored as these Chinese source strings; shown translated (gettext_noop marks them).
GOOD_INDICATORS = (
    gettext_noop("一次办好"),
    gettext_noop("办理快捷"),
    gettext_noop("指引清晰"),
    gettext_noop("服务热情"),
    gettext_noop("不用跑腿"),
)
BAD_INDICATORS = (
    gettext_noop("办事指南不准确"),
    gettext_noop("材料要求不合理"),
    gettext_noop("多次跑动"),
    gettext_noop("超时办理"),
    gettext_noop("服务态度差"),
    gettext_noop("系统不好用"),
    gettext_noop("未按承诺办理"),
    gettext_noop("其他"),
)


def rule(name: str) -> Any:
    """The value of one rule, with the deployment's override if it sets one."""
    overrides = getattr(settings, "SERVICEDESK_RULES", {}) or {}
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]
