"""The numbers of volunteering and the points system, in one place (MISSION.md rules table:
志愿服务记录 rules for hours and star grades; the 2020 national notice on 积分制 for points).

A deployment may override one with `settings.VOLUNTEERING_RULES = {"NAME": value}` (tests do
too). Read them through `rule("NAME")`, never as literals elsewhere.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

RULES_VERSION = "jilin-2026.1"

DEFAULTS: dict[str, Any] = {
    # 志愿服务记录与证明出具办法: star grades by cumulative approved service hours.
    "STAR_HOURS": (100, 300, 600, 1000, 1500),
    # Hours count actual time at the place (QR sign-in to sign-out), never travel. The time
    # counted is clipped to the shift (from its start, to its end plus OVERTIME minutes) and
    # rounded: mode "down" | "nearest" | "up" to a unit of this many minutes.
    "HOURS_ROUNDING_MODE": "down",
    "HOURS_ROUNDING_MINUTES": 15,
    "SHIFT_OVERTIME_MINUTES": 60,
    # QR sign-in opens this many minutes before the shift starts and closes at its end.
    "CHECKIN_OPENS_MINUTES_BEFORE": 30,
    # A signed-in volunteer who never signs out: the organiser records the end by hand within
    # this many days, after which the sign-up counts as attended with no hours.
    "CHECKOUT_GRACE_DAYS": 3,
    # Hours and points need four eyes: the approver differs from whoever recorded/confirmed.
    "FOUR_EYES": True,
    # --- points (积分制) ---
    # A declaration is posted publicly for objections this many days before it is credited.
    "POINTS_POSTING_DAYS": 7,
    # A deed may be declared up to this many days after it happened.
    "DECLARATION_MAX_AGE_DAYS": 60,
    # Earning-rule categories (村规民约 practice); a village sets points per unit for each.
    "POINTS_CATEGORIES": (
        "volunteer_hours",
        "environment",
        "filial",
        "neighbourly",
        "customs",
        "safety",
        "other",
    ),
    # --- matching: the weights of the explainable score (they sum to 100) ---
    "MATCH_WEIGHTS": {"skills": 40, "distance": 25, "availability": 20, "reliability": 15},
    # Beyond this many kilometres the distance part of the score is zero.
    "MATCH_MAX_KM": 30,
    # Estimated distance when a hamlet has no coordinates: same hamlet, same village, same
    # township, same county, further.
    "MATCH_TREE_KM": (0.0, 2.0, 8.0, 25.0, 60.0),
    # Reliability = (attended + PRIOR_ATTENDED) / (signed up + PRIOR_SIGNED): a newcomer is
    # neither trusted nor distrusted (2/3).
    "RELIABILITY_PRIOR_ATTENDED": 2,
    "RELIABILITY_PRIOR_SIGNED": 3,
    # Proposals shown per need.
    "MATCH_TOP_N": 10,
    # --- certificates ---
    "CERTIFICATE_PREFIX": "JLZY",
}


def rule(name: str) -> Any:
    """One rule's value: the deployment's override, else the default."""
    overrides = getattr(settings, "VOLUNTEERING_RULES", None) or {}
    if name in overrides:
        return overrides[name]
    return DEFAULTS[name]


def star_for_minutes(minutes: int) -> int:
    """The star grade (0–5) of a volunteer with this many approved service minutes."""
    hours = minutes // 60
    return sum(1 for threshold in rule("STAR_HOURS") if hours >= threshold)


def round_minutes(minutes: int) -> int:
    """Counted minutes rounded by the configured rule (never negative)."""
    if minutes <= 0:
        return 0
    unit = int(rule("HOURS_ROUNDING_MINUTES")) or 1
    mode = rule("HOURS_ROUNDING_MODE")
    whole, rest = divmod(minutes, unit)
    if mode == "up":
        whole += 1 if rest else 0
    elif mode == "nearest":
        whole += 1 if rest * 2 >= unit else 0
    elif mode != "down":
        raise ValueError(f"unknown HOURS_ROUNDING_MODE {mode!r}")
    return whole * unit
