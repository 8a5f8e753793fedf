"""The explainable matching score, vectorised over volunteers × needs with numpy.

Four parts, each a share in [0, 1] times its weight (rule "MATCH_WEIGHTS", summing to 100):

- skills: share of the need's skills the volunteer has (no skill asked → full);
- distance: km between the volunteer's home and the need's place (haversine between hamlet or,
  failing that, village coordinates; else rule "MATCH_TREE_KM" by how far apart they are in the
  tree), falling linearly to 0 at rule "MATCH_MAX_KM";
- availability: share of the need's hours (inside the day parts) falling in the volunteer's
  weekly slots;
- reliability: (attended + prior) / (signed up + prior) (rules RELIABILITY_PRIOR_*).

Scores are integer thousandths of a point (0–100 000). `explain()` turns one pair into the
JSON stored on `Match.explanation`; `reasons()` renders it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cunshe.volunteering.models.volunteers import DAY_PART_HOURS, DayPart, Skill, Weekday
from cunshe.volunteering.rules import rule

SKILL_CODES: list[str] = [s.value for s in Skill]
SKILL_BIT = {code: 1 << i for i, code in enumerate(SKILL_CODES)}
PARTS = ("skills", "distance", "availability", "reliability")
EARTH_KM = 6371.0088
SLOTS = 21


def skill_mask(skills: Sequence[str]) -> int:
    m = 0
    for s in skills or ():
        m |= SKILL_BIT.get(s, 0)
    return m


def _popcount(a: np.ndarray) -> np.ndarray:
    return np.bitwise_count(a.astype(np.uint32)).astype(np.float64)


def haversine_km(lat1: Any, lon1: Any, lat2: Any, lon2: Any) -> Any:
    """Great-circle km between points in degrees (scalars or broadcastable arrays)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(np.asarray(lon2) - np.asarray(lon1))
    h = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_KM * np.arcsin(np.sqrt(np.clip(h, 0.0, 1.0)))


def tree_level(a: str, b: str) -> int:
    """0 same hamlet (or same village row), 1 same village, 2 same township, 3 same county,
    4 further — the index into rule MATCH_TREE_KM."""
    if a == b:
        return 0
    if a[:12] == b[:12]:
        return 1
    if a[:9] == b[:9]:
        return 2
    if a[:6] == b[:6]:
        return 3
    return 4


@dataclass
class Places:
    """Coordinates (degrees) by region code: hamlets and villages that have a HamletLocation."""

    coords: dict[str, tuple[float, float]] = field(default_factory=dict)

    def of(self, code: str) -> tuple[tuple[float, float] | None, str]:
        """The point for a region code: its own, else its village's; and where it came from."""
        if code in self.coords:
            return self.coords[code], code
        if len(code) > 12 and code[:12] in self.coords:
            return self.coords[code[:12]], code[:12]
        return None, ""


def distance_km(places: Places, a: str, b: str) -> tuple[float, bool]:
    """(km, measured): measured by coordinates when both are known, else by the tree."""
    pa, _ca = places.of(a)
    pb, _cb = places.of(b)
    if pa is not None and pb is not None:
        return float(haversine_km(pa[0], pa[1], pb[0], pb[1])), True
    return float(rule("MATCH_TREE_KM")[tree_level(a, b)]), False


def distance_matrix(
    places: Places, vol_codes: Sequence[str], need_codes: Sequence[str]
) -> np.ndarray:
    """km between each volunteer's home and each need's place (V × N), computed once per
    distinct pair of region codes, vectorised (haversine where both points are known, the
    tree estimate elsewhere)."""
    uv, iv = np.unique(np.asarray(list(vol_codes), dtype=str), return_inverse=True)
    un, in_ = np.unique(np.asarray(list(need_codes), dtype=str), return_inverse=True)

    def coords(codes: np.ndarray) -> np.ndarray:
        out = np.full((len(codes), 2), np.nan)
        for i, c in enumerate(codes):
            point, _src = places.of(str(c))
            if point is not None:
                out[i] = point
        return out

    cv, cn = coords(uv), coords(un)
    km = haversine_km(cv[:, None, 0], cv[:, None, 1], cn[None, :, 0], cn[None, :, 1])
    level = np.full((len(uv), len(un)), 4, dtype=np.int64)
    for n in (6, 9, 12):
        a = np.array([c[:n] for c in uv.tolist()])
        b = np.array([c[:n] for c in un.tolist()])
        level -= a[:, None] == b[None, :]
    level -= uv[:, None] == un[None, :]
    tree = np.asarray(rule("MATCH_TREE_KM"), dtype=np.float64)[level]
    small = np.where(np.isnan(km), tree, km)
    return small[iv.reshape(-1)][:, in_.reshape(-1)]


