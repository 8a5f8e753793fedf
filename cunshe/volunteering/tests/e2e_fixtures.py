"""Fixtures of the end-to-end browser tests (the issue's "How it will be checked").

Only the world is set up here, through the services (never the pages under test): the cast,
village A's household E-001 (head 张三丰 with the cast villager's account, his wife 王秀英),
the default earning rules copied into village A, an open activity with one shift starting in
20 minutes (so that sign-up and QR check-in are both open), a second clerk of village A, and the
爱心超市 with three goods. `populated` adds a little of everything of village A (volunteers with
and without public consent, approved hours, a certificate, a posted declaration, a credited
account, a redemption, a need) for the outsider's walk. Helpers: `login`, `Shots`, `jof`.
"""

from __future__ import annotations

from datetime import date, timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.testing.browser import screenshots_dir
from cunshe.core.testing.cast import PASSWORD
from cunshe.residents import idcard
from cunshe.residents import services as register
from cunshe.residents.models import Person
from cunshe.volunteering.models import HoursEntry, Need, PointsEntry, Volunteer
from cunshe.volunteering.services import activities as act_svc
from cunshe.volunteering.services import certificates as cert_svc
from cunshe.volunteering.services import declarations as dsvc
from cunshe.volunteering.services import earning_rules as rsvc
from cunshe.volunteering.services import ledger
from cunshe.volunteering.services import store as store_svc
from cunshe.volunteering.services import volunteers as vol_svc

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}
VILLAGE_A = "220182102200"
# Pages meant for a phone (villager, public, QR): wider than 390 px fails the test.
PHONE_PAGES = ("/vol/me/", "/vol/public/", "/vol/checkin/", "/vol/cert/")


def jof(user):  # type: ignore[no-untyped-def]
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()


def login(context, origin: str, username: str):  # type: ignore[no-untyped-def]
    """A new page of `context`, signed in as `username` through the login form."""
    page = context.new_page()
    page.goto(origin + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", PASSWORD)
    page.click("form.cs-login-form button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert "/accounts/login/" not in page.url, f"{username} could not sign in"
    return page


class Shots:
    """Screenshots var/screenshots/e2e_<test>_<n>_<name>_<phone|desk>.png of every page passed
    through, at both widths; each page is also checked for a server error and (at 390 px) for a
    page wider than the phone (a problem on phone pages, a note printed for desk pages)."""

    def __init__(self, test: str) -> None:
        self.test = test
        self.n = 0
        self.problems: list[str] = []
        self.notes: list[str] = []  # desk pages too wide for a phone: reported, not failed

    def __call__(self, page, name: str, *, both: bool = True) -> None:  # type: ignore[no-untyped-def]
        self.n += 1
        size = page.viewport_size
        widths = [PHONE, DESK] if both else [size]
        text = page.locator("body").inner_text()
        if "Server Error" in text or "服务器错误" in text:
            self.problems.append(f"{name}: server error at {page.url}")
        for vp in widths:
            page.set_viewport_size(vp)
            kind = "phone" if vp["width"] <= 400 else "desk"
            if kind == "phone":
                wide = page.evaluate("document.documentElement.scrollWidth")
                if wide > vp["width"] + 1:
                    note = f"{name}: {wide}px wide at 390px ({page.url})"
                    phone_page = any(p in page.url for p in PHONE_PAGES)
                    (self.problems if phone_page else self.notes).append(note)
            path = screenshots_dir() / f"e2e_{self.test}_{self.n:02d}_{name}_{kind}.png"
            page.screenshot(path=str(path), full_page=True)
        page.set_viewport_size(size)


@pytest.fixture
def world(cast, settings):  # type: ignore[no-untyped-def]
    settings.REQUIRE_STAFF_2FA = False
    clerk_j = jof(cast.clerk_a)
    hh = register.household_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, number="E-001",
        address="闵家村一组8号",
    )  # fmt: skip
    head = register.person_register(
        actor=cast.clerk_a, jurisdiction=clerk_j, household=hh, relationship="02",
        name="张三丰", id_number=idcard.make("220182", date(1968, 5, 1), 21, "M"),
        since=date(2020, 1, 1), phone="13900001111",
    )  # fmt: skip
    wife = register.person_register(
        actor=cast.clerk_a, jurisdiction=clerk_j, household=hh, relationship="10",
        name="王秀英", id_number=idcard.make("220182", date(1970, 6, 7), 22, "F"),
        since=date(2020, 1, 1),
    )  # fmt: skip
    Person._base_manager.filter(pk=head.pk).update(account=cast.villager)
    clerk_a2 = User.objects.create_user(username="clerk_a2", password=PASSWORD, display_name="刘文")
    RoleAssignment.objects.create(user=clerk_a2, role=Role.VILLAGE_CLERK, region=cast.village_a)
    cast.users["clerk_a2"] = clerk_a2

    rsvc.rules_copy_template(actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a)

    project = act_svc.project_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, name="敬老助老服务",
        category="elderly", starts_on=timezone.localdate(),
    )  # fmt: skip
    activity = act_svc.activity_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, project=project, title="重阳节义务理发",
        place="村委会活动室",
    )  # fmt: skip
    start = (timezone.now() + timedelta(minutes=20)).replace(second=0, microsecond=0)
    shift = act_svc.shift_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, activity=activity, starts_at=start,
        ends_at=start + timedelta(hours=2), capacity=5,
    )  # fmt: skip
    activity = act_svc.activity_publish(actor=cast.clerk_a, jurisdiction=clerk_j, activity=activity)

    shop = store_svc.store_create(
        actor=cast.clerk_a, jurisdiction=clerk_j, village=cast.village_a, name="闵家村爱心超市",
        address="村委会一楼", opening_hours="每周六 9:00-11:00",
    )  # fmt: skip
    goods = {}
    for name, unit, price, qty, cost in (
        ("肥皂", "块", 10, 50, "150"),
        ("食用油", "桶", 30, 20, "900"),
        ("大米", "袋", 100, 5, "400"),
    ):
        item = store_svc.item_create(
            actor=cast.clerk_a, jurisdiction=clerk_j, store=shop, name=name, unit=unit,
            price_points=price,
        )  # fmt: skip
        store_svc.stock_in(
            actor=cast.clerk_a, jurisdiction=clerk_j, item=item, kind="purchase", quantity=qty,
            cost_yuan=cost,
        )  # fmt: skip
        item.refresh_from_db()
        goods[name] = item
    return SimpleNamespace(
        cast=cast, clerk_j=clerk_j, household=hh, head=head, wife=wife, project=project,
        activity=activity, shift=shift, store=shop, goods=goods,
    )  # fmt: skip


