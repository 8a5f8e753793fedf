"""Profiles from matches: `identify_persons` brings CareProfile rows in line with what the rules
find (system level: the register hook, the daily job, the command, bulk imports), and a clerk
confirms or dismisses the candidates it makes.

Set-based: a batch of persons costs a handful of queries per 2,000 subjects (kin links both
ways, the persons' facts, their profiles, which profiles were ever confirmed, then bulk writes),
never a query per person. The lifecycle (issue 5 item 1):

  no profile   + match     → CANDIDATE (IDENTIFIED)
  CANDIDATE    + no match  → CLOSED (CLOSED, reason in words)
  ACTIVE       + no match  → CLOSED (CLOSED, reason in words)
  ACTIVE       + new facts → ACTIVE (REASON_CHANGED, major_change_at = now, plan refreshed)
  DISMISSED    + new facts → CANDIDATE (IDENTIFIED); same facts → stays dismissed
  CLOSED       + match     → ACTIVE (REOPENED, major change) if it was ever confirmed,
                             otherwise CANDIDATE (IDENTIFIED)
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from datetime import date, datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connections, router, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.care import identification as ident
from cunshe.care.access import get_profile_for
from cunshe.care.models import CareProfile, KinLink, ProfileEvent, RiskLevel
from cunshe.care.services.kin import CHUNK, _chunks, kin_sync_households
from cunshe.care.services.visits import plan_refresh
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction, system_scope
from cunshe.residents.models import Person
from cunshe.residents.services import ConcurrentEdit

EDIT = "care.edit"
NOTE_MAX = 300
Status = CareProfile.Status

_PERSON_FIELDS = (
    "id", "sex", "birth_date", "residence_status", "status_since", "marital_status",
    "lacks_guardianship_capacity", "region_id", "region_code",
)  # fmt: skip


@dataclass
class Summary:
    subjects: int = 0
    identified: int = 0
    closed: int = 0
    reopened: int = 0
    reason_changed: int = 0
    updated: int = 0

    def add(self, other: Summary) -> None:
        for key, value in asdict(other).items():
            setattr(self, key, getattr(self, key) + value)

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


# --- reading the facts ------------------------------------------------------------------------


def dependents(person_ids: Iterable[int]) -> set[int]:
    """The persons whose outcome may depend on these: themselves, their children, spouses and
    parents (through active kin links)."""
    out = set(person_ids)
    for chunk in _chunks(out.copy()):
        out.update(
            KinLink._base_manager.filter(relative_id__in=chunk, active=True).values_list(
                "person_id", flat=True
            )
        )
        out.update(
            KinLink._base_manager.filter(person_id__in=chunk, active=True).values_list(
                "relative_id", flat=True
            )
        )
    return out


def _facts(row: tuple[Any, ...]) -> ident.PersonFacts:
    pk, sex, birth, status, since, marital, no_capacity = row[:7]
    return ident.PersonFacts(pk, sex, birth, status, since, marital or "", no_capacity)


def load_families(
    subject_ids: list[int],
) -> tuple[dict[int, ident.PersonFacts], dict[int, ident.Family], dict[int, tuple[int, str]]]:
    """The facts of the subjects and of their relatives, each subject's family, and each
    subject's region (id, code). Four queries per call."""
    parents: dict[int, list[int]] = {}
    spouses: dict[int, list[int]] = {}
    children: dict[int, list[int]] = {}
    rows = KinLink._base_manager.filter(person_id__in=subject_ids, active=True).values_list(
        "person_id", "relative_id", "kind"
    )
    for person, relative, kind in rows:
        (parents if kind == KinLink.Kind.PARENT else spouses).setdefault(person, []).append(
            relative
        )
    rows = KinLink._base_manager.filter(
        relative_id__in=subject_ids, kind=KinLink.Kind.PARENT, active=True
    ).values_list("relative_id", "person_id")
    for parent, child in rows:
        children.setdefault(parent, []).append(child)
    wanted = set(subject_ids)
    for mapping in (parents, spouses, children):
        for ids in mapping.values():
            wanted.update(ids)
    facts: dict[int, ident.PersonFacts] = {}
    regions: dict[int, tuple[int, str]] = {}
    for chunk in _chunks(wanted):
        for row in Person._base_manager.filter(pk__in=chunk).values_list(*_PERSON_FIELDS):
            facts[row[0]] = _facts(row)
            regions[row[0]] = (row[7], row[8])

    def people(ids: list[int]) -> tuple[ident.PersonFacts, ...]:
        return tuple(facts[i] for i in sorted(set(ids)) if i in facts)

    families = {
        s: ident.Family(
            parents=people(parents.get(s, [])),
            spouses=people(spouses.get(s, [])),
            children=people(children.get(s, [])),
        )
        for s in subject_ids
    }
    return facts, families, regions


