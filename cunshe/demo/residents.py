"""The demo population: a realistic rural register for the demo villages (or the whole province).

Deterministic: each village's people are drawn from `Random(f"{seed}:{village code}")`, so a
village comes out the same whatever else is generated. Idempotent: a village that already has
households is left alone. Rows are written in bulk but are exactly what the services would
write: each person gets one REGISTERED event and a state that is `events.project` of it (so
`manage.py residents_verify` passes), ID and phone numbers are encrypted with their blind
indexes, pinyin is filled in as `Person.save()` would.

The shape follows what is known of Jilin's villages: an ageing population (most residents
50-75, few children), about a third of working-age adults away for work, 2.3 persons per
household with many elderly couples living alone and some three-generation households (where
both parents are away, the children are left behind with grandparents), a few non-hukou
households, low rates of 低保 (~5%) and 防返贫监测 (~3%), Korean villages in Yanbian.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db import transaction

from cunshe.accounts.models import User
from cunshe.regions.models import Kind, Level, Region
from cunshe.residents import bulk, idcard
from cunshe.residents.codes import EventKind, ResidenceStatus
from cunshe.residents.events import EventFacts, project
from cunshe.residents.models import Household, Person, ResidenceEvent

# The villages of the demo cast, and the township whose other villages are filled too.
DEMO_VILLAGES = ("220182102200", "220182102201", "222406101200", "220322103200")
DEMO_TOWNSHIP = "220182102"
# Demo villager accounts and the person each becomes (household 0001 of the village: the wife).
VILLAGER_LINKS = {
    "cunmin": ("220182102200", "王秀兰", "01"),
    "cunmin_hl": ("222406101200", "金英姬", "10"),
}
KOREAN_VILLAGES = {"222406101200"}  # 东新村: almost all Korean (朝鲜族)
REGISTER_OPENED = date(2016, 3, 1)  # when the register was first filled in (吉办发〔2016〕3号)

# --- names ---------------------------------------------------------------------------------

HAN_SURNAMES = (
    "王" * 12 + "李" * 11 + "张" * 11 + "刘" * 9 + "赵" * 6 + "孙" * 5 + "杨" * 5 + "陈" * 4
    + "于" * 4 + "高" * 4 + "徐" * 3 + "马" * 3 + "郭" * 3 + "周" * 3 + "吴" * 2 + "朱" * 2
    + "曲" * 2 + "董" * 2 + "姜" * 2 + "宋" * 2 + "林" * 2 + "韩" * 2 + "闵" * 2 + "何" * 2
    + "单郝白崔邢田付于邓梁石谷鲁丁范袁蒋胡黄罗唐许"
)  # fmt: skip
KOREAN_SURNAMES = (
    "金" * 10
    + "李" * 6
    + "朴" * 6
    + "崔" * 4
    + "郑" * 3
    + "姜" * 2
    + "赵尹张林韩吴申徐权黄安宋柳洪全高文孙梁"
)
HAN_GIVEN = {
    ("M", 0): ["国庆", "建国", "振华", "德福", "长顺", "树林", "凤山", "玉成", "宝山", "永才",
               "志刚", "春生", "占山", "广发", "洪军", "庆祥", "文学", "殿臣", "万福", "贵"],
    ("F", 0): ["秀兰", "桂芝", "淑珍", "玉兰", "凤英", "秀珍", "桂兰", "淑芬", "秀英", "玉珍",
               "素华", "春华", "淑华", "凤芝", "桂荣", "丽华", "秀云", "玉芬", "兰", "霞"],
    ("M", 1): ["海峰", "立新", "伟", "军", "刚", "磊", "勇", "海涛", "春雷", "宏伟", "东升",
               "晓东", "志强", "永辉", "明", "鹏", "超", "金龙", "铁柱", "大勇"],
    ("F", 1): ["丽娟", "晓燕", "春梅", "红", "艳", "丽", "静", "海燕", "秀梅", "雪梅", "冬梅",
               "晓红", "玉梅", "桂香", "丽丽", "娜", "微", "敏", "慧", "莉"],
    ("M", 2): ["浩然", "子轩", "宇航", "梓涵", "一鸣", "博文", "天佑", "嘉豪", "俊杰", "晨阳",
               "思远", "雨泽", "铭", "轩", "睿", "涛", "航", "杰", "昊", "浩"],
    ("F", 2): ["欣怡", "梓萱", "雨桐", "可馨", "思琪", "诗涵", "佳怡", "雨涵", "紫涵", "一诺",
               "梦瑶", "晨曦", "悦", "萱", "彤", "婷", "妍", "琪", "瑶", "蕊"],
}  # fmt: skip
KOREAN_GIVEN = {
    "M": ["明哲", "成浩", "永哲", "光日", "东哲", "英男", "哲洙", "龙洙", "正浩", "春植", "昌浩",
          "成日", "俊浩", "泰勋", "相哲"],
    "F": ["英姬", "顺子", "春花", "玉姬", "顺姬", "英淑", "贞淑", "美兰", "花子", "顺玉", "恩惠",
          "秀妍", "智恩", "美善", "银姬"],
}  # fmt: skip

# --- places and rates ----------------------------------------------------------------------

DESTINATIONS_YANBIAN = (
    ["韩国"] * 5 + ["延吉"] * 3 + ["长春", "北京", "大连", "青岛", "日本", "上海"]
)
DESTINATIONS = (["长春"] * 5 + ["北京"] * 3 + ["大连"] * 2 + ["沈阳", "天津", "哈尔滨", "上海",
                "深圳", "吉林市", "青岛", "苏州", "县城"] * 1)  # fmt: skip
ILLNESSES = ["高血压", "糖尿病", "冠心病", "脑梗后遗症", "慢阻肺", "类风湿关节炎"]
# household kind: (weight, members); the mean size comes out at 2.3.
HOUSEHOLD_KINDS = [
    ("elderly_couple", 28), ("single_elderly", 15), ("single_adult", 7), ("middle_couple", 17),
    ("couple_adult_child", 12), ("young_family", 8), ("three_generation", 8),
    ("couple_with_parent", 5),
]  # fmt: skip
FLAG_RATES = {
    "is_dibao": 0.05, "is_monitored": 0.03, "is_tuopin": 0.04, "is_tekun": 0.01,
    "is_wubao": 0.005, "is_military_family": 0.015,
}  # fmt: skip
NON_HUKOU_HOUSEHOLDS = 0.04


def _ethnicity_mix(village_code: str) -> list[tuple[str, float]]:
    """(GB 3304 code, share) for a village, from its county's make-up."""
    county = village_code[:6]
    if village_code in KOREAN_VILLAGES:
        return [("10", 0.88), ("01", 0.12)]
    if county.startswith("2224"):
        return [("10", 0.35), ("01", 0.58), ("11", 0.07)]
    if county == "220623":  # 长白朝鲜族自治县
        return [("10", 0.15), ("01", 0.80), ("11", 0.05)]
    if county == "220323":  # 伊通满族自治县
        return [("11", 0.35), ("01", 0.63), ("03", 0.02)]
    if county == "220721":  # 前郭尔罗斯蒙古族自治县
        return [("02", 0.15), ("01", 0.80), ("11", 0.05)]
    return [("01", 0.93), ("11", 0.05), ("03", 0.01), ("10", 0.01)]