def _tz() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def slot_hours(starts_at: datetime, ends_at: datetime) -> np.ndarray:
    """Hours of [starts_at, ends_at) inside each of the 21 weekly slots (local time)."""
    out = np.zeros(SLOTS, dtype=np.float64)
    tz = _tz()
    start, end = starts_at.astimezone(tz), ends_at.astimezone(tz)
    day = start.replace(hour=0, minute=0, second=0, microsecond=0)
    while day < end:
        for part, (h0, h1) in DAY_PART_HOURS.items():
            lo = max(start, day.replace(hour=h0))
            hi = min(end, day.replace(hour=h1) if h1 < 24 else day + timedelta(days=1))
            if hi > lo:
                out[day.weekday() * 3 + int(part)] += (hi - lo).total_seconds() / 3600
        day = (day + timedelta(days=1, hours=2)).replace(hour=0)
    return out


def availability_bits(availability: int) -> np.ndarray:
    return np.array([(availability >> i) & 1 for i in range(SLOTS)], dtype=np.float64)


@dataclass
class Volunteers:
    """The candidates as arrays (one entry per volunteer)."""

    ids: list[int]
    region_codes: list[str]
    skills: np.ndarray  # uint32 masks
    availability: np.ndarray  # (V, 21) 0/1
    attended: np.ndarray
    signed: np.ndarray
    skill_lists: list[list[str]] = field(default_factory=list)
    avail_ints: list[int] = field(default_factory=list)

    @classmethod
    def build(cls, rows: Sequence[dict[str, Any]]) -> Volunteers:
        """From dicts with id, region_code, skills, availability, shifts_attended,
        shifts_signed."""
        avail = [int(r["availability"]) for r in rows]
        bits = np.array([[(a >> i) & 1 for i in range(SLOTS)] for a in avail], dtype=np.float64)
        return cls(
            ids=[r["id"] for r in rows],
            region_codes=[r["region_code"] for r in rows],
            skills=np.array([skill_mask(r["skills"]) for r in rows], dtype=np.uint32),
            availability=bits.reshape(len(rows), SLOTS),
            attended=np.array([r["shifts_attended"] for r in rows], dtype=np.float64),
            signed=np.array([r["shifts_signed"] for r in rows], dtype=np.float64),
            skill_lists=[list(r["skills"] or []) for r in rows],
            avail_ints=avail,
        )


@dataclass
class Needs:
    ids: list[int]
    region_codes: list[str]
    skills: np.ndarray  # uint32 masks
    hours: np.ndarray  # (N, 21) hours in each slot
    starts: np.ndarray  # epoch seconds (int64)
    ends: np.ndarray
    capacity: np.ndarray  # places still to fill
    skill_lists: list[list[str]] = field(default_factory=list)

    @classmethod
    def build(cls, rows: Sequence[dict[str, Any]]) -> Needs:
        """From dicts with id, region_code, skills, starts_at, ends_at, capacity."""
        hours = np.array([slot_hours(r["starts_at"], r["ends_at"]) for r in rows])
        return cls(
            ids=[r["id"] for r in rows],
            region_codes=[r["region_code"] for r in rows],
            skills=np.array([skill_mask(r["skills"]) for r in rows], dtype=np.uint32),
            hours=hours.reshape(len(rows), SLOTS),
            starts=np.array([int(r["starts_at"].timestamp()) for r in rows], dtype=np.int64),
            ends=np.array([int(r["ends_at"].timestamp()) for r in rows], dtype=np.int64),
            capacity=np.array([int(r.get("capacity", 1)) for r in rows], dtype=np.int64),
            skill_lists=[list(r["skills"] or []) for r in rows],
        )


def weights() -> dict[str, float]:
    w = rule("MATCH_WEIGHTS")
    return {p: float(w.get(p, 0)) for p in PARTS}


