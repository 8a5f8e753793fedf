"""The self-governance demo (村民自治) for 闵家村 and 古城村 (闵家镇) and 东新村 (和龙市):
bodies with members drawn from the register, a year of meetings with named sign-ins and
decisions, 四议两公开 matters, a year of 村务公开 with villagers' questions, and an upcoming
换届选举 with its roll.
The outsider's village (梨树县) gets nothing.

What is made, per village
- Bodies: a 村民委员会 of 5 (2 women; its term ends on the vote day of the coming election), a
  党支部 of party members (its secretary chairs the committee, 一肩挑), a 村民代表会议 of one
  representative per about 12 households plus committee members as far as representatives stay
  4/5 of it, a 村民小组 with its leader
  for each group, a 村务监督委员会 of 3 from households with nobody on the committee. 古城村's
  assembly has too few women (fewer than a third) so the composition warning shows.
- Meetings over the past year: four quarterly 村民代表会议 (one item fails its vote), an
  annual 村民会议 with a quorum of adults (闵家村, 东新村) or one that failed its quorum and
  decided nothing (古城村, convened on villagers' request with 14 days' notice), and the
  党支部 / 两委联席 / 党员大会 meetings of the matters. Decisions, openings and closings go
  through the services, and so do sign-ins, except a crowd's (below).
- 四议两公开: in 闵家村 and 东新村 a matter through all six steps (decided at the fourth quarterly
  representatives' meeting, published two days later, result published in the last fortnight);
  in 闵家村 a second matter stopped after step 3 (awaiting the representatives' decision).
- 村务公开: finance every month and general matters every quarter for the past year, each
  published a few days after its period; 古城村 has left the last two months' finances and the
  last quarter's general disclosure unpublished, so the township's overdue list shows them (and
  the overdue alert is sent, as the daily job would). Villagers ask questions (闵家村's 王秀兰,
  东新村's 김영희); most are answered.
- 换届选举: 闵家村 votes in 28 days; two villagers working away have opted in, a non-hukou resident
  was approved by the last representatives' meeting, the roll was generated and published two
  days ago (so the objection window is open), two spouses hold proxies, one objection was answered
  and one waits. 古城村 prepares its election in 45 days (roll generated, not yet published, so the
  page shows the last day it may be published).

How it is made
- THROUGH THE SERVICES (`cunshe.selfgov.services.*`), by the village clerk (questions by the
  villager accounts). The services stamp the present moment; past events are then moved to their
  planned day in the clearly marked `_backdate_*` functions below, and only there (decision and
  question times, publication times, matter-step times, creation times). The audit trail and
  notifications are NOT backdated: they truthfully say when the seed wrote them. Sign-ins,
  openings and closings take the services' own `now`, so need no backdating.
- SIGN-INS of more than CROWD (40) people — the 村民会议, where 200+ adults come — are written in
  one bulk insert of the rows `attendee_sign_in` writes, after the same checks (`_crowd_check`),
  with one audit event for the crowd: one by one they took 30 ms each, most of the demo's time.
  Smaller meetings are signed in one by one through the service.
- The disclosure dues of past periods (and the current one) are written for the three villages
  directly, with the services' own `period_of` / `due_date`: the daily job's `dues_generate` makes
  only the current period, and for every village of the province (the outsider's too).
- DETERMINISTIC for a given seed and day: every choice comes from `Random(f"{seed}:selfgov:<code>")`
  over the register in a fixed order; dates are counted back from today.
- IDEMPOTENT: a village that has any body is left alone.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import F, Model
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.codes import PARTY_MEMBER, ResidenceStatus
from cunshe.residents.models import GONE, Person
from cunshe.selfgov.models import (
    Attendance,
    Body,
    BodyKind,
    Decision,
    Disclosure,
    DisclosureCategory,
    DisclosureDue,
    DisclosureQuestion,
    Election,
    Matter,
    MatterStep,
    Meeting,
    MeetingKind,
    Position,
    VoterRollEntry,
)
from cunshe.selfgov.models.elections import VoterOptIn
from cunshe.selfgov.rules import needed_at_least, needed_more_than, rule
from cunshe.selfgov.selectors import meetings as meeting_sel
from cunshe.selfgov.services import bodies as body_svc
from cunshe.selfgov.services import disclosure as disclosure_svc
from cunshe.selfgov.services import elections as election_svc
from cunshe.selfgov.services import matters as matter_svc
from cunshe.selfgov.services import meetings as meeting_svc

SELFGOV_VILLAGES = ("220182102200", "220182102201", "222406101200")
WEAK_ASSEMBLY = "220182102201"  # 古城村: too few women representatives (the warning shows)
OVERDUE_VILLAGE = "220182102201"  # 古城村: recent disclosures not published
FAILED_QUORUM = "220182102201"  # 古城村: its 村民会议 failed its quorum
ELECTION_DAYS = {"220182102200": 28, "220182102201": 45}  # vote in N days
PUBLISHED_ROLL = "220182102200"  # published two days ago; 古城村's is not yet published
MATTERS_DONE = ("220182102200", "222406101200")  # a matter through all six steps
MATTER_STUCK = "220182102200"  # a matter stopped after step 3
LIVING = (ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE)
HOUSEHOLDS_PER_REP = 12
CROWD = 40  # more attendees than this are signed in in bulk (see _sign_in)
SYSTEM = Jurisdiction.system("demo_seed: self-governance demo (backdating and lookups)")

QUARTER_MEETINGS = [  # days ago, agenda (title, share voting for)
    (320, [("审议本年度村集体经济收支预算", 0.86), ("审议村民小组长误工补贴发放名单", 0.8)]),
    (230, [("审议春耕期间村道维修筹劳方案", 0.78), ("提高村干部误工补贴标准", 0.42)]),
    (140, [("审议秋季防汛防火工作安排", 0.9), ("审议村集体机动地续租方案", 0.7)]),
    (50, []),  # the matter's decision and the non-hukou approval (below)
]
MATTERS = {
    "220182102200": ("村道硬化工程筹资筹劳方案", "public_welfare",
                     "硬化一组至西屯村道1.2公里，每户筹资100元、筹劳2个工日，不足部分申请一事一议奖补。"),
    "222406101200": ("村级光伏电站收益使用方案", "collective_income",
                     "村级光伏电站年收益约6.8万元，拟用于公益岗位工资、困难户救助和村内路灯电费。"),
}  # fmt: skip
STUCK_MATTER = ("村机动地承包经营方案", "land_contracting",
                "村机动地46亩承包期满，拟公开竞价发包，承包期5年。")  # fmt: skip
FINANCE_LINES = [
    ("上级转移支付", 18000, 42000, True), ("村集体资源发包收入", 3000, 26000, True),
    ("办公经费", 800, 2600, False), ("村干部误工补贴", 6000, 9000, False),
    ("村道维修", 1500, 14000, False), ("环境卫生保洁", 1200, 3800, False),
    ("路灯电费", 300, 900, False),
]  # fmt: skip
GENERAL_TOPICS = [
    "低保、特困人员名单及救助资金发放情况",
    "耕地地力保护补贴发放情况",
    "村级公益岗位人员及工资发放情况",
    "城乡居民医疗保险、养老保险参保缴费情况",
    "农村人居环境整治工作进展",
]
QUESTIONS = [
    ("村道维修这一项支出的是哪一段路？能不能把明细贴出来？",
     "本月村道维修支出用于一组至村部路段补坑，明细已张贴在村务公开栏，欢迎到村部查阅票据。"),
    ("上级转移支付比上个月少了，是什么原因？",
     "上月含一次性拨付的防汛物资经费，本月为正常拨付，没有减少。"),
    ("路灯电费每月都有，全村一共有多少盏路灯？坏了的什么时候修？",
     ""),  # waits for an answer
]  # fmt: skip


@dataclass
class Actor:
    user: User
    j: Jurisdiction


@dataclass
class Village:
    code: str
    region: Region
    rng: random.Random
    today: date
    clerk: Actor
    villager: Actor | None
    persons: list[Person]  # not gone, in register order
    groups: list[Region]
    counts: dict[str, int]
    bodies: dict[str, Body] = field(default_factory=dict)
    committee: list[Person] = field(default_factory=list)
    quarter_meetings: list[Meeting] = field(default_factory=list)

    def at(self, days_ago: int, hour: int = 9, minute: int = 0) -> datetime:
        day = self.today - timedelta(days=days_ago)
        return timezone.make_aware(datetime.combine(day, time(hour, minute)))

    def add(self, key: str, n: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + n


def _age(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def _adults(v: Village, lo: int = 18, hi: int = 200, on: date | None = None) -> list[Person]:
    """Adults living in the village, aged lo..hi on `on` and 18 a year ago (so they were adults
    at every meeting of the past year)."""
    on = on or v.today
    year_ago = v.today - timedelta(days=366)
    return [
        p
        for p in v.persons
        if p.residence_status in LIVING
        and _age(p.birth_date, year_ago) >= 18
        and lo <= _age(p.birth_date, on) <= hi
    ]


# --- backdating: the only place where service timestamps are moved -----------------------------


def _backdate_row(model: type[Model], pk: int, **fields: Any) -> None:
    model._base_manager.filter(pk=pk).update(**fields)


def _backdate_decisions(meeting: Meeting, when: datetime) -> None:
    for i, pk in enumerate(
        Decision.objects.filter(agenda_item__meeting=meeting)
        .order_by("pk")
        .values_list("pk", flat=True)
    ):
        _backdate_row(Decision, pk, recorded_at=when + timedelta(minutes=40 + 15 * i))


def _backdate_meeting(meeting: Meeting) -> None:
    created = timezone.make_aware(datetime.combine(meeting.notice_on, time(16, 0)))
    _backdate_row(Meeting, meeting.pk, created_at=created)
    _backdate_decisions(meeting, meeting.scheduled_at)


def _backdate_publication(item: Disclosure, when: datetime) -> None:
    _backdate_row(Disclosure, item.pk, published_at=when)
    item.published_at = when
    MatterStep.objects.filter(disclosure=item).update(at=when)


def _backdate_step(matter: Matter, step: int, when: datetime) -> None:
    MatterStep.objects.filter(matter=matter, step=step).update(at=when)


def _backdate_question(q: DisclosureQuestion, asked: datetime, answered: datetime | None) -> None:
    fields: dict[str, Any] = {"asked_at": asked}
    if answered is not None:
        fields["answered_at"] = answered
    _backdate_row(DisclosureQuestion, q.pk, **fields)


def _backdate_election(election: Election, created: datetime, generated: datetime) -> None:
    _backdate_row(Election, election.pk, created_at=created, roll_generated_at=generated)
    VoterRollEntry.objects.filter(election=election).update(added_at=generated)


# --- bodies -------------------------------------------------------------------------------------


def _distinct_households(people: list[Person], taken: set[int], limit: int) -> list[Person]:
    """Up to `limit` of `people`, one per household not yet `taken` (which they then are)."""
    out: list[Person] = []
    for p in people:
        if len(out) >= limit:
            break
        if p.household_id not in taken:
            taken.add(p.household_id)
            out.append(p)
    return out


def _member(v: Village, body: Body, person: Person, position: str, start: date, **kw: Any) -> bool:
    try:
        body_svc.membership_add(
            actor=v.clerk.user, jurisdiction=v.clerk.j, body=body, person=person,
            position=position, start=start, **kw,
        )  # fmt: skip
    except ValidationError:
        return False
    v.add("selfgov_memberships")
    return True


def _bodies(v: Village, term_start: date) -> None:
    rng = v.rng
    name = v.region.name.removesuffix("委会")

    def body(kind: str, title: str, region: Region | None = None, **kw: Any) -> Body:
        b = body_svc.body_create(
            actor=v.clerk.user, jurisdiction=v.clerk.j, region=region or v.region, kind=kind,
            name=title, term_start=term_start, **kw,
        )  # fmt: skip
        v.add("selfgov_bodies")
        return b

    working = _adults(v, 30, 64)
    party = [p for p in _adults(v, 25, 72) if p.political_status in PARTY_MEMBER]
    men = [p for p in working if p.sex == "M"]
    women = [p for p in working if p.sex == "F"]
    taken: set[int] = set()
    party_men = [p for p in party if p.sex == "M" and 30 <= _age(p.birth_date, v.today) <= 64]
    chair = rng.choice(party_men or men)
    taken.add(chair.household_id)
    committee = [chair]
    committee += _distinct_households(rng.sample(women, len(women)), taken, 2)
    committee += _distinct_households(rng.sample(men, len(men)), taken, 2)
    committee_body = body(BodyKind.COMMITTEE, f"{name}村民委员会")
    positions = [Position.CHAIR, Position.VICE_CHAIR, Position.MEMBER, Position.MEMBER,
                 Position.MEMBER]  # fmt: skip
    for person, position in zip(committee, positions, strict=False):
        _member(v, committee_body, person, position, term_start)
    v.committee = committee

    branch = body(BodyKind.PARTY_BRANCH, f"中共{name}支部委员会",
                  term_end=term_start.replace(year=term_start.year + 5))  # fmt: skip
    # The secretary chairs the committee too (一肩挑) when the chair is a party member.
    secretaries = ([chair] if chair in party else []) + [p for p in party if p.pk != chair.pk]
    for i, person in enumerate(secretaries[:5]):
        _member(v, branch, person, Position.CHAIR if i == 0 else Position.MEMBER, term_start)

    assembly = body(BodyKind.ASSEMBLY, f"{name}村民代表会议",
                    term_end=term_start.replace(year=term_start.year + 5))  # fmt: skip
    households = sorted({p.household_id for p in v.persons if p.residence_status in LIVING})
    reps = max(3, -(-len(households) // HOUSEHOLDS_PER_REP))
    # Committee members sit in the assembly too, as far as representatives stay 4/5 of it.
    num, den = rule("ASSEMBLY_REPRESENTATIVES_MIN_SHARE")
    ex_officio = committee[: reps * (den - num) // num]
    total = reps + len(ex_officio)
    committee_women = sum(1 for p in ex_officio if p.sex == "F")
    if v.code == WEAK_ASSEMBLY:
        women_reps = max(0, needed_at_least(total, rule("ASSEMBLY_WOMEN_MIN_SHARE")) - 4)
    else:
        women_reps = needed_at_least(total, rule("ASSEMBLY_WOMEN_MIN_SHARE")) - committee_women + 1
    pool = [p for p in _adults(v, 30, 75) if p.household_id not in taken]
    rng.shuffle(pool)
    reps_taken = set(taken)
    chosen = _distinct_households([p for p in pool if p.sex == "F"], reps_taken, women_reps)
    chosen += _distinct_households(
        [p for p in pool if p.sex == "M"], reps_taken, reps - len(chosen)
    )
    per_rep, extra = divmod(len(households), len(chosen))
    for i, person in enumerate(sorted(chosen, key=lambda p: p.pk)):
        group = person.region if person.region.level == Level.GROUP else None
        _member(v, assembly, person, Position.REPRESENTATIVE, term_start,
                households_represented=per_rep + (1 if i < extra else 0), group=group)  # fmt: skip
    for person in ex_officio:
        _member(v, assembly, person, Position.MEMBER, term_start, note="村民委员会成员")

    for group in v.groups:
        group_body = body(BodyKind.GROUP, f"{name}{group.name}村民小组", region=group)
        leaders = [p for p in _adults(v, 35, 70) if p.region_code == group.code]
        if leaders:
            _member(v, group_body, rng.choice(leaders), Position.GROUP_LEADER, term_start)

    supervision = body(BodyKind.SUPERVISION, f"{name}村务监督委员会")
    candidates = [p for p in _adults(v, 40, 70) if p.household_id not in reps_taken]
    rng.shuffle(candidates)
    placed = 0
    for person in candidates:
        position = Position.CHAIR if placed == 0 else Position.MEMBER
        if _member(v, supervision, person, position, term_start):
            placed += 1
        if placed == 3:
            break
    v.bodies = {"committee": committee_body, "branch": branch, "assembly": assembly,
                "supervision": supervision}  # fmt: skip


# --- meetings -----------------------------------------------------------------------------------


def _eligible(v: Village, meeting: Meeting) -> list[Person]:
    """Who may sign in, in register order (the selectors' own rule)."""
    day = meeting_sel.meeting_day(meeting)
    if meeting.kind in meeting_sel.BY_HOUSEHOLD:
        return _adults(v, on=day)
    ids = meeting_sel.eligible_member_ids(v.clerk.j, meeting, day) or set()
    return [p for p in v.persons if p.pk in ids]


def _sign_in(v: Village, meeting: Meeting, attendees: list[Person], first: datetime) -> None:
    """Sign the attendees in, in order; at a 村民会议 the first of each household signs in for
    it. A crowd (more than CROWD) is written in one bulk insert of the rows the service writes,
    after the service's own checks (`_crowd_check`), with one audit event; fewer go one by one
    through `attendee_sign_in` (each with its audit event)."""
    households: set[int] = set()
    rows = []
    for i, person in enumerate(attendees):
        for_household = (
            meeting.kind == MeetingKind.VILLAGERS and person.household_id not in households
        )
        households.add(person.household_id)
        rows.append((person, for_household, first + timedelta(seconds=7 * i)))
    if len(rows) <= CROWD:
        for person, for_household, when in rows:
            meeting_svc.attendee_sign_in(
                actor=v.clerk.user, jurisdiction=v.clerk.j, meeting=meeting, person=person,
                for_household=for_household, now=when,
            )  # fmt: skip
        return
    _crowd_check(v, meeting, attendees)
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, person=person, signed_in_at=when, signed_in_by=v.clerk.user,
                   household_id=person.household_id if for_household else None)
        for person, for_household, when in rows
    )  # fmt: skip
    Meeting.objects.within(v.clerk.j).filter(pk=meeting.pk).update(version=F("version") + 1)
    audit(
        "selfgov.attendance.signed_in",
        actor=v.clerk.user,
        jurisdiction=v.clerk.j,
        obj=meeting,
        detail={"meeting": meeting.pk, "persons": len(rows), "demo_bulk": True,
                "for_households": sum(1 for _p, h, _w in rows if h)},
    )  # fmt: skip