@dataclass
class PersonPlan:
    relationship: str
    name: str
    sex: str
    birth_date: date
    ethnicity: str
    id_number: str = ""
    id_region: str = ""
    phone: str = ""
    education: str = ""
    marital_status: str = ""
    political_status: str = "13"
    disability: str = ""
    illness: str = ""
    lacks_guardianship_capacity: bool = False
    is_veteran: bool = False
    status: str = ""  # REGISTERED status: "" (here), or away for work
    since: date = REGISTER_OPENED
    destination: str = ""
    hukou_here: bool = True
    hukou_region_code: str = ""
    account_username: str = ""


@dataclass
class HouseholdPlan:
    region: Region
    number: str
    address: str
    hukou_here: bool
    flags: dict[str, bool]
    members: list[PersonPlan] = field(default_factory=list)


class IdAllocator:
    """Unique ID numbers for the whole run: each (region, birth date, sex) has 500 sequence
    numbers; a taken one is skipped. Seeded with the IDs already in the register."""

    def __init__(self, taken: Iterable[str] = ()) -> None:
        self.used: set[int] = {int(v[:17]) for v in taken if v}

    def make(self, rng: random.Random, region6: str, born: date, sex: str) -> tuple[str, date]:
        while True:
            start = rng.randrange(500)
            for k in range(500):
                seq = (start + k) % 500
                value = idcard.make(region6, born, seq, sex)
                key = int(value[:17])
                if key not in self.used:
                    self.used.add(key)
                    return value, born
            born += timedelta(days=1)  # that day is full: the next one


