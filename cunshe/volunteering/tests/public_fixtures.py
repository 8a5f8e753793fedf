"""Village A's public volunteering and points records, written straight with the ORM (the parts'
services are built in parallel) and the ledger's one writer for points. Helpers are shared with
reports_fixtures.

What `public_village_a` makes, and what the public pages must (✓) or must not (✗) show:
- households headed by 张德丰 (一组) and 王建国 (the village): a declaration of each posted for
  objection ✓ (as 张*丰 · 一组 and 王*国), a declared one ✗, a credited one ✗;
- the store: 大米 in stock ✓ 有货, 洗衣粉 out of stock ✓ 暂缺, 旧毛巾 taken off the shelf ✗;
  donors 吉林爱心粮油有限公司 (public) ✓ with 大米 20袋, 匿名好心人 (not public) ✗;
- volunteers 刘玉芳 (consent, 3 h this year, 120 h in all → 1 star) ✓, 陈桂香 (no consent,
  10 h) ✗ never, 赵志强 (consent, withdrawn) ✗;
- activity 重阳敬老理发 (open, public): a future shift with 2 free places ✓, a full shift ✗, a
  past shift ✗; 村屯大扫除 (draft) ✗; 党员内部学习 (open, not public) ✗.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from itertools import count
from typing import Any

from django.utils import timezone

from cunshe.accounts.models import RoleAssignment
from cunshe.core.jurisdiction import system_scope
from cunshe.regions.models import Region
from cunshe.residents import idcard
from cunshe.residents import services as residents
from cunshe.volunteering.models import (
    Activity,
    Declaration,
    Donor,
    EarningRule,
    HoursEntry,
    Project,
    Shift,
    Signup,
    StockMovement,
    Store,
    StoreItem,
    Volunteer,
)
from cunshe.volunteering.services import ledger

_seq = count(100)


def jur(user):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.get(user=user).jurisdiction()


def household(cast, region: Region, number: str, head: str, born: date = date(1970, 3, 3)):  # type: ignore[no-untyped-def]
    clerk = cast.clerk_a
    j = jur(clerk)
    with system_scope("test: household in another village"):
        hh = residents.household_create(
            actor=clerk, jurisdiction=_wide(j, region), region=region, number=number
        )
        residents.person_register(
            actor=clerk, jurisdiction=_wide(j, region), household=hh, relationship="02",
            name=head, id_number=idcard.make(region.code[:6], born, next(_seq), "M"),
            since=date(2020, 1, 1),
        )  # fmt: skip
    return hh


def _wide(j, region):  # type: ignore[no-untyped-def]
    """The clerk's scope, or a system scope with the clerk's permissions for village B."""
    if j.covers(region.code):
        return j
    from cunshe.core.jurisdiction import Jurisdiction

    return Jurisdiction(prefixes=(region.code,), permissions=j.permissions, role=j.role)


def volunteer(
    region: Region, name: str, *, consent: bool, minutes: int = 0, **extra: Any
) -> Volunteer:
    with system_scope("test: volunteer"):
        return Volunteer.objects.create(
            region=region, number=f"V{next(_seq):06d}", name=name, public_consent=consent,
            id_number=idcard.make(region.code[:6], date(1980, 1, 1), next(_seq), "F"),
            approved_minutes=minutes, **extra,
        )  # fmt: skip


def hours(
    vol: Volunteer,
    minutes: int,
    day: date,
    *,
    status: str = "approved",
    org=None,
    by=None,
    corrects=None,
):  # type: ignore[no-untyped-def]
    kind = HoursEntry.Kind.CORRECTION if corrects else HoursEntry.Kind.MANUAL
    with system_scope("test: hours"):
        return HoursEntry.objects.create(
            region_id=vol.region_id, volunteer=vol, kind=kind, corrects=corrects,
            reason="更正" if corrects else "", service_date=day, minutes=minutes, status=status,
            organisation=org, recorded_by=by,
        )  # fmt: skip


def earning_rule(region: Region, user, category: str, code: str, name: str, ppu: int = 1):  # type: ignore[no-untyped-def]
    with system_scope("test: rule"):
        return EarningRule.objects.create(
            region=region, code=code, category=category, name=name, points_per_unit=ppu,
            unit=EarningRule.Unit.TIME, valid_from=date(2024, 1, 1), created_by=user,
        )  # fmt: skip


def declaration(hh, rule: EarningRule, user, points: int, status: str, text: str, **extra):  # type: ignore[no-untyped-def]
    with system_scope("test: declaration"):
        return Declaration.objects.create(
            region_id=hh.region_id, household=hh, rule=rule, quantity=Decimal(points),
            points=points, deed_date=timezone.localdate() - timedelta(days=3), description=text,
            status=status, declared_by=user, **extra,
        )  # fmt: skip


def credit(decl: Declaration, user) -> Any:  # type: ignore[no-untyped-def]
    """Credit a declaration through the ledger's one writer (issuance → household)."""
    with system_scope("test: credit"):
        village = Region.objects.get(code=decl.region_code[:12])
        entry = ledger.post_entry(
            kind="earn", region=village,
            lines=[(ledger.issuance_account(village), -decl.points),
                   (ledger.household_account(decl.household), decl.points)],
            memo=decl.description, actor=user,
        )  # fmt: skip
        Declaration.objects.filter(pk=decl.pk).update(
            entry=entry, status=Declaration.Status.CREDITED, credited_at=timezone.now()
        )
    return entry


