"""The care demo (三留守): the identification run over the demo population, the clerks'
decisions, carers, contacts, guardians, half a year of visits, a few needs, call terminals with
their recent events, a history of handled alerts and two alerts open at the time of seeding.

Deterministic from `seed` (bar the terminals' secrets, which the terminal service draws) and
idempotent: when the demo villages already have care profiles nothing is added.

Where a row-by-row service call would be too slow for a few thousand rows (confirmations, risk
criteria, carers, contacts, visits) the rows are written in bulk, but they are what the services
write: the profile's fields and `version`, a `ProfileEvent` of the service's kind, one audit event
per action (`audit_many`), `next_visit_due` computed by `services.visits.next_due`. The rest goes
through the services themselves: identification, dismissals, guardians with a signed agreement
file, visits with photos, needs (one referred to the service desk), terminal registration, the
ingestion of terminal messages, raising, climbing, acknowledging and closing alerts.

Only the villages with a demo clerk are identified (闵家村, 古城村, 东新村); the other villages of
闵家镇 can be identified with `manage.py care_identify --village CODE`. Nothing is written in the
outsider's village.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.care import risk
from cunshe.care.models import (
    CareKind,
    CareProfile,
    CarerAssignment,
    Contact,
    KinLink,
    ProfileEvent,
    Terminal,
    TerminalEvent,
    Visit,
)
from cunshe.care.rules import rule
from cunshe.care.services import alerts as alert_services
from cunshe.care.services import identification, needs, profiles, terminals
from cunshe.care.services import visits as visit_services
from cunshe.care.services.identification import set_columns
from cunshe.care.signing import sign
from cunshe.core.audit import Event, audit_many
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.codes import ResidenceStatus
from cunshe.residents.models import Person

Status = CareProfile.Status
EvKind = ProfileEvent.Kind

# village code → (its clerk, its leader or None, the named carers: (type, name, phone)).
CARE_VILLAGES: dict[str, tuple[str, str | None, tuple[tuple[str, str, str], ...]]] = {
    "220182102200": (
        "daiban",
        "liangwei",
        (
            ("grid", "刘淑华", "13704310021"),
            ("grid", "孙宝林", "13704310022"),
            ("grid", "高凤琴", "13704310023"),
            ("children_director", "赵雅琴", "13704310031"),
            ("volunteer", "于晓光", "13704310041"),
        ),
    ),
    "220182102201": (
        "daiban_b",
        None,
        (("grid", "陈玉梅", "13704310051"), ("children_director", "王丽萍", "13704310052")),
    ),
    "222406101200": (
        "daiban_hl",
        None,
        (
            ("grid", "金顺子", "13904330011"),
            ("children_director", "朴美兰", "13904330012"),
            ("volunteer", "崔成日", "13904330013"),
        ),
    ),
}
# Terminals for elderly people in these villages (how many each).
TERMINAL_VILLAGES = {"220182102200": 15, "222406101200": 10}
OUTSIDER_VILLAGE = "220322103200"
HISTORY_DAYS = 183
SCHOOLS = {
    "220182102200": ("闵家镇中心小学", "闵家镇中学"),
    "220182102201": ("闵家镇中心小学", "闵家镇中学"),
    "222406101200": ("福洞镇朝鲜族小学", "和龙市朝鲜族中学"),
}
FINDINGS = {
    CareKind.CHILD: [
        "孩子在家写作业，祖父母照看，生活正常。",
        "与孩子谈心，学习成绩稳定，近期情绪较好。",
        "视频连线在外务工的父母，孩子很高兴。",
        "检查了家中用电和取暖安全，提醒监护人注意。",
        "孩子反映数学跟不上，已联系学校老师。",
    ],
    CareKind.WOMAN: [
        "家中农活较重，身体尚可，丈夫每周电话联系。",
        "了解家庭收入情况，介绍了村里的手工合作社。",
        "独自照顾老人和孩子，压力较大，已做疏导。",
        "身体状况良好，生活有保障。",
    ],
    CareKind.ELDERLY: [
        "老人身体状况稳定，按时服药，家中取暖正常。",
        "帮助老人清扫院子，检查了炉具和烟道。",
        "老人反映腿脚不便，已联系村医上门。",
        "电话问候，老人说子女上周来过电话。",
        "测量血压正常，冬季储煤已备足。",
        "老人独自在家，精神尚好，叮嘱按时签到。",
    ],
}
NEEDS_FOUND = ["代购药品", "冬季取暖煤", "学习辅导", "陪同就医", "申请低保", "心理疏导"]
MODEL_NAMES = ("康养通 K1 一键呼叫器", "银龄守护手环 B2")
WINDOWS = ((time(6, 0), time(10, 0)), (time(7, 0), time(9, 30)), (time(6, 30), time(11, 0)))
SOS_ACK_SECONDS = (48, 95, 130, 210, 260, 420, 610)  # what the history's SOS took to answer
CLOSE_NOTES = (
    "老人起夜摔倒，家属与网格员10分钟内到场，无大碍。",
    "误按呼叫键，电话确认平安。",
    "老人胸闷，村医上门后送镇卫生院，已好转回家。",
    "老人找不到药，网格员上门帮助，已安抚。",
    "设备误报，已检查设备佩戴。",
)


@dataclass
class Actors:
    clerk: User
    clerk_j: Jurisdiction
    leader: User | None
    named: tuple[tuple[str, str, str], ...]


@dataclass
class Plan:
    """What the seed decided for one confirmed profile."""

    profile: CareProfile
    confirmed_at: datetime
    criteria: list[str] = field(default_factory=list)
    carers: list[CarerAssignment] = field(default_factory=list)
    visits: list[Visit] = field(default_factory=list)


def _aware(day: date, minutes: int) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(minutes // 60, minutes % 60)))


def _office(rng: random.Random, day: date, now: datetime) -> datetime:
    moment = _aware(day, rng.randrange(8 * 60 + 30, 17 * 60))
    return min(moment, now - timedelta(minutes=rng.randrange(10, 60)))


def _phone(rng: random.Random) -> str:
    return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"


def _add_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return date(day.year + years, 3, 1)


def _add_months(day: date, months: int) -> date:
    total = day.month - 1 + months
    year, month = day.year + total // 12, total % 12 + 1
    try:
        return day.replace(year=year, month=month)
    except ValueError:
        return date(year + (month == 12), month % 12 + 1, 1)


def _match_start(profile: CareProfile, person: Person) -> date:
    """The first day on which today's match already held (so the history starts no earlier)."""
    months = {
        CareKind.WOMAN: rule("WOMAN_SPOUSE_AWAY_MONTHS"),
        CareKind.ELDERLY: rule("ELDERLY_CHILDREN_AWAY_MONTHS"),
    }.get(profile.kind, 0)
    start = person.birth_date
    if profile.kind == CareKind.ELDERLY:
        start = _add_years(person.birth_date, rule("ELDERLY_MIN_AGE"))
    if profile.kind == CareKind.WOMAN:
        start = _add_years(person.birth_date, rule("WOMAN_MIN_AGE"))
    for fact in profile.reason or []:
        since = fact.get("since")
        if since:
            start = max(start, _add_months(date.fromisoformat(since), months))
    return start


