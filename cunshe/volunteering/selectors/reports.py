"""志愿积分统计: aggregate figures of volunteering and points for a region and each unit one
level below it (province → city → county → township → village), for holders of
volunteering.reports (hours, volunteers) and points.reports (points, store). No names of
people: every figure is a GROUP BY on a prefix of `region_code`, so the number of queries is
fixed whatever the size of the subtree (nine with every section; see `vol_report`).

Definitions (also on the page and in docs/volunteering/reports.md):
- hours: approved `HoursEntry` minutes with a service date in the period (corrections count
  with their sign), by unit (the volunteer's region) and by organisation; volunteers served =
  distinct volunteers with such minutes;
- volunteers: registered (在册) volunteers now by star grade (rule STAR_HOURS on their approved
  minutes) — 0 to 5;
- points, by the movements on household and person accounts made in the period: issued = earn
  entries, by the category of the declaration's earning rule; reversed = reversals of earn
  entries, by the same category; redeemed = redeem entries less their reversals; in circulation
  = the balance of household and person accounts at the end of the period;
- store: redemptions made in the period (not reversed: count, points; reversed: count), items
  out = units taken out by redemptions less those put back by reversals; stock in by purchase
  and donation in the period; stock now: goods on the shelf, units in stock and their value at
  the average purchase cost of each item (items never bought with a cost are counted apart).

A row whose region is above the units (e.g. a township's own store) counts in the total only.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.reporting import check_period
from cunshe.regions.models import CODE_LENGTH, Level, Region
from cunshe.volunteering.models import (
    HoursEntry,
    Movement,
    PointsAccount,
    PointsEntry,
    Redemption,
    StockMovement,
    StoreItem,
    Volunteer,
)
from cunshe.volunteering.rules import rule

VOL_REPORTS = "volunteering.reports"
POINTS_REPORTS = "points.reports"
STARS = list(range(6))
SECTIONS = ("hours", "volunteers", "points", "store")
_GUARDED = (PointsAccount.Kind.HOUSEHOLD, PointsAccount.Kind.PERSON)


def sections_for(j: Jurisdiction) -> tuple[str, ...]:
    """The sections this reader may see (none: PermissionDenied)."""
    out: list[str] = []
    if j.has_perm(VOL_REPORTS):
        out += ["hours", "volunteers"]
    if j.has_perm(POINTS_REPORTS):
        out += ["points", "store"]
    if not out:
        raise PermissionDenied(_("您没有查看志愿积分统计的权限。"))
    return tuple(out)


def child_level(region: Region) -> int | None:
    if region.level >= Level.VILLAGE:
        return None
    return region.level + 1


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def category_label(code: str) -> str:
    from cunshe.volunteering.selectors.public import category_label as label

    return label(code) if code else _("未分类")


@dataclass
class _Ctx:
    j: Jurisdiction
    region: Region
    key: Substr
    lo: datetime
    hi: datetime
    start: date
    end: date


def _scoped(model: Any, ctx: _Ctx):  # type: ignore[no-untyped-def]
    return model.objects.within(ctx.j).filter(region_code__startswith=ctx.region.code)


def _star_case() -> Case:
    thresholds = list(rule("STAR_HOURS"))
    whens = [
        When(approved_minutes__gte=hours * 60, then=Value(star))
        for star, hours in sorted(enumerate(thresholds, start=1), reverse=True)
    ]
    return Case(*whens, default=Value(0), output_field=IntegerField())


def _hours(ctx: _Ctx, units: dict[str, str]) -> dict[str, Any]:
    base = _scoped(HoursEntry, ctx).filter(
        status=HoursEntry.Status.APPROVED, service_date__gte=ctx.start, service_date__lte=ctx.end
    )
    by_unit = {
        r["ukey"]: r
        for r in base.annotate(ukey=ctx.key)
        .values("ukey")
        .annotate(
            minutes=Sum("minutes"),
            entries=Count("id"),
            volunteers=Count("volunteer", distinct=True),
        )
        .order_by()
    }
    orgs = list(
        base.values("organisation_id", "organisation__name")
        .annotate(minutes=Sum("minutes"), entries=Count("id"))
        .order_by("-minutes", "organisation__name")
    )

    def row(r: dict[str, Any] | None) -> dict[str, Any]:
        minutes = int((r or {}).get("minutes") or 0)
        return {
            "minutes": minutes,
            "hours": round(minutes / 60, 1),
            "entries": int((r or {}).get("entries") or 0),
            "volunteers": int((r or {}).get("volunteers") or 0),
        }

    totals = row(
        {
            "minutes": sum(int(r["minutes"] or 0) for r in by_unit.values()),
            "entries": sum(r["entries"] for r in by_unit.values()),
            "volunteers": sum(r["volunteers"] for r in by_unit.values()),
        }
    )
    return {
        "totals": totals,
        "units": [{"code": c, "name": n, **row(by_unit.get(c))} for c, n in units.items()],
        "organisations": [
            {
                "name": o["organisation__name"] or _("未注明组织"),
                "minutes": int(o["minutes"] or 0),
                "hours": round(int(o["minutes"] or 0) / 60, 1),
                "entries": o["entries"],
            }
            for o in orgs
        ],
    }


def _volunteers(ctx: _Ctx, units: dict[str, str], served: dict[str, int]) -> dict[str, Any]:
    rows = (
        _scoped(Volunteer, ctx)
        .filter(status=Volunteer.Status.ACTIVE)
        .annotate(ukey=ctx.key, star=_star_case())
        .values("ukey", "star")
        .annotate(n=Count("id"))
        .order_by()
    )
    grid: dict[str, list[int]] = {}
    for r in rows:
        grid.setdefault(r["ukey"], [0] * len(STARS))[r["star"]] += r["n"]
    total = [sum(g[s] for g in grid.values()) for s in STARS]

    def row(stars: list[int], code: str | None) -> dict[str, Any]:
        return {
            "by_star": stars,
            "registered": sum(stars),
            "active_in_period": served.get(code, 0) if code else sum(served.values()),
        }

    return {
        "star_hours": list(rule("STAR_HOURS")),
        "totals": row(total, None),
        "units": [
            {"code": c, "name": n, **row(grid.get(c, [0] * len(STARS)), c)}
            for c, n in units.items()
        ],
    }


def _points(ctx: _Ctx, units: dict[str, str]) -> dict[str, Any]:
    moves = _scoped(Movement, ctx).filter(account__kind__in=_GUARDED)
    rows = (
        moves.filter(created_at__gte=ctx.lo, created_at__lt=ctx.hi)
        .annotate(
            ukey=ctx.key,
            kind=F("entry__kind"),
            rkind=F("entry__reverses__kind"),
            cat=Coalesce(
                "entry__declaration__rule__category",
                "entry__reverses__declaration__rule__category",
                Value(""),
            ),
        )
        .values("ukey", "kind", "rkind", "cat")
        .annotate(s=Sum("points"))
        .order_by()
    )
    fields = ("issued", "reversed", "redeemed", "in_circulation")
    per_unit: dict[str, dict[str, int]] = {}
    cats: dict[str, dict[str, int]] = {
        c: {"issued": 0, "reversed": 0} for c in rule("POINTS_CATEGORIES")
    }
    totals = {k: 0 for k in (*fields, "redemptions_reversed")}
    for r in rows:
        s = int(r["s"] or 0)
        u = per_unit.setdefault(r["ukey"], dict.fromkeys(fields, 0))
        earned = r["kind"] == PointsEntry.Kind.EARN or r["rkind"] == PointsEntry.Kind.EARN
        cat = cats.setdefault(r["cat"], {"issued": 0, "reversed": 0}) if earned else {}
        if r["kind"] == PointsEntry.Kind.EARN:
            cat["issued"] += s
            u["issued"] += s
            totals["issued"] += s
        elif r["kind"] == PointsEntry.Kind.REDEEM:
            u["redeemed"] += -s
            totals["redeemed"] += -s
        elif r["rkind"] == PointsEntry.Kind.EARN:
            cat["reversed"] += -s
            u["reversed"] += -s
            totals["reversed"] += -s
        elif r["rkind"] == PointsEntry.Kind.REDEEM:
            u["redeemed"] -= s
            totals["redeemed"] -= s
            totals["redemptions_reversed"] += s
    circulation = (
        moves.filter(created_at__lt=ctx.hi)
        .annotate(ukey=ctx.key)
        .values("ukey")
        .annotate(s=Sum("points"))
        .order_by()
    )
    for r in circulation:
        s = int(r["s"] or 0)
        per_unit.setdefault(r["ukey"], dict.fromkeys(fields, 0))["in_circulation"] = s
        totals["in_circulation"] += s
    return {
        "categories": [
            {
                "code": c,
                "name": category_label(c),
                "issued": v["issued"],
                "reversed": v["reversed"],
                "net": v["issued"] - v["reversed"],
            }
            for c, v in cats.items()
        ],
        "totals": totals,
        "units": [
            {"code": c, "name": n, **per_unit.get(c, dict.fromkeys(fields, 0))}
            for c, n in units.items()
        ],
    }


def _store(ctx: _Ctx, units: dict[str, str]) -> dict[str, Any]:
    fields = (
        "redemptions", "points", "reversed", "items_out", "stock_in_purchase",
        "stock_in_donation", "goods", "units_in_stock", "value_fen", "goods_without_cost",
    )  # fmt: skip
    per_unit: dict[str, dict[str, int]] = {}

    def unit(code: str) -> dict[str, int]:
        return per_unit.setdefault(code, dict.fromkeys(fields, 0))

    live = Q(reversed_at__isnull=True)
    for r in (
        _scoped(Redemption, ctx)
        .filter(redeemed_at__gte=ctx.lo, redeemed_at__lt=ctx.hi)
        .annotate(ukey=ctx.key)
        .values("ukey")
        .annotate(
            n=Count("id", filter=live),
            points=Sum("points", filter=live),
            back=Count("id", filter=~live),
        )
        .order_by()
    ):
        u = unit(r["ukey"])
        u["redemptions"], u["points"], u["reversed"] = r["n"], int(r["points"] or 0), r["back"]
    K = StockMovement.Kind
    for r in (
        _scoped(StockMovement, ctx)
        .filter(recorded_at__gte=ctx.lo, recorded_at__lt=ctx.hi)
        .filter(kind__in=[K.REDEMPTION, K.REVERSAL, K.PURCHASE, K.DONATION])
        .annotate(ukey=ctx.key)
        .values("ukey", "kind")
        .annotate(q=Sum("quantity"))
        .order_by()
    ):
        u, q = unit(r["ukey"]), int(r["q"] or 0)
        if r["kind"] in (K.REDEMPTION, K.REVERSAL):
            u["items_out"] += -q
        elif r["kind"] == K.PURCHASE:
            u["stock_in_purchase"] += q
        else:
            u["stock_in_donation"] += q
    costed = Q(movements__kind=K.PURCHASE, movements__cost_fen__isnull=False)
    for r in (
        _scoped(StoreItem, ctx)
        .annotate(ukey=ctx.key)
        .values("id", "ukey", "stock", "active")
        .annotate(
            cost=Sum("movements__cost_fen", filter=costed),
            qty=Sum("movements__quantity", filter=costed),
        )
        .order_by()
    ):
        u = unit(r["ukey"])
        u["goods"] += 1 if r["active"] else 0
        u["units_in_stock"] += r["stock"]
        if r["qty"]:
            u["value_fen"] += round(r["stock"] * r["cost"] / r["qty"])
        elif r["stock"]:
            u["goods_without_cost"] += 1
    totals = {k: sum(u[k] for u in per_unit.values()) for k in fields}
    return {
        "totals": totals,
        "units": [
            {"code": c, "name": n, **per_unit.get(c, dict.fromkeys(fields, 0))}
            for c, n in units.items()
        ],
    }


def vol_report(
    j: Jurisdiction,
    region: Region,
    *,
    start: date,
    end: date,
    sections: tuple[str, ...] | None = None,
) -> dict[str, Any]:
    """The report as plain data (the API's body, the page's tables and charts). Queries: the
    units' names 1, hours 2, volunteers 1, points 2, store 3 — whatever the number of villages."""
    allowed = sections_for(j)
    sections = tuple(s for s in (sections or allowed) if s in allowed)
    if not j.covers(region.code):
        raise ValidationError(_("该区划不在您的管辖范围内。"))
    check_period(start, end)
    level = child_level(region)
    key_length = CODE_LENGTH[Level(level)] if level else len(region.code)
    units: dict[str, str] = {}
    if level is not None:
        units = dict(
            Region.objects.current()
            .filter(parent=region)
            .order_by("code")
            .values_list("code", "name")
        )
    ctx = _Ctx(
        j=j, region=region, key=Substr("region_code", 1, key_length), start=start, end=end,
        lo=_start_of(start), hi=_start_of(end + timedelta(days=1)),
    )  # fmt: skip
    out: dict[str, Any] = {
        "region": {"code": region.code, "name": region.name, "level": int(region.level)},
        "period": {"from": start.isoformat(), "to": end.isoformat()},
        "units": [{"code": c, "name": n} for c, n in units.items()],
        "hours": None,
        "volunteers": None,
        "points": None,
        "store": None,
    }
    if "hours" in sections or "volunteers" in sections:
        hours = _hours(ctx, units)
        if "hours" in sections:
            out["hours"] = hours
        if "volunteers" in sections:
            served = {u["code"]: u["volunteers"] for u in hours["units"]}
            if not units:
                served = {region.code: hours["totals"]["volunteers"]}
            out["volunteers"] = _volunteers(ctx, units, served)
    if "points" in sections:
        out["points"] = _points(ctx, units)
    if "store" in sections:
        out["store"] = _store(ctx, units)
    return out
