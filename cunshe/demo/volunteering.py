"""The volunteering and points demo (志愿服务与积分制, issue 6 §9) for 闵家村 and 古城村 (闵家镇,
榆树市) and 东新村 (和龙市). The outsider's village (梨树县) gets nothing.

What is made, per village
- A volunteer service station, a 志愿者协会 and a 老年人协会 of the village, the township's 团委
  (one per township, made by the township officer), coordinates of the village and its groups.
- ~40 volunteers drawn from the register (adults 18–70 living in the village; skills and weekly
  availability by age; a few consent to be named publicly), two non-residents with checked ID
  cards. The demo villager (`cunmin`, `cunmin_hl`) is one of them and served.
- 3 projects and 12 activities over the past four months: shifts, sign-ups (one withdrawn),
  sign-ins and sign-outs (the villager by the shift's QR code, the others on the clerk's roster),
  hours confirmed by the clerk and approved by the 两委 (闵家村) or the township (the others); the
  last activity's hours wait for confirmation and the one before waits for approval; one entry
  rejected, one corrected (+1 h). A few volunteers reach one or two stars through older manual
  entries ("2025年度服务时长补录"), approved. Two activities open for sign-up next week (one has
  one place left); a certificate (闵家村), training records, an honour, evaluations.
- Needs: 6 open needs in the coming days with proposals from the matching service (one turned
  from a care need when the care demo left an open one here); the villager has accepted one; a
  past need is done.
- Points: the points part's default rules (template), one rule changed once (version 2),
  declarations over four months through declare → review → approve → 7-day posting → credit (the
  daily job, run weekly here), the last ones still posted / reviewed / declared, one rejected,
  two objections (one upheld, one dismissed; 闵家村); volunteer hours turned into declarations by
  the job (`hours_declare_due`) and approved; the job's declarations of the old manual entries
  rejected ("往年补录不折算积分"); one credited entry reversed.
- The store (爱心超市): 15 goods, purchases, donations from 4 donors (one not public), ~60
  redemptions (闵家村; fewer elsewhere) for households with points through the counter service,
  one reversed the same day. The villager's household keeps a balance to spend.

Who acts. The demo cast lacks, in some villages, a second person for the four-eyes steps, so
this demo adds NON-LOGIN cadre accounts (unusable password, a real role assignment, documented in
docs/volunteering/demo.md): a 积分协管员 (village clerk role) per village who declares for
households (the clerk then reviews, the 两委 approves: declarant, reviewer and approver must
differ), and a 两委 member in 古城村 and 东新村, which have no `liangwei`.

How it is made
- THROUGH THE SERVICES (`cunshe.volunteering.services.*`). Past events are run in time order on
  the planned moment's clock: `_backdate_clock(at)` hands the volunteering service modules (and
  the model fields' auto-now stamps) a clock set to `at`, so the services' own checks (a shift
  not yet ended, the sign-in window, the 60-day declaration limit, the posting period) hold as
  they did then. It is the ONLY place where time is moved. The audit trail is NOT backdated: it
  truthfully says when the seed wrote each event. Present-day things (open activities, open
  needs, the last crediting) run on the real clock.
- No model is written directly except the non-login cadre accounts (accounts app) — every
  volunteering row comes from a service.
- DETERMINISTIC for a given seed and day: every choice comes from
  `Random(f"{seed}:volunteering:<code>")` over the register in a fixed order; dates count back
  from today.
- IDEMPOTENT: a village that has any volunteer is left alone.
"""

from __future__ import annotations

import importlib
import random
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone as _tz

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents import idcard
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.models import GONE, Person
from cunshe.volunteering.models import (
    Declaration,
    EarningRule,
    HoursEntry,
    Match,
    Need,
    Organisation,
    PointsAccount,
    ServiceCategory,
    Shift,
    Signup,
    Skill,
    Station,
    Store,
    StoreItem,
    Volunteer,
)
from cunshe.volunteering.models.volunteers import slot_bit
from cunshe.volunteering.services import activities as act_svc
from cunshe.volunteering.services import certificates as cert_svc
from cunshe.volunteering.services import declarations as decl_svc
from cunshe.volunteering.services import earning_rules as rule_svc
from cunshe.volunteering.services import hours as hours_svc
from cunshe.volunteering.services import needs as need_svc
from cunshe.volunteering.services import points as points_svc
from cunshe.volunteering.services import records as rec_svc
from cunshe.volunteering.services import shifts as shift_svc
from cunshe.volunteering.services import store as store_svc
from cunshe.volunteering.services import volunteers as vol_svc

OUTSIDER_VILLAGE = "220322103200"
CERT_BASE_URL = "http://127.0.0.1:8000/"
LIVING = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)


@dataclass(frozen=True)
class Plan:
    clerk: str
    hours_approver: str  # volunteering.approve: the 两委 or the township officer
    leader: str  # points.approve (the 两委)
    township: str
    villager: str | None
    declarant: str  # a second clerk (non-login) who declares for households
    lat: float
    lon: float
    volunteers: int
    redemptions: int
    star_volunteers: tuple[int, ...]  # manual 补录 entries (of ~1300 min) for each
    objections: int  # 0, 1 (dismissed) or 2 (one upheld, one dismissed)
    certificate: bool


PLANS: dict[str, Plan] = {
    "220182102200": Plan("daiban", "liangwei", "liangwei", "xiangzhen", "cunmin", "jifen_mj",
                         44.8123, 126.5614, 40, 60, (14, 5, 5), 2, True),
    "220182102201": Plan("daiban_b", "xiangzhen", "liangwei_gc", "xiangzhen", None, "jifen_gc",
                         44.7958, 126.5882, 36, 30, (5,), 0, False),
    "222406101200": Plan("daiban_hl", "xiangzhen_hl", "liangwei_dx", "xiangzhen_hl", "cunmin_hl",
                         "jifen_dx", 42.5312, 129.0127, 36, 30, (5,), 1, False),
}  # fmt: skip
# Non-login cadre accounts this demo adds (username → display name, role, village).
CADRES: dict[str, tuple[str, str, str]] = {
    "jifen_mj": ("韩玉芬", Role.VILLAGE_CLERK, "220182102200"),
    "jifen_gc": ("宋丽华", Role.VILLAGE_CLERK, "220182102201"),
    "liangwei_gc": ("孙振江", Role.VILLAGE_LEADER, "220182102201"),
    "jifen_dx": ("한명숙", Role.VILLAGE_CLERK, "222406101200"),
    "liangwei_dx": ("김철민", Role.VILLAGE_LEADER, "222406101200"),
}
TOWNSHIP_LEAGUE = {"220182102": "闵家镇团委", "222406101": "福洞镇团委"}