def expected_outcomes(subject_ids: list[int], on: date) -> dict[tuple[int, str], ident.Outcome]:
    """Every rule's outcome for these subjects, computed from the register (read only)."""
    out: dict[tuple[int, str], ident.Outcome] = {}
    for chunk in _chunks(subject_ids):
        facts, families, _regions = load_families(chunk)
        for s in chunk:
            if s in facts:
                for kind, o in ident.evaluate(facts[s], families[s], on).items():
                    out[(s, kind)] = o
    return out


# --- bringing profiles in line --------------------------------------------------------------


_UPDATE_FIELDS = [
    "status", "matches_now", "reason", "identified_on", "recheck_on", "status_changed_at",
    "status_reason", "status_changed_by", "major_change_at", "next_visit_due", "version",
    "updated_at",
]  # fmt: skip


def set_columns(model: type[Model], rows: list[Any], fields: list[str]) -> None:
    """UPDATE each row's `fields` by primary key in one executemany: Django's bulk_update
    builds a CASE per field and row, which costs more than the identification itself."""
    if not rows:
        return
    conn = connections[router.db_for_write(model)]
    qn = conn.ops.quote_name
    cols = [model._meta.get_field(f) for f in fields]
    assignments = ", ".join(f"{qn(c.column)} = %s" for c in cols)
    # Table and column names come from the model's _meta, quoted; values are parameters.
    sql = f"UPDATE {qn(model._meta.db_table)} SET {assignments} WHERE {qn('id')} = %s"  # noqa: S608
    params = [
        [c.get_db_prep_save(getattr(r, c.attname), conn) for c in cols] + [r.pk] for r in rows
    ]
    with conn.cursor() as cursor:
        cursor.executemany(sql, params)


def _words(reason: list[dict[str, Any]]) -> str:
    return ident.describe(reason)[:NOTE_MAX]


