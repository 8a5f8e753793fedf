"""The service-desk demo (办事不出村): the catalogue, service windows with slots and bookings, about
four months of applications in every state, ratings with their rectifications, and 随手拍
problem reports — for the demo villages that have a clerk (闵家村, 古城村 of 闵家镇 and 东新村 of
和龙市). The outsider's village (梨树县) gets nothing.

How it is made
- THROUGH THE SERVICES, each step by the person who would take it: the village clerk submits
  代办/领办/预约 matters (the villager `cunmin` applies online for their own household), the
  township officer or the county department accepts, works and decides what is routed to it, the
  clerk or the officer delivers, the clerk records a villager's rating, the handling unit calls
  back. So the audit trail, the timelines, materials, notifications and deadlines are the real
  ones. Only matters whose handling unit has a demo login are made (county departments without
  one — 人社, 医保, 残联 … — would leave matters nobody in the demo can touch).
- BACKDATING. The services stamp everything with the present moment, and a matter submitted three
  months ago cannot be submitted three months ago. So each matter is first played through the
  services now, then — in the clearly marked `_backdate_*` functions below, and only there — its
  timestamps are moved to the planned history: `submitted_at`, `accepted_at`, `decided_at`,
  `finished_at`, the timeline events' `at`, the materials' `uploaded_at`; the date-dependent
  values are then recomputed from those dates exactly as the services compute them (the due
  date in working days with the clock stopped during 补正, `paused_on`, `finished_on_time`, the
  due date quoted in the acceptance text). Ratings, rectifications (due date, call-backs,
  closing), problem reports and their updates are moved the same way. The audit trail and the
  notification outbox are NOT backdated: they truthfully say when the seed wrote them.
  Escalation of the overdue matters is then replayed day by day by the real job
  (`escalate_overdue(today=…)`), each escalation event moved to the morning of its day.
- DETERMINISTIC for a given seed (and day): every choice comes from `Random(f"{seed}:servicedesk")`
  over the register in a fixed order; dates are counted back from today in working days.
  Receipt numbers, report tokens and stored file names stay the services' random ones (they are
  credentials and must not be predictable).
- IDEMPOTENT: the catalogue loader changes nothing the second time; windows are matched by
  name; slots are only added for days not yet covered; applications carry the idempotency key
  `demo:<seed>:<n>`, and when any such key exists the applications, ratings, reports and
  bookings are left alone.
"""

from __future__ import annotations

import functools
import io
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Max
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core import workdays
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Region
from cunshe.residents.models import GONE, Person
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import (
    FINISHED,
    Application,
    ApplicationEvent,
    Booking,
    CallBack,
    HandlingLevel,
    Material,
    ProblemReport,
    Rating,
    Rectification,
    ReportCategory,
    ReportUpdate,
    ServiceItem,
    ServiceWindow,
    Slot,
    Status,
)
from cunshe.servicedesk.rules import GOOD_INDICATORS, rule
from cunshe.servicedesk.services import applications as app_svc
from cunshe.servicedesk.services import appointments as appt_svc
from cunshe.servicedesk.services import ratings as rating_svc
from cunshe.servicedesk.services import reports as report_svc
from cunshe.servicedesk.services.catalogue import load_catalogue

# The demo villages with a clerk, and (where there is one) the villager's own account.
DESK_VILLAGES = {"220182102200": "daiban", "220182102201": "daiban_b", "222406101200": "daiban_hl"}
VILLAGER_ACCOUNTS = {"220182102200": "cunmin", "222406101200": "cunmin_hl"}
# Matters made per village (besides the villager accounts' own), over HISTORY_DAYS.
APPLICATIONS_PER_VILLAGE = {"220182102200": 110, "220182102201": 75, "222406101200": 55}
REPORTS_PER_VILLAGE = {"220182102200": 17, "220182102201": 12, "222406101200": 11}
HISTORY_DAYS = 122  # about four months back from today
SLOT_DAYS = 21  # slots for the next three weeks
KEY_PREFIX = "demo:"
SYSTEM = Jurisdiction.system("demo_seed: service desk demo (backdating and lookups)")

# How often each item is asked for in a village (unknown codes: 1). Who may apply: a predicate
# on (age, sex, has_disability).
ITEM_WEIGHTS: dict[str, int] = {
    "JL-YB-001": 12, "JL-CW-001": 10, "JL-RS-001": 8, "JL-NY-002": 8, "JL-MZ-004": 6,
    "JL-MZ-001": 6, "JL-MZ-007": 5, "JL-MZ-003": 5, "JL-CW-002": 5, "JL-WJ-005": 5,
    "JL-RS-003": 4, "JL-CW-003": 3, "JL-CW-004": 3, "JL-WJ-001": 3, "JL-GA-001": 2,
    "JL-MZ-002": 2, "JL-SF-001": 2, "JL-NY-001": 2,
}  # fmt: skip
WHO: dict[str, Callable[[int, str, bool], bool]] = {
    "JL-MZ-004": lambda age, sex, dis: age >= 80,
    "JL-RS-001": lambda age, sex, dis: 16 <= age <= 59,
    "JL-RS-002": lambda age, sex, dis: age >= 60,
    "JL-RS-003": lambda age, sex, dis: 18 <= age <= 55,
    "JL-WJ-001": lambda age, sex, dis: sex == "F" and 20 <= age <= 40,
    "JL-GA-001": lambda age, sex, dis: 20 <= age <= 42,
    "JL-MZ-007": lambda age, sex, dis: dis,
    "JL-CL-001": lambda age, sex, dis: dis,
    "JL-CL-002": lambda age, sex, dis: dis,
    "JL-MZ-002": lambda age, sex, dis: age >= 60,
    "JL-MZ-005": lambda age, sex, dis: age < 18,
    "JL-MZ-006": lambda age, sex, dis: age < 18,
}
DETAILS = {
    "JL-YB-001": "为本人办理{year}年度城乡居民医保参保缴费登记。",
    "JL-CW-001": "外出务工需要开具本村居住证明。",
    "JL-RS-001": "申请参加城乡居民基本养老保险，选择每年500元档次缴费。",
    "JL-NY-002": "申请{year}年耕地地力保护补贴，承包地面积以确权登记为准。",
    "JL-MZ-004": "本人年满80周岁，申请高龄津贴。",
    "JL-MZ-001": "家中收入低，老伴常年患病，申请最低生活保障。",
    "JL-MZ-007": "持有残疾人证，申请困难残疾人生活补贴和重度残疾人护理补贴。",
    "JL-MZ-003": "家中突发重病住院，花费较大，申请临时救助。",
    "JL-CW-002": "办理继承手续，需要开具亲属关系证明。",
    "JL-WJ-005": "申请签约家庭医生，需要定期上门测血压。",
    "JL-RS-003": "返乡准备创业，申领就业创业证。",
    "JL-CW-003": "与邻居因地界问题发生纠纷，申请村调委会调解。",
    "JL-CW-004": "将承包地流转给本村合作社经营，申请备案。",
    "JL-WJ-001": "办理第一个孩子的生育登记。",
    "JL-GA-001": "为新生儿办理出生登记落户。",
    "JL-MZ-002": "无劳动能力、无生活来源，申请特困人员救助供养。",
    "JL-SF-001": "追讨拖欠的务工工资，申请法律援助。",
    "JL-NY-001": "原住房年久失修，申请在原址翻建住房。",
}
REJECT_REASONS = [
    "申请人已享受同类待遇，不能重复申请。",
    "申请人户籍不在本辖区，请到户籍所在地申请。",
    "不符合申请条件：申请人年龄未达到规定标准。",
]
RETURN_REASONS = [
    "缺少户口簿首页及本人页，请补充。",
    "身份证照片不清晰，请重新上传正反面。",
    "委托书缺少申请人签字，请补签后上传。",
    "需补充近6个月的银行流水或收入证明。",
]
REFUSE_REASONS = [
    "经入户核查，家庭人均收入高于当地保障标准。",
    "经审核，不符合补贴发放条件，可在条件变化后重新申请。",
]
REROUTE_REASON = "经入户了解为长期生活困难，应申请最低生活保障，转县民政局办理。"
WITHDRAW_REASONS = ["村民表示暂不办理。", "申请人已在务工地办理。", "事项选错，已重新申请。"]
GOOD_COMMENTS = ["", "", "", "代办员上门办的，一趟没跑。", "办得快，谢谢！", "态度很好。"]
BAD_CASES = [
    (2, ["超时办理"], "等了一个多月才办下来，中间也没人告诉进度。"),
    (1, ["多次跑动", "材料要求不合理"], "让我补了三次材料，每次说的都不一样。"),
    (2, ["服务态度差"], "打电话问进度，工作人员不耐烦。"),
    (2, ["办事指南不准确"], "指南上没写要银行流水，白跑一趟。"),
    (1, ["未按承诺办理"], "说好十天办完，结果拖了很久。"),
]
CALLBACK_TEXTS = {
    "reached": "已电话回访，向村民说明了办理进度和原因，村民表示理解。",
    "unreached": "电话未接通，已请村代办员转告，明日再打。",
}
CLOSE_TEXTS = {
    "rectified": "已对经办人员进行提醒谈话，完善了一次性告知清单，今后补正材料一次说清。",
    "explained": "经核实办理时限符合规定，已向村民解释审核流程，村民表示认可。",
}