def credit(household, points: int):  # type: ignore[no-untyped-def]
    """Points into a household's account, as the crediting job would (world setup only)."""
    village = household.region if len(household.region.code) == 12 else household.region.parent
    account = ledger.household_account(household)
    ledger.post_entry(
        kind=PointsEntry.Kind.EARN,
        region=village,
        lines=[(ledger.issuance_account(village), -points), (account, points)],
        memo="测试入账",
    )
    account.refresh_from_db()
    return account


@pytest.fixture
def populated(world):  # type: ignore[no-untyped-def]
    """A little of everything of village A, for the outsider to (not) see."""
    cast, j = world.cast, world.clerk_j
    zhang = vol_svc.volunteer_register_resident(
        actor=cast.clerk_a, jurisdiction=j, person=world.head, skills=["haircut"],
        public_consent=True,
    )  # fmt: skip
    wang = vol_svc.volunteer_register_resident(
        actor=cast.clerk_a, jurisdiction=j, person=world.wife, skills=["company"],
        public_consent=False,
    )  # fmt: skip
    entries = []
    for v, minutes in ((zhang, 600), (wang, 900)):
        entries.append(
            HoursEntry._base_manager.create(
                region_id=v.region_id,
                volunteer=v,
                activity=world.activity,
                kind="manual",
                service_date=timezone.localdate() - timedelta(days=5),
                minutes=minutes,
                reason="测试",
                status="approved",
                recorded_by=cast.clerk_a,
                confirmed_by=cast.clerk_a,
                decided_by=cast.leader_a,
                decided_at=timezone.now(),
            )
        )
        Volunteer._base_manager.filter(pk=v.pk).update(approved_minutes=minutes)
    zhang.refresh_from_db()
    wang.refresh_from_db()
    cert = cert_svc.certificate_issue(
        actor=cast.clerk_a, jurisdiction=j, volunteer=wang, issuer_name="闵家村志愿服务站",
        base_url="http://testserver/",
    )  # fmt: skip
    account = credit(world.household, 200)
    rules = {r.code: r for r in rsvc_current_rules()}
    decl = dsvc.declaration_declare(
        actor=cast.clerk_a2, jurisdiction=jof(cast.clerk_a2), earning_rule=rules["elder-care"],
        quantity=1, household=world.household, deed_date=timezone.localdate() - timedelta(days=1),
        description="照顾卧床的老母亲",
    )  # fmt: skip
    decl = dsvc.declaration_review(actor=cast.clerk_a, jurisdiction=j, declaration=decl)
    decl = dsvc.declaration_approve(
        actor=cast.leader_a, jurisdiction=jof(cast.leader_a), declaration=decl
    )
    redemption = store_svc.redeem(
        actor=cast.clerk_a, jurisdiction=j, store=world.store, account=account,
        lines=[(world.goods["肥皂"].pk, 2)], request_key="e2e-populated-1",
    )  # fmt: skip
    need = Need._base_manager.create(
        region=world.cast.village_a, title="帮王奶奶买药", category="elderly",
        starts_at=timezone.now() + timedelta(days=2),
        ends_at=timezone.now() + timedelta(days=2, hours=1), source="clerk",
        posted_by=cast.clerk_a,
    )  # fmt: skip
    account.refresh_from_db()
    return SimpleNamespace(
        zhang=zhang, wang=wang, hours=entries, cert=cert, account=account, declaration=decl,
        redemption=redemption, need=need,
    )  # fmt: skip


def rsvc_current_rules():  # type: ignore[no-untyped-def]
    from cunshe.volunteering.models import EarningRule

    return EarningRule._base_manager.filter(valid_to__isnull=True)