def _actors() -> dict[str, Actors]:
    out: dict[str, Actors] = {}
    for code, (clerk_name, leader_name, named) in CARE_VILLAGES.items():
        clerk = User.objects.filter(username=clerk_name).first()
        if clerk is None:
            continue
        assignment = RoleAssignment.objects.active().filter(user=clerk).first()
        if assignment is None:
            continue
        leader = User.objects.filter(username=leader_name).first() if leader_name else None
        out[code] = Actors(clerk, assignment.jurisdiction(), leader, named)
    return out


# --- profiles ------------------------------------------------------------------------------


def _prefixes(codes: list[str]) -> Q:
    query = Q(pk__in=[])
    for code in codes:
        query |= Q(region_code__startswith=code)
    return query


def _identify(villages: list[str], now: datetime) -> None:
    for code in villages:
        identification.identify_region(code, timezone.localdate(now), now=now)


def _backdate(
    rng: random.Random, profiles: list[CareProfile], waiting: list[CareProfile], today: date
) -> None:
    """The platform has been running for half a year: each profile was identified when the
    history starts or when its situation began, whichever is later; the candidates still
    waiting were found in the last days."""
    recent = {p.pk for p in waiting}
    first = today - timedelta(days=HISTORY_DAYS)
    events = {
        e.profile_id: e
        for e in ProfileEvent.objects.filter(profile__in=profiles, kind=EvKind.IDENTIFIED).order_by(
            "at"
        )
    }
    for p in profiles:
        found = today - timedelta(days=rng.randrange(1, 10)) if p.pk in recent else first
        day = max(found + timedelta(days=rng.randrange(0, 12)), _match_start(p, p.person))
        # Confirmed ones at least a day back, so a confirmation never precedes the match even
        # when the seed runs just after midnight.
        p.identified_on = min(day, today if p.pk in recent else today - timedelta(days=1))
        p.status_changed_at = min(
            _aware(p.identified_on, 6 * 60 + rng.randrange(60)), timezone.now()
        )
        ev = events.get(p.pk)
        if ev is not None:
            ev.at = p.status_changed_at
    set_columns(CareProfile, profiles, ["identified_on", "status_changed_at"])
    set_columns(ProfileEvent, list(events.values()), ["at"])


def _living_counts(household_ids: set[int]) -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    living = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
    for hh in Person._base_manager.filter(
        household_id__in=household_ids, residence_status__in=living
    ).values_list("household_id", flat=True):
        counts[hh] += 1
    return counts


def _criteria(rng: random.Random, p: CareProfile, alone: bool, today: date) -> list[str]:
    """The register's suggestions (as `risk.suggest` makes them) and a clerk's own findings."""
    person = p.person
    codes: list[str] = []
    if p.kind == CareKind.ELDERLY:
        if person.age_on(today) >= rule("ELDERLY_VERY_OLD_AGE"):
            codes.append("very_old")
        if alone:
            codes.append("alone")
        if rng.random() < 0.05:
            codes.append("incapacitated")
    if person.has_disability:
        codes.append("ill_or_disabled")
    extra = {
        CareKind.CHILD: (("unsupported", 0.05), ("dropout", 0.08), ("psychological", 0.1)),
        CareKind.WOMAN: (("care_burden", 0.25), ("domestic_violence", 0.03)),
        CareKind.ELDERLY: (),
    }[CareKind(p.kind)]
    codes += [code for code, share in extra if rng.random() < share]
    if (person.household.is_dibao and p.kind != CareKind.CHILD) or (
        p.kind == CareKind.CHILD and rng.random() < 0.1
    ):
        codes.append("poverty")
    order = [c.code for c in risk.criteria_for(p.kind)]
    return sorted(set(codes), key=order.index)


