"""Jilin's numbers for 三留守 care: who is left behind, how often they are visited, how fast an
alert climbs its ladder. The one place these numbers live (MISSION.md, rules table).

Each can be overridden per deployment with `settings.CARE_RULES = {"NAME": value}` (tests use
that too). Read them through `rule("NAME")`, never as literals elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

RULES_VERSION = "jilin-2026.1"

DEFAULTS: dict[str, Any] = {
    # 国发〔2016〕13号: a left-behind child is under 16 with both parents away for work, or one
    # away and the other without guardianship capacity.
    "CHILD_MAX_AGE_EXCLUSIVE": 16,
    # Local practice (MISSION.md): a married woman aged 20–55 whose husband has worked away for
    # at least 6 months.
    "WOMAN_MIN_AGE": 20,
    "WOMAN_MAX_AGE": 55,
    "WOMAN_SPOUSE_AWAY_MONTHS": 6,
    # A person aged 60+ whose children all live away for at least 6 months (or who has no
    # children in the village).
    "ELDERLY_MIN_AGE": 60,
    "ELDERLY_CHILDREN_AWAY_MONTHS": 6,
    # Visits by risk level (2022 national opinion on visits; local models): the longest gap
    # between two visits, in days, and how soon after a major change a high-risk person is seen.
    "VISIT_INTERVAL_DAYS": {"high": 7, "priority": 30, "general": 90},
    "HIGH_RISK_AFTER_CHANGE_HOURS": 24,
    # A visit counts as "due soon" this many days before its due date.
    "VISIT_DUE_SOON_DAYS": 3,
    # Alert ladders: the rungs in order and the minutes each rung has before the next is told.
    "LADDER_RUNGS": ("family", "carer", "leader", "township"),
    "LADDER_MINUTES": {
        "sos": (5, 5, 5, 5),
        "fall": (5, 5, 5, 5),
        "missed_checkin": (120, 120, 120, 120),
        "device_removed": (120, 120, 120, 120),
    },
    # The daily check-in window when a terminal has none of its own (local time, HH:MM).
    "CHECKIN_WINDOW": ("06:00", "10:00"),
    # A terminal silent (no event of any kind) this long is shown as offline.
    "OFFLINE_AFTER_MINUTES": 30,
    "LOW_BATTERY_PERCENT": 15,
    # Terminal messages: largest accepted payload; how far in the future a timestamp may lie.
    "MAX_MESSAGE_BYTES": 4096,
    "MAX_CLOCK_SKEW_MINUTES": 10,
    # Visit photos: checked by content and size.
    "MAX_PHOTO_BYTES": 5 * 1024 * 1024,
    "MAX_PHOTOS_PER_VISIT": 6,
    # --- profiles and visits part ---
    # A visit's time may lie this many minutes ahead of the server's clock (a phone's clock
    # runs fast); anything later is refused as a visit in the future.
    "VISIT_CLOCK_SKEW_MINUTES": 5,
    # Risk criteria the register can suggest: an elderly person of this age or more.
    "ELDERLY_VERY_OLD_AGE": 80,
    # --- end profiles and visits part ---
    # --- needs and statistics part ---
    # Statistics for readers without care.view_children: a count of children from 1 to this
    # number is shown as "<5" (re-identification of minors through small numbers).
    "STATS_SMALL_CELL_MAX": 4,
    # --- end needs and statistics part ---
    # --- security review ---
    # Unreviewed messages from unregistered terminals kept at most (in all, and per serial):
    # parking is open to anyone (no secret to check), so it must be bounded.
    "MAX_PARKED_UNREVIEWED": 5000,
    "MAX_PARKED_PER_SERIAL": 200,
    # --- end security review ---
    # --- low fixes ---
    # Terminal messages: how old a message's timestamp may be when it arrives (measured from
    # its first arrival, so a parked message replayed later keeps its age). Older ones are
    # rejected as "too_old" and counted: a terminal buffers a few days offline at most, and an
    # old signed message with a new id must not become a fresh alert.
    "MAX_EVENT_AGE_DAYS": 7,
    # --- end low fixes ---
}


def rule(name: str) -> Any:
    """The value of one rule, with the deployment's override if it sets one."""
    overrides = getattr(settings, "CARE_RULES", {}) or {}
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]