def _reconcile(chunk: list[int], on: date, now: datetime, summary: Summary) -> list[CareProfile]:
    """One chunk of subjects: evaluate, then create and update their profiles. Returns the
    profiles whose visit plan needs refreshing (active ones with a major change)."""
    facts, families, regions = load_families(chunk)
    profiles = {
        (p.person_id, p.kind): p
        for p in CareProfile._base_manager.select_for_update().filter(person_id__in=chunk)
    }
    closed_ids = [p.pk for p in profiles.values() if p.status == Status.CLOSED]
    confirmed = set(
        ProfileEvent.objects.filter(
            profile_id__in=closed_ids, kind=ProfileEvent.Kind.CONFIRMED
        ).values_list("profile_id", flat=True)
    ) if closed_ids else set()  # fmt: skip
    new: list[CareProfile] = []
    changed: list[CareProfile] = []
    events: list[ProfileEvent] = []
    refresh: list[CareProfile] = []

    def event(p: CareProfile, kind: str, note: str = "", **detail: Any) -> None:
        events.append(ProfileEvent(profile=p, kind=kind, at=now, note=note[:NOTE_MAX],
                                   detail=detail))  # fmt: skip

    def set_status(p: CareProfile, status: str, why: str = "") -> None:
        p.status = status
        p.status_changed_at = now
        p.status_changed_by = None
        p.status_reason = why[:NOTE_MAX]

    for s in chunk:
        if s not in facts:
            continue
        summary.subjects += 1
        for kind, o in ident.evaluate(facts[s], families[s], on).items():
            p = profiles.get((s, kind))
            if p is None:
                if o.matches:
                    rid, code = regions[s]
                    p = CareProfile(
                        person_id=s, kind=kind, status=Status.CANDIDATE, matches_now=True,
                        reason=o.reason, identified_on=on, recheck_on=o.recheck_on,
                        status_changed_at=now, region_id=rid, region_code=code,
                    )  # fmt: skip
                    new.append(p)
                    summary.identified += 1
                continue
            before = (p.status, p.matches_now, p.reason, p.recheck_on, p.major_change_at)
            if o.matches:
                if p.status in (Status.CANDIDATE, Status.ACTIVE) and p.reason != o.reason:
                    event(p, ProfileEvent.Kind.REASON_CHANGED, _words(o.reason), reason=o.reason)
                    summary.reason_changed += 1
                    if p.status == Status.ACTIVE:
                        p.major_change_at = now
                        refresh.append(p)
                elif p.status == Status.DISMISSED and p.reason != o.reason:
                    set_status(p, Status.CANDIDATE, _("情况有变化，重新列为待确认"))
                    p.identified_on = on
                    event(p, ProfileEvent.Kind.IDENTIFIED, _words(o.reason), reason=o.reason)
                    summary.identified += 1
                elif p.status == Status.CLOSED:
                    if p.pk in confirmed:
                        set_status(p, Status.ACTIVE, _words(o.reason))
                        p.major_change_at = now
                        event(p, ProfileEvent.Kind.REOPENED, _words(o.reason), reason=o.reason)
                        refresh.append(p)
                        summary.reopened += 1
                    else:
                        set_status(p, Status.CANDIDATE)
                        p.identified_on = on
                        event(p, ProfileEvent.Kind.IDENTIFIED, _words(o.reason), reason=o.reason)
                        summary.identified += 1
                p.reason = o.reason
                p.matches_now = True
            else:
                if p.status in (Status.CANDIDATE, Status.ACTIVE):
                    words = _words(ident.closing_reason(p.reason, o.reason))
                    set_status(p, Status.CLOSED, words)
                    p.next_visit_due = None
                    event(p, ProfileEvent.Kind.CLOSED, words, why=o.reason)
                    summary.closed += 1
                p.matches_now = False
            p.recheck_on = o.recheck_on
            if (p.status, p.matches_now, p.reason, p.recheck_on, p.major_change_at) != before:
                if p.status != before[0]:
                    p.version += 1
                p.updated_at = now
                changed.append(p)
    CareProfile._base_manager.bulk_create(new, batch_size=500)
    for p in new:
        event(p, ProfileEvent.Kind.IDENTIFIED, _words(p.reason), reason=p.reason)
    set_columns(CareProfile, changed, _UPDATE_FIELDS)
    ProfileEvent.objects.bulk_create(events, batch_size=1000)
    summary.updated += len(changed)
    return refresh


def identify_persons(
    person_ids: Iterable[int],
    on: date | None = None,
    *,
    now: datetime | None = None,
    refresh_kin: bool = False,
    expand: bool = True,
    reason: str = "care: identification",
) -> Summary:
    """Re-identify everyone whose outcome depends on these persons and bring their profiles in
    line (system level). `refresh_kin` first re-infers the kin links of their households (a
    new member, a changed relationship). One audit event per call."""
    now = now or timezone.now()
    on = on or timezone.localdate(now)
    summary = Summary()
    ids = set(person_ids)
    with system_scope(reason) as j, transaction.atomic():
        if refresh_kin and ids:
            households: set[int] = set()
            for chunk in _chunks(ids):
                households.update(
                    Person._base_manager.filter(pk__in=chunk).values_list("household_id", flat=True)
                )
            ids |= kin_sync_households(households)
        subjects = sorted(dependents(ids) if expand else ids)
        refresh: list[CareProfile] = []
        for start in range(0, len(subjects), CHUNK):
            refresh += _reconcile(subjects[start : start + CHUNK], on, now, summary)
        for p in refresh:
            plan_refresh(p, now=now)
        if subjects:
            audit(
                "care.identification.ran",
                jurisdiction=j,
                detail={"on": on.isoformat(), "persons": len(ids), **summary.as_dict()},
            )
    return summary