def _decide(
    rng: random.Random, profiles: list[CareProfile]
) -> tuple[list[CareProfile], list[CareProfile], list[CareProfile]]:
    """(to confirm, to dismiss, to leave waiting): most are confirmed; in each village a few of
    each kind wait on the 待确认 page; two are dismissed in 闵家村 and one in 东新村."""
    by_village: dict[str, list[CareProfile]] = defaultdict(list)
    for p in profiles:
        by_village[p.region_code[:12]].append(p)
    confirm: list[CareProfile] = []
    dismiss: list[CareProfile] = []
    wait: list[CareProfile] = []
    for code, rows in sorted(by_village.items()):
        kinds: dict[str, list[CareProfile]] = defaultdict(list)
        for p in rows:
            kinds[p.kind].append(p)
        for kind, of_kind in sorted(kinds.items()):
            n_wait = max(1, round(len(of_kind) * 0.06)) if len(of_kind) > 2 else 0
            picked = rng.sample(of_kind, n_wait)
            wait += picked
            rest = [p for p in of_kind if p not in picked]
            n_dismiss = {
                ("220182102200", "elderly"): 1,
                ("220182102200", "woman"): 1,
                ("222406101200", "elderly"): 1,
            }.get((code, kind), 0)
            dismissed = rng.sample(rest, min(n_dismiss, max(0, len(rest) - 1)))
            dismiss += dismissed
            confirm += [p for p in rest if p not in dismissed]
    return confirm, dismiss, wait


DISMISS_REASONS = {
    CareKind.ELDERLY: "子女在本镇居住，每周回村照料，经入户核实不属于留守老年人。",
    CareKind.WOMAN: "丈夫已于上月返乡务农，户籍信息待更新，不予认定。",
    CareKind.CHILD: "父母一方已返乡，监护到位。",
}


def _confirm(
    rng: random.Random,
    confirm: list[CareProfile],
    actors: dict[str, Actors],
    now: datetime,
    out: list[Event],
) -> list[Plan]:
    """Confirmation at the chosen level, then the risk criteria (as candidate_confirm and
    profile_set_risk write them)."""
    today = timezone.localdate(now)
    households = {p.person.household_id for p in confirm}
    living = _living_counts(households)
    plans: list[Plan] = []
    events: list[ProfileEvent] = []
    for p in confirm:
        a = actors[p.region_code[:12]]
        day = min(p.identified_on + timedelta(days=rng.randrange(0, 6)), today)
        at = _office(rng, day, now)
        at = max(at, p.status_changed_at + timedelta(minutes=5))
        at = min(at, now - timedelta(minutes=30))
        alone = living.get(p.person.household_id, 0) <= 1 and p.person.residence_status in (
            ResidenceStatus.HERE,
            ResidenceStatus.NON_HUKOU_HERE,
        )
        criteria = _criteria(rng, p, alone, today)
        level = risk.level_for(p.kind, criteria)
        p.status = Status.ACTIVE
        p.status_changed_at = at
        p.status_changed_by = a.clerk
        p.status_reason = ""
        p.version += 1
        events.append(
            ProfileEvent(
                profile=p,
                kind=EvKind.CONFIRMED,
                at=at,
                actor=a.clerk,
                detail={"risk_level": "general"},
            )
        )
        out.append(
            Event(
                "care.candidate.confirmed",
                obj=p,
                actor=a.clerk,
                jurisdiction=a.clerk_j,
                detail={"kind": p.kind, "risk_level": "general"},
            )
        )
        if criteria:
            p.risk_level, p.risk_criteria, p.version = level, criteria, p.version + 1
            detail = {"from": "general", "to": level, "criteria": criteria}
            if level == "high":
                p.major_change_at = at + timedelta(minutes=2)
            events.append(
                ProfileEvent(
                    profile=p,
                    kind=EvKind.RISK_CHANGED,
                    at=at + timedelta(minutes=2),
                    actor=a.clerk,
                    note=f"风险等级：{p.get_risk_level_display()}",
                    detail=detail,
                )
            )
            out.append(
                Event(
                    "care.profile.risk_set",
                    obj=p,
                    actor=a.clerk,
                    jurisdiction=a.clerk_j,
                    detail={**detail, "kind": p.kind},
                )
            )
        plans.append(Plan(p, at, criteria))
    ProfileEvent.objects.bulk_create(events, batch_size=500)
    return plans


def _carers(
    rng: random.Random, plans: list[Plan], actors: dict[str, Actors], out: list[Event]
) -> None:
    """The clerk for every profile; the leader for high-risk ones in 闵家村; a grid worker for
    elderly people (by group), the children's director for children, a volunteer now and then."""
    rows: list[CarerAssignment] = []
    events: list[ProfileEvent] = []
    for plan in plans:
        p = plan.profile
        a = actors[p.region_code[:12]]
        chosen: list[tuple[str, User | None, str, str]] = [("cadre", a.clerk, "", "")]
        if a.leader is not None and p.risk_level == "high":
            chosen.append(("cadre", a.leader, "", ""))
        named = defaultdict(list)
        for kind, name, phone in a.named:
            named[kind].append((name, phone))
        if p.kind == CareKind.CHILD and named["children_director"]:
            name, phone = named["children_director"][0]
            chosen.append(("children_director", None, name, phone))
        elif p.kind == CareKind.ELDERLY and named["grid"]:
            name, phone = named["grid"][int(p.region_code[12:] or "0") % len(named["grid"])]
            chosen.append(("grid", None, name, phone))
        if named["volunteer"] and rng.random() < 0.15:
            name, phone = named["volunteer"][0]
            chosen.append(("volunteer", None, name, phone))
        for i, (carer_type, user, name, phone) in enumerate(chosen):
            at = plan.confirmed_at + timedelta(minutes=5 + i)
            name = name or user.display_name or user.username  # type: ignore[union-attr]
            carer = CarerAssignment(
                profile=p, carer_type=carer_type, user=user, name=name, phone=phone,
                assigned_at=at,
            )  # fmt: skip
            rows.append(carer)
            plan.carers.append(carer)
    CarerAssignment.objects.bulk_create(rows, batch_size=500)
    labels = dict(CarerAssignment.CarerType.choices)
    for plan in plans:
        p = plan.profile
        a = actors[p.region_code[:12]]
        for carer in plan.carers:
            p.version += 1
            detail = {
                "carer": carer.pk,
                "carer_type": carer.carer_type,
                "user": carer.user_id,
            }
            events.append(
                ProfileEvent(
                    profile=p,
                    kind=EvKind.CARER,
                    at=carer.assigned_at,
                    actor=a.clerk,
                    note=f"指派关爱人员：{carer.name}（{labels[carer.carer_type]}）",
                    detail=detail,
                )
            )
            out.append(
                Event(
                    "care.carer.assigned",
                    obj=p,
                    actor=a.clerk,
                    jurisdiction=a.clerk_j,
                    detail={**detail, "kind": p.kind},
                )
            )
    ProfileEvent.objects.bulk_create(events, batch_size=500)