# --- problem reports ---------------------------------------------------------------------------

# Approximate centres (lat, lon) and the spots in the village people name.
PLACES = {
    "220182102200": (
        Decimal("44.9630"), Decimal("126.3310"),
        ["村东头", "一组路口", "二组", "西屯", "村部门前", "小学后身"],
    ),
    "220182102201": (
        Decimal("44.9850"), Decimal("126.3760"), ["一组", "村西大道", "老粮库旁", "村部南侧"]
    ),
    "222406101200": (
        Decimal("42.8510"), Decimal("128.9570"), ["村委会门前", "一组", "河边", "老年活动室旁"]
    ),
}  # fmt: skip
REPORT_TEXTS = {
    "rubbish": ["{place}路边堆了一大堆生活垃圾，好几天没人清运。",
                "{place}垃圾箱满了，垃圾散落一地。"],
    "sewage": ["{place}排水沟堵了，污水漫到路面上。", "{place}有人往河沟里直排污水，味道很大。"],
    "livestock_waste": ["{place}养牛户的粪堆就在路边，下雨就往路上流。"],
    "toilet": ["改厕后的厕所冬天冻裂了，没法用。", "{place}户厕粪污好久没有清掏了。"],
    "straw_burning": ["{place}地里有人在烧秸秆，烟很大。", "晚上{place}有人偷着烧秸秆。"],
    "road": ["{place}水泥路塌了一个大坑，晚上很危险。", "{place}村路坑洼积水，车过不去。"],
    "streetlight": ["{place}的路灯一个多星期不亮了。", "{place}路灯白天也一直亮着。"],
    "water_supply": ["{place}自来水水压很低，早上基本没水。", "{place}水管冻裂漏水了。"],
    "illegal_construction": ["{place}有人占道搭建彩钢房。"],
    "other": ["{place}的健身器材坏了，有安全隐患。"],
}  # fmt: skip
KOREAN_TEXT = (
    "마을 {place} 가로등이 일주일째 켜지지 않습니다."  # a report in the villager's own language
)
CATEGORY_WEIGHTS = {
    "rubbish": 8, "road": 6, "streetlight": 6, "straw_burning": 5, "sewage": 4,
    "water_supply": 4, "toilet": 3, "livestock_waste": 2, "illegal_construction": 1, "other": 1,
}  # fmt: skip
RESOLVED_TEXTS = {
    "rubbish": "已安排保洁员清运，现场已清理干净。",
    "sewage": "已组织疏通排水沟，并对直排户进行了劝导。",
    "livestock_waste": "已督促养殖户清运粪污并设置防渗堆放点。",
    "toilet": "已联系改厕维修队上门更换冻裂部件。",
    "straw_burning": "已到现场扑灭明火，对焚烧人进行了教育。",
    "road": "坑槽已用水泥修补，并设置了警示标志。",
    "streetlight": "已更换灯具，路灯恢复正常。",
    "water_supply": "已更换冻裂管段，供水恢复正常。",
    "illegal_construction": "当事人已自行拆除占道建筑。",
    "other": "已报乡镇更换损坏的器材。",
}
NO_ACTION_TEXTS = [
    "经现场核实，该处为农户自家院内，不属于公共区域，已向报告人说明。",
    "经核实为重复报告，已在前一条中处理。",
    "现场查看未发现所述问题。",
]
PROGRESS_TEXTS = ["已安排人员到现场查看。", "已报乡镇，正在协调维修。", "材料已订购，到货后维修。"]


# --- small helpers -----------------------------------------------------------------------------


def _pdf(title: str) -> SimpleUploadedFile:
    # A minimal one-page PDF (the services check the signature, not the content).
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
        b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile(f"{title}.pdf", body, content_type="application/pdf")


_PHOTO_CACHE: dict[str, bytes] = {}


def _photo(colour: tuple[int, int, int]) -> SimpleUploadedFile:
    """A small real JPEG (a plain scene in one colour): what a phone photo stands in for."""
    key = "".join(f"{c:02x}" for c in colour)
    if key not in _PHOTO_CACHE:
        from PIL import Image, ImageDraw

        img = Image.new("RGB", (320, 240), (200, 210, 220))
        draw = ImageDraw.Draw(img)
        draw.rectangle((0, 150, 320, 240), fill=colour)
        draw.ellipse((110, 110, 210, 190), fill=tuple(max(c - 60, 0) for c in colour))
        buf = io.BytesIO()
        img.save(buf, "JPEG", quality=70)
        _PHOTO_CACHE[key] = buf.getvalue()
    return SimpleUploadedFile("photo.jpg", _PHOTO_CACHE[key], content_type="image/jpeg")