PROJECTS = [
    ("银龄关爱行动", ServiceCategory.ELDERLY, "为高龄、独居老人理发、打扫、陪伴聊天，每月两次。"),
    ("美丽庭院·清洁村屯", ServiceCategory.ENVIRONMENT, "村屯环境整治、垃圾清运、绿化补植。"),
    ("新时代文明实践", ServiceCategory.CIVILISATION, "政策宣讲、智能手机教学、义诊和文艺演出。"),
]
# (days ago, project index, title, place, start hour, hours, skills, capacity per shift, shifts)
PAST_ACTIVITIES = [
    (118, 0, "老人义务理发", "村老年活动室", 8, 3, [Skill.HAIRCUT, Skill.COMPANY], 6, 1),
    (109, 1, "村道两侧垃圾清理", "村部至一组村道", 7, 3, [Skill.ENVIRONMENT], 8, 2),
    (97, 2, "防范电信诈骗宣讲", "村委会会议室", 14, 2, [Skill.LEGAL, Skill.CULTURE], 6, 1),
    (88, 0, "帮独居老人清扫院落", "一组、西屯独居老人家", 8, 3, [Skill.HOUSEWORK], 7, 1),
    (76, 1, "秋季绿化补植", "村文化广场", 8, 4, [Skill.ENVIRONMENT, Skill.FARMING], 8, 2),
    (65, 2, "智能手机使用教学", "村党群服务中心", 9, 2, [Skill.DIGITAL], 6, 1),
    (54, 0, "重阳节陪老人包饺子", "村老年活动室", 9, 3, [Skill.COMPANY, Skill.CARE], 8, 1),
    (44, 2, "乡镇卫生院进村义诊", "村卫生室", 8, 4, [Skill.MEDICAL, Skill.COMPANY], 6, 1),
    (35, 1, "秋收后秸秆清运", "二组田间道路", 7, 4, [Skill.FARMING, Skill.ENVIRONMENT], 8, 2),
    (26, 2, "冬季防火安全巡查", "全村", 18, 2, [Skill.PATROL], 6, 1),
    (13, 0, "入冬前为老人检修电器", "独居老人家", 9, 3, [Skill.REPAIR], 6, 1),
    (5, 1, "清雪保畅通", "村主干道", 7, 3, [Skill.ENVIRONMENT], 8, 2),
]
# Crews are filled with skilled volunteers first, then helpers the organiser puts on the shift.
CREW_OVERRIDE = "人手不足，由有经验的志愿者现场带教"
REJECTED_AT, CORRECTED_AT = 6, 3  # which past activity has the rejected / corrected entry
OPEN_ACTIVITIES = [
    (0, "小年前为老人打扫房屋", "独居老人家", 6, 9, 3, [Skill.HOUSEWORK], 8, 7),
    (2, "文艺小分队排练春节节目", "村文化广场", 8, 14, 2, [Skill.CULTURE], 10, 3),
]  # project, title, place, days ahead, hour, hours, skills, capacity, signed up
TRAININGS = [
    ("志愿服务基础知识培训", "榆树市志愿服务联合会", 180),
    ("应急救护（心肺复苏）培训", "榆树市红十字会", 240),
    ("老年人照护技能培训", "闵家镇卫生院", 120),
    ("安全生产与防火知识培训", "闵家镇应急办", 90),
]
NEEDS = [
    ("帮助高龄老人购买年货", ServiceCategory.ELDERLY, [Skill.ERRANDS], 2, 9, 3),
    ("为留守儿童辅导寒假作业", ServiceCategory.CHILDREN, [Skill.TUTORING], 3, 14, 2),
    (
        "陪同独居老人到镇卫生院复查",
        ServiceCategory.ELDERLY,
        [Skill.DRIVING, Skill.COMPANY],
        4,
        8,
        4,
    ),
    ("修理老人家漏电的电热炕", ServiceCategory.ELDERLY, [Skill.REPAIR], 1, 13, 2),
    ("残疾人家庭室内清洁", ServiceCategory.DISABLED, [Skill.HOUSEWORK], 5, 9, 3),
    ("教老人用手机视频通话", ServiceCategory.ELDERLY, [Skill.DIGITAL, Skill.COMPANY], 6, 15, 2),
]  # title, category, skills, days ahead, hour, hours
DEED_TEXT = {
    "yard-clean": ["庭院整洁，柴草堆放整齐，评为本月美丽庭院"],
    "village-clean": ["参加村屯环境整治，清理边沟垃圾", "义务清扫村道积雪"],
    "elder-care": ["长期照料瘫痪在床的婆婆", "照顾年迈父母，按时带老人体检"],
    "neighbour-help": ["帮邻居抢收玉米", "帮助独居老人挑水、劈柴", "雨天帮邻居抢修漏雨房顶"],
    "simple-wedding": ["儿子婚礼简办，不收份子钱"],
    "night-patrol": ["参加冬季夜间防火巡逻"],
    "other-good-deed": ["拾到钱包交还失主", "主动为村图书室捐书20册"],
}
ITEMS = [
    ("大豆油（5升）", "桶", 120), ("东北大米（10斤）", "袋", 60), ("面粉（5斤）", "袋", 30),
    ("洗衣粉（1.5千克）", "袋", 20), ("毛巾", "条", 12), ("酱油（500毫升）", "瓶", 12),
    ("牙膏", "支", 10), ("香皂", "块", 6), ("洗洁精", "瓶", 12), ("米醋（500毫升）", "瓶", 10),
    ("卫生纸（10卷）", "提", 25), ("食盐", "袋", 4), ("挂面", "把", 8), ("暖水瓶", "个", 80),
    ("劳保手套", "副", 5),
]  # fmt: skip
DONORS = [
    ("榆树市惠民农资有限公司", "company", True), ("闵家镇供销社", "organisation", True),
    ("在外务工返乡青年", "person", False), ("榆树市民政局", "government", True),
]  # fmt: skip


# --- the clock: the only place where time is moved ---------------------------------------------

_CLOCK_MODULES = (
    "cunshe.volunteering.services.activities",
    "cunshe.volunteering.services.certificates",
    "cunshe.volunteering.services.declarations",
    "cunshe.volunteering.services.earning_rules",
    "cunshe.volunteering.services.hours",
    "cunshe.volunteering.services.needs",
    "cunshe.volunteering.services.records",
    "cunshe.volunteering.services.shifts",
    "cunshe.volunteering.services.store",
    "cunshe.volunteering.services.volunteers",
    "django.db.models.fields",  # auto_now_add stamps
)


class _Clock:
    """Stands in for `django.utils.timezone` in the modules above: `now()` is `at`."""

    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at

    def localtime(self, value: datetime | None = None, timezone: Any = None) -> datetime:
        return _tz.localtime(value or self.at, timezone)

    def localdate(self, value: datetime | None = None, timezone: Any = None) -> date:
        return _tz.localdate(value or self.at, timezone)

    def __getattr__(self, name: str) -> Any:
        return getattr(_tz, name)


@contextmanager
def _backdate_clock(at: datetime) -> Iterator[None]:
    """Run the services as at `at` (never later than now). The audit trail keeps the real time."""
    at = min(at, _tz.now())
    clock = _Clock(at)
    modules = [importlib.import_module(name) for name in _CLOCK_MODULES]
    saved = [m.timezone for m in modules]
    for m in modules:
        m.timezone = clock
    try:
        yield
    finally:
        for m, tz in zip(modules, saved, strict=True):
            m.timezone = tz