def _relatives(person_ids: list[int]) -> dict[int, list[tuple[str, Person]]]:
    out: dict[int, list[tuple[str, Person]]] = defaultdict(list)
    links = KinLink._base_manager.filter(person_id__in=person_ids, active=True).select_related(
        "relative"
    )
    for link in links.order_by("person_id", "kind", "relative_id"):
        out[link.person_id].append((link.kind, link.relative))
    return out


def _contacts(
    rng: random.Random,
    plans: list[Plan],
    wearers: set[int],
    actors: dict[str, Actors],
    out: list[Event],
) -> None:
    """Family contacts for children (their parents), women (the husband) and the elderly who
    wear a terminal or are at priority/high risk (a son or daughter away)."""
    chosen = [
        pl
        for pl in plans
        if pl.profile.kind != CareKind.ELDERLY
        or pl.profile.person_id in wearers
        or pl.profile.risk_level != "general"
    ]
    relatives = _relatives([pl.profile.person_id for pl in chosen])
    rows: list[Contact] = []
    events: list[ProfileEvent] = []
    for pl in chosen:
        p = pl.profile
        found: list[tuple[str, str, str]] = []
        for kind, rel in relatives.get(p.person_id, []):
            if p.kind == CareKind.CHILD and kind == KinLink.Kind.PARENT:
                found.append((rel.name, "父亲" if rel.sex == "M" else "母亲", rel.phone or ""))
            if p.kind == CareKind.WOMAN and kind == KinLink.Kind.SPOUSE:
                found.append((rel.name, "丈夫", rel.phone or ""))
        if p.kind == CareKind.ELDERLY or not found:
            surname = p.person.name[:1]
            son = rng.random() < 0.6
            given = (
                rng.choice(("海峰", "立新", "志强", "春雷"))
                if son
                else rng.choice(("丽娟", "晓燕", "春梅", "海燕"))
            )
            found.append((surname + given if son else "刘" + given, "儿子" if son else "女儿", ""))
        seen: set[str] = set()
        contacts = []
        for name, relation, phone in found:
            phone = phone or _phone(rng)
            if phone in seen:
                continue
            seen.add(phone)
            contacts.append(Contact(profile=p, name=name, relation=relation, phone=phone,
                                    is_family=True, order=len(contacts)))  # fmt: skip
        if p.kind == CareKind.ELDERLY and rng.random() < 0.4:
            neighbour = p.person.name[:1] + "大嫂"
            contacts.append(Contact(profile=p, name=neighbour, relation="邻居", phone=_phone(rng),
                                    is_family=False, order=len(contacts)))  # fmt: skip
        rows += contacts
        a = actors[p.region_code[:12]]
        p.version += 1
        family = sum(1 for c in contacts if c.is_family)
        detail = {"section": "contacts", "count": len(contacts), "family": family}
        at = pl.confirmed_at + timedelta(minutes=15)
        events.append(
            ProfileEvent(
                profile=p,
                kind=EvKind.UPDATED,
                at=at,
                actor=a.clerk,
                note=f"联系人已更新（{len(contacts)} 位）",
                detail=detail,
            )
        )
        out.append(
            Event(
                "care.profile.contacts_set",
                obj=p,
                actor=a.clerk,
                jurisdiction=a.clerk_j,
                detail={**detail, "kind": p.kind},
            )
        )
    Contact.objects.bulk_create(rows, batch_size=500)
    ProfileEvent.objects.bulk_create(events, batch_size=500)