def _aware(day: date, minutes: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


@dataclass
class Actor:
    user: User
    j: Jurisdiction


@dataclass
class Ctx:
    """What the seed looks up once: people, units and the working days of the period."""

    rng: random.Random
    today: date
    now: datetime
    days: list[date]  # working days before today, oldest first
    items: dict[str, ServiceItem]
    clerks: dict[str, Actor]  # village code → its clerk
    villagers: dict[int, Actor]  # household id → the villager account of that household
    handlers: dict[tuple[str, str], Actor]  # (unit code, department at county level) → officer
    persons: dict[str, list[Person]]  # village code → living persons, in register order
    regions: dict[str, Region] = field(default_factory=dict)
    # The same working-day sums come up again and again: asked once each (per run).
    add_wd: Callable[[date, int], date] = field(
        default_factory=lambda: functools.lru_cache(maxsize=None)(workdays.add_working_days)
    )

    def at(self, idx: int, after: datetime | None = None) -> datetime:
        """A time on working day `idx` in office hours, later than `after`."""
        idx = max(0, min(idx, len(self.days) - 1))
        minutes = self.rng.choice((510, 540, 570, 600, 630, 660, 810, 840, 900, 930, 960))
        value = _aware(self.days[idx], minutes + self.rng.randrange(25))
        if after is not None and value <= after:
            value = after + timedelta(minutes=self.rng.randrange(12, 95))
        return min(value, self.now - timedelta(minutes=5))

    def idx_of(self, moment: datetime) -> int:
        day = timezone.localdate(moment)
        return max(i for i, d in enumerate(self.days) if d <= day) if day >= self.days[0] else 0


def _actor_of(assignment: RoleAssignment) -> Actor:
    return Actor(assignment.user, assignment.jurisdiction())


def _unit_key(level: str, code: str, department: str) -> tuple[str, str]:
    return (code, department if level == HandlingLevel.COUNTY else "")


def _context(seed: int, today: date) -> Ctx:
    rng = random.Random(f"{seed}:servicedesk")  # noqa: S311 - demo data, not security
    start = today - timedelta(days=HISTORY_DAYS)
    days = [
        start + timedelta(days=i)
        for i in range(HISTORY_DAYS)
        if workdays.is_workday(start + timedelta(days=i))
    ]
    assignments = list(
        RoleAssignment.objects.active()
        .filter(user__is_active=True)
        .select_related("user")
        .order_by("pk")
    )
    clerks, handlers, villager_users = {}, {}, {}
    for ra in assignments:
        actor = _actor_of(ra)
        if ra.role == Role.VILLAGE_CLERK:
            clerks.setdefault(ra.region_code, actor)
        if ra.role == Role.VILLAGER:
            villager_users[ra.user_id] = actor
        if actor.j.has_perm(app_svc.HANDLE) and ra.role in (
            Role.VILLAGE_CLERK,
            Role.TOWNSHIP_OFFICER,
            Role.COUNTY_OFFICER,
        ):
            dept = ra.department if len(ra.region_code) == 6 else ""
            handlers.setdefault((ra.region_code, dept), actor)
    persons: dict[str, list[Person]] = {}
    villagers: dict[int, Actor] = {}
    for code in DESK_VILLAGES:
        rows = list(
            Person.objects.within(SYSTEM)
            .filter(household__village_code=code)
            .exclude(residence_status__in=GONE)
            .select_related("household", "region")
            .order_by("household__number", "pk")
        )
        persons[code] = rows
        for p in rows:
            if p.account_id in villager_users:
                villagers[p.household_id] = villager_users[p.account_id]
    items = {
        i.code: i
        for i in ServiceItem.objects.filter(active=True)
        .prefetch_related("materials")
        .order_by("code")
    }
    regions = {
        r.code: r
        for r in Region.objects.filter(code__in={c[:n] for c in DESK_VILLAGES for n in (6, 9, 12)})
    }
    return Ctx(
        rng=rng,
        today=today,
        now=timezone.now(),
        days=days,
        items=items,
        clerks=clerks,
        villagers=villagers,
        handlers=handlers,
        persons=persons,
        regions=regions,
    )


# --- the catalogue, windows, slots --------------------------------------------------------------


def _windows(ctx: Ctx) -> tuple[list[ServiceWindow], int, int]:
    """A village hall per demo village, the two townships' service centres, the two counties'
    民政 windows; slots on the working days of the next three weeks. Returns (windows, made,
    slots made)."""
    wanted: list[tuple[str, str, str, str]] = []  # (region code, department, name, address)
    for code in DESK_VILLAGES:
        village = ctx.regions.get(code)
        if village is None or code not in ctx.clerks:
            continue
        short = village.name.removesuffix("委会")
        wanted.append((code, "", f"{short}便民服务站", f"{short}村部一楼"))
    for code in sorted({c[:9] for c in DESK_VILLAGES}):
        township = ctx.regions.get(code)
        if township is not None and (code, "") in ctx.handlers:
            wanted.append(
                (code, "", f"{township.name}便民服务中心", f"{township.name}人民政府一楼大厅")
            )
    for code in sorted({c[:6] for c in DESK_VILLAGES}):
        county = ctx.regions.get(code)
        if county is not None and (code, "civil_affairs") in ctx.handlers:
            wanted.append(
                (
                    code,
                    "civil_affairs",
                    f"{county.name}民政局社会救助窗口",
                    f"{county.name}政务服务中心二楼",
                )
            )
    existing = {
        (w.region_code, w.name): w
        for w in ServiceWindow.objects.within(SYSTEM).filter(region_code__in=[w[0] for w in wanted])
    }
    windows, made, slots = [], 0, 0
    end = ctx.today + timedelta(days=SLOT_DAYS - 1)
    last_day = max(
        (
            end - timedelta(days=i)
            for i in range(SLOT_DAYS)
            if workdays.is_workday(end - timedelta(days=i))
        ),
        default=end,
    )
    for code, department, name, address in wanted:
        actor = ctx.clerks[code] if len(code) == 12 else ctx.handlers[(code, department)]
        window = existing.get((code, name))
        if window is None:
            window = appt_svc.window_create(
                actor=actor.user,
                jurisdiction=actor.j,
                region=ctx.regions[code],
                name=name,
                department=department,
                address=address,
            )
            made += 1
        windows.append(window)
        covered = Slot.objects.filter(window=window, starts_at__date__gte=last_day).exists()
        if covered:
            continue
        if len(code) == 12:  # a village hall: an hour at a time, a few places
            times = [(time(9), time(10)), (time(10), time(11)), (time(14), time(15))]
            capacity = 3
        elif len(code) == 9:  # the township centre: half-hours
            times = [
                (time(8, 30), time(9)),
                (time(9), time(9, 30)),
                (time(9, 30), time(10)),
                (time(13, 30), time(14)),
                (time(14), time(14, 30)),
            ]
            capacity = 4
        else:
            times = [(time(9), time(10, 30)), (time(14), time(15, 30))]
            capacity = 6
        slots += appt_svc.slots_generate(
            actor=actor.user,
            jurisdiction=actor.j,
            window=window,
            start=ctx.today,
            end=end,
            weekdays=range(5),
            times=times,
            capacity=capacity,
        )
    return windows, made, slots


# --- planning applications ---------------------------------------------------------------------


@dataclass
class Step:
    action: str  # "submit" or a TRANSITIONS name or "reroute"
    offset: int  # working days after submission (placed later)
    by: str  # "submitter", "handler", "clerk" or "applicant"
    reason: str = ""
    to_item: str = ""  # reroute
    at: datetime | None = None


@dataclass
class Plan:
    key: str
    village: str
    applicant: Person
    item: ServiceItem
    mode: str
    submitter: Actor
    steps: list[Step]
    details: str
    omit_material: bool = False  # one required material missing at first (a 补正 follows)
    rate: bool = True
    rating: tuple[int, list[str], str, bool] | None = (
        None  # (score, indicators, comment, real name)
    )
    rectify: str = ""  # "", "open", "unreached", "called_back", "rectified", "explained"
    unit: tuple[str, str] = ("", "")  # the handling unit it ends at (see _unit_key)
    application: Application | None = None


# (status, weight): three in four matters of the last four months are finished; the open ones
# sit in the last weeks, so the months come out about even.
TARGETS = [
    (Status.CLOSED, 30), (Status.DELIVERED, 34), (Status.REJECTED, 6), (Status.WITHDRAWN, 5),
    (Status.REFUSED, 2), (Status.APPROVED, 3), (Status.IN_PROGRESS, 9), (Status.ACCEPTED, 4),
    (Status.RETURNED, 4), (Status.SUBMITTED, 5),
]  # fmt: skip
CLOCK = (Status.SUBMITTED, Status.ACCEPTED, Status.IN_PROGRESS)


def _effective(ctx: Ctx, item: ServiceItem, village: str) -> tuple[int, tuple[str, str]] | None:
    """(promised working days, handling unit key) of an item for a village, or None when the
    village cannot offer it or nobody in the demo works at its handling unit."""
    effective = catalogue.effective_item(item, village)
    if not effective.offered:
        return None
    where = catalogue.route(effective, village)
    key = _unit_key(where.level, where.code, where.department)
    return (effective.promised_days, key) if key in ctx.handlers else None


def _path(ctx: Ctx, target: str, promised: int, villager: bool) -> list[Step]:
    """The steps leading to `target`, with working-day offsets from the submission."""
    rng = ctx.rng
    side = "applicant" if villager else "clerk"
    steps = [Step("submit", 0, "submitter")]

    def add(action: str, gap: int, by: str = "handler", reason: str = "") -> None:
        steps.append(Step(action, steps[-1].offset + gap, by, reason))

    if target == Status.SUBMITTED:
        return steps
    if target == Status.REJECTED:
        add("reject", rng.choice((0, 1, 1, 2)), reason=rng.choice(REJECT_REASONS))
        return steps
    if target == Status.WITHDRAWN:
        if rng.random() < 0.5:
            add("return", rng.choice((0, 1)), reason=rng.choice(RETURN_REASONS))
        add("withdraw", rng.randint(1, 4), side, rng.choice(WITHDRAW_REASONS))
        return steps
    early_return = rng.random() < 0.15
    if early_return or (target == Status.RETURNED and rng.random() < 0.7):
        add("return", rng.choice((0, 1)), reason=rng.choice(RETURN_REASONS))
        if target == Status.RETURNED:
            return steps
        add("resubmit", rng.randint(1, 4), side)
    add("accept", rng.choice((0, 0, 1, 1, 2)))
    if target == Status.RETURNED:
        add("return", rng.randint(0, 2), reason=rng.choice(RETURN_REASONS))
        return steps
    if target == Status.ACCEPTED:
        return steps
    add("start", rng.choice((0, 0, 1)))
    if target == Status.IN_PROGRESS:
        return steps
    paused = 0
    if rng.random() < 0.1:
        add("return", rng.randint(0, 2), reason=rng.choice(RETURN_REASONS))
        paused = rng.randint(1, 4)
        add("resubmit", paused, side)
    accepted = next(s.offset for s in steps if s.action == "accept")
    late = rng.random() < 0.1
    used = steps[-1].offset - accepted
    if late:
        decide_at = accepted + promised + paused + rng.randint(1, 6)
    else:
        decide_at = accepted + rng.randint(max(1, promised // 3), max(1, promised)) + paused
    gap = max(0, decide_at - accepted - used)
    decision = "refuse" if target == Status.REFUSED else "approve"
    if target == Status.CLOSED and rng.random() < 0.12:
        decision = "refuse"
    add(decision, gap, reason=rng.choice(REFUSE_REASONS) if decision == "refuse" else "")
    if target in (Status.APPROVED, Status.REFUSED):
        return steps
    if target == Status.DELIVERED:
        add("deliver", rng.choice((0, 1, 1, 2, 3)), rng.choice(("handler", "clerk")))
    else:
        add("close", rng.choice((0, 1, 2)), rng.choice(("handler", "handler", "clerk")))
    return steps


def _place(ctx: Ctx, steps: list[Step], target: str, promised: int, overdue: bool) -> None:
    """Shift the steps onto real working days and give each a time (monotonic)."""
    rng, n = ctx.rng, len(ctx.days)
    last = steps[-1].offset
    if target in CLOCK:
        if target == Status.SUBMITTED:
            anchor = max(s.offset for s in steps if s.action in ("submit", "resubmit"))
            k = rule("ACCEPT_WITHIN_WORKING_DAYS")
        else:
            anchor = next(s.offset for s in steps if s.action == "accept")
            k = promised
        if last - anchor > k - 1:  # squeeze what follows the anchor onto the anchor's day
            for s in steps:
                s.offset = min(s.offset, anchor)
            last = anchor
        if overdue:
            shift = n - rng.randint(1, 12) - k - anchor
        else:
            shift = rng.randint(n - k - anchor, n - 1 - last)
    elif target in FINISHED:
        shift = rng.randint(0, max(0, n - 1 - last))
    else:  # waiting for the villager, or for delivery: recent
        shift = n - 1 - last - rng.randint(0, 6)
    shift = max(0, min(shift, n - 1 - last))
    previous: datetime | None = None
    for s in steps:
        s.at = ctx.at(s.offset + shift, previous)
        previous = s.at


def _plans(ctx: Ctx, seed: int) -> list[Plan]:
    rng = ctx.rng
    plans: list[Plan] = []
    n = 0

    def new(
        village: str,
        person: Person,
        item: ServiceItem,
        mode: str,
        submitter: Actor,
        steps: list[Step],
        **kw: Any,
    ) -> Plan:
        nonlocal n
        n += 1
        details = DETAILS.get(item.code, "申请办理{item}。").format(
            year=ctx.today.year, item=item.name
        )
        plan = Plan(
            f"{KEY_PREFIX}{seed}:{n}", village, person, item, mode, submitter, steps, details, **kw
        )
        plans.append(plan)
        return plan

    # The villager accounts' own households first: a few matters in different states, one
    # finished and not yet rated (so the demo can rate it), one waiting for material.
    own_script = [  # (item, state, rated when finished, who: "self", "head" or "child")
        ("JL-YB-001", Status.DELIVERED, False, "self"),
        ("JL-CW-001", Status.CLOSED, True, "child"),
        ("JL-NY-002", Status.IN_PROGRESS, True, "head"),
        ("JL-RS-003", Status.RETURNED, True, "child"),
        ("JL-WJ-005", Status.SUBMITTED, True, "self"),
    ]
    for village, username in VILLAGER_ACCOUNTS.items():
        household = [p for p in ctx.persons.get(village, []) if p.household_id in ctx.villagers]
        if not household:
            continue
        villager = ctx.villagers[household[0].household_id]
        members = {
            "self": next((p for p in household if p.account_id == villager.user.pk), household[0]),
            "head": household[0],
            "child": household[-1],
        }
        for code, target, rate, who in own_script[: 5 if username == "cunmin" else 3]:
            item = ctx.items.get(code)
            if item is None or (found := _effective(ctx, item, village)) is None:
                continue
            promised, unit = found
            modes = [m for m in app_svc.VILLAGER_MODES if m in item.modes]
            mode = modes[0] if modes else item.modes[0]
            submitter = villager if modes else ctx.clerks[village]
            steps = _path(ctx, target, promised, villager=True)
            _place(ctx, steps, target, promised, overdue=False)
            new(
                village,
                members[who],
                item,
                mode,
                submitter,
                steps,
                rate=rate,
                omit_material=any(s.action == "return" for s in steps),
                unit=unit,
            )

    reroutes = 0
    for village, count in APPLICATIONS_PER_VILLAGE.items():
        people = ctx.persons.get(village, [])
        clerk = ctx.clerks.get(village)
        if not people or clerk is None:
            continue
        own_households = set(ctx.villagers)
        pool = [p for p in people if p.household_id not in own_households]
        offered = {}
        for code, item in ctx.items.items():
            found = _effective(ctx, item, village)
            if found is not None:
                offered[code] = (item, found[0], found[1])
        codes = sorted(offered)
        weights = [ITEM_WEIGHTS.get(c, 1) for c in codes]
        eligible: dict[str, list[Person]] = {}
        for _ in range(count):
            code = rng.choices(codes, weights)[0]
            item, promised, unit = offered[code]
            if code not in eligible:
                who = WHO.get(code, lambda age, sex, dis: age >= 18)
                eligible[code] = [
                    p for p in pool if who(_age(p.birth_date, ctx.today), p.sex, p.has_disability)
                ] or [p for p in pool if _age(p.birth_date, ctx.today) >= 18]
            person = rng.choice(eligible[code])
            modes = [m for m in ("daiban", "online", "lingban", "appointment") if m in item.modes]
            mode = rng.choices(
                modes,
                [{"daiban": 50, "online": 15, "lingban": 15, "appointment": 20}[m] for m in modes],
            )[0]
            target = rng.choices([t for t, _w in TARGETS], [w for _t, w in TARGETS])[0]
            overdue = target in CLOCK and rng.random() < 0.3
            # A few 临时救助 applications turn out to be 低保 cases: the township sends them on
            # to the county's 民政 the next day, without the villager applying again.
            reroute = (
                code == "JL-MZ-003"
                and reroutes < 3
                and "JL-MZ-001" in offered
                and target in (Status.IN_PROGRESS, Status.APPROVED, Status.DELIVERED, Status.CLOSED)
            )
            if reroute:
                _item, promised, unit = offered["JL-MZ-001"]
            steps = _path(ctx, target, promised, villager=False)
            if reroute:
                reroutes += 1
                for s in steps[1:]:
                    s.offset += 1
                steps.insert(1, Step("reroute", 1, "handler", REROUTE_REASON, "JL-MZ-001"))
            _place(ctx, steps, target, promised, overdue)
            new(
                village,
                person,
                item,
                mode,
                clerk,
                steps,
                omit_material=any(s.action == "return" for s in steps),
                unit=unit,
            )
    _plan_ratings(ctx, plans)
    return plans


def _plan_ratings(ctx: Ctx, plans: list[Plan]) -> None:
    """Most finished matters are rated, mostly 满意/非常满意; a few real-name bad ratings open
    rectifications in every stage (not yet called, not reached, called back, closed)."""
    rng = ctx.rng
    rateable = [
        p
        for p in plans
        if p.steps[-1].action in ("deliver", "close", "reject")
        and p.rate
        and p.applicant.household_id not in ctx.villagers
    ]
    rateable.sort(key=lambda p: p.steps[-1].at)  # type: ignore[arg-type, return-value]
    n = len(rateable)
    cutoff = ctx.now - timedelta(days=10)
    recent = [p for p in rateable if p.steps[-1].at >= cutoff]  # type: ignore[operator]
    # Called back but not yet closed: rated within the rectification period (15 working days).
    weeks = [p for p in rateable if p.steps[-1].at >= ctx.now - timedelta(days=18)]  # type: ignore[operator]
    older = [
        p
        for p in rateable[: max(0, n - len(recent))]
        if p.steps[-1].at < cutoff - timedelta(days=30)
    ]  # type: ignore[operator]
    bad: list[tuple[Plan, str]] = []
    # Where the demo logins will look: the township (xiangzhen) has a call-back to make and one
    # that did not get through; the county's 民政 (minzheng) one called back, to close.
    township = next((u for u in ctx.handlers if len(u[0]) == 9), ("", ""))
    county = next((u for u in ctx.handlers if len(u[0]) == 6), ("", ""))
    for stage, source, unit in (
        ("open", recent, township),
        ("unreached", recent, township),
        ("called_back", weeks, county),
        ("rectified", older, None),
        ("explained", older, None),
        ("rectified", older, None),
    ):
        choices = [p for p in source if not p.rectify]
        choices = [p for p in choices if p.unit == unit] or choices
        if choices:
            plan = rng.choice(choices)
            plan.rectify = stage
            bad.append((plan, stage))
    for i, (plan, _stage) in enumerate(bad):
        score, indicators, comment = BAD_CASES[i % len(BAD_CASES)]
        plan.rating = (score, list(indicators), comment, True)
    anonymous = [p for p in older if not p.rectify]
    if anonymous:
        rng.choice(anonymous).rating = (2, ["多次跑动"], "", False)
    for plan in rateable:
        if plan.rating is not None or rng.random() > 0.78:
            continue
        rejected = plan.steps[-1].action == "reject"
        score = rng.choices((5, 4, 3), (30, 45, 25) if rejected else (58, 34, 8))[0]
        indicators = rng.sample(GOOD_INDICATORS, rng.randint(1, 3))
        if plan.mode == "daiban" and "不用跑腿" not in indicators and rng.random() < 0.5:
            indicators.append("不用跑腿")
        plan.rating = (score, indicators, rng.choice(GOOD_COMMENTS), True)
    # The villagers' own: their closed 居住证明 is rated 非常满意; the other finished one is not.
    for plan in plans:
        if plan.applicant.household_id in ctx.villagers and plan.rate:
            if plan.steps[-1].action in ("deliver", "close", "reject"):
                plan.rating = (5, ["办理快捷", "不用跑腿"], "在手机上就办好了。", True)


# --- playing the plans through the services ----------------------------------------------------


def _materials(plan: Plan, application_item: ServiceItem, first: bool) -> tuple[dict, dict]:
    """Uploads and reuses for the required materials (the first time, one may be left out)."""
    uploads: dict[int, SimpleUploadedFile] = {}
    reuse: dict[int, int] = {}
    on_file = app_svc.reusable_materials(plan.applicant)
    required = [r for r in application_item.materials.all() if r.required]
    have = set()
    if plan.application is not None:
        have = set(
            plan.application.materials.filter(superseded=False).values_list(
                "requirement_id", flat=True
            )
        )
    skip = required[-1].pk if (first and plan.omit_material and required) else None
    for req in required:
        if req.pk == skip or req.pk in have:
            continue
        source = on_file.get(req.doc_type) if req.doc_type else None
        if source is not None:
            reuse[req.pk] = source.pk
        else:
            uploads[req.pk] = _pdf(req.name)
    return uploads, reuse


def _actor_for(ctx: Ctx, plan: Plan, role: str) -> Actor:
    app = plan.application
    if role == "submitter":
        return plan.submitter
    if role == "handler":
        assert app is not None
        return ctx.handlers[_unit_key(app.handler_level, app.handler_code, app.handler_department)]
    if role == "applicant" and plan.applicant.household_id in ctx.villagers:
        return ctx.villagers[plan.applicant.household_id]
    return ctx.clerks[plan.village]


def _play(ctx: Ctx, plan: Plan) -> None:
    """Every step of the plan through the services, now; then the backdating."""
    marks: list[dict[str, Any]] = []
    for step in plan.steps:
        actor = _actor_for(ctx, plan, step.by)
        mark: dict[str, Any] = {}
        if step.action in ("submit", "resubmit"):
            mark["materials_from"] = Material.objects.aggregate(m=Max("id"))["m"] or 0
        if step.action == "submit":
            uploads, reuse = _materials(plan, plan.item, first=True)
            kwargs: dict[str, Any] = {}
            assert step.at is not None
            if plan.mode == "daiban":
                kwargs["authorised_on"] = timezone.localdate(step.at) - timedelta(
                    days=ctx.rng.choice((0, 0, 1, 2))
                )
                kwargs["authorisation"] = _pdf("委托书")
            elif plan.mode == "lingban":
                kwargs["accompanied_at"] = step.at - timedelta(minutes=ctx.rng.randrange(20, 60))
                kwargs["accompanied_place"] = (
                    f"{ctx.regions[plan.village[:9]].name}便民服务中心"
                    if plan.village[:9] in ctx.regions
                    else "乡镇便民服务中心"
                )
            plan.application = app_svc.application_submit(
                actor=actor.user,
                jurisdiction=actor.j,
                item=plan.item,
                applicant=plan.applicant,
                mode=plan.mode,
                idempotency_key=plan.key,
                details=plan.details,
                uploads=uploads,
                reuse=reuse,
                **kwargs,
            )
        elif step.action == "reroute":
            assert plan.application is not None
            plan.application = app_svc.application_reroute(
                actor=actor.user,
                jurisdiction=actor.j,
                application=plan.application,
                reason=step.reason,
                item=ctx.items[step.to_item],
            )
        else:
            assert plan.application is not None
            uploads, reuse = {}, {}
            if step.action == "resubmit":
                uploads, reuse = _materials(plan, plan.application.item, first=False)
            plan.application = app_svc.application_act(
                actor=actor.user,
                jurisdiction=actor.j,
                application=plan.application,
                action=step.action,
                reason=step.reason,
                uploads=uploads,
                reuse=reuse,
            )
            mark["due_said"] = plan.application.due_on
        marks.append(mark)
    _backdate_application(ctx, plan, marks)


# ============================== BACKDATING (applications) ======================================
# Everything above ran now. Here — and only here — the matter's timestamps move to its planned
# history, and what depends on the dates is recomputed the way the services compute it.


def _backdate_application(ctx: Ctx, plan: Plan, marks: list[dict[str, Any]]) -> None:
    app = plan.application
    assert app is not None
    events = list(app.events.order_by("id"))
    transitions = [e for e in events if e.kind in ("transition", "reroute")]
    if len(transitions) != len(plan.steps):
        raise RuntimeError(
            f"demo: {plan.key} has {len(transitions)} events for {len(plan.steps)} steps"
        )
    accept_days = rule("ACCEPT_WITHIN_WORKING_DAYS")
    item = plan.item
    status = ""
    due: date | None = None
    paused: date | None = None
    returned_from = ""
    fields: dict[str, Any] = {
        "accepted_at": None,
        "decided_at": None,
        "finished_at": None,
        "finished_on_time": None,
        "paused_on": None,
    }
    for step, event, mark in zip(plan.steps, transitions, marks, strict=True):
        assert step.at is not None
        day = timezone.localdate(step.at)
        said = mark.get("due_said")
        if step.action == "submit":
            fields["submitted_at"] = step.at
            due = ctx.add_wd(day, accept_days)
            status = Status.SUBMITTED
        elif step.action == "reroute":
            item = ctx.items[step.to_item]
            fields["accepted_at"] = None
            due = ctx.add_wd(day, accept_days)
            status = Status.SUBMITTED
        elif step.action == "accept":
            fields["accepted_at"] = step.at
            promised = catalogue.effective_item(item, app.region_code).promised_days
            due = ctx.add_wd(day, promised)
            if said is not None:
                event.public_text = event.public_text.replace(said.isoformat(), due.isoformat())
            status = Status.ACCEPTED
        elif step.action == "return":
            returned_from, paused, status = status, day, Status.RETURNED
        elif step.action == "resubmit":
            stopped = workdays.working_days_between(paused, day) if paused else 0
            status = returned_from or Status.SUBMITTED
            if status == Status.SUBMITTED:
                due = ctx.add_wd(day, accept_days)
            elif due is not None:
                due = ctx.add_wd(due, stopped)
            paused, returned_from = None, ""
            event.detail = {**event.detail, "paused_working_days": stopped}
        elif step.action == "start":
            status = Status.IN_PROGRESS
        elif step.action in ("approve", "refuse"):
            fields["decided_at"] = step.at
            fields["finished_on_time"] = due is None or day <= due
            status = Status.APPROVED if step.action == "approve" else Status.REFUSED
        elif step.action == "reject":
            fields["finished_on_time"] = due is None or day <= due
            status = Status.REJECTED
        elif step.action == "deliver":
            status = Status.DELIVERED
        elif step.action == "close":
            status = Status.CLOSED
        elif step.action == "withdraw":
            status = Status.WITHDRAWN
        if status in FINISHED:
            fields["finished_at"] = step.at
        event.at = step.at
    if status != app.status:
        raise RuntimeError(f"demo: {plan.key} replayed to {status}, services say {app.status}")
    fields["due_on"] = due
    fields["paused_on"] = paused
    fields["updated_at"] = plan.steps[-1].at
    Application.objects.within(SYSTEM).filter(pk=app.pk).update(**fields)
    for name, value in fields.items():
        setattr(app, name, value)
    ApplicationEvent.objects.bulk_update(transitions, ["at", "public_text", "detail"])
    # Materials: uploaded at the step that brought them.
    for step, mark in zip(plan.steps, marks, strict=True):
        if "materials_from" in mark:
            Material.objects.filter(application=app, id__gt=mark["materials_from"]).update(
                uploaded_at=step.at
            )


# --- ratings and rectifications ----------------------------------------------------------------


def _rate(ctx: Ctx, plan: Plan) -> tuple[int, int]:
    """Rate a finished matter (the villager themselves, or the clerk recording the villager's
    rating at the service station), then follow the rectification to its planned stage.
    Returns (ratings, rectifications) made."""
    app = plan.application
    assert app is not None and plan.rating is not None and app.finished_at is not None
    score, indicators, comment, real_name = plan.rating
    rater = _actor_for(ctx, plan, "applicant")
    rating = rating_svc.rating_submit(
        actor=rater.user,
        jurisdiction=rater.j,
        application=app,
        score=score,
        indicators=indicators,
        comment=comment,
        real_name=real_name,
    )
    finish_idx = ctx.idx_of(app.finished_at)
    rated_at = ctx.at(
        min(finish_idx + ctx.rng.choice((0, 0, 1, 2, 3)), len(ctx.days) - 1), app.finished_at
    )
    if plan.rectify == "open":  # a bad rating from this week: the call-back is still to make
        rated_at = ctx.at(len(ctx.days) - 1, app.finished_at)
    # ============================ BACKDATING (rating) ==========================================
    Rating.objects.within(SYSTEM).filter(pk=rating.pk).update(rated_at=rated_at)
    rect = Rectification.objects.within(SYSTEM).filter(rating=rating).first()
    if rect is None:
        return 1, 0
    rated_day = timezone.localdate(rated_at)
    due = ctx.add_wd(rated_day, rule("RECTIFY_WORKING_DAYS"))
    Rectification.objects.within(SYSTEM).filter(pk=rect.pk).update(created_at=rated_at, due_on=due)
    rect.refresh_from_db()
    officer = ctx.handlers[_unit_key(app.handler_level, app.handler_code, app.handler_department)]
    moments: list[datetime] = []
    stage = plan.rectify
    if stage in ("unreached", "called_back", "rectified", "explained"):
        rated_idx = ctx.idx_of(rated_at)
        if stage == "unreached":
            rating_svc.callback_record(
                actor=officer.user,
                jurisdiction=officer.j,
                rectification=rect,
                reached=False,
                summary=CALLBACK_TEXTS["unreached"],
            )
            moments.append(ctx.at(rated_idx + 1, rated_at))
        else:
            if stage != "called_back" and ctx.rng.random() < 0.5:
                rating_svc.callback_record(
                    actor=officer.user,
                    jurisdiction=officer.j,
                    rectification=rect,
                    reached=False,
                    summary=CALLBACK_TEXTS["unreached"],
                )
                moments.append(ctx.at(rated_idx + 1, rated_at))
            rating_svc.callback_record(
                actor=officer.user,
                jurisdiction=officer.j,
                rectification=rect,
                reached=True,
                summary=CALLBACK_TEXTS["reached"],
                satisfied_after=stage != "called_back",
            )
            moments.append(
                ctx.at(rated_idx + len(moments) + 1, moments[-1] if moments else rated_at)
            )
        # ======================== BACKDATING (call-backs) ======================================
        for callback, moment in zip(rect.callbacks.order_by("id"), moments, strict=True):
            CallBack.objects.filter(pk=callback.pk).update(at=moment)
        if stage in ("rectified", "explained"):
            rating_svc.rectification_close(
                actor=officer.user,
                jurisdiction=officer.j,
                rectification=rect,
                outcome=stage,
                result=CLOSE_TEXTS[stage],
            )
            closed = ctx.at(ctx.idx_of(moments[-1]) + ctx.rng.randint(1, 6), moments[-1])
            Rectification.objects.within(SYSTEM).filter(pk=rect.pk).update(closed_at=closed)
    return 1, 1


# --- bookings ----------------------------------------------------------------------------------


def _bookings(ctx: Ctx, plans: list[Plan], windows: list[ServiceWindow]) -> int:
    """Bookings in the coming weeks: one township slot booked full, 预约 matters waiting for
    their visit, the villager's own, one cancelled and one moved."""
    rng = ctx.rng
    made = 0
    by_region = {w.region_code: w for w in windows}
    used: set[int] = set()

    def free_slots(window: ServiceWindow) -> list[Slot]:
        return [
            s
            for s in Slot.objects.filter(
                window=window, starts_at__gt=ctx.now + timedelta(hours=2)
            ).order_by("starts_at")
            if s.booked < s.capacity
        ]

    def book(
        actor: Actor,
        slot: Slot,
        person: Person,
        item: ServiceItem | None = None,
        application: Application | None = None,
    ) -> Booking | None:
        nonlocal made
        booking = appt_svc.booking_create(
            actor=actor.user,
            jurisdiction=actor.j,
            slot=slot,
            person=person,
            item=item,
            application=application,
            idempotency_key=f"{KEY_PREFIX}booking:{slot.pk}:{person.pk}",
        )
        used.add(person.pk)
        made += 1
        return booking

    def someone(village: str) -> Person:
        people = [
            p
            for p in ctx.persons[village]
            if p.pk not in used
            and p.household_id not in ctx.villagers
            and _age(p.birth_date, ctx.today) >= 18
        ]
        return rng.choice(people)

    # One township slot booked full, three working days ahead, by the two villages' clerks.
    township = by_region.get("220182102")
    if township is not None:
        slots = free_slots(township)
        full = slots[min(len(slots) - 1, 5 * 2)] if slots else None  # the 3rd day's first slot
        if full is not None:
            for i in range(full.capacity - full.booked):
                village = "220182102200" if i % 2 == 0 else "220182102201"
                if village in ctx.clerks and ctx.persons.get(village):
                    item = ctx.items.get("JL-RS-001")
                    book(ctx.clerks[village], full, someone(village), item)
    # 预约 matters still open: a visit to hand in the originals.
    waiting = [
        p
        for p in plans
        if p.mode == "appointment"
        and p.application is not None
        and p.application.status in (Status.SUBMITTED, Status.ACCEPTED, Status.RETURNED)
    ]
    for plan in waiting[:8]:
        app = plan.application
        assert app is not None
        where = [by_region.get(app.handler_code), by_region.get(plan.village)]
        window = next((w for w in where if w is not None), None)
        if window is None or plan.applicant.pk in used:
            continue
        slots = free_slots(window)
        if not slots:
            continue
        actor = _actor_for(ctx, plan, "applicant")
        book(actor, rng.choice(slots[: len(slots) // 2 or 1]), plan.applicant, app.item, app)
    # A few with an item only (to ask and apply there), in each village.
    for village in DESK_VILLAGES:
        window = by_region.get(village)
        if window is None or not ctx.persons.get(village):
            continue
        slots = free_slots(window)
        for _ in range(2):
            if slots:
                item = ctx.items.get(rng.choice(["JL-CW-001", "JL-WJ-005", "JL-CW-002"]))
                book(ctx.clerks[village], rng.choice(slots), someone(village), item)
    # The villager's own booking at the village hall.
    for village, _username in VILLAGER_ACCOUNTS.items():
        household = [p for p in ctx.persons.get(village, []) if p.household_id in ctx.villagers]
        window = by_region.get(village)
        if household and window is not None and household[0].pk not in used:
            slots = free_slots(window)
            if slots:
                book(
                    ctx.villagers[household[0].household_id],
                    slots[min(3, len(slots) - 1)],
                    household[0],
                    ctx.items.get("JL-WJ-005"),
                )
    # One cancelled, one moved to a later slot.
    village = "220182102200"
    window = by_region.get(village)
    if window is not None and village in ctx.clerks and ctx.persons.get(village):
        clerk = ctx.clerks[village]
        slots = free_slots(window)
        if len(slots) >= 6:
            b = book(clerk, slots[1], someone(village), ctx.items.get("JL-CW-001"))
            if b is not None:
                appt_svc.booking_cancel(
                    actor=clerk.user,
                    jurisdiction=clerk.j,
                    booking=b,
                    reason="村民已外出务工，改日再约。",
                )
            b = book(clerk, slots[2], someone(village), ctx.items.get("JL-CW-002"))
            if b is not None:
                appt_svc.booking_reschedule(
                    actor=clerk.user, jurisdiction=clerk.j, booking=b, slot=slots[5]
                )
    return made


# --- problem reports ---------------------------------------------------------------------------

REPORT_TARGETS = [
    ("open", 6),
    ("acknowledged", 6),
    ("in_progress", 8),
    ("resolved", 14),
    ("closed_no_action", 6),
]


def _reports(ctx: Ctx) -> int:
    """About forty 随手拍 reports in every state, with their public updates, backdated."""
    rng = ctx.rng
    categories = {c.code: c for c in ReportCategory.objects.filter(active=True).order_by("code")}
    if not categories:
        return 0
    groups: dict[str, list[Region]] = {}
    for g in Region.objects.filter(parent__code__in=list(DESK_VILLAGES)).order_by("code"):
        groups.setdefault(g.code[:12], []).append(g)
    n = len(ctx.days)
    made = 0
    for village, count in REPORTS_PER_VILLAGE.items():
        clerk = ctx.clerks.get(village)
        people = [p for p in ctx.persons.get(village, []) if _age(p.birth_date, ctx.today) >= 18]
        if clerk is None or not people or village not in ctx.regions:
            continue
        lat0, lon0, spots = PLACES[village]
        villager = next(
            (
                a
                for hh, a in ctx.villagers.items()
                if any(p.household_id == hh for p in ctx.persons[village])
            ),
            None,
        )
        for i in range(count):
            codes = [c for c in CATEGORY_WEIGHTS if c in categories]
            code = rng.choices(codes, [CATEGORY_WEIGHTS[c] for c in codes])[0]
            category = categories[code]
            route = report_svc.route_category(category, village)
            handler = ctx.handlers.get(_unit_key(route.level, route.code, route.department))
            if handler is None:
                continue
            target = rng.choices([t for t, _w in REPORT_TARGETS], [w for _t, w in REPORT_TARGETS])[
                0
            ]
            spot = rng.choice(spots)
            text = rng.choice(REPORT_TEXTS.get(code, REPORT_TEXTS["other"])).format(place=spot)
            as_villager = villager is not None and i % 4 == 0
            if as_villager and village == "222406101200" and code == "streetlight":
                text = KOREAN_TEXT.format(place=spot)
            region = rng.choice(groups.get(village) or [ctx.regions[village]])
            located = rng.random() < 0.7
            lat = lat0 + Decimal(rng.randint(-90, 90)) / 10000 if located else None
            lon = lon0 + Decimal(rng.randint(-90, 90)) / 10000 if located else None
            photo = (
                _photo(rng.choice([(120, 110, 90), (90, 120, 80), (110, 110, 120)]))
                if rng.random() < 0.4
                else None
            )
            address = f"{ctx.regions[village].name.removesuffix('委会')}{spot}"
            if as_villager:
                assert villager is not None
                report = report_svc.report_create(
                    actor=villager.user,
                    jurisdiction=villager.j,
                    region=region,
                    category=category,
                    description=text,
                    address=address,
                    lat=lat,
                    lon=lon,
                    photo=photo,
                )
            else:
                person = rng.choice(people)
                report = report_svc.report_create(
                    actor=clerk.user,
                    jurisdiction=clerk.j,
                    region=region,
                    category=category,
                    description=text,
                    address=address,
                    lat=lat,
                    lon=lon,
                    photo=photo,
                    reporter_name=person.name,
                    reporter_phone=person.phone or "",
                )
            made += 1
            # The handling steps, through the services.
            steps: list[tuple[str, str]] = []
            if target in ("acknowledged", "in_progress", "resolved") or rng.random() < 0.5:
                if target != "open":
                    steps.append(("acknowledge", ""))
            if target in ("in_progress", "resolved") and rng.random() < 0.8:
                steps.append(("progress", rng.choice(PROGRESS_TEXTS)))
            if target == "resolved":
                steps.append(("resolve", RESOLVED_TEXTS.get(code, "已处理。")))
            if target == "closed_no_action":
                steps.append(("close_no_action", rng.choice(NO_ACTION_TEXTS)))
            for step, step_text in steps:
                report = report_svc.report_step(
                    actor=handler.user,
                    jurisdiction=handler.j,
                    report=report,
                    step=step,
                    text=step_text,
                )
            # ======================== BACKDATING (report) ======================================
            span = 2 * len(steps) + 2
            if target in ("open", "acknowledged", "in_progress"):
                start = n - 1 - rng.randint(0, 6 if target == "open" else 12)
            else:
                start = rng.randint(0, max(0, n - 1 - span))
            created = ctx.at(start)
            moments, previous, idx = [], created, start
            for _step in steps:
                idx += rng.choice((0, 1, 1, 2, 3))
                previous = ctx.at(min(idx, n - 1), previous)
                moments.append(previous)
            updates = list(ReportUpdate.objects.filter(report=report).order_by("id"))
            for update, moment in zip(updates, moments, strict=True):
                update.at = moment
            ReportUpdate.objects.bulk_update(updates, ["at"])
            last = moments[-1] if moments else created
            ProblemReport.objects.within(SYSTEM).filter(pk=report.pk).update(
                created_at=created,
                updated_at=last,
                closed_at=last if report.closed_at else None,
            )
    return made


# --- escalation --------------------------------------------------------------------------------


def _replay_escalation(ctx: Ctx) -> int:
    """Run the real escalation job for each past working day since the first matter fell
    overdue, so the overdue matters carry the escalations they would have had; each escalation
    event is then moved to the morning of its day (BACKDATING)."""
    from cunshe.servicedesk.jobs.escalation import escalate_overdue

    first = (
        Application.objects.within(SYSTEM)
        .filter(idempotency_key__startswith=KEY_PREFIX, status__in=CLOCK, due_on__lt=ctx.today)
        .order_by("due_on")
        .values_list("due_on", flat=True)
        .first()
    )
    if first is None:
        return 0
    total = 0
    log = logging.getLogger("cunshe.servicedesk.jobs.escalation")
    level = log.level
    log.setLevel(logging.WARNING)  # a line per replayed day would only be noise here
    # The job runs every hour of every day (weekends too): replay each day once.
    for day in (first + timedelta(days=i) for i in range(1, (ctx.today - first).days + 1)):
        since = ApplicationEvent.objects.aggregate(m=Max("id"))["m"] or 0
        done = escalate_overdue(today=day)
        if done:
            total += done
            moment = min(_aware(day, 8 * 60 + 5), ctx.now - timedelta(minutes=1))
            ApplicationEvent.objects.filter(id__gt=since, kind="escalate").update(at=moment)
    log.setLevel(level)
    return total


# --- entry point -------------------------------------------------------------------------------


def seed_servicedesk(*, seed: int = 1, today: date | None = None) -> dict[str, int]:
    """The service-desk demo (the caller holds a system scope, as demo_seed does). Returns what
    was added; a second run adds nothing."""
    summary = load_catalogue()
    counts = {
        "desk_catalogue": len(summary.items_created) + len(summary.categories_created),
        "desk_windows": 0,
        "desk_slots": 0,
        "desk_bookings": 0,
        "desk_applications": 0,
        "desk_ratings": 0,
        "desk_rectifications": 0,
        "desk_escalations": 0,
        "desk_reports": 0,
    }
    today = today or timezone.localdate()
    ctx = _context(seed, today)
    if not ctx.clerks or not any(ctx.persons.values()) or len(ctx.days) < 30:
        return counts
    windows, counts["desk_windows"], counts["desk_slots"] = _windows(ctx)
    seeded = (
        Application.objects.within(SYSTEM).filter(idempotency_key__startswith=KEY_PREFIX).exists()
    )
    if seeded:
        return counts
    plans = _plans(ctx, seed)
    for plan in plans:
        _play(ctx, plan)
    counts["desk_applications"] = len(plans)
    for plan in plans:
        if plan.rating is not None:
            made, rectifications = _rate(ctx, plan)
            counts["desk_ratings"] += made
            counts["desk_rectifications"] += rectifications
    counts["desk_escalations"] = _replay_escalation(ctx)
    counts["desk_bookings"] = _bookings(ctx, plans, windows)
    counts["desk_reports"] = _reports(ctx)
    return counts