def part_shares(
    vols: Volunteers, needs: Needs, places: Places, km: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Each part's share in [0, 1] as a V × N matrix (reliability broadcast per volunteer)."""
    asked = _popcount(needs.skills)  # (N,)
    have = _popcount(vols.skills[:, None] & needs.skills[None, :])  # (V, N)
    skills = np.where(asked[None, :] > 0, have / np.maximum(asked, 1)[None, :], 1.0)
    if km is None:
        km = distance_matrix(places, vols.region_codes, needs.region_codes)
    max_km = float(rule("MATCH_MAX_KM"))
    distance = np.clip(1.0 - km / max_km, 0.0, 1.0)
    total_h = needs.hours.sum(axis=1)  # (N,)
    covered = vols.availability @ needs.hours.T  # (V, N)
    availability = np.where(total_h[None, :] > 0, covered / np.maximum(total_h, 1e-9), 0.0)
    pa, ps = float(rule("RELIABILITY_PRIOR_ATTENDED")), float(rule("RELIABILITY_PRIOR_SIGNED"))
    rel = np.clip((vols.attended + pa) / np.maximum(vols.signed + ps, 1e-9), 0.0, 1.0)
    reliability = np.broadcast_to(rel[:, None], skills.shape)
    return {
        "skills": skills,
        "distance": distance,
        "availability": availability,
        "reliability": reliability,
        "km": km,
    }


ROWS_PER_CHUNK = 512


def score_matrix(vols: Volunteers, needs: Needs, places: Places) -> np.ndarray:
    """Integer thousandths (V × N), int64: each part rounded on its own, as `explain_pair` does,
    so a proposal's parts add up to it. The same arithmetic as `part_shares`, but computed in
    chunks of volunteers (5,000 needs × 10,000 volunteers: 50 M pairs), the distance points once
    per pair of distinct region codes, the reliability points once per volunteer."""
    w = weights()
    n_vol, n_need = len(vols.ids), len(needs.ids)
    out = np.empty((n_vol, n_need), dtype=np.int64)
    if n_vol == 0 or n_need == 0:
        return out
    # Distance: per distinct (volunteer code, need code), then gathered.
    uv, iv = np.unique(np.asarray(vols.region_codes, dtype=str), return_inverse=True)
    un, in_ = np.unique(np.asarray(needs.region_codes, dtype=str), return_inverse=True)
    km = distance_matrix(places, uv.tolist(), un.tolist())
    max_km = float(rule("MATCH_MAX_KM"))
    dist_pts = np.rint(np.clip(1.0 - km / max_km, 0.0, 1.0) * (w["distance"] * 1000))
    dist_pts = dist_pts.astype(np.int64)
    iv, in_ = iv.reshape(-1), in_.reshape(-1)
    # Reliability: per volunteer.
    pa, ps = float(rule("RELIABILITY_PRIOR_ATTENDED")), float(rule("RELIABILITY_PRIOR_SIGNED"))
    rel = np.clip((vols.attended + pa) / np.maximum(vols.signed + ps, 1e-9), 0.0, 1.0)
    rel_pts = np.rint(rel * (w["reliability"] * 1000)).astype(np.int64)
    asked = _popcount(needs.skills)
    denom = np.maximum(asked, 1)[None, :]
    some = asked[None, :] > 0
    total_h = needs.hours.sum(axis=1)
    has_h = total_h[None, :] > 0
    h_denom = np.maximum(total_h, 1e-9)
    hours_t = needs.hours.T
    w_sk, w_av = w["skills"] * 1000, w["availability"] * 1000
    for lo in range(0, n_vol, ROWS_PER_CHUNK):
        hi = min(n_vol, lo + ROWS_PER_CHUNK)
        have = _popcount(vols.skills[lo:hi, None] & needs.skills[None, :])
        block = np.rint(np.where(some, have / denom, 1.0) * w_sk).astype(np.int64)
        covered = vols.availability[lo:hi] @ hours_t
        block += np.rint(np.where(has_h, covered / h_denom, 0.0) * w_av).astype(np.int64)
        block += dist_pts[iv[lo:hi, None], in_[None, :]]
        block += rel_pts[lo:hi, None]
        out[lo:hi] = block
    return out


def overlaps(starts: np.ndarray, ends: np.ndarray, s: float, e: float) -> np.ndarray:
    return (starts < e) & (ends > s)


def feasible_matrix(
    vols: Volunteers, needs: Needs, busy: dict[int, list[tuple[datetime, datetime]]]
) -> np.ndarray:
    """True where the volunteer is free for the whole need (no held sign-up or match)."""
    ok = np.ones((len(vols.ids), len(needs.ids)), dtype=bool)
    for i, vid in enumerate(vols.ids):
        for s, e in busy.get(vid, ()):
            ok[i] &= ~overlaps(needs.starts, needs.ends, s.timestamp(), e.timestamp())
    return ok


# --- explanation ----------------------------------------------------------------------------


def explain_pair(
    vols: Volunteers, vi: int, needs: Needs, ni: int, places: Places
) -> dict[str, Any]:
    """The JSON stored on Match.explanation: each part's points (thousandths), the facts behind
    it, and a reason in the source language (Chinese); pages re-render it with `reasons()`."""
    w = weights()
    asked = needs.skill_lists[ni]
    have = [s for s in asked if s in set(vols.skill_lists[vi])]
    skills_share = len(have) / len(asked) if asked else 1.0
    km, measured = distance_km(places, vols.region_codes[vi], needs.region_codes[ni])
    dist_share = max(0.0, min(1.0, 1.0 - km / float(rule("MATCH_MAX_KM"))))
    hours = needs.hours[ni]
    total_h = float(hours.sum())
    bits = vols.availability[vi]
    covered = float((bits * hours).sum())
    avail_share = covered / total_h if total_h > 0 else 0.0
    slots = [[i // 3, i % 3] for i in range(SLOTS) if hours[i] > 0]
    free = [s for s in slots if bits[s[0] * 3 + s[1]]]
    att, sig = int(vols.attended[vi]), int(vols.signed[vi])
    pa, ps = float(rule("RELIABILITY_PRIOR_ATTENDED")), float(rule("RELIABILITY_PRIOR_SIGNED"))
    rel_share = max(0.0, min(1.0, (att + pa) / max(sig + ps, 1e-9)))
    parts = {
        "skills": {"share": skills_share, "have": have, "asked": asked},
        "distance": {"share": dist_share, "km": round(km, 1), "measured": measured},
        "availability": {"share": avail_share, "slots": slots, "free": free},
        "reliability": {"share": rel_share, "attended": att, "signed": sig},
    }
    total = 0
    for p in PARTS:
        pts = round(parts[p]["share"] * w[p] * 1000)
        parts[p]["points"] = pts
        parts[p]["share"] = round(parts[p]["share"], 4)
        total += pts
    out: dict[str, Any] = {"parts": parts, "total": total}
    out["reasons"] = {p: r for p, r in reasons(out)}
    return out


def _slot_label(slot: Sequence[int]) -> str:
    return f"{Weekday(slot[0]).label}{DayPart(slot[1]).label}"


def reasons(explanation: dict[str, Any]) -> list[tuple[str, str]]:
    """[(part, reason)] in the active language, e.g. ("skills", "技能 2/3：理发、陪伴聊天")."""
    parts = explanation.get("parts") or {}
    out: list[tuple[str, str]] = []
    if "skills" in parts:
        s = parts["skills"]
        if not s.get("asked"):
            out.append(("skills", _("未要求特定技能")))
        else:
            names = "、".join(str(Skill(c).label) for c in s.get("have", []) if c in SKILL_BIT)
            text = _("技能 %(have)s/%(asked)s") % {
                "have": len(s.get("have", [])),
                "asked": len(s["asked"]),
            }
            out.append(("skills", f"{text}：{names}" if names else text))
    if "distance" in parts:
        d = parts["distance"]
        if d.get("measured"):
            out.append(("distance", _("约 %(km)s 公里") % {"km": d["km"]}))
        else:
            out.append(("distance", _("估计约 %(km)s 公里（按行政区划）") % {"km": d["km"]}))
    if "availability" in parts:
        a = parts["availability"]
        if not a.get("slots"):
            out.append(("availability", _("需求不在常规服务时段")))
        elif a.get("free"):
            labels = "、".join(_slot_label(s) for s in a["free"][:3])
            out.append(("availability", _("%(slots)s有空") % {"slots": labels}))
        else:
            out.append(("availability", _("该时段未登记可服务")))
    if "reliability" in parts:
        r = parts["reliability"]
        if r.get("signed"):
            out.append(
                (
                    "reliability",
                    _("出勤 %(a)s/%(s)s") % {"a": r["attended"], "s": r["signed"]},
                )
            )
        else:
            out.append(("reliability", _("新志愿者，暂无出勤记录")))
    return out


PART_LABELS = {
    "skills": gettext_lazy("技能"),
    "distance": gettext_lazy("距离"),
    "availability": gettext_lazy("时间"),
    "reliability": gettext_lazy("可靠性"),
}


def part_label(part: str) -> str:
    return str(PART_LABELS.get(part, part))


def rows_for_display(explanation: dict[str, Any]) -> list[dict[str, Any]]:
    """For templates: [{label, points (1 decimal), reason}] in the reader's language."""
    parts = explanation.get("parts") or {}
    out = []
    for part, reason in reasons(explanation):
        pts = parts.get(part, {}).get("points", 0)
        out.append(
            {"part": part, "label": part_label(part), "points": pts / 1000, "reason": reason}
        )
    return out