def _guardians(
    rng: random.Random,
    plans: list[Plan],
    actors: dict[str, Actors],
    now: datetime,
    out: list[Event],
) -> list[Plan]:
    """Children: the grandparent at home as entrusted guardian (or a named relative), the
    agreement's date for most, the school and class. Returns two plans whose signed agreement
    file is uploaded through the service afterwards."""
    today = timezone.localdate(now)
    children = [pl for pl in plans if pl.profile.kind == CareKind.CHILD]
    members: dict[int, list[Person]] = defaultdict(list)
    for m in Person._base_manager.filter(
        household_id__in={pl.profile.person.household_id for pl in children},
        residence_status__in=(ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE),
        died_on__isnull=True,
    ).order_by("household_id", "pk"):
        members[m.household_id].append(m)
    events: list[ProfileEvent] = []
    with_file: list[Plan] = []
    for pl in children:
        p = pl.profile
        child = p.person
        a = actors[p.region_code[:12]]
        grand = [
            m
            for m in members[child.household_id]
            if m.pk != child.pk and m.age_on(today) >= 50 and m.relationship in ("02", "10")
        ]
        if grand:
            g = grand[0]
            p.guardian_person = g
            p.guardian_name = g.name
            p.guardian_relation = "祖父" if g.sex == "M" else "祖母"
            p.guardian_phone = g.phone or _phone(rng)
        else:
            p.guardian_name = child.name[:1] + rng.choice(("桂兰", "凤山", "玉成", "秀珍"))
            p.guardian_relation = rng.choice(("叔叔", "姑姑", "舅舅"))
            p.guardian_phone = _phone(rng)
        if rng.random() < 0.8:
            p.agreement_signed_on = min(
                timezone.localdate(pl.confirmed_at) + timedelta(days=rng.randrange(1, 20)), today
            )
        age = child.age_on(today)
        if age >= 6:
            schools = SCHOOLS.get(p.region_code[:12], ("镇中心小学", "镇中学"))
            p.school = schools[0] if age < 12 else schools[1]
            grade = age - 5 if age < 12 else age - 11
            p.school_class = f"{grade}年级{rng.randrange(1, 4)}班"
        at = pl.confirmed_at + timedelta(minutes=20)
        for section, action, note in (
            ("guardian", "care.profile.guardian_set",
             f"委托监护人：{p.guardian_name}（{p.guardian_relation}）"),
            ("school", "care.profile.school_set", f"就读学校：{p.school}"),
        ):  # fmt: skip
            if section == "school" and not p.school:
                continue
            detail: dict[str, Any] = {"section": section}
            if section == "guardian":
                detail |= {"from_register": p.guardian_person_id is not None,
                           "agreement_file": False}  # fmt: skip
            p.version += 1
            events.append(ProfileEvent(profile=p, kind=EvKind.UPDATED, at=at, actor=a.clerk,
                                       note=note, detail=detail))  # fmt: skip
            out.append(Event(action, obj=p, actor=a.clerk, jurisdiction=a.clerk_j,
                             detail={**detail, "kind": p.kind}))  # fmt: skip
        if (
            p.agreement_signed_on
            and p.region_code.startswith("220182102200")
            and len(with_file) < 2
        ):
            with_file.append(pl)
    ProfileEvent.objects.bulk_create(events, batch_size=500)
    return with_file


# --- visits --------------------------------------------------------------------------------


def _visit_times(
    rng: random.Random, plan: Plan, now: datetime, fate: str, showcase: bool
) -> list[datetime]:
    """Visits from confirmation to now at the risk level's pace; `fate` decides how the last
    one lies: in time, due within days, or overdue."""
    p = plan.profile
    interval = rule("VISIT_INTERVAL_DAYS")[p.risk_level]
    start = plan.confirmed_at
    if fate == "overdue":
        end = now - timedelta(days=interval + rng.uniform(1, min(25, interval)))
    elif fate == "soon":
        end = now - timedelta(days=interval - rng.uniform(0.3, 2.5))
    else:
        end = now - timedelta(days=4 if showcase else 0.3)
    first_gap = (
        rng.uniform(0.1, 0.8) if p.risk_level == "high" else rng.uniform(1, min(14, interval))
    )
    times: list[datetime] = []
    t = start + timedelta(days=first_gap)
    while t <= end:
        times.append(t)
        t += timedelta(days=interval * rng.uniform(0.55, 0.95))
    if fate == "soon" and end > start and (not times or times[-1] < end - timedelta(days=1)):
        times.append(end)
    if fate == "ok" and not showcase and times and times[-1] < now - timedelta(days=interval * 0.8):
        times.append(now - timedelta(days=rng.uniform(0.5, interval * 0.5)))
    out = []
    for t in times:
        local = timezone.localtime(t)
        moment = _office(rng, local.date(), now)
        if p.risk_level == "high" and not out:
            moment = t  # the first visit of a high-risk person: within the 24 hours
        if moment < start:
            moment = start + timedelta(minutes=30)
        if moment <= now - timedelta(minutes=5) and (not out or moment > out[-1]):
            out.append(moment)
    return out


def _fate(rng: random.Random, level: str) -> str:
    overdue = {"general": 0.15, "priority": 0.12, "high": 0.08}[level]
    roll = rng.random()
    return "overdue" if roll < overdue else "soon" if roll < overdue + 0.1 else "ok"


def _visits(
    rng: random.Random,
    plans: list[Plan],
    actors: dict[str, Actors],
    showcase: set[int],
    now: datetime,
    out: list[Event],
) -> int:
    rows: list[Visit] = []
    for pl in plans:
        p = pl.profile
        a = actors[p.region_code[:12]]
        fate = "ok" if p.pk in showcase else _fate(rng, p.risk_level)
        for when in _visit_times(rng, pl, now, fate, p.pk in showcase):
            carer = rng.choice(pl.carers)
            mode = rng.choices(("home", "phone", "video"), weights=(6, 3, 1))[0]
            needs_found = rng.choice(NEEDS_FOUND) if rng.random() < 0.08 else ""
            follow_up, follow_due, follow_done = "", None, None
            if needs_found and now - when < timedelta(days=45):
                follow_up = f"跟进：{needs_found}"
                follow_due = timezone.localdate(when) + timedelta(days=7)
                if rng.random() < 0.5:
                    follow_done = min(when + timedelta(days=rng.randrange(1, 6)), now)
            visit = Visit(
                profile=p, region_id=p.region_id, region_code=p.region_code, visited_at=when,
                mode=mode, carer=carer.user, carer_name=carer.name,
                findings=rng.choice(FINDINGS[CareKind(p.kind)]), needs_found=needs_found,
                follow_up=follow_up, follow_up_due=follow_due, follow_up_done_at=follow_done,
                recorded_by=carer.user or a.clerk,
            )  # fmt: skip
            rows.append(visit)
            pl.visits.append(visit)
    Visit._base_manager.bulk_create(rows, batch_size=500)
    # recorded_at is auto_now_add: a visit was recorded when it was made (or, for a visit by a
    # named carer, by the clerk the same day).
    for v in rows:
        v.recorded_at = v.visited_at + timedelta(minutes=20 if v.carer_id else 240)
    set_columns(Visit, rows, ["recorded_at"])
    for pl in plans:
        a = actors[pl.profile.region_code[:12]]
        for v in pl.visits:
            out.append(
                Event(
                    "care.visit.recorded",
                    obj=v,
                    actor=v.recorded_by,
                    jurisdiction=a.clerk_j,
                    detail={
                        "profile": pl.profile.pk, "kind": pl.profile.kind, "mode": v.mode,
                        "photos": 0, "for_carer": v.carer_id != v.recorded_by.pk,
                        "follow_up": bool(v.follow_up),
                    },
                )
            )  # fmt: skip
            if v.follow_up_done_at is not None:
                done = {"profile": pl.profile.pk}
                out.append(Event("care.visit.follow_up_done", obj=v, actor=a.clerk,
                                 jurisdiction=a.clerk_j, detail=done))  # fmt: skip
        if pl.visits:
            pl.profile.last_visit_at = pl.visits[-1].visited_at
    return len(rows)