def store_with_items(region: Region, user, name: str, items: list[tuple[str, int, int, bool]]):  # type: ignore[no-untyped-def]
    """A store and its goods (name, price, units bought in, active)."""
    with system_scope("test: store"):
        store = Store.objects.create(region=region, name=name)
        made = []
        for item_name, price, units, active in items:
            item = StoreItem.objects.create(
                region=region, store=store, name=item_name, price_points=price, active=active
            )
            if units:
                stock_in(item, user, units, kind="purchase", cost_fen=units * 500)
            made.append(item)
    return store, made


def stock_in(item: StoreItem, user, units: int, *, kind: str, donor=None, cost_fen=None):  # type: ignore[no-untyped-def]
    from django.db.models import F

    with system_scope("test: stock"):
        move = StockMovement.objects.create(
            region_id=item.region_id, item=item, kind=kind, quantity=units, donor=donor,
            cost_fen=cost_fen, recorded_by=user,
        )  # fmt: skip
        StoreItem.objects.filter(pk=item.pk).update(stock=F("stock") + units)
    item.refresh_from_db()
    return move


def redeem(store: Store, hh, user, lines: list[tuple[StoreItem, int]], key: str):  # type: ignore[no-untyped-def]
    """A redemption at the counter: ledger entry household → store, stock out."""
    from django.db.models import F

    from cunshe.volunteering.models import Redemption, RedemptionLine

    points = sum(item.price_points * qty for item, qty in lines)
    with system_scope("test: redeem"):
        entry = ledger.post_entry(
            kind="redeem", region=store.region,
            lines=[(ledger.household_account(hh), -points), (ledger.store_account(store), points)],
            memo="兑换", actor=user,
        )  # fmt: skip
        red = Redemption.objects.create(
            region=store.region, store=store, account=ledger.household_account(hh), household=hh,
            points=points, entry=entry, request_key=key, clerk=user,
        )  # fmt: skip
        for item, qty in lines:
            RedemptionLine.objects.create(
                redemption=red, item=item, quantity=qty, unit_points=item.price_points,
                points=item.price_points * qty,
            )  # fmt: skip
            StockMovement.objects.create(
                region=store.region, item=item, kind="redemption", quantity=-qty,
                redemption=red, recorded_by=user,
            )  # fmt: skip
            StoreItem.objects.filter(pk=item.pk).update(stock=F("stock") - qty)
    return red


def project_activity(
    region: Region, user, title: str, *, status: str, public: bool = True, org=None
):  # type: ignore[no-untyped-def]
    with system_scope("test: activity"):
        project = Project.objects.create(
            region=region, name=f"{title}项目", category="elderly", organisation=org,
            starts_on=date(2024, 1, 1), created_by=user,
        )  # fmt: skip
        return Activity.objects.create(
            region=region, project=project, title=title, place="村文化广场", organiser=user,
            status=status, public=public,
        )  # fmt: skip