# --- the village being seeded ------------------------------------------------------------------


@dataclass
class Actor:
    user: User
    j: Jurisdiction


@dataclass
class Village:
    code: str
    region: Region
    plan: Plan
    rng: random.Random
    today: date
    clerk: Actor
    hours_approver: Actor
    leader: Actor
    township: Actor
    declarant: Actor
    villager: Actor | None
    villager_person: Person | None
    groups: list[Region]
    counts: dict[str, int]
    events: list[tuple[datetime, int, Callable[[], None]]] = field(default_factory=list)
    volunteers: list[Volunteer] = field(default_factory=list)
    me: Volunteer | None = None  # the villager's own volunteer record
    orgs: dict[str, Organisation] = field(default_factory=dict)
    station: Station | None = None
    rules: dict[str, EarningRule] = field(default_factory=dict)
    store: Store | None = None
    items: list[StoreItem] = field(default_factory=list)
    activities: list[Any] = field(default_factory=list)

    def at(self, days_ago: int, hour: int = 9, minute: int = 0) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return _tz.make_aware(datetime.combine(day, time(hour, minute)))

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n

    def on(self, when: datetime, fn: Callable[[], None]) -> None:
        """Plan `fn` to run on the clock of `when` (events run in time order)."""
        self.events.append((when, len(self.events), fn))


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _actor(username: str) -> Actor | None:
    ra = (
        RoleAssignment.objects.active()
        .filter(user__username=username, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return Actor(ra.user, ra.jurisdiction()) if ra else None


def _cadre(username: str, counts: dict[str, int]) -> Actor:
    """A non-login cadre account of this demo (unusable password), made on first use."""
    name, role, code = CADRES[username]
    user, created = User.objects.get_or_create(username=username, defaults={"display_name": name})
    if created:
        user.set_unusable_password()
        user.language = "ko" if code == "222406101200" else ""
        user.save()
        counts["vol_cadre_accounts"] = counts.get("vol_cadre_accounts", 0) + 1
    RoleAssignment.objects.get_or_create(
        user=user, role=role, region=Region.objects.get(code=code), department="", revoked_at=None
    )
    actor = _actor(username)
    assert actor is not None
    return actor


# --- organisations, volunteers ------------------------------------------------------------------


def _organisations(v: Village) -> None:
    c = v.clerk
    for key, name, kind, contact in (
        (
            "association",
            f"{v.region.name}志愿者协会",
            Organisation.Kind.ASSOCIATION,
            c.user.display_name,
        ),
        ("elderly", f"{v.region.name}老年人协会", Organisation.Kind.ELDERLY, "老年人协会会长"),
    ):
        v.orgs[key] = vol_svc.organisation_save(
            actor=c.user,
            jurisdiction=c.j,
            region=v.region,
            name=name,
            kind=kind,
            contact_name=contact,
        )
        v.add("vol_organisations")
    township = v.region.parent
    assert township is not None
    name = TOWNSHIP_LEAGUE.get(township.code, f"{township.name}团委")
    league = Organisation.objects.within(v.township.j).filter(region=township, name=name).first()
    if league is None:
        league = vol_svc.organisation_save(
            actor=v.township.user,
            jurisdiction=v.township.j,
            region=township,
            name=name,
            kind=Organisation.Kind.YOUTH_LEAGUE,
            contact_name="团委书记",
        )
        v.add("vol_organisations")
    v.orgs["league"] = league
    v.station = vol_svc.station_save(
        actor=c.user,
        jurisdiction=c.j,
        region=v.region,
        name=f"{v.region.name}志愿服务站",
        address=f"{v.region.name}党群服务中心一楼",
        opening_hours="周一至周五 8:30–16:30",
        organisation=v.orgs["association"],
    )
    v.add("vol_stations")
    places = [v.region, *v.groups]
    for i, region in enumerate(places):
        dlat = 0 if i == 0 else v.rng.uniform(-0.018, 0.018)
        dlon = 0 if i == 0 else v.rng.uniform(-0.022, 0.022)
        vol_svc.hamlet_location_set(
            actor=c.user,
            jurisdiction=c.j,
            region=region,
            lat=round(v.plan.lat + dlat, 6),
            lon=round(v.plan.lon + dlon, 6),
        )
        v.add("vol_hamlet_locations")


SKILLS_YOUNG = [
    Skill.DIGITAL,
    Skill.TUTORING,
    Skill.ENVIRONMENT,
    Skill.DRIVING,
    Skill.CULTURE,
    Skill.PATROL,
    Skill.REPAIR,
    Skill.FARMING,
    Skill.ERRANDS,
]
SKILLS_OLDER = [
    Skill.COMPANY,
    Skill.HOUSEWORK,
    Skill.CARE,
    Skill.HAIRCUT,
    Skill.FARMING,
    Skill.ENVIRONMENT,
    Skill.PATROL,
    Skill.CULTURE,
    Skill.ERRANDS,
]
SKILLS_RARE = [Skill.MEDICAL, Skill.LEGAL, Skill.PSYCHOLOGY]


def _skills(rng: random.Random, age: int) -> list[str]:
    pool = SKILLS_YOUNG if age < 45 else SKILLS_OLDER
    chosen = rng.sample(pool, rng.randint(1, 3))
    if rng.random() < 0.12:
        chosen.append(rng.choice(SKILLS_RARE))
    return [str(s) for s in chosen]


def _availability(rng: random.Random, age: int) -> int:
    """Weekends for most, weekday mornings for the older, evenings for those who work."""
    slots: list[tuple[int, int]] = [(d, p) for d in (5, 6) for p in (0, 1)]
    if age >= 55 or rng.random() < 0.4:
        slots += [(d, 0) for d in range(5)] + [(d, 1) for d in rng.sample(range(5), 2)]
    if age < 50:
        slots += [(d, 2) for d in range(7)]
    mask = 0
    for d, p in slots:
        mask |= slot_bit(d, p)
    return mask


def _volunteers(v: Village, persons: list[Person]) -> None:
    c = v.clerk
    adults = [
        p
        for p in persons
        if p.residence_status in LIVING and 18 <= _age(p.birth_date, v.today) <= 70
    ]
    chosen: list[Person] = []
    if v.villager_person is not None:
        chosen.append(v.villager_person)
    rest = [p for p in adults if v.villager_person is None or p.pk != v.villager_person.pk]
    chosen += v.rng.sample(rest, min(len(rest), v.plan.volunteers - len(chosen)))
    chosen.sort(key=lambda p: (p.household.number, p.pk))
    for i, person in enumerate(chosen):
        age = _age(person.birth_date, v.today)
        mine = v.villager_person is not None and person.pk == v.villager_person.pk
        skills = _skills(v.rng, age)
        if mine:
            skills = sorted({*skills, *(str(s) for s in (Skill.COMPANY, Skill.ERRANDS))})
        orgs = [v.orgs["association"]]
        if age >= 50 and v.rng.random() < 0.5:
            orgs.append(v.orgs["elderly"])
        if age <= 35:
            orgs.append(v.orgs["league"])
        vol = vol_svc.volunteer_register_resident(
            actor=c.user,
            jurisdiction=c.j,
            person=person,
            skills=skills,
            availability=_availability(v.rng, age) if not mine else None,
            station=v.station,
            organisations=orgs,
            public_consent=mine or i % 7 == 2,
        )
        v.volunteers.append(vol)
        if mine:
            v.me = vol
    v.add("vol_volunteers", len(chosen))
    # Two volunteers from outside the register (a teacher and a doctor of the township),
    # their ID cards checked by the clerk.
    outsiders = [
        ("赵晓东", "M", date(1988, 4, 12), [Skill.TUTORING, Skill.DIGITAL], "139043100"),
        ("钱立敏", "F", date(1979, 9, 3), [Skill.MEDICAL, Skill.CARE], "139043101"),
    ]
    if v.code == "222406101200":
        outsiders = [
            ("최영수", "M", date(1986, 2, 20), [Skill.TUTORING, Skill.DIGITAL], "139043300"),
            ("리순옥", "F", date(1977, 11, 8), [Skill.MEDICAL, Skill.CARE], "139043301"),
        ]
    county6 = {"220182": "220102", "222406": "222401"}.get(v.code[:6], "220102")
    for k, (name, sex, born, skills, phone) in enumerate(outsiders):
        for seq in range(470 - 10 * k - int(v.code[-3:]) % 7, 0, -1):
            try:
                vol = vol_svc.volunteer_register_other(
                    actor=c.user,
                    jurisdiction=c.j,
                    name=name,
                    id_number=idcard.make(county6, born, seq, sex),
                    phone=f"{phone}{k + 10}",
                    region=v.region,
                    verified=True,
                    skills=[str(s) for s in skills],
                    station=v.station,
                    organisations=[v.orgs["association"]],
                )
            except ValidationError as exc:
                if "id_number" in getattr(exc, "message_dict", {}):
                    continue  # that number belongs to someone: the next one
                raise
            v.volunteers.append(vol)
            v.add("vol_volunteers_nonresident")
            break


# --- activities, shifts, hours ------------------------------------------------------------------


@dataclass
class PastActivity:
    index: int
    day: int
    spec: tuple[Any, ...]
    activity: Any = None
    shifts: list[Shift] = field(default_factory=list)
    signups: list[Signup] = field(default_factory=list)
    crew: list[list[Volunteer]] = field(default_factory=list)


def _projects(v: Village) -> list[Any]:
    c = v.clerk
    # The township's 团委 is outside the village clerk's reach: the third project is the
    # association's.
    orgs = [v.orgs["elderly"], v.orgs["association"], v.orgs["association"]]
    out = []
    for (name, category, text), org in zip(PROJECTS, orgs, strict=True):
        out.append(
            act_svc.project_create(
                actor=c.user,
                jurisdiction=c.j,
                region=v.region,
                name=name,
                category=category,
                starts_on=v.today - timedelta(days=130),
                organisation=org,
                station=v.station,
                description=text,
            )
        )
        v.add("vol_projects")
    return out


def _crew(v: Village, skills: list[str], n: int, taken: set[int]) -> list[Volunteer]:
    """`n` volunteers, those with a wanted skill first (random order within each)."""
    pool = [x for x in v.volunteers if x.pk not in taken and x is not v.me]
    fit = [x for x in pool if set(x.skills) & set(skills)]
    other = [x for x in pool if x not in fit]
    v.rng.shuffle(fit)
    v.rng.shuffle(other)
    return (fit + other)[:n]


def _plan_past_activity(v: Village, projects: list[Any], pa: PastActivity) -> None:
    day, pidx, title, place, hour, hours, skills, cap, nshifts = pa.spec
    c = v.clerk
    starts = [v.at(day, hour) + timedelta(hours=(hours + 1) * k) for k in range(nshifts)]
    taken: set[int] = set()
    for _k in range(nshifts):
        crew = _crew(v, [str(s) for s in skills], cap - 2 - v.rng.randint(0, 2), taken)
        taken |= {x.pk for x in crew}
        pa.crew.append(crew)
    with_me = v.me is not None and pa.index % 3 != 1  # the villager serves in 8 of the 12

    def create() -> None:
        pa.activity = act_svc.activity_create(
            actor=c.user,
            jurisdiction=c.j,
            project=projects[pidx],
            title=title,
            place=place,
            description=f"{title}。请提前10分钟到达，扫描现场二维码签到。",
        )
        for start in starts:
            pa.shifts.append(
                act_svc.shift_create(
                    actor=c.user,
                    jurisdiction=c.j,
                    activity=pa.activity,
                    starts_at=start,
                    ends_at=start + timedelta(hours=hours),
                    capacity=cap,
                    place=place,
                    required_skills=[str(s) for s in skills],
                )
            )
        act_svc.activity_publish(actor=c.user, jurisdiction=c.j, activity=pa.activity)
        v.add("vol_activities")
        v.add("vol_shifts", len(starts))

    def sign_up() -> None:
        for k, crew in enumerate(pa.crew):
            for x in crew:
                pa.signups.append(
                    shift_svc.signup_create(
                        actor=c.user,
                        jurisdiction=c.j,
                        shift=pa.shifts[k],
                        volunteer=x,
                        skills_override_reason=CREW_OVERRIDE,
                    )
                )
        if with_me:
            assert v.villager is not None and v.me is not None
            if shift_svc.missing_skills(v.me, pa.shifts[0]):
                # A shift asking for a skill the villager lacks: the clerk puts them on it.
                pa.signups.append(
                    shift_svc.signup_create(
                        actor=c.user,
                        jurisdiction=c.j,
                        shift=pa.shifts[0],
                        volunteer=v.me,
                        skills_override_reason=CREW_OVERRIDE,
                    )
                )
            else:
                pa.signups.append(
                    shift_svc.signup_create(
                        actor=v.villager.user, jurisdiction=v.villager.j, shift=pa.shifts[0]
                    )
                )
        v.add("vol_signups", len(pa.signups))

    def withdraw() -> None:  # one volunteer cannot come after all
        if pa.index % 4 == 2 and len(pa.signups) > 3:
            s = pa.signups.pop(1)
            shift_svc.signup_withdraw(actor=c.user, jurisdiction=c.j, signup=s)
            v.add("vol_signups_withdrawn")

    v.on(v.at(day + 9, 10), create)
    v.on(v.at(day + 5, 15, 30), sign_up)
    v.on(v.at(day + 1, 18), withdraw)
    if with_me:
        assert v.villager is not None
        me = v.villager

        def qr_in() -> None:
            shift_svc.signup_check_in(actor=me.user, jurisdiction=me.j, shift=pa.shifts[0])

        def qr_out() -> None:
            shift_svc.signup_check_out(actor=me.user, jurisdiction=me.j, shift=pa.shifts[0])

        v.on(starts[0] - timedelta(minutes=v.rng.randint(3, 15)), qr_in)
        v.on(starts[0] + timedelta(hours=hours, minutes=v.rng.randint(1, 20)), qr_out)
    for k, start in enumerate(starts):
        end = start + timedelta(hours=hours)
        jitter = [(v.rng.randint(-10, 12), v.rng.randint(-25, 15)) for _ in range(40)]

        def roster(
            k: int = k,
            start: datetime = start,
            end: datetime = end,
            jitter: list[tuple[int, int]] = jitter,
        ) -> None:
            mine = v.me.pk if v.me else None
            rows = [
                s for s in pa.signups if s.shift_id == pa.shifts[k].pk and s.volunteer_id != mine
            ]
            for s, (din, dout) in zip(rows, jitter, strict=False):
                shift_svc.signup_check_in(
                    actor=c.user, jurisdiction=c.j, signup=s, at=start + timedelta(minutes=din)
                )
                shift_svc.signup_check_out(
                    actor=c.user, jurisdiction=c.j, signup=s, at=end + timedelta(minutes=dout)
                )
            v.add("vol_attended", len(rows) + (1 if with_me and k == 0 else 0))

        v.on(end + timedelta(minutes=40 + k), roster)
    last_end = starts[-1] + timedelta(hours=hours)

    def close() -> None:
        act_svc.activity_close(actor=c.user, jurisdiction=c.j, activity=pa.activity)

    v.on(last_end + timedelta(hours=1), close)
    _plan_hours(v, pa, last_end)


def _plan_hours(v: Village, pa: PastActivity, last_end: datetime) -> None:
    c, a = v.clerk, v.hours_approver
    n = len(PAST_ACTIVITIES)
    pending_confirm = pa.index == n - 1
    pending_approve = pa.index == n - 2

    def entries() -> list[HoursEntry]:
        return list(
            HoursEntry.objects.within(c.j)
            .filter(activity=pa.activity, kind=HoursEntry.Kind.ATTENDANCE)
            .order_by("pk")
        )

    def confirm() -> None:
        rows = entries()
        if pa.index == REJECTED_AT:  # one sign-out the organiser doubts: sent back
            bad = rows.pop(len(rows) // 2)
            hours_svc.hours_reject(
                actor=a.user,
                jurisdiction=a.j,
                entry=bad,
                note="签退时间与现场记录不符，经核实该志愿者提前离开，本次时长不予认定。",
            )
            v.add("vol_hours_rejected")
        hours_svc.hours_bulk(actor=c.user, jurisdiction=c.j, entries=rows, action="confirm")

    def approve() -> None:
        rows = [e for e in entries() if e.status == HoursEntry.Status.CONFIRMED]
        hours_svc.hours_bulk(actor=a.user, jurisdiction=a.j, entries=rows, action="approve")
        v.add("vol_hours_approved", len(rows))

    if not pending_confirm:
        v.on(last_end + timedelta(hours=20), confirm)
    if not (pending_confirm or pending_approve):
        v.on(last_end + timedelta(days=2, hours=2), approve)
    if pa.index == CORRECTED_AT:
        box: dict[str, HoursEntry] = {}

        def correct() -> None:
            first = entries()[0]
            box["fix"] = hours_svc.hours_correct(
                actor=c.user,
                jurisdiction=c.j,
                entry=first,
                minutes=60,
                reason="签退时忘记扫码，组织者补记时少算1小时，经现场负责人核实予以更正。",
            )
            hours_svc.hours_confirm(actor=c.user, jurisdiction=c.j, entry=box["fix"])
            v.add("vol_hours_corrections")

        def approve_fix() -> None:
            hours_svc.hours_approve(actor=a.user, jurisdiction=a.j, entry=box["fix"])

        v.on(v.at(pa.day - 5, 16), correct)
        v.on(v.at(pa.day - 6, 10), approve_fix)


def _plan_star_entries(v: Village) -> None:
    """Older service entered by hand (补录), approved: a few volunteers reach 1–2 stars."""
    c, a = v.clerk, v.hours_approver
    residents = [x for x in v.volunteers if x.person_id and x is not v.me]
    made: list[HoursEntry] = []
    picks = v.rng.sample(residents, len(v.plan.star_volunteers))

    def record() -> None:
        for vol, n in zip(picks, v.plan.star_volunteers, strict=True):
            for k in range(n):
                month = date(v.today.year - 1, 1 + (k % 12), 28)
                if k >= 12:
                    month = date(v.today.year - 2, 12 - (k - 12), 28)
                made.append(
                    hours_svc.hours_record_manual(
                        actor=c.user,
                        jurisdiction=c.j,
                        volunteer=vol,
                        minutes=1290 + 15 * v.rng.randint(0, 10),
                        service_date=month,
                        reason=f"{month.year}年度服务时长补录（{month.month}月，据村志愿者协会台账）",
                    )
                )
        hours_svc.hours_bulk(actor=c.user, jurisdiction=c.j, entries=made, action="confirm")
        v.add("vol_hours_manual", len(made))

    def approve() -> None:
        hours_svc.hours_bulk(actor=a.user, jurisdiction=a.j, entries=made, action="approve")

    v.on(v.at(112, 15), record)
    v.on(v.at(111, 10), approve)


def _open_activities(v: Village, projects: list[Any]) -> None:
    """Two activities open for sign-up next week (on the real clock); one has one place left."""
    c = v.clerk
    for pidx, title, place, ahead, hour, hours, skills, cap, signed in OPEN_ACTIVITIES:
        activity = act_svc.activity_create(
            actor=c.user,
            jurisdiction=c.j,
            project=projects[pidx],
            title=title,
            place=place,
            description=f"{title}，欢迎村民报名参加。",
        )
        start = v.at(-ahead, hour)
        shift = act_svc.shift_create(
            actor=c.user,
            jurisdiction=c.j,
            activity=activity,
            starts_at=start,
            ends_at=start + timedelta(hours=hours),
            capacity=cap,
            place=place,
            required_skills=[str(s) for s in skills],
        )
        act_svc.activity_publish(actor=c.user, jurisdiction=c.j, activity=activity)
        for x in _crew(v, [str(s) for s in skills], signed, set()):
            shift_svc.signup_create(actor=c.user, jurisdiction=c.j, shift=shift, volunteer=x,
                                    skills_override_reason=CREW_OVERRIDE)  # fmt: skip
            v.add("vol_signups")
        v.add("vol_activities")
        v.add("vol_activities_open")
        v.add("vol_shifts")


def _records(v: Village, past: list[PastActivity]) -> None:
    c = v.clerk
    for k, vol in enumerate(v.volunteers[: 10 + (3 if v.me else 0)]):
        title, provider, minutes = TRAININGS[k % len(TRAININGS)]
        rec_svc.training_add(
            actor=c.user,
            jurisdiction=c.j,
            volunteer=vol,
            title=title,
            provider=provider,
            held_on=v.today - timedelta(days=100 + 7 * (k % 4)),
            minutes=minutes,
        )
        v.add("vol_trainings")
    best = (
        Volunteer.objects.within(c.j)
        .filter(region_code__startswith=v.code)
        .order_by("-approved_minutes", "pk")
        .first()
    )
    assert best is not None
    township = v.region.parent.name if v.region.parent else ""
    rec_svc.honour_add(
        actor=c.user,
        jurisdiction=c.j,
        volunteer=best,
        title=f"{v.today.year - 1}年度{township}优秀志愿者",
        level="township",
        awarded_on=min(date(v.today.year, 1, 15), v.today),
        awarded_by=f"{township}人民政府",
    )
    v.add("vol_honours")
    ratings = ["excellent", "good", "good", "excellent", "pass"]
    comments = ["服务热情，老人们很满意", "按时到岗，认真负责", "", "主动承担重活", "偶有迟到"]
    attended = [s for pa in past[:6] for s in pa.signups]
    for k, s in enumerate(attended[:: max(1, len(attended) // 5)][:5]):
        rec_svc.evaluation_add(
            actor=c.user,
            jurisdiction=c.j,
            volunteer=s.volunteer,
            period="本次活动",
            rating=ratings[k],
            comment=comments[k],
            activity=s.shift.activity,
        )
        v.add("vol_evaluations")


# --- needs ---------------------------------------------------------------------------------------


def _accept_or_confirm(v: Village, need: Need) -> Match | None:
    """Confirm the villager's proposal (or the best one) and let the villager accept it."""
    c = v.clerk
    proposals = list(Match.objects.within(c.j).filter(need=need).order_by("-score", "pk"))
    if not proposals:
        return None
    mine = [m for m in proposals if v.me is not None and m.volunteer_id == v.me.pk]
    m = need_svc.match_confirm(actor=c.user, jurisdiction=c.j, match=(mine or proposals)[0])
    v.add("vol_matches_confirmed")
    if mine and v.villager is not None:
        m = need_svc.match_accept(actor=v.villager.user, jurisdiction=v.villager.j, match=m)
        v.add("vol_matches_accepted")
    return m


def _plan_done_need(v: Village) -> None:
    c = v.clerk
    region = v.villager_person.region if v.villager_person else v.region
    holder: dict[str, Need] = {}

    def post() -> None:
        start = v.at(17, 9)
        holder["need"] = need_svc.need_create(
            actor=c.user,
            jurisdiction=c.j,
            region=region,
            title="帮腿脚不便的老人代购药品",
            category=ServiceCategory.ELDERLY,
            starts_at=start,
            ends_at=start + timedelta(hours=2),
            skills=[Skill.ERRANDS],
            place="镇药店—老人家",
            description="老人慢性病用药快吃完了。",
        )
        need_svc.need_propose(actor=c.user, jurisdiction=c.j, need=holder["need"])
        _accept_or_confirm(v, holder["need"])
        v.add("vol_needs")

    def close() -> None:
        need_svc.need_close(
            actor=c.user,
            jurisdiction=c.j,
            need=holder["need"],
            outcome="药品已送到老人家中，并讲解了服用方法。",
        )
        v.add("vol_needs_done")

    v.on(v.at(19, 14), post)
    v.on(v.at(17, 15), close)


def _open_needs(v: Village) -> None:
    """Six needs of the coming days (real clock) with proposals; the villager accepted one."""
    c = v.clerk
    groups = v.groups or [v.region]
    made: list[Need] = []
    care = None
    from cunshe.care.models import CareNeed

    care = (
        CareNeed.objects.within(c.j)
        .filter(status=CareNeed.Status.OPEN, volunteer_need__isnull=True)
        .exclude(profile__kind="child")
        .order_by("pk")
        .first()
    )
    specs = NEEDS[:5] if care is not None else NEEDS
    if care is not None:
        try:
            made.append(
                need_svc.volunteer_need_from_care(actor=c.user, jurisdiction=c.j, care_need=care)
            )
            v.add("vol_needs_from_care")
        except (ValidationError, PermissionDenied):
            specs = NEEDS
    for k, (title, category, skills, ahead, hour, hours) in enumerate(specs):
        start = v.at(-ahead, hour)
        region = groups[k % len(groups)]
        if k == 0 and v.villager_person is not None:
            region = v.villager_person.region
        made.append(
            need_svc.need_create(
                actor=c.user,
                jurisdiction=c.j,
                region=region,
                title=title,
                category=category,
                starts_at=start,
                ends_at=start + timedelta(hours=hours),
                skills=[str(s) for s in skills],
                place=f"{region.name}",
            )
        )
    for need in made:
        need_svc.need_propose(actor=c.user, jurisdiction=c.j, need=need)
    v.add("vol_needs", len(made))
    _accept_or_confirm(v, made[-len(specs)])  # the first clerk-posted need


# --- points: rules, declarations, jobs ----------------------------------------------------------


def _plan_rules(v: Village) -> None:
    c = v.clerk

    def template() -> None:
        n = rule_svc.rules_copy_template(actor=c.user, jurisdiction=c.j, region=v.region)
        v.add("points_rules", n)
        _load_rules(v)

    def change() -> None:
        v.rules["yard-clean"] = rule_svc.rule_change(
            actor=c.user,
            jurisdiction=c.j,
            current=v.rules["yard-clean"],
            points_per_unit=30,
            description="村民代表会议决定：美丽庭院月评积分由20分调整为30分。",
        )
        v.add("points_rules_changed")

    v.on(v.at(125, 9), template)
    v.on(v.at(58, 9), change)


def _load_rules(v: Village) -> None:
    v.rules = {
        r.code: r
        for r in EarningRule.objects.within(v.clerk.j).filter(region=v.region, valid_to=None)
    }


def _plan_declarations(v: Village, households: list[Any]) -> None:
    """~3 a week for four months; the last ones still on their way."""
    declarable = [code for code in DEED_TEXT]
    mine_hh = v.villager_person.household if v.villager_person else None
    n_weeks = 16
    plans: list[tuple[int, Any, str]] = []
    for week in range(n_weeks):
        for _k in range(3 if v.plan.redemptions >= 60 else 2):
            deed_ago = 7 * (n_weeks - week) - v.rng.randint(0, 6) + 3
            code = v.rng.choice(declarable)
            hh = v.rng.choice(households)
            plans.append((max(deed_ago, 2), hh, code))
    if mine_hh is not None:
        plans += [
            (60, mine_hh, "yard-clean"),
            (30, mine_hh, "neighbour-help"),
            (12, mine_hh, "village-clean"),
        ]
    plans.sort(key=lambda p: -p[0])
    for seq, (deed_ago, hh, code) in enumerate(plans):
        _plan_one_declaration(v, seq, deed_ago, hh, code, len(plans))


def _plan_one_declaration(
    v: Village, seq: int, deed_ago: int, hh: Any, code: str, total: int
) -> None:
    c, leader = v.clerk, v.leader
    by_villager = (
        v.villager is not None
        and v.villager_person is not None
        and (hh.pk == v.villager_person.household_id)
    )
    declarant = v.villager if by_villager else v.declarant
    assert declarant is not None
    box: dict[str, Declaration] = {}
    declared = max(deed_ago - v.rng.randint(1, 3), 0)
    reviewed = max(declared - v.rng.randint(1, 2), 0)
    approved = max(reviewed - v.rng.randint(1, 3), 0)
    last = total - 1 - seq  # 0 = the most recent
    stop = "credit"
    if last < 2:
        stop = "declared"
    elif last < 4:
        stop = "reviewed"
    elif deed_ago > 40 and seq % 17 == 5:
        stop = "rejected"
    elif last < 9:  # approved in the past week: still posted publicly for objections
        approved = min(reviewed, v.rng.randint(1, 5))

    def declare() -> None:
        rule = v.rules[code]
        quantity = 1 if rule.unit in ("month",) else min(rule.max_units or 3, v.rng.randint(1, 3))
        if code == "simple-wedding":
            quantity = 1
        box["d"] = decl_svc.declaration_declare(
            actor=declarant.user,
            jurisdiction=declarant.j,
            earning_rule=rule,
            quantity=quantity,
            deed_date=v.today - timedelta(days=deed_ago),
            description=v.rng.choice(DEED_TEXT[code]),
            household=hh if not by_villager else None,
        )
        v.add("points_declarations")

    def review() -> None:
        box["d"] = decl_svc.declaration_review(actor=c.user, jurisdiction=c.j, declaration=box["d"])

    def approve() -> None:
        box["d"] = decl_svc.declaration_approve(
            actor=leader.user, jurisdiction=leader.j, declaration=box["d"]
        )

    def reject() -> None:
        decl_svc.declaration_reject(
            actor=leader.user,
            jurisdiction=leader.j,
            declaration=box["d"],
            reason="经村两委核实，该事迹已在上月申报过，不能重复申报。",
        )
        v.add("points_declarations_rejected")

    v.on(v.at(declared, 10, seq % 50), declare)
    if stop == "declared":
        return
    v.on(v.at(reviewed, 15, seq % 50), review)
    if stop == "reviewed":
        return
    if stop == "rejected":
        v.on(v.at(approved, 16, seq % 50), reject)
        return
    v.on(v.at(approved, 17, seq % 50), approve)


def _plan_objections(v: Village) -> None:
    """Villagers object to declarations on posting: one upheld, one dismissed (or just one)."""
    if not v.plan.objections or v.villager is None:
        return
    me, leader = v.villager, v.leader
    answers = [
        (False, "经核实，该户确实参加了本次环境整治，有现场照片为证，异议不成立。"),
        (True, "经核实，该户当天外出未参加活动，异议成立，该申报不予入账。"),
    ]
    for k in range(v.plan.objections):
        upheld, answer = answers[k]
        days = 48 - 20 * k
        box: dict[str, Any] = {}

        def raise_(box: dict[str, Any] = box, k: int = k) -> None:
            mine = v.villager_person.household_id if v.villager_person else None
            posted = list(
                Declaration.objects.within(v.clerk.j)
                .filter(status=Declaration.Status.POSTED, village_code=v.code)
                .exclude(household_id=mine)
                .filter(posting_ends_on__gt=_clock_today())
                .order_by("pk")
            )
            if not posted:
                return
            target = posted[k % len(posted)]
            box["o"] = decl_svc.objection_raise(
                actor=me.user,
                jurisdiction=me.j,
                declaration=target,
                reason="据我所知该户那天并不在村里，申报的事迹与实际不符，请村两委核实。",
            )
            v.add("points_objections")

        def decide(box: dict[str, Any] = box, upheld: bool = upheld, answer: str = answer) -> None:
            if "o" in box:
                decl_svc.objection_decide(
                    actor=leader.user,
                    jurisdiction=leader.j,
                    objection=box["o"],
                    upheld=upheld,
                    answer=answer,
                )

        v.on(v.at(days, 20), raise_)
        v.on(v.at(days - 2, 10), decide)


def _clock_today() -> date:
    from cunshe.volunteering.services import declarations as d

    return d.timezone.localdate()


def _plan_jobs(v: Village) -> None:
    """The daily points job, run here once a week: approved hours become declarations (the
    两委 approves them the same morning); posted declarations are credited after their week.
    Declarations the job makes for the old manual entries are rejected (不折算积分)."""
    leader = v.leader

    def job_then_approve() -> None:
        decl_svc.hours_declare_due()
        decl_svc.credit_due(today=_clock_today())
        fresh = list(
            Declaration.objects.within(leader.j)
            .filter(
                village_code=v.code, status=Declaration.Status.REVIEWED, hours_entry__isnull=False
            )
            .select_related("hours_entry")
            .order_by("pk")
        )
        for d in fresh:
            if d.hours_entry.kind == HoursEntry.Kind.MANUAL:
                decl_svc.declaration_reject(
                    actor=leader.user,
                    jurisdiction=leader.j,
                    declaration=d,
                    reason="往年补录的服务时长不折算积分（本村积分制自今年起实施）。",
                )
                v.add("points_declarations_rejected")
            else:
                decl_svc.declaration_approve(
                    actor=leader.user, jurisdiction=leader.j, declaration=d
                )
                v.add("points_declarations_from_hours")

    for days in range(110, 0, -7):
        v.on(v.at(days, 7, 30), job_then_approve)


def _plan_reversal(v: Village) -> None:
    leader = v.leader

    def reverse() -> None:
        credited = (
            Declaration.objects.within(leader.j)
            .filter(
                village_code=v.code, status=Declaration.Status.CREDITED, hours_entry__isnull=True
            )
            .select_related("entry", "household")
            .order_by("-pk")
        )
        for d in credited:
            account = PointsAccount.objects.within(leader.j).filter(household=d.household).first()
            if account is None or account.balance < d.points:
                continue
            points_svc.entry_reverse(
                actor=leader.user,
                jurisdiction=leader.j,
                entry=d.entry,
                reason="该户同一事迹被重复申报入账，经村两委核实予以冲正。",
            )
            v.add("points_reversals")
            return

    v.on(v.at(40, 16), reverse)


# --- the store ---------------------------------------------------------------------------------


def _plan_store(v: Village) -> None:
    c = v.clerk

    def open_store() -> None:
        v.store = store_svc.store_create(
            actor=c.user,
            jurisdiction=c.j,
            village=v.region,
            name=f"{v.region.name}爱心超市",
            address=f"{v.region.name}党群服务中心东侧",
            opening_hours="每周二、周五 9:00–16:00",
        )
        for name, unit, price in ITEMS:
            item = store_svc.item_create(
                actor=c.user,
                jurisdiction=c.j,
                store=v.store,
                name=name,
                unit=unit,
                price_points=price,
            )
            v.items.append(item)
            qty = v.rng.randint(20, 40)
            store_svc.stock_in(
                actor=c.user,
                jurisdiction=c.j,
                item=item,
                kind="purchase",
                quantity=qty,
                cost_yuan=f"{price * qty * 0.3:.2f}",
                reason="开业首批采购",
            )
        v.add("store_items", len(v.items))
        donors = []
        for name, kind, public in DONORS:
            donors.append(
                store_svc.donor_create(
                    actor=c.user,
                    jurisdiction=c.j,
                    village=v.region,
                    name=name,
                    kind=kind,
                    public=public,
                )
            )
        v.add("store_donors", len(donors))
        for k, donor in enumerate(donors):
            for item in v.rng.sample(v.items, 2):
                store_svc.stock_in(
                    actor=c.user,
                    jurisdiction=c.j,
                    item=item,
                    kind="donation",
                    quantity=v.rng.randint(10, 30),
                    donor=donor,
                    reason="爱心捐赠" if k else "企业捐赠助力积分超市",
                )
                v.add("store_donations")

    def restock() -> None:
        for item in v.items:
            left = StoreItem.objects.within(c.j).get(pk=item.pk).stock
            if left < 15:
                store_svc.stock_in(
                    actor=c.user,
                    jurisdiction=c.j,
                    item=item,
                    kind="purchase",
                    quantity=30,
                    cost_yuan=f"{item.price_points * 9:.2f}",
                    reason="补货",
                )
                v.add("store_restocks")

    v.on(v.at(120, 9), open_store)
    for days in (75, 40, 15):
        v.on(v.at(days, 8), restock)
    # Redemptions on market days (Tuesdays and Fridays), more in the later months when
    # households have points.
    days = [d for d in range(100, 0, -1) if (v.today - timedelta(days=d)).weekday() in (1, 4)]
    weights = [1 + (100 - d) / 30 for d in days]
    chosen = sorted(v.rng.choices(days, weights=weights, k=v.plan.redemptions), reverse=True)
    for n, d in enumerate(chosen):
        v.on(v.at(d, 9 + n % 7, (n * 7) % 60), lambda n=n: _redeem_one(v, n))


def _redeem_one(v: Village, n: int) -> None:
    c = v.clerk
    assert v.store is not None
    mine = v.villager_person.household_id if v.villager_person else None
    accounts = list(
        PointsAccount.objects.within(c.j)
        .filter(village_code=v.code, kind=PointsAccount.Kind.HOUSEHOLD, balance__gte=10)
        .order_by("pk")
    )
    if not accounts:
        return
    account = v.rng.choice(accounts)
    budget = account.balance - (150 if account.household_id == mine else 0)
    stock = dict(StoreItem.objects.within(c.j).filter(store=v.store).values_list("pk", "stock"))
    lines: list[tuple[StoreItem, int]] = []
    want = v.rng.randint(1, 3)
    for item in v.rng.sample(v.items, len(v.items)):
        qty = 1 if item.price_points > 30 else v.rng.randint(1, 2)
        if item.price_points * qty <= budget and stock.get(item.pk, 0) >= qty:
            lines.append((item, qty))
            budget -= item.price_points * qty
        if len(lines) >= want:
            break
    if not lines:
        return
    row = store_svc.redeem(
        actor=c.user,
        jurisdiction=c.j,
        store=v.store,
        account=account,
        lines=lines,
        request_key=f"demo-{v.code}-{n:03d}",
    )
    v.add("store_redemptions")
    if n == v.plan.redemptions // 2:  # the villager changed her mind at the counter
        store_svc.redemption_reverse(
            actor=c.user,
            jurisdiction=c.j,
            redemption=row,
            reason="村民临时改换商品，撤销后重新兑换。",
        )
        v.add("store_redemptions_reversed")


# --- the whole ---------------------------------------------------------------------------------


def _seed_village(v: Village, persons: list[Person]) -> None:
    with _backdate_clock(v.at(130, 9)):
        _organisations(v)
        _volunteers(v, persons)
    with _backdate_clock(v.at(128, 10)):
        projects = _projects(v)
    past = [PastActivity(i, spec[0], spec) for i, spec in enumerate(PAST_ACTIVITIES)]
    for pa in past:
        _plan_past_activity(v, projects, pa)
    _plan_star_entries(v)
    _plan_done_need(v)
    _plan_rules(v)
    households = sorted(
        {p.household_id: p.household for p in persons if p.residence_status in LIVING}.values(),
        key=lambda h: h.number,
    )
    _plan_declarations(v, households)
    _plan_objections(v)
    _plan_jobs(v)
    _plan_reversal(v)
    _plan_store(v)
    for when, _seq, fn in sorted(v.events, key=lambda e: (e[0], e[1])):
        with _backdate_clock(when):
            fn()
    v.events.clear()
    # The present: training records and honours, what is open now, the job's run of today.
    _records(v, past)
    certificate = v.plan.certificate
    if certificate:
        best = max(
            Volunteer.objects.within(v.clerk.j).filter(region_code__startswith=v.code),
            key=lambda x: (x.approved_minutes, -x.pk),
        )
        cert_svc.certificate_issue(
            actor=v.clerk.user,
            jurisdiction=v.clerk.j,
            volunteer=best,
            organisation=v.orgs["association"],
            base_url=CERT_BASE_URL,
        )
        v.add("vol_certificates")
    _open_activities(v, projects)
    _open_needs(v)


def seed_volunteering(
    *, seed: int = 1, today: date | None = None, villages: tuple[str, ...] | None = None
) -> dict[str, int]:
    """The volunteering and points demo (the caller holds a system scope, as demo_seed does) in
    the demo villages (or those of `villages` among them). Returns what was added; a second
    run adds nothing."""
    counts: dict[str, int] = dict.fromkeys(
        (
            "vol_volunteers",
            "vol_activities",
            "vol_signups",
            "vol_hours_approved",
            "vol_needs",
            "points_declarations",
            "store_redemptions",
        ),
        0,
    )
    today = today or _tz.localdate()
    regions = {r.code: r for r in Region.objects.filter(code__in=list(PLANS))}
    for code, plan in PLANS.items():
        if code not in regions or (villages is not None and code not in villages):
            continue
        if Volunteer._base_manager.filter(region_code__startswith=code).exists():
            continue
        clerk = _actor(plan.clerk)
        township = _actor(plan.township)
        if clerk is None or township is None:
            continue
        persons = list(
            Person._base_manager.filter(region_code__startswith=code)
            .exclude(residence_status__in=GONE)
            .select_related("household", "region")
            .order_by("household__number", "pk")
        )
        if len(persons) < 60:
            continue  # no register to draw from
        leader = _actor(plan.leader)
        if leader is None and plan.leader in CADRES:
            leader = _cadre(plan.leader, counts)
        hours_approver = _actor(plan.hours_approver)
        villager = _actor(plan.villager) if plan.villager else None
        villager_person = (
            Person._base_manager.filter(account=villager.user)
            .select_related("household", "region")
            .first()
            if villager
            else None
        )
        if leader is None or hours_approver is None:
            continue
        v = Village(
            code=code,
            region=regions[code],
            plan=plan,
            rng=random.Random(f"{seed}:volunteering:{code}"),  # noqa: S311 - demo data
            today=today,
            clerk=clerk,
            hours_approver=hours_approver,
            leader=leader,
            township=township,
            declarant=_cadre(plan.declarant, counts),
            villager=villager if villager_person is not None else None,
            villager_person=villager_person,
            groups=list(
                Region.objects.filter(parent=regions[code], level=Level.GROUP).order_by("code")
            ),
            counts=counts,
        )
        _seed_village(v, persons)
    decl_svc.credit_due(today=today)  # what the daily job would credit today (nothing, usually)
    return counts