def _crowd_check(v: Village, meeting: Meeting, attendees: list[Person]) -> None:
    """The checks `attendee_sign_in` makes, for a crowd at once: the meeting is open, each person
    may attend (the selectors' rule) and signs in once."""
    if meeting.status != Meeting.Status.OPEN:
        raise ValidationError("会议尚未开始或已经结束，不能签到。")
    allowed = {p.pk for p in _eligible(v, meeting)}
    ids = [p.pk for p in attendees]
    if len(set(ids)) != len(ids) or not set(ids) <= allowed:
        raise ValidationError("签到名单有不能签到或重复的人员。")


def _hold(
    v: Village,
    *,
    kind: str,
    title: str,
    days_ago: int,
    agenda: list[tuple[str, float | None]],
    body: Body | None = None,
    notice_days: int = 7,
    requested_by: str = Meeting.RequestedBy.COMMITTEE,
    quorum: bool = True,
    place: str = "村部会议室",
) -> tuple[Meeting, list[Decision | None]]:
    """Convene, open, sign in, decide (share of those present voting for; None: no vote) and
    close one meeting `days_ago`, through the services."""
    rng = v.rng
    start = v.at(days_ago, rng.choice((9, 9, 14)), rng.choice((0, 30)))
    meeting = meeting_svc.meeting_convene(
        actor=v.clerk.user, jurisdiction=v.clerk.j, region=v.region, kind=kind, title=title,
        notice_on=start.date() - timedelta(days=notice_days), scheduled_at=start, place=place,
        agenda=[t for t, _share in agenda], requested_by=requested_by, body=body,
    )  # fmt: skip
    v.add("selfgov_meetings")
    meeting = meeting_svc.meeting_open(
        actor=v.clerk.user, jurisdiction=v.clerk.j, meeting=meeting, now=start
    )
    people = _eligible(v, meeting)
    if kind in (MeetingKind.VILLAGERS, MeetingKind.GROUP):
        needed = needed_more_than(meeting.base_adults or 0, rule("VILLAGERS_MEETING_QUORUM_ADULTS"))
    else:
        fraction = (
            rule("REPRESENTATIVES_MEETING_QUORUM")
            if kind == MeetingKind.REPRESENTATIVES
            else rule("BODY_MEETING_QUORUM")
        )
        needed = needed_at_least(meeting.base_members or 0, fraction)
        if kind != MeetingKind.REPRESENTATIVES:
            needed = needed_more_than(meeting.base_members or 0, fraction)
    if quorum:
        come = min(len(people), needed + rng.randint(0, max(1, len(people) // 8)))
    else:
        come = max(1, needed * 2 // 5)
    attendees = rng.sample(people, come)
    attendees.sort(key=lambda p: p.pk)
    _sign_in(v, meeting, attendees, start - timedelta(minutes=30))
    v.add("selfgov_attendance", len(attendees))
    decisions: list[Decision | None] = []
    items = list(meeting.agenda.order_by("order"))
    for item, (text, share) in zip(items, agenda, strict=True):
        if share is None or not quorum:
            decisions.append(None)
            continue
        present = len(attendees)
        votes_for = round(present * share)
        against = (present - votes_for) * 2 // 3
        decisions.append(
            meeting_svc.decision_record(
                actor=v.clerk.user,
                jurisdiction=v.clerk.j,
                item=item,
                text=(
                    f"同意{text.removeprefix('审议')}。"
                    if votes_for * 2 > present
                    else f"“{text}”未获到会人员过半数同意，暂不实施。"
                ),
                votes_for=votes_for,
                votes_against=against,
                abstentions=present - votes_for - against,
            )
        )
        v.add("selfgov_decisions")
    notes = (
        "会议按议程进行，各项议题逐项表决，表决结果当场宣布。"
        if quorum
        else "到会人数未达到法定人数，会议未作出任何决定，改期召开。"
    )
    meeting = meeting_svc.meeting_close(
        actor=v.clerk.user, jurisdiction=v.clerk.j, meeting=meeting, minutes_text=notes,
        now=start + timedelta(hours=2),
    )  # fmt: skip
    _backdate_meeting(meeting)
    fresh = Decision.objects.in_bulk([d.pk for d in decisions if d is not None])
    return meeting, [fresh[d.pk] if d is not None else None for d in decisions]


def _matter_through(v: Village, matter: Matter, steps: list[tuple[int, int]]) -> None:
    """Steps 1–3 (branch, 两委, party members) at the given days ago."""
    kinds = {1: (MeetingKind.BRANCH, v.bodies["branch"], "党支部委员会会议"),
             2: (MeetingKind.JOINT, None, "两委联席会议"),
             3: (MeetingKind.PARTY_MEMBERS, None, "党员大会")}  # fmt: skip
    for step, days_ago in steps:
        kind, body, label = kinds[step]
        meeting, _ = _hold(v, kind=kind, title=f"{label}：{matter.title}", days_ago=days_ago,
                           agenda=[(f"{matter_svc.Step(step).label}：{matter.title}", None)],
                           body=body, notice_days=3)  # fmt: skip
        matter_svc.matter_advance(
            actor=v.clerk.user, jurisdiction=v.clerk.j, matter=matter, step=step, meeting=meeting,
            note="会议记录已存档。",
        )  # fmt: skip
        _backdate_step(matter, step, meeting.scheduled_at + timedelta(hours=3))


def _new_matter(v: Village, title: str, category: str, text: str, days_ago: int) -> Matter:
    matter = matter_svc.matter_create(
        actor=v.clerk.user, jurisdiction=v.clerk.j, village=v.region, title=title,
        category=category, description=text,
    )  # fmt: skip
    _backdate_row(Matter, matter.pk, created_at=v.at(days_ago, 16))
    v.add("selfgov_matters")
    return matter


def _meetings_and_matters(v: Village) -> tuple[Decision | None, Person | None]:
    """The year's meetings; returns the approval decision for a non-hukou voter (and who)."""
    rng = v.rng
    name = v.region.name.removesuffix("委会")
    matter = None
    if v.code in MATTERS_DONE:
        title, category, text = MATTERS[v.code]
        matter = _new_matter(v, title, category, text, 100)
        _matter_through(v, matter, [(1, 95), (2, 85), (3, 75)])
    if v.code == MATTER_STUCK:
        stuck = _new_matter(v, *STUCK_MATTER, 35)
        _matter_through(v, stuck, [(1, 30), (2, 25), (3, 18)])
    # The annual 村民会议.
    year = (v.today - timedelta(days=300)).year
    if v.code == FAILED_QUORUM:
        _hold(v, kind=MeetingKind.VILLAGERS, title=f"{name}村民会议（村民提议召开）", days_ago=200,
              agenda=[("讨论村集体机动地收回重新发包问题", 0.6)], notice_days=14,
              requested_by=Meeting.RequestedBy.VILLAGERS, quorum=False,
              place="村文化广场")  # fmt: skip
    else:
        _hold(v, kind=MeetingKind.VILLAGERS, title=f"{name}{year}年度村民会议", days_ago=300,
              agenda=[(f"审议{year - 1}年度村民委员会工作报告", 0.9),
                      (f"审议{year - 1}年度村集体财务收支情况", 0.84)],
              notice_days=12, place="村文化广场")  # fmt: skip
    # The quarterly 村民代表会议.
    non_hukou = None
    approval_decision = None
    if v.code in ELECTION_DAYS:
        vote_on = v.today + timedelta(days=ELECTION_DAYS[v.code])
        since_by = vote_on.replace(year=vote_on.year - 1)
        candidates = [
            p for p in _adults(v, 20, 70)
            if not p.hukou_here and p.living_here_since and p.living_here_since <= since_by
        ]  # fmt: skip
        non_hukou = rng.choice(candidates) if candidates else None
    for n, (days_ago, agenda) in enumerate(QUARTER_MEETINGS, start=1):
        agenda = list(agenda)
        if n == 4:
            agenda = [("听取村务监督委员会工作情况汇报", None)]
            if matter is not None:
                agenda.append((f"审议{matter.title}", 0.8))
            if non_hukou is not None:
                agenda.append((f"审议非户籍常住居民{non_hukou.name}参加本届选举的申请", 0.88))
        meeting, decisions = _hold(
            v, kind=MeetingKind.REPRESENTATIVES, title=f"{name}村民代表会议（第{n}季度）",
            days_ago=days_ago, agenda=agenda, body=v.bodies["assembly"],
        )  # fmt: skip
        v.quarter_meetings.append(meeting)
        if n == 4:
            rest = [d for d in decisions if d is not None]
            if matter is not None:
                decision = rest.pop(0)
                matter_svc.matter_advance(
                    actor=v.clerk.user, jurisdiction=v.clerk.j, matter=matter, step=4,
                    decision=decision,
                )  # fmt: skip
                _backdate_step(matter, 4, meeting.scheduled_at + timedelta(hours=3))
                _publish_matter(v, matter, decision, meeting)
            if non_hukou is not None:
                approval_decision = rest.pop(0)
    return approval_decision, non_hukou


def _publish_matter(v: Village, matter: Matter, decision: Decision, meeting: Meeting) -> None:
    """Steps 5 and 6: the decision published two days later, the result near the present."""
    day = timezone.localdate(meeting.scheduled_at)
    item = disclosure_svc.disclosure_publish(
        actor=v.clerk.user, jurisdiction=v.clerk.j, village=v.region,
        category=DisclosureCategory.MAJOR, title=f"决议公开：{matter.title}",
        body=(f"{day:%Y年%m月%d日}村民代表会议应到{meeting.base_members}人、实到"
              f"{decision.present}人，表决赞成{decision.votes_for}票、反对"
              f"{decision.votes_against}票、弃权{decision.abstentions}票，通过《{matter.title}》。"
              f"\n{matter.description}"),
        matter=matter,
    )  # fmt: skip
    _backdate_publication(item, v.at((v.today - day).days - 2, 10))
    v.add("selfgov_disclosures")
    result = disclosure_svc.disclosure_publish(
        actor=v.clerk.user, jurisdiction=v.clerk.j, village=v.region,
        category=DisclosureCategory.MAJOR, title=f"实施结果公开：{matter.title}",
        body="项目已按决议实施完毕，经村务监督委员会验收合格；资金使用明细已张贴于村务公开栏。",
        matter=matter,
    )  # fmt: skip
    _backdate_publication(result, v.at(v.rng.randint(6, 12), 15))
    v.add("selfgov_disclosures")


# --- 村务公开 -----------------------------------------------------------------------------------


def _dues(v: Village) -> None:
    """Dues of the past year's periods and the current one (see the module's docstring)."""
    have = set(
        DisclosureDue.objects.within(SYSTEM)
        .filter(region=v.region, matter__isnull=True)
        .values_list("category", "period_start")
    )
    for category in disclosure_svc.PERIODIC:
        day = v.today - timedelta(days=365)
        while day <= v.today:
            start, end = disclosure_svc.period_of(category, day)
            if (category, start) not in have and end >= v.today - timedelta(days=365):
                DisclosureDue(
                    region=v.region, category=category, period_start=start, period_end=end,
                    due_on=disclosure_svc.due_date(category, end),
                ).save(force_insert=True)  # fmt: skip
                have.add((category, start))
            day = end + timedelta(days=1)


def _periodic_disclosures(v: Village) -> list[Disclosure]:
    """A finance item per month and a general item per quarter, each published a few days after
    its period ended (never in the future); 古城村 leaves its latest ones out."""
    rng = v.rng
    published: list[Disclosure] = []
    dues = list(
        DisclosureDue.objects.within(SYSTEM)
        .filter(region=v.region, matter__isnull=True, period_end__lt=v.today)
        .order_by("period_start", "category")
    )
    skipped = {DisclosureCategory.FINANCE: 2, DisclosureCategory.GENERAL: 1}
    for due in reversed(dues):
        if v.code == OVERDUE_VILLAGE and skipped[due.category] and due.due_on < v.today:
            skipped[due.category] -= 1
            due.skip = True  # type: ignore[attr-defined]
    for due in dues:
        if getattr(due, "skip", False):
            continue
        when = v.at(0, 10) - timedelta(days=(v.today - due.period_end).days - rng.randint(2, 8))
        if when.date() >= v.today:
            continue  # not yet published, and not yet due either
        if due.category == DisclosureCategory.FINANCE:
            title = f"{due.period_start:%Y年%m月}财务收支公开"
            lines = []
            for label, lo, hi, income in FINANCE_LINES:
                if rng.random() < 0.8:
                    kind = "收入" if income else "支出"
                    lines.append(f"{kind}：{label} {rng.randrange(lo, hi, 10):,}元")
            body = "\n".join(lines) + "\n以上收支票据可到村部查阅，如有疑问请向村务监督委员会反映。"
        else:
            quarter = (due.period_start.month - 1) // 3 + 1
            title = f"{due.period_start.year}年第{quarter}季度村务公开"
            topics = rng.sample(GENERAL_TOPICS, 3)
            body = "\n".join(f"{i}. {t}：详见村务公开栏。" for i, t in enumerate(topics, 1))
        item = disclosure_svc.disclosure_publish(
            actor=v.clerk.user, jurisdiction=v.clerk.j, village=v.region, category=due.category,
            title=title, body=body, period_start=due.period_start, period_end=due.period_end,
        )  # fmt: skip
        _backdate_publication(item, when)
        v.add("selfgov_disclosures")
        published.append(item)
    return published


def _questions(v: Village, items: list[Disclosure]) -> None:
    if v.villager is None:
        return
    finance = [i for i in items if i.category == DisclosureCategory.FINANCE][-3:]
    for item, (question, answer) in zip(finance, QUESTIONS, strict=False):
        q = disclosure_svc.question_ask(
            actor=v.villager.user, jurisdiction=v.villager.j, disclosure=item, question=question
        )
        asked = item.published_at + timedelta(days=1, hours=3)
        answered = None
        if answer:
            disclosure_svc.question_answer(
                actor=v.clerk.user, jurisdiction=v.clerk.j, question=q, answer=answer
            )
            answered = asked + timedelta(days=1, hours=2)
        _backdate_question(
            q, min(asked, timezone.now()), answered and min(answered, timezone.now())
        )
        v.add("selfgov_questions")


# --- the election -------------------------------------------------------------------------------


def _election(v: Village, approval: Decision | None, non_hukou: Person | None) -> None:
    rng = v.rng
    vote_on = v.today + timedelta(days=ELECTION_DAYS[v.code])
    name = v.region.name.removesuffix("委会")
    clerk, j = v.clerk.user, v.clerk.j
    election = election_svc.election_create(
        actor=clerk, jurisdiction=j, village=v.region, seats=5,
        title=f"{name}第十二届村民委员会换届选举", vote_on=vote_on,
    )  # fmt: skip
    v.add("selfgov_elections")
    if approval is not None and non_hukou is not None:
        election_svc.approval_record(
            actor=clerk, jurisdiction=j, person=non_hukou,
            applied_on=timezone.localdate(approval.agenda_item.meeting.scheduled_at)
            - timedelta(days=20),
            decision=approval,
        )  # fmt: skip
    away = [
        p for p in v.persons
        if p.hukou_here and p.residence_status == ResidenceStatus.AWAY_FOR_WORK
        and _age(p.birth_date, vote_on) >= 25
    ]  # fmt: skip
    opted = rng.sample(away, min(2, len(away)))
    for person in opted:
        election_svc.optin_record(
            actor=clerk, jurisdiction=j, election=election, person=person,
            opted_in_on=v.today - timedelta(days=6),
        )  # fmt: skip
    election_svc.roll_generate(actor=clerk, jurisdiction=j, election=election)
    v.add("selfgov_roll", election_svc.registered_voters(election))
    _backdate_election(election, v.at(20, 15), v.at(3, 11))
    VoterOptIn.objects.filter(election=election).update(recorded_at=v.at(6, 10))
    if v.code != PUBLISHED_ROLL:
        return
    election = election_svc.roll_publish(
        actor=clerk, jurisdiction=j, election=election, on=v.today - timedelta(days=2)
    )
    entries = {
        e.person_id: e
        for e in VoterRollEntry.objects.filter(election=election, removed=False).select_related(
            "person"
        )
    }
    # Proxies: two wives (working at home is hard on the vote day) to their husbands.
    couples = []
    by_household: dict[int, dict[str, VoterRollEntry]] = {}
    for e in sorted(entries.values(), key=lambda e: e.person_id):
        by_household.setdefault(e.person.household_id, {})[e.person.relationship] = e
    for members in by_household.values():
        if "02" in members and "10" in members:
            couples.append((members["10"], members["02"]))
    for principal, holder in rng.sample(couples, min(2, len(couples))):
        election_svc.proxy_record(
            actor=clerk, jurisdiction=j, election=election, principal=principal, holder=holder,
            written_on=v.today - timedelta(days=1),
        )  # fmt: skip
    # Objections: one about an opted-in villager (answered, not upheld), one asking to add a
    # non-hukou resident without an approval (waiting; the answer is due in three days).
    if opted:
        objection = election_svc.objection_file(
            actor=clerk, jurisdiction=j, election=election, entry=entries.get(opted[0].pk),
            text=f"{opted[0].name}常年在外务工，不应列入选民名单。", filed_by_name="村民口头反映",
            filed_on=v.today - timedelta(days=1),
        )  # fmt: skip
        election_svc.objection_answer(
            actor=clerk, jurisdiction=j, objection=objection, upheld=False,
            answer="该村民户籍在本村，已书面表示参加本届选举，依法列入选民名单（第十三条）。",
        )  # fmt: skip
    unapproved = [
        p for p in _adults(v, 20, 70) if not p.hukou_here and p.pk not in entries
    ]  # fmt: skip
    if unapproved:
        person = unapproved[0]
        election_svc.objection_file(
            actor=clerk, jurisdiction=j, election=election, subject=person,
            text=f"{person.name}在本村居住多年，要求列入选民名单。", filed_by_name=person.name,
        )  # fmt: skip


# --- the whole -----------------------------------------------------------------------------------


def _actors() -> tuple[dict[str, Actor], dict[str, Actor]]:
    clerks: dict[str, Actor] = {}
    villagers: dict[str, Actor] = {}
    for ra in (
        RoleAssignment.objects.active()
        .filter(user__is_active=True, region_code__in=SELFGOV_VILLAGES)
        .select_related("user")
        .order_by("pk")
    ):
        if ra.role == Role.VILLAGE_CLERK:
            clerks.setdefault(ra.region_code, Actor(ra.user, ra.jurisdiction()))
        elif ra.role == Role.VILLAGER:
            villagers.setdefault(ra.region_code, Actor(ra.user, ra.jurisdiction()))
    return clerks, villagers


def seed_selfgov(*, seed: int = 1, today: date | None = None) -> dict[str, int]:
    """The self-governance demo (the caller holds a system scope, as demo_seed does). Returns
    what was added; a second run adds nothing."""
    counts = dict.fromkeys(
        ("selfgov_bodies", "selfgov_memberships", "selfgov_meetings", "selfgov_attendance",
         "selfgov_decisions", "selfgov_matters", "selfgov_disclosures", "selfgov_questions",
         "selfgov_elections", "selfgov_roll"),
        0,
    )  # fmt: skip
    today = today or timezone.localdate()
    clerks, villagers = _actors()
    regions = {r.code: r for r in Region.objects.filter(code__in=SELFGOV_VILLAGES)}
    seeded = set(
        Body.objects.within(SYSTEM).filter(village_code__in=SELFGOV_VILLAGES)
        .values_list("village_code", flat=True)
    )  # fmt: skip
    overdue = False
    for code in SELFGOV_VILLAGES:
        if code in seeded or code not in clerks or code not in regions:
            continue
        persons = list(
            Person.objects.within(SYSTEM)
            .filter(region_code__startswith=code)
            .exclude(residence_status__in=GONE)
            .select_related("household", "region")
            .order_by("household__number", "pk")
        )
        if len(persons) < 60:
            continue  # no register to draw from
        v = Village(
            code=code,
            region=regions[code],
            rng=random.Random(f"{seed}:selfgov:{code}"),  # noqa: S311 - demo data
            today=today,
            clerk=clerks[code],
            villager=villagers.get(code),
            persons=persons,
            groups=list(
                Region.objects.filter(parent=regions[code], level=Level.GROUP).order_by("code")
            ),
            counts=counts,
        )
        vote_on = today + timedelta(days=ELECTION_DAYS.get(code, 30))
        _bodies(v, vote_on.replace(year=vote_on.year - 5))
        approval, non_hukou = _meetings_and_matters(v)
        _dues(v)
        items = _periodic_disclosures(v)
        _questions(v, items)
        if code in ELECTION_DAYS:
            _election(v, approval, non_hukou)
        overdue = overdue or code == OVERDUE_VILLAGE
    if overdue:
        disclosure_svc.overdue_alert()
    from cunshe.demo.selfgov_polls import seed_polls  # polls part

    counts.update(seed_polls(seed=seed))
    from cunshe.demo.selfgov_proposals import seed_proposals  # proposals part

    seed_proposals(seed=seed, today=today, counts=counts)
    return counts