def shift(activity: Activity, starts: datetime, capacity: int, place: str = "") -> Shift:
    with system_scope("test: shift"):
        return Shift.objects.create(
            region_id=activity.region_id, activity=activity, starts_at=starts,
            ends_at=starts + timedelta(hours=2), capacity=capacity, place=place,
        )  # fmt: skip


def sign_up(s: Shift, vol: Volunteer, status: str = "signed_up") -> Signup:
    with system_scope("test: signup"):
        return Signup.objects.create(
            region_id=s.region_id, shift=s, volunteer=vol, starts_at=s.starts_at,
            ends_at=s.ends_at, status=status,
        )  # fmt: skip


@dataclass
class PublicA:
    code: str
    posted: list[Declaration] = field(default_factory=list)
    hidden_declarations: list[Declaration] = field(default_factory=list)
    items: dict[str, StoreItem] = field(default_factory=dict)
    open_shift: Shift | None = None
    full_shift: Shift | None = None
    activity: Activity | None = None


def public_village_a(cast) -> PublicA:  # type: ignore[no-untyped-def]
    A = cast.village_a
    group = cast.regions["220182102200001"]
    clerk, leader = cast.clerk_a, cast.leader_a
    out = PublicA(code=A.code)
    # Points posted for objection.
    zhang = household(cast, group, "A-101", "张德丰")
    wang = household(cast, A, "A-102", "王建国")
    rule = earning_rule(A, clerk, "filial", "elder-care", "孝敬照料老人", 5)
    ends = timezone.localdate() + timedelta(days=4)
    out.posted = [
        declaration(zhang, rule, clerk, 10, "posted", "照顾卧床婆婆一个月", posting_ends_on=ends),
        declaration(wang, rule, clerk, 5, "posted", "送邻居老人就医", posting_ends_on=ends),
    ]
    declared = declaration(wang, rule, clerk, 7, "declared", "尚未审核的申报")
    credited = declaration(wang, rule, clerk, 3, "reviewed", "已入账的申报")
    credit(credited, leader)
    out.hidden_declarations = [declared, credited]
    # The store and donors.
    _store, (rice, powder, towel) = store_with_items(
        A, clerk, "闵家村爱心超市",
        [("大米", 50, 0, True), ("洗衣粉", 20, 0, True), ("旧毛巾", 5, 3, False)],
    )  # fmt: skip
    out.items = {"大米": rice, "洗衣粉": powder, "旧毛巾": towel}
    with system_scope("test: donors"):
        company = Donor.objects.create(region=A, name="吉林爱心粮油有限公司", kind="company")
        anonymous = Donor.objects.create(
            region=A, name="匿名好心人", kind="person", public=False, phone="13900001111"
        )
    stock_in(rice, clerk, 20, kind="donation", donor=company)
    stock_in(towel, clerk, 2, kind="donation", donor=anonymous)
    # Volunteers.
    today = timezone.localdate()
    liu = volunteer(A, "刘玉芳", consent=True, minutes=120 * 60)
    hours(liu, 180, today.replace(month=1, day=2) if today.month > 1 else today)
    chen = volunteer(A, "陈桂香", consent=False, minutes=600)
    hours(chen, 600, today)
    zhao = volunteer(A, "赵志强", consent=True, minutes=300, status="withdrawn")
    hours(zhao, 300, today)
    # Activities.
    soon = timezone.now() + timedelta(days=5)
    act = project_activity(A, clerk, "重阳敬老理发", status="open")
    out.activity = act
    out.open_shift = shift(act, soon, 3, place="村卫生室")
    sign_up(out.open_shift, chen)
    sign_up(out.open_shift, zhao, status="withdrawn")
    out.full_shift = shift(act, soon + timedelta(days=1), 1)
    sign_up(out.full_shift, liu)
    shift(act, timezone.now() - timedelta(days=2), 5)
    draft = project_activity(A, clerk, "村屯大扫除", status="draft")
    shift(draft, soon, 5)
    private = project_activity(A, clerk, "党员内部学习", status="open", public=False)
    shift(private, soon, 5)
    return out