def _save_profiles(plans: list[Plan], now: datetime) -> None:
    for pl in plans:
        pl.profile.next_visit_due = visit_services.next_due(pl.profile, now)
        pl.profile.updated_at = now
    set_columns(
        CareProfile,
        [pl.profile for pl in plans],
        [
            "status", "status_changed_at", "status_changed_by", "status_reason", "risk_level",
            "risk_criteria", "major_change_at", "guardian_person", "guardian_name",
            "guardian_relation", "guardian_phone", "agreement_signed_on", "school",
            "school_class", "last_visit_at", "next_visit_due", "version", "updated_at",
        ],
    )  # fmt: skip


def _showcase(
    rng: random.Random,
    showcase: list[Plan],
    with_file: list[Plan],
    actors: dict[str, Actors],
    now: datetime,
) -> tuple[int, int]:
    """Through the services: two agreements with their signed PDF, visits with a photo, needs
    found on them (one turned into a 代办 application, one met)."""
    from cunshe.demo.servicedesk import _pdf, _photo

    for pl in with_file:
        p, a = pl.profile, actors[pl.profile.region_code[:12]]
        profiles.profile_set_guardian(
            actor=a.clerk, jurisdiction=a.clerk_j, profile=p, expected_version=None,
            guardian_person=p.guardian_person, guardian_name=p.guardian_name,
            guardian_relation=p.guardian_relation, guardian_phone=p.guardian_phone,
            agreement_signed_on=p.agreement_signed_on,
            agreement_file=_pdf("监护责任协议"),
        )  # fmt: skip
    made = 0
    created = []
    categories = ("medical", "meals", "daily_care", "education", "psychological", "policy")
    for i, pl in enumerate(showcase):
        p, a = pl.profile, actors[pl.profile.region_code[:12]]
        carer = next((c for c in pl.carers if c.user_id == a.clerk.pk), None)
        when = now - timedelta(days=1 + i % 3, hours=rng.randrange(1, 5))
        visit = visit_services.visit_record(
            actor=a.clerk, jurisdiction=a.clerk_j, profile=p, visited_at=when, mode="home",
            findings=rng.choice(FINDINGS[CareKind(p.kind)]),
            needs_found=rng.choice(NEEDS_FOUND), carer=carer,
            photos=[_photo((120 + 20 * i, 150, 90))], now=now,
        )  # fmt: skip
        made += 1
        category = categories[i % len(categories)]
        if p.kind == CareKind.CHILD and category in ("meals", "policy"):
            category = "education"
        need = needs.need_create(
            actor=a.clerk, jurisdiction=a.clerk_j, profile_id=p.pk, category=category,
            description=f"{visit.needs_found}（探访时发现）", visit_id=visit.pk,
        )  # fmt: skip
        created.append((need, a))
    if created:
        need, a = created[-1]
        needs.need_settle(
            actor=a.clerk, jurisdiction=a.clerk_j, need_id=need.pk, status="met",
            outcome="已联系村医上门，问题已解决。",
        )  # fmt: skip
    if len(created) > 1:
        _refer(created[0][0], created[0][1], now)
    return made, len(created)


def _refer(need: Any, a: Actors, now: datetime) -> bool:
    """Turn a need into a 代办 application with the first item the village offers that way."""
    from cunshe.demo.servicedesk import _pdf
    from cunshe.servicedesk.models import Mode, ServiceItem

    items = ServiceItem.objects.filter(active=True).order_by("code")
    for item in items:
        if Mode.DAIBAN not in (item.modes or []):
            continue
        try:
            with transaction.atomic():
                needs.need_refer_to_desk(
                    actor=a.clerk, jurisdiction=a.clerk_j, need_id=need.pk, item=item,
                    authorised_on=timezone.localdate(now), authorisation=_pdf("委托书"),
                    idempotency_key=f"demo-care-need-{need.pk}",
                    details="探访时发现，本人同意由代办员代办。",
                )  # fmt: skip
            return True
        except ValidationError:
            continue
    return False


# --- terminals and alerts ------------------------------------------------------------------


def _message(t: Terminal, secret: str, kind: str, at: datetime, n: int, battery: int) -> dict:
    local = timezone.localtime(at)
    body = {
        "v": 1,
        "id": f"{local:%Y%m%dT%H%M%S}-{n:04d}",
        "device": t.serial,
        "type": kind,
        "at": local.isoformat(timespec="seconds"),
        "battery": battery,
    }
    return sign(secret, body)