def identify_region(
    prefix: str, on: date | None = None, *, now: datetime | None = None, refresh_kin: bool = True
) -> Summary:
    """Identify everyone registered under a region code prefix ("" = everywhere) from scratch,
    village by village (one transaction per village)."""
    with system_scope("care: identification of a region"):
        villages = sorted(
            set(
                Person._base_manager.filter(region_code__startswith=prefix).values_list(
                    "household__village_code", flat=True
                )
            )
        )
    summary = Summary()
    for code in villages:
        ids = list(
            Person._base_manager.filter(household__village_code=code).values_list("id", flat=True)
        )
        summary.add(
            identify_persons(
                ids, on, now=now, refresh_kin=refresh_kin, expand=bool(prefix),
                reason=f"care: identification of village {code}",
            )
        )  # fmt: skip
    return summary


def identify_villages(
    codes: Iterable[str], on: date | None = None, *, now: datetime | None = None
) -> Summary:
    """After a bulk import: re-infer kin and re-identify the villages touched."""
    summary = Summary()
    for code in sorted(set(codes)):
        summary.add(identify_region(code[:12], on, now=now, refresh_kin=True))
    return summary


# --- a clerk's decision -----------------------------------------------------------------------


def _locked_candidate(
    jurisdiction: Jurisdiction, profile: CareProfile, expected_version: int | None
) -> CareProfile:
    locked = get_profile_for(jurisdiction, profile.pk, need=EDIT, for_update=True)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEdit
    if locked.status != Status.CANDIDATE:
        raise ValidationError(
            {
                "status": _("该对象当前状态为“%(s)s”，不是待确认。")
                % {"s": locked.get_status_display()}
            }
        )
    return locked


@transaction.atomic
def candidate_confirm(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    risk_level: str,
    note: str = "",
    expected_version: int | None = None,
) -> CareProfile:
    """Confirm a candidate: it becomes ACTIVE at the chosen risk level and gets a visit plan."""
    locked = _locked_candidate(jurisdiction, profile, expected_version)
    note = (note or "").strip()
    errors = {}
    if risk_level not in RiskLevel.values:
        errors["risk_level"] = _("请选择风险等级。")
    if len(note) > NOTE_MAX:
        errors["note"] = _("说明不能超过300个字。")
    if errors:
        raise ValidationError(errors)
    now = timezone.now()
    locked.status = Status.ACTIVE
    locked.risk_level = risk_level
    locked.status_changed_at = now
    locked.status_changed_by = actor
    locked.status_reason = note
    locked.version += 1
    locked.save(
        update_fields=[
            "status", "risk_level", "status_changed_at", "status_changed_by", "status_reason",
            "version", "updated_at",
        ]
    )  # fmt: skip
    ProfileEvent.objects.create(
        profile=locked, kind=ProfileEvent.Kind.CONFIRMED, actor=actor, note=note,
        detail={"risk_level": risk_level},
    )  # fmt: skip
    plan_refresh(locked, now=now)
    audit(
        "care.candidate.confirmed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"kind": locked.kind, "risk_level": risk_level},
    )
    return locked


@transaction.atomic
def candidate_dismiss(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    profile: CareProfile,
    reason: str,
    expected_version: int | None = None,
) -> CareProfile:
    """Dismiss a candidate with a reason (required). It stays dismissed until its facts change."""
    locked = _locked_candidate(jurisdiction, profile, expected_version)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写不予认定的原因。")})
    if len(reason) > NOTE_MAX:
        raise ValidationError({"reason": _("原因不能超过300个字。")})
    locked.status = Status.DISMISSED
    locked.status_changed_at = timezone.now()
    locked.status_changed_by = actor
    locked.status_reason = reason
    locked.version += 1
    locked.save(
        update_fields=[
            "status", "status_changed_at", "status_changed_by", "status_reason", "version",
            "updated_at",
        ]
    )  # fmt: skip
    ProfileEvent.objects.create(
        profile=locked, kind=ProfileEvent.Kind.DISMISSED, actor=actor, note=reason
    )
    plan_refresh(locked)
    audit(
        "care.candidate.dismissed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"kind": locked.kind},
    )
    return locked