def _age_on(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class VillageGenerator:
    def __init__(
        self,
        seed: int,
        village: Region,
        groups: list[Region],
        counties: list[str],
        ids: IdAllocator,
        today: date,
    ) -> None:
        self.rng = random.Random(f"{seed}:{village.code}")  # noqa: S311 - demo data
        self.village = village
        self.groups = groups
        self.counties = counties
        self.ids = ids
        self.today = today
        self.county = village.code[:6]
        self.mix = _ethnicity_mix(village.code)
        self.korean_area = village.code in KOREAN_VILLAGES or self.county.startswith("2224")

    # -- drawing helpers --
    def born(self, age_lo: int, age_hi: int) -> date:
        age = self.rng.randint(age_lo, age_hi)
        return self.today - timedelta(days=age * 365 + self.rng.randrange(365) + 1)

    def ethnicity(self) -> str:
        r = self.rng.random()
        for code, share in self.mix:
            r -= share
            if r < 0:
                return code
        return self.mix[0][0]

    def name(self, surname: str, sex: str, born: date, korean: bool) -> str:
        if korean:
            return surname + self.rng.choice(KOREAN_GIVEN[sex])
        generation = 0 if born.year < 1965 else 1 if born.year < 2000 else 2
        return surname + self.rng.choice(HAN_GIVEN[(sex, generation)])

    def surname(self, korean: bool) -> str:
        return self.rng.choice(KOREAN_SURNAMES if korean else HAN_SURNAMES)

    def other_county(self) -> str:
        same_city = [c for c in self.counties if c[:4] == self.county[:4] and c != self.county]
        if same_city and self.rng.random() < 0.6:
            return self.rng.choice(same_city)
        return self.rng.choice(self.counties)

    # -- people --
    def person(
        self, rel: str, sex: str, born: date, surname: str, korean: bool, ethnicity: str
    ) -> PersonPlan:
        return PersonPlan(
            relationship=rel,
            name=self.name(surname, sex, born, korean),
            sex=sex,
            birth_date=born,
            ethnicity=ethnicity,
        )

    def household(self, index: int) -> HouseholdPlan:
        rng = self.rng
        ethnicity = self.ethnicity()
        korean = ethnicity == "10"
        surname = self.surname(korean)
        non_hukou = rng.random() < NON_HUKOU_HOUSEHOLDS
        kind = rng.choices(
            [k for k, _w in HOUSEHOLD_KINDS], weights=[w for _k, w in HOUSEHOLD_KINDS]
        )[0]
        if index == 1 and self.village.code in {v[0] for v in VILLAGER_LINKS.values()}:
            kind = "couple_adult_child"  # the demo villager's own household
        members: list[PersonPlan] = []

        def spouse_of(head: PersonPlan, age_gap: tuple[int, int] = (-2, 5)) -> PersonPlan:
            age = _age_on(head.birth_date, self.today) - rng.randint(*age_gap)
            born = self.born(max(age, 18), max(age, 18))
            sex = "F" if head.sex == "M" else "M"
            # Most spouses marry in: another surname, sometimes another county.
            return self.person("10", sex, born, self.surname(korean), korean, ethnicity)

        def child(parent: PersonPlan, rel_son: str, rel_daughter: str, age: tuple[int, int]):  # type: ignore[no-untyped-def]
            sex = rng.choice("MF")
            born = self.born(*age)
            return self.person(
                rel_son if sex == "M" else rel_daughter, sex, born, surname, korean, ethnicity
            )

        if kind == "elderly_couple":
            head = self.person("02", "M", self.born(60, 82), surname, korean, ethnicity)
            members = [head, spouse_of(head)]
        elif kind == "single_elderly":
            sex = "F" if rng.random() < 0.65 else "M"
            members = [self.person("02", sex, self.born(65, 92), surname, korean, ethnicity)]
        elif kind == "single_adult":
            members = [self.person("02", "M", self.born(30, 59), surname, korean, ethnicity)]
        elif kind == "middle_couple":
            head = self.person("02", "M", self.born(45, 64), surname, korean, ethnicity)
            members = [head, spouse_of(head)]
        elif kind == "couple_adult_child":
            head = self.person("02", "M", self.born(48, 68), surname, korean, ethnicity)
            members = [head, spouse_of(head), child(head, "20", "30", (18, 35))]
        elif kind == "young_family":
            head = self.person("02", "M", self.born(26, 42), surname, korean, ethnicity)
            members = [head, spouse_of(head, (-1, 4))]
            members += [child(head, "20", "30", (0, 15)) for _ in range(rng.choice((1, 1, 2)))]
        elif kind == "three_generation":
            head = self.person("02", "M", self.born(58, 78), surname, korean, ethnicity)
            members = [head] + ([spouse_of(head)] if rng.random() < 0.8 else [])
            son = self.person("20", "M", self.born(28, 42), surname, korean, ethnicity)
            daughter_in_law = spouse_of(son, (-1, 4))
            daughter_in_law.relationship = "38"
            members += [son, daughter_in_law]
            for _ in range(rng.choice((1, 1, 2))):
                sex = rng.choice("MF")
                members.append(
                    self.person(
                        "41" if sex == "M" else "42", sex, self.born(1, 14), surname, korean,
                        ethnicity,
                    )
                )  # fmt: skip
            if rng.random() < 0.4:  # both parents away: the children are left behind
                dest = self.destination()
                since = self.since_away()
                for parent in (son, daughter_in_law):
                    parent.status, parent.destination, parent.since = (
                        ResidenceStatus.AWAY_FOR_WORK, dest, since
                    )  # fmt: skip
        else:  # couple_with_parent
            head = self.person("02", "M", self.born(42, 60), surname, korean, ethnicity)
            parent_sex = "F" if rng.random() < 0.7 else "M"
            members = [head, spouse_of(head)]
            members.append(
                self.person(
                    "52" if parent_sex == "F" else "51", parent_sex, self.born(78, 95), surname,
                    korean, ethnicity,
                )
            )  # fmt: skip

        for m in members:
            self.details(m, non_hukou)
        if len(members) == 1:
            alone = members[0]
            old = _age_on(alone.birth_date, self.today) >= 65
            alone.marital_status = "30" if old else rng.choice(("10", "40"))
        if index == 1:
            for username, (code, name, eth) in VILLAGER_LINKS.items():
                if code == self.village.code:
                    wife = members[1]
                    wife.name, wife.sex, wife.ethnicity = name, "F", eth
                    wife.account_username = username
                    wife.status, wife.destination = "", ""
        for m in members:
            m.id_number, m.birth_date = self.ids.make(rng, m.id_region, m.birth_date, m.sex)
            if m.since < m.birth_date:
                m.since = m.birth_date
        flags = {k: rng.random() < rate for k, rate in FLAG_RATES.items()}
        if kind != "single_elderly":
            flags["is_tekun"] = flags["is_wubao"] = False
        group = rng.choice(self.groups) if self.groups else None
        return HouseholdPlan(
            region=group or self.village,
            number=f"{index:04d}",
            address=f"{(group or self.village).name.removesuffix('委会')}{index}号",
            hukou_here=not non_hukou,
            flags=flags,
            members=members,
        )

    def destination(self) -> str:
        return self.rng.choice(DESTINATIONS_YANBIAN if self.korean_area else DESTINATIONS)

    def since_away(self) -> date:
        start = date(2010, 1, 1)
        span = (self.today - timedelta(days=30) - start).days
        return start + timedelta(days=self.rng.randrange(span))

    def details(self, m: PersonPlan, non_hukou: bool) -> None:
        rng = self.rng
        age = _age_on(m.birth_date, self.today)
        # Where the ID number was issued: mostly here; spouses and outsiders often elsewhere.
        if non_hukou:
            m.id_region = self.other_county()
            m.hukou_here = False
            m.hukou_region_code = m.id_region
            m.since = self.since_away()
        elif m.relationship in ("10", "38") and rng.random() < 0.2:
            m.id_region = self.other_county()
        else:
            m.id_region = self.county
        if m.relationship not in ("10", "38", "02") and m.hukou_here:
            m.since = max(REGISTER_OPENED, m.birth_date)
        elif m.hukou_here:
            m.since = REGISTER_OPENED + timedelta(days=rng.randrange(300))
        if 18 <= age <= 59 and not m.status and not non_hukou:
            share = 0.45 if age <= 45 else 0.2
            if rng.random() < share:
                m.status = ResidenceStatus.AWAY_FOR_WORK
                m.destination = self.destination()
                m.since = self.since_away()
        if 18 <= age <= 80 and rng.random() < (0.9 if age < 70 else 0.5):
            m.phone = f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
        m.marital_status = "10" if m.relationship in ("20", "30", "41", "42") else "20"
        if m.relationship in ("51", "52"):
            m.marital_status = "30"
        if age >= 7:
            born_year = m.birth_date.year
            m.education = (
                rng.choice(["80", "70", "90"]) if born_year < 1960
                else rng.choice(["70", "70", "80", "60"]) if born_year < 1985
                else rng.choice(["70", "60", "40", "30", "20"]) if age >= 18
                else "80" if age < 13 else "70"
            )  # fmt: skip
        if age >= 18 and rng.random() < 0.06:
            m.political_status = "01"
        elif 14 <= age <= 28 and rng.random() < 0.3:
            m.political_status = "03"
        if rng.random() < (0.05 if age >= 60 else 0.015):
            category = rng.choice("1244456")
            grade = rng.choice("1234")
            m.disability = f"{category}:{grade}"
            m.lacks_guardianship_capacity = category in "56" and grade in "12"
        if age >= 60 and rng.random() < 0.15:
            m.illness = rng.choice(ILLNESSES)
        m.is_veteran = m.sex == "M" and 40 <= age <= 75 and rng.random() < 0.03

    def plan(self, households: int) -> list[HouseholdPlan]:
        return [self.household(i) for i in range(1, households + 1)]


def households_for(rng: random.Random) -> int:
    """A rural village's size: ≈ 365 households on average in Jilin (3.4 M / 9,300)."""
    return max(60, min(1200, int(rng.gauss(365, 130))))


# --- writing -------------------------------------------------------------------------------


def _write(plans: list[HouseholdPlan], users: dict[str, int], batch: int) -> tuple[int, int]:
    """Household, Person and ResidenceEvent rows exactly as the services would save them
    (`bulk.insert` fills in the derived, encrypted and timestamp columns)."""
    households = persons = 0
    for start in range(0, len(plans), batch):
        chunk = plans[start : start + batch]
        hh_ids = bulk.insert(
            Household,
            [
                {
                    "region_id": h.region.pk,
                    "region_code": h.region.code,
                    "number": h.number,
                    "address": h.address,
                    "hukou_here": h.hukou_here,
                    **h.flags,
                }
                for h in chunk
            ],
        )
        person_rows, event_rows = [], []
        for hh_id, h in zip(hh_ids, chunk, strict=True):
            for m in h.members:
                facts = EventFacts(
                    id=0,
                    kind=EventKind.REGISTERED,
                    occurred_on=m.since,
                    destination=m.destination,
                    destination_code=m.hukou_region_code,
                    status=m.status,
                    hukou_here=m.hukou_here,
                )
                person_rows.append(
                    {
                        "household_id": hh_id,
                        "region_id": h.region.pk,
                        "region_code": h.region.code,
                        "relationship": m.relationship,
                        "name": m.name,
                        "id_number": m.id_number,
                        "sex": m.sex,
                        "birth_date": m.birth_date,
                        "ethnicity": m.ethnicity,
                        "phone": m.phone,
                        "education": m.education,
                        "marital_status": m.marital_status,
                        "political_status": m.political_status,
                        "disability": m.disability,
                        "illness": m.illness,
                        "lacks_guardianship_capacity": m.lacks_guardianship_capacity,
                        "is_veteran": m.is_veteran,
                        "account_id": users.get(m.account_username),
                        **project([facts]).__dict__,
                    }
                )
                event_rows.append(
                    {
                        "region_id": h.region.pk,
                        "region_code": h.region.code,
                        "kind": EventKind.REGISTERED,
                        "occurred_on": m.since,
                        "status": m.status,
                        "destination": m.destination,
                        "destination_code": m.hukou_region_code,
                        "hukou_here": m.hukou_here,
                        "recorded_by_id": None,
                    }
                )
        person_ids = bulk.insert(Person, person_rows)
        for pk, event in zip(person_ids, event_rows, strict=True):
            event["person_id"] = pk
        bulk.insert(ResidenceEvent, event_rows, returning_ids=False)
        households += len(hh_ids)
        persons += len(person_ids)
    return households, persons


# --- entry points --------------------------------------------------------------------------


def demo_villages(scale: str = "demo", limit: int | None = None) -> list[Region]:
    """The villages to populate, in code order (the order fixes the ID numbers)."""
    live = Region.objects.filter(level=Level.VILLAGE, kind=Kind.RURAL_VILLAGE, valid_to=None)
    if scale == "province":
        qs = live.filter(code__startswith="22")
    else:
        qs = live.filter(code__in=DEMO_VILLAGES) | live.filter(code__startswith=DEMO_TOWNSHIP)
    villages = list(qs.order_by("code"))
    return villages[:limit] if limit else villages


def _link_villagers() -> int:
    """Point the demo villager accounts at their persons (idempotent)."""
    linked = 0
    for username, (code, _name, _eth) in VILLAGER_LINKS.items():
        user = User.objects.filter(username=username).first()
        if user is None or Person._base_manager.filter(account=user).exists():
            continue
        person = (
            Person._base_manager.filter(
                household__village_code=code, household__number="0001", relationship="10"
            )
            .order_by("pk")
            .first()
        )
        if person is not None:
            Person._base_manager.filter(pk=person.pk).update(account=user)
            linked += 1
    return linked


def generate_population(
    *,
    seed: int = 1,
    scale: str = "demo",
    limit: int | None = None,
    batch: int = 2000,
    villages_per_commit: int = 50,
    progress: Callable[[str], None] | None = None,
    today: date | None = None,
) -> dict[str, int]:
    """Fill the chosen villages (the caller holds a system scope). Returns what was added."""
    today = today or date(2026, 5, 1)  # fixed, so a later run draws the same people
    villages = demo_villages(scale, limit)
    populated = set(
        Household._base_manager.filter(village_code__in=[v.code for v in villages])
        .values_list("village_code", flat=True)
        .distinct()
    )
    # ID numbers already in the register (the skipped villages', the demo's, anyone's) stay
    # taken. Decrypting them costs ~10 µs each: only a re-run on a full province notices.
    ids = IdAllocator(Person._base_manager.values_list("id_number", flat=True).iterator(5000))
    counties = sorted(
        Region.objects.filter(level=Level.COUNTY, code__startswith="22")
        .values_list("code", flat=True)
    ) or sorted({v.code[:6] for v in villages})  # fmt: skip
    groups: dict[str, list[Region]] = {}
    for g in Region.objects.filter(
        level=Level.GROUP, parent__in=[v for v in villages if v.code not in populated]
    ).order_by("code"):
        groups.setdefault(g.code[:12], []).append(g)
    users = dict(
        User.objects.filter(username__in=list(VILLAGER_LINKS)).values_list("username", "pk")
    )
    users = {u: pk for u, pk in users.items() if not Person._base_manager.filter(account_id=pk)}
    added = {"households": 0, "persons": 0}
    started = time.perf_counter()
    todo = [v for v in villages if v.code not in populated]
    for start in range(0, len(todo), villages_per_commit):
        chunk = todo[start : start + villages_per_commit]
        plans: list[HouseholdPlan] = []
        for village in chunk:
            gen = VillageGenerator(
                seed, village, groups.get(village.code, []), counties, ids, today
            )
            plans += gen.plan(households_for(gen.rng))
        with transaction.atomic():
            h, p = _write(plans, users, batch)
        added["households"] += h
        added["persons"] += p
        if progress:
            rate = added["persons"] / max(time.perf_counter() - started, 1e-9)
            progress(
                f"{start + len(chunk)}/{len(todo)} villages, {added['persons']} persons "
                f"({rate:,.0f}/s)"
            )
    _link_villagers()
    return added