def _wearers(plans: list[Plan]) -> list[Plan]:
    """Who gets a terminal: elderly people at priority/high risk first, then others."""
    out: list[Plan] = []
    for code, count in TERMINAL_VILLAGES.items():
        elderly = [
            pl for pl in plans
            if pl.profile.kind == CareKind.ELDERLY and pl.profile.region_code.startswith(code)
        ]  # fmt: skip
        elderly.sort(key=lambda pl: (pl.profile.risk_level == "general", pl.profile.pk))
        out += elderly[:count]
    return out


def _terminals(
    rng: random.Random, plans: list[Plan], actors: dict[str, Actors], now: datetime
) -> list[tuple[Terminal, str]]:
    made: list[tuple[Terminal, str]] = []
    numbers: dict[str, int] = defaultdict(int)
    for pl in _wearers(plans):
        code = pl.profile.region_code[:12]
        a = actors[code]
        numbers[code] += 1
        i = numbers[code]
        start, end = WINDOWS[i % len(WINDOWS)]
        terminal, secret = terminals.terminal_register(
            actor=a.clerk, jurisdiction=a.clerk_j, person=pl.profile.person,
            serial=f"86{code[6:9]}{code[-3:]}{i:07d}", callback_phone=_phone(rng),
            model_name=MODEL_NAMES[i % 2], checkin_start=start, checkin_end=end,
        )  # fmt: skip
        made.append((terminal, secret))
    if made:
        # Registered when the history starts (the sweep counts terminals registered before
        # the day's window opened).
        Terminal._base_manager.filter(pk__in=[t.pk for t, _s in made]).update(
            created_at=now - timedelta(days=90)
        )
    return made


def _window_end(t: Terminal, day: date) -> datetime:
    return _aware(day, t.checkin_end.hour * 60 + t.checkin_end.minute)  # type: ignore[union-attr]


def _handled_alerts(
    rng: random.Random,
    made: list[tuple[Terminal, str]],
    actors: dict[str, Actors],
    now: datetime,
) -> int:
    """A history of SOS, a fall and a missed check-in over the last two months, each raised,
    climbed, acknowledged and closed through the alert services at its own time."""
    from cunshe.care.services.alerts import alert_acknowledge, alert_close, ladder_climb

    plan: list[tuple[datetime, Terminal, str, int]] = []
    for k, ack in enumerate(SOS_ACK_SECONDS):
        terminal = made[(k * 3) % len(made)][0]
        day = timezone.localdate(now) - timedelta(days=6 + 8 * k)
        plan.append((_aware(day, rng.randrange(7 * 60, 21 * 60)), terminal, "sos", ack))
    fall_day = timezone.localdate(now) - timedelta(days=20)
    plan.append((_aware(fall_day, 5 * 60 + 40), made[1][0], "fall", 380))
    missed = made[2][0]
    missed_day = timezone.localdate(now) - timedelta(days=12)
    plan.append((_window_end(missed, missed_day), missed, "missed_checkin", 3 * 3600))
    count = 0
    for at, terminal, kind, ack_seconds in sorted(plan, key=lambda row: row[0]):
        a = actors[terminal.region_code[:12]]
        source = None
        if kind != "missed_checkin":
            stamp = f"{timezone.localtime(at):%Y%m%dT%H%M%S}"
            source = TerminalEvent(
                terminal=terminal, region_id=terminal.region_id,
                region_code=terminal.region_code, event_id=f"{stamp}-h{count:03d}",
                kind=kind, occurred_at=at, received_at=at + timedelta(seconds=2), source="mqtt",
                battery=rng.randrange(40, 95),
            )  # fmt: skip
            TerminalEvent._base_manager.bulk_create([source])
        alert = alert_services.alert_raise(
            terminal=terminal, kind="missed_checkin" if kind == "missed_checkin" else kind,
            at=at, source_event=source,
            for_date=timezone.localdate(at) if kind == "missed_checkin" else None, now=at,
        )  # fmt: skip
        if alert is None:
            continue
        acked = at + timedelta(seconds=ack_seconds)
        minutes = alert_services.rung_minutes(kind, 1)
        t = at + timedelta(minutes=minutes)
        while t < acked:
            ladder_climb(now=t)
            t += timedelta(minutes=minutes)
        user = a.leader or a.clerk
        alert = alert_acknowledge(actor=user, jurisdiction=_jurisdiction_of(user), alert=alert,
                                  now=acked)  # fmt: skip
        alert_close(
            actor=a.clerk, jurisdiction=a.clerk_j, alert=alert,
            note=CLOSE_NOTES[count % len(CLOSE_NOTES)] if kind != "missed_checkin"
            else "老人忘记按签到键，电话联系确认平安。",
            visit_made=kind != "missed_checkin", expected_version=alert.version,
            now=acked + timedelta(minutes=rng.randrange(20, 90)),
        )  # fmt: skip
        count += 1
    return count


def _jurisdiction_of(user: User) -> Jurisdiction:
    return RoleAssignment.objects.active().filter(user=user).first().jurisdiction()  # type: ignore[union-attr]


