"""Writes of polls: create (question, 2–10 options, window, secret or open, per person or per
household), open (fixing the eligible voters from the register), vote (online by the villager,
at the hall or by proxy recorded by a clerk), close (counting and publishing), cancel.

One vote per person (and per household on a household poll) is a database constraint; the
service checks first for a clear message and turns a lost race into the same message. A secret
ballot's choice is written to `PollBallot`, which has no link to the person (see the model).
Each service is atomic and writes one audit event; "voted" events never carry a secret choice.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit
from cunshe.selfgov.models import Poll, PollBallot, PollOption, PollParticipation, PollVoter
from cunshe.selfgov.rules import rule
from cunshe.selfgov.selectors.bodies import MANAGE, adults

PARTICIPATE = "selfgov.participate"
Status = Poll.Status
Origin = PollParticipation.Origin
MIN_OPTIONS, MAX_OPTIONS = 2, 10
MAX_QUESTION, MAX_OPTION, MAX_DESCRIPTION = 300, 200, 4000


def _require(jurisdiction: Jurisdiction, code: str, perm: str = MANAGE) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def _lock(poll: Poll) -> Poll:
    """The poll row re-read under a lock: votes, opening and closing serialise on it."""
    return Poll._base_manager.select_for_update().select_related("region").get(pk=poll.pk)


def _check_version(poll: Poll, expected_version: int | None) -> None:
    if expected_version is not None and expected_version != poll.version:
        raise ConcurrentEdit()


def _bump(poll: Poll, *fields: str) -> None:
    poll.version += 1
    poll.save(update_fields=[*fields, "version"])


def _clean_options(options: list[str]) -> list[str]:
    items = [" ".join(str(t).split()) for t in options or []]
    items = [t for t in items if t]
    if len(items) < MIN_OPTIONS or len(items) > MAX_OPTIONS:
        raise ValidationError(
            {"options": _("选项须有%(lo)s到%(hi)s个。") % {"lo": MIN_OPTIONS, "hi": MAX_OPTIONS}}
        )
    if any(len(t) > MAX_OPTION for t in items):
        raise ValidationError({"options": _("每个选项最多200字。")})
    if len(set(items)) != len(items):
        raise ValidationError({"options": _("选项不能重复。")})
    if any("\x00" in t for t in items):
        raise ValidationError({"options": _("不能包含空字符。")})
    return items


@transaction.atomic
def poll_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    question: str,
    options: list[str],
    opens_at: datetime,
    closes_at: datetime,
    secret: bool = True,
    per_household: bool = False,
    description: str = "",
) -> Poll:
    _require(jurisdiction, region.code)
    if region.level not in (Level.VILLAGE, Level.GROUP):
        raise ValidationError({"region": _("民意调查只能面向一个村或村民小组。")})
    question = " ".join((question or "").split())
    description = (description or "").strip()
    if not question:
        raise ValidationError({"question": _("请填写问题。")})
    if len(question) > MAX_QUESTION:
        raise ValidationError({"question": _("问题最多300字。")})
    if "\x00" in question or "\x00" in description:
        raise ValidationError({"question": _("不能包含空字符。")})
    if len(description) > MAX_DESCRIPTION:
        raise ValidationError({"description": _("说明最多4000字。")})
    items = _clean_options(options)
    if opens_at is None or closes_at is None:
        raise ValidationError({"closes_at": _("请填写开始和截止时间。")})
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("截止时间须晚于开始时间。")})
    if closes_at <= timezone.now():
        raise ValidationError({"closes_at": _("截止时间已过。")})
    poll = Poll(
        region=region,
        question=question,
        description=description,
        opens_at=opens_at,
        closes_at=closes_at,
        secret=bool(secret),
        per_household=bool(per_household),
        created_by=actor,
    )
    poll.save(force_insert=True)
    PollOption.objects.bulk_create(
        PollOption(poll=poll, order=i, text=t) for i, t in enumerate(items, start=1)
    )
    audit("selfgov.poll.created", actor=actor, jurisdiction=jurisdiction, obj=poll,
          detail={"options": len(items), "secret_ballot": poll.secret,
                  "per_household": poll.per_household})  # fmt: skip
    return poll


@transaction.atomic
def poll_open(
    *, actor: Any, jurisdiction: Jurisdiction, poll: Poll, expected_version: int | None = None
) -> Poll:
    """Fix the eligible voters: the adults living in the village or group today (the meetings'
    definition, selectors.bodies.adults)."""
    _require(jurisdiction, poll.region_code)
    poll = _lock(poll)
    _check_version(poll, expected_version)
    if poll.status != Status.DRAFT:
        raise ValidationError({"status": _("只有未开始的调查可以开始投票。")})
    now = timezone.now()
    if now >= poll.closes_at:
        raise ValidationError({"status": _("截止时间已过，不能再开始投票。")})
    eligible = list(
        adults(jurisdiction, poll.region_code, timezone.localdate()).values_list(
            "pk", "household_id"
        )
    )
    if not eligible:
        raise ValidationError({"status": _("该村（组）登记中没有在本地居住的成年村民。")})
    PollVoter.objects.bulk_create(
        (PollVoter(poll=poll, person_id=pk, household_id=hh) for pk, hh in eligible),
        batch_size=1000,
    )
    poll.status, poll.opened_at = Status.OPEN, now
    poll.eligible_persons = len(eligible)
    poll.eligible_households = len({hh for _pk, hh in eligible if hh is not None})
    _bump(poll, "status", "opened_at", "eligible_persons", "eligible_households")
    audit("selfgov.poll.opened", actor=actor, jurisdiction=jurisdiction, obj=poll,
          detail={"eligible_persons": poll.eligible_persons,
                  "eligible_households": poll.eligible_households})  # fmt: skip
    return poll


def _check_window(poll: Poll, now: datetime) -> None:
    if poll.status == Status.CLOSED or (poll.status == Status.OPEN and now >= poll.closes_at):
        raise ValidationError({"option": _("投票已截止，不能再投票。")})
    if poll.status != Status.OPEN or now < poll.opens_at:
        raise ValidationError({"option": _("投票尚未开始。")})


def _voter(poll: Poll, person: Person) -> PollVoter:
    row = PollVoter.objects.filter(poll=poll, person=person).first()
    if row is None:
        raise ValidationError(
            {
                "person": _(
                    "此人不在本次调查的投票人名单上（开始投票时本村（组）在本地居住的成年村民）。"
                )
            }
        )
    return row


def _already(poll: Poll, person: Person, household_id: int | None) -> None:
    if PollParticipation.objects.filter(poll=poll, person=person).exists():
        raise ValidationError({"person": _("此人已经投过票，每人只能投一票。")})
    if (
        household_id is not None
        and PollParticipation.objects.filter(poll=poll, household_id=household_id).exists()
    ):
        raise ValidationError({"person": _("这一户已经投过票，本次调查每户只能投一票。")})


@transaction.atomic
def vote_cast(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    poll: Poll,
    option: PollOption,
    person: Person | None = None,
    origin: str = Origin.ONLINE,
    proxy_holder: Person | None = None,
) -> PollParticipation:
    """One vote. Online: `actor` is the villager (selfgov.participate, own village) voting for
    themself. At the hall or by proxy: `actor` is a clerk (selfgov.manage) naming `person`
    (and the `proxy_holder`, a near relative who is on the list, holding at most
    PROXY_MAX_PER_HOLDER proxies in this poll)."""
    if origin == Origin.ONLINE:
        _require(jurisdiction, poll.region_code[:12], PARTICIPATE)
        person = Person._base_manager.filter(account=actor).first()
        if person is None:
            raise ValidationError(
                {"person": _("您的账号没有关联村民登记信息，请到村委会现场投票。")}
            )
        proxy_holder = None
    elif origin in (Origin.HALL, Origin.PROXY):
        _require(jurisdiction, poll.region_code)
        if person is None:
            raise ValidationError({"person": _("请选择投票人。")})
        if origin == Origin.HALL:
            proxy_holder = None
        elif proxy_holder is None:
            raise ValidationError({"proxy_holder": _("请选择受托人。")})
    else:
        raise ValidationError({"origin": _("投票方式不正确。")})
    poll = _lock(poll)
    now = timezone.now()
    _check_window(poll, now)
    if option.poll_id != poll.pk:
        raise ValidationError({"option": _("请选择本次调查的一个选项。")})
    voter = _voter(poll, person)
    household_id = voter.household_id if poll.per_household else None
    _already(poll, person, household_id)
    relation = ""
    if origin == Origin.PROXY:
        relation = _check_proxy(poll, person, proxy_holder)
    try:
        with transaction.atomic():
            row = PollParticipation.objects.create(
                poll=poll,
                person=person,
                household_id=household_id,
                origin=origin,
                voted_at=now,
                recorded_by=actor,
                proxy_holder=proxy_holder,
                proxy_relation=relation[:20],
                option=None if poll.secret else option,
            )
    except IntegrityError:
        _already(poll, person, household_id)
        raise
    if poll.secret:
        PollBallot.objects.create(token=secrets.token_hex(16), poll=poll, option=option)
    detail: dict[str, Any] = {"poll": poll.pk, "person": person.pk, "origin": origin}
    if proxy_holder is not None:
        detail["proxy_holder"] = proxy_holder.pk
    if not poll.secret:
        detail["option"] = option.pk
    audit("selfgov.poll.voted", actor=actor, jurisdiction=jurisdiction, obj=poll, detail=detail)
    return row


def _check_proxy(poll: Poll, principal: Person, holder: Person | None) -> str:
    from cunshe.selfgov.services.elections import near_relation

    if holder is None or holder.pk == principal.pk:
        raise ValidationError({"proxy_holder": _("受托人不能是投票人本人。")})
    if not PollVoter.objects.filter(poll=poll, person=holder).exists():
        raise ValidationError({"proxy_holder": _("受托人须是本次调查投票人名单上的村民。")})
    relation = near_relation(principal, holder)
    if relation is None:
        raise ValidationError(
            {"proxy_holder": _("受托人须是投票人的近亲属（按户籍登记的家庭关系）。")}
        )
    cap = rule("PROXY_MAX_PER_HOLDER")
    if PollParticipation.objects.filter(poll=poll, proxy_holder=holder).count() >= cap:
        raise ValidationError(
            {"proxy_holder": _("每一受托人接受委托不得超过%(n)s人。") % {"n": cap}}
        )
    return relation


@transaction.atomic
def poll_close(
    *,
    actor: Any,
    jurisdiction: Jurisdiction | None,
    poll: Poll,
    expected_version: int | None = None,
    now: datetime | None = None,
) -> Poll:
    """Count and publish, at or after the closing time (the job does it for the system with
    actor None). Secret ballots are rewritten in their random tokens' order."""
    if jurisdiction is not None:
        _require(jurisdiction, poll.region_code)
    poll = _lock(poll)
    _check_version(poll, expected_version)
    now = now or timezone.now()
    if poll.status != Status.OPEN:
        raise ValidationError({"status": _("只有投票中的调查可以结束。")})
    if now < poll.closes_at:
        raise ValidationError(
            {"status": _("截止时间（%(at)s）未到，不能提前结束投票。")
             % {"at": timezone.localtime(poll.closes_at).strftime("%Y-%m-%d %H:%M")}}
        )  # fmt: skip
    if poll.secret:
        ballots = list(PollBallot.objects.filter(poll=poll).values_list("token", "option_id"))
        PollBallot.objects.filter(poll=poll).delete()
        PollBallot.objects.bulk_create(
            (PollBallot(token=t, poll_id=poll.pk, option_id=o) for t, o in sorted(ballots)),
            batch_size=1000,
        )
        counts = dict(
            PollBallot.objects.filter(poll=poll)
            .values("option_id")
            .annotate(n=Count("token"))
            .values_list("option_id", "n")
        )
    else:
        counts = dict(
            PollParticipation.objects.filter(poll=poll)
            .values("option_id")
            .annotate(n=Count("id"))
            .values_list("option_id", "n")
        )
    options = list(PollOption.objects.filter(poll=poll))
    for o in options:
        o.votes = counts.get(o.pk, 0)
    PollOption.objects.bulk_update(options, ["votes"])
    poll.votes_cast = PollParticipation.objects.filter(poll=poll).count()
    poll.status, poll.closed_at = Status.CLOSED, now
    _bump(poll, "status", "closed_at", "votes_cast")
    audit("selfgov.poll.closed", actor=actor, jurisdiction=jurisdiction, obj=poll,
          detail={"votes_cast": poll.votes_cast,
                  "counts": {str(o.pk): o.votes for o in options}})  # fmt: skip
    return poll


@transaction.atomic
def poll_cancel(
    *, actor: Any, jurisdiction: Jurisdiction, poll: Poll, reason: str,
    expected_version: int | None = None,
) -> Poll:  # fmt: skip
    _require(jurisdiction, poll.region_code)
    poll = _lock(poll)
    _check_version(poll, expected_version)
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("请填写取消原因。")})
    if poll.status not in (Status.DRAFT, Status.OPEN):
        raise ValidationError({"status": _("已结束或已取消的调查不能取消。")})
    poll.status, poll.closed_at = Status.CANCELLED, timezone.now()
    _bump(poll, "status", "closed_at")
    audit("selfgov.poll.cancelled", actor=actor, jurisdiction=jurisdiction, obj=poll,
          detail={"reason": reason[:300]})  # fmt: skip
    return poll