def _recent_events(
    rng: random.Random, made: list[tuple[Terminal, str]], skip: Terminal, skip_day: date,
    now: datetime,
) -> int:  # fmt: skip
    """Three days of heartbeats (every two hours) and daily check-ins in each window, ingested
    day by day as the consumer would have; one battery running low. `skip` missed its check-in
    on `skip_day` (its alert is raised separately)."""
    from cunshe.care.ingest import ingest_batch

    today = timezone.localdate(now)
    stored = 0
    for back in (2, 1, 0):
        day = today - timedelta(days=back)
        batch: list[dict] = []
        for n, (t, secret) in enumerate(made):
            battery = 100 - 8 * (2 - back) - n % 7
            times = [_aware(day, h * 60 + (7 * n) % 60) for h in range(0, 24, 2)]
            if back == 0:
                times = [x for x in times if x < now - timedelta(minutes=20)]
                times.append(now - timedelta(minutes=2 + n % 12))
            for k, at in enumerate(times):
                batch.append(_message(t, secret, "heartbeat", at, k, battery))
            start = t.checkin_start.hour * 60 + t.checkin_start.minute  # type: ignore[union-attr]
            checkin = _aware(day, start + rng.randrange(5, 90))
            if checkin < now - timedelta(minutes=5) and not (t.pk == skip.pk and day == skip_day):
                batch.append(_message(t, secret, "checkin", checkin, 90, battery))
            if n == 4 and back == 0:
                batch.append(_message(t, secret, "low_battery", now - timedelta(hours=1), 91, 13))
        received = min(now, _aware(day, 23 * 60 + 59))
        result = ingest_batch(batch, "mqtt", received_at=received)
        stored += sum(1 for r in result.results if r.outcome == "accepted")
    return stored


def _open_alerts(made: list[tuple[Terminal, str]], skip: Terminal, skip_day: date,
                 now: datetime) -> int:  # fmt: skip
    """One missed check-in still open (raised when its window closed, climbed since) and one SOS
    pressed two minutes ago, ingested as the consumer would."""
    from cunshe.care.ingest import ingest_batch
    from cunshe.care.services.alerts import ladder_climb

    end = _window_end(skip, skip_day)
    alert_services.alert_raise(
        terminal=skip, kind="missed_checkin", at=end, for_date=skip_day, now=end
    )
    minutes = alert_services.rung_minutes("missed_checkin", 1)
    t = end + timedelta(minutes=minutes)
    while t <= now:
        ladder_climb(now=t)
        t += timedelta(minutes=minutes)
    terminal, secret = made[0]
    sos = _message(terminal, secret, "sos", now - timedelta(minutes=2), 99, 71)
    result = ingest_batch(
        [sos], "mqtt", received_at=now - timedelta(minutes=2) + timedelta(seconds=1)
    )
    return 1 + result.alerts_raised


# --- entry point ---------------------------------------------------------------------------


def seed_care(*, seed: int = 1, now: datetime | None = None) -> dict[str, int]:
    """The care demo (the caller holds a system scope, as demo_seed does). Returns what was
    added; a second run adds nothing."""
    counts = {
        "care_profiles": 0, "care_confirmed": 0, "care_visits": 0, "care_needs": 0,
        "care_terminals": 0, "care_terminal_events": 0, "care_alerts": 0,
    }  # fmt: skip
    now = now or timezone.now()
    actors = _actors()
    villages = sorted(
        code
        for code in actors
        if code != OUTSIDER_VILLAGE
        and Person._base_manager.filter(region_code__startswith=code).exists()
    )
    if not villages:
        return counts
    if CareProfile._base_manager.filter(region_code__startswith=villages[0]).exists():
        return counts
    rng = random.Random(f"{seed}:care")  # noqa: S311 - demo data, not security
    today = timezone.localdate(now)
    _identify(villages, now)
    found = list(
        CareProfile._base_manager.filter(status=Status.CANDIDATE)
        .filter(_prefixes(villages))
        .select_related("person", "person__household")
        .order_by("region_code", "kind", "person_id")
    )
    counts["care_profiles"] = len(found)
    confirm, dismiss, waiting = _decide(rng, found)
    _backdate(rng, found, waiting, today)
    out: list[Event] = []
    plans = _confirm(rng, confirm, actors, now, out)
    counts["care_confirmed"] = len(plans)
    _carers(rng, plans, actors, out)
    wearers = {pl.profile.person_id for pl in _wearers(plans)}
    _contacts(rng, plans, wearers, actors, out)
    with_file = _guardians(rng, plans, actors, now, out)
    in_a = [pl for pl in plans if pl.profile.region_code.startswith("220182102200")]
    showcase = [
        next(pl for pl in in_a if pl.profile.kind == kind)
        for kind in (CareKind.ELDERLY, CareKind.CHILD, CareKind.WOMAN)
        if any(pl.profile.kind == kind for pl in in_a)
    ]
    showcase += [pl for pl in in_a if pl.profile.kind == CareKind.ELDERLY][1:4]
    counts["care_visits"] = _visits(
        rng, plans, actors, {pl.profile.pk for pl in showcase}, now, out
    )
    _save_profiles(plans, now)
    audit_many(out)
    for p in dismiss:
        a = actors[p.region_code[:12]]
        identification.candidate_dismiss(
            actor=a.clerk, jurisdiction=a.clerk_j, profile=p, reason=DISMISS_REASONS[p.kind]
        )
    visits_made, counts["care_needs"] = _showcase(rng, showcase, with_file, actors, now)
    counts["care_visits"] += visits_made
    made = _terminals(rng, plans, actors, now)
    counts["care_terminals"] = len(made)
    if made:
        counts["care_alerts"] = _handled_alerts(rng, made, actors, now)
        skip = made[min(5, len(made) - 1)][0]
        end_today = _window_end(skip, today)
        skip_day = today if end_today < now - timedelta(minutes=5) else today - timedelta(days=1)
        counts["care_terminal_events"] = _recent_events(rng, made, skip, skip_day, now)
        counts["care_alerts"] += _open_alerts(made, skip, skip_day, now)
    return counts
