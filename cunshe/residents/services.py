"""Writes to the register. Each is atomic, checks the caller's jurisdiction and permission,
and writes one audit event (never the personal values themselves).

Errors a clerk can act on are `django.core.exceptions.ValidationError` with field keys and
messages in the user's language; a stale edit raises `ConcurrentEdit`.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.fields import blind_index_for
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents import idcard
from cunshe.residents.codes import (
    EDUCATION,
    ETHNICITIES,
    HEAD,
    MARITAL,
    POLITICAL,
    RELATIONSHIPS,
    EventKind,
    ResidenceStatus,
)
from cunshe.residents.events import State, facts_of, project
from cunshe.residents.models import GONE, Household, ImportJob, Person, ResidenceEvent

EDIT = "residents.edit"


class ConcurrentEdit(Exception):
    """Someone else saved this record after it was opened; nothing was overwritten."""


def _care_identify(person_ids: list[int], *, refresh_kin: bool = False) -> None:
    """Hook for 三留守 care (issue 5): re-identify who is left behind once this transaction
    commits (the care app gathers one transaction's persons into one background task)."""
    from cunshe.care.jobs.identification import enqueue_identify

    enqueue_identify(person_ids, refresh_kin=refresh_kin)


def _require(jurisdiction: Jurisdiction, perm: str, code: str) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("该记录不在您的管辖范围内。"))
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def _check_codes(data: dict[str, Any]) -> dict[str, str]:
    errors: dict[str, str] = {}
    for field, table in (
        ("relationship", RELATIONSHIPS),
        ("ethnicity", ETHNICITIES),
        ("education", EDUCATION),
        ("marital_status", MARITAL),
        ("political_status", POLITICAL),
    ):
        value = data.get(field)
        if value and value not in table:
            errors[field] = _("不是有效的代码：%(value)s") % {"value": value}
    return errors


@transaction.atomic
def household_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    region: Region,
    number: str,
    address: str = "",
    hukou_here: bool = True,
    **flags: bool,
) -> Household:
    """A new household in a village (or one of its groups/hamlets)."""
    _require(jurisdiction, EDIT, region.code)
    if region.level not in (Level.VILLAGE, Level.GROUP):
        raise ValidationError({"region": _("户必须属于一个村或村民小组。")})
    number = number.strip()
    if not number:
        raise ValidationError({"number": _("户号不能为空。")})
    unknown = set(flags) - set(Household.FLAG_FIELDS)
    if unknown:
        raise ValidationError({"flags": _("未知的户标记：%(f)s") % {"f": ", ".join(unknown)}})
    if (
        Household.objects.within(jurisdiction)
        .filter(village_code=region.code[:12], number=number)
        .exists()
    ):
        raise ValidationError({"number": _("本村已有户号 %(n)s。") % {"n": number}})
    household = Household(
        region=region, number=number, address=address, hukou_here=hukou_here, **flags
    )
    try:
        with transaction.atomic():  # a savepoint: a concurrent twin must not abort the caller
            household.save()
    except IntegrityError as exc:
        raise ValidationError({"number": _("本村已有户号 %(n)s。") % {"n": number}}) from exc
    audit("residents.household.created", actor=actor, jurisdiction=jurisdiction, obj=household)
    return household


def _store_state(person: Person, state: State) -> None:
    for key, value in asdict(state).items():
        setattr(person, key, value)


def _state_fields() -> list[str]:
    return list(State.__dataclass_fields__)


def find_by_id_number(id_number: str) -> Person | None:
    """The register entry with this ID number, anywhere in the province (for uniqueness
    checks only: callers must not show it to someone outside its jurisdiction)."""
    bidx = blind_index_for(Person, "id_number", idcard.normalise(id_number))
    return Person._base_manager.filter(id_number_bidx=bidx).first()


@transaction.atomic
def person_register(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    household: Household,
    relationship: str,
    name: str,
    id_number: str,
    since: date,
    status: str = "",
    destination: str = "",
    hukou_here: bool | None = None,
    hukou_region_code: str = "",
    **details: Any,
) -> Person:
    """Enter a person in the register (or take back one who moved out of another village),
    with a REGISTERED event that records the residence state found."""
    _require(jurisdiction, EDIT, household.region_code)
    errors: dict[str, str] = _check_codes({"relationship": relationship, **details})
    name = name.strip()
    if not name:
        errors["name"] = _("姓名不能为空。")
    try:
        parsed = idcard.parse(id_number)
    except idcard.IdNumberError as exc:
        errors["id_number"] = str(exc)
        parsed = None
    if (status and status not in ResidenceStatus.values) or status in GONE:
        errors["status"] = _("登记时的居住状态无效。")
    if since > timezone.localdate():
        errors["since"] = _("日期不能晚于今天。")
    if parsed is not None and since < parsed.birth_date:
        errors["since"] = _("日期不能早于出生日期。")
    if details.get("sex") and parsed and details["sex"] != parsed.sex:
        errors["sex"] = _("性别与身份证号不一致。")
    if details.get("birth_date") and parsed and details["birth_date"] != parsed.birth_date:
        errors["birth_date"] = _("出生日期与身份证号不一致。")
    if errors:
        raise ValidationError(errors)
    assert parsed is not None
    existing = find_by_id_number(parsed.value)
    if existing is not None and existing.residence_status not in GONE:
        raise ValidationError(
            {"id_number": _("该身份证号已作为现住人口登记在册（一人只能在一个村登记）。")}
        )
    if existing is not None and existing.residence_status == ResidenceStatus.DECEASED:
        raise ValidationError({"id_number": _("该身份证号登记的人员已死亡。")})
    if (
        relationship == HEAD
        and household.members.filter(relationship=HEAD).exclude(residence_status__in=GONE).exists()
    ):
        raise ValidationError({"relationship": _("该户已有户主。")})

    details.pop("sex", None)
    details.pop("birth_date", None)
    person = existing or Person()
    person.household = household
    person.region_id = household.region_id
    person.relationship = relationship
    person.name = name
    person.id_number = parsed.value
    person.sex = parsed.sex
    person.birth_date = parsed.birth_date
    person.hukou_region_code = hukou_region_code
    for key, value in details.items():
        if not hasattr(Person, key) or key in _state_fields() or key in {"version", "account"}:
            raise ValidationError({key: _("不能在登记时设置此字段。")})
        setattr(person, key, value)
    if existing is not None:
        person.version = F("version") + 1
    try:
        person.save()
    except IntegrityError as exc:  # a concurrent registration of the same ID or head
        raise ValidationError(
            {"id_number": _("该身份证号或户主刚被他人登记，请刷新后核对。")}
        ) from exc
    person.refresh_from_db(fields=["version"])
    event = ResidenceEvent(
        person=person,
        region_id=household.region_id,
        kind=EventKind.REGISTERED,
        occurred_on=since,
        status=status,
        destination=destination,
        # The projection takes the hukou location from here (it would otherwise be lost).
        destination_code=hukou_region_code,
        hukou_here=household.hukou_here if hukou_here is None else hukou_here,
        recorded_by=actor,
    )
    event.save()
    _reproject(person)
    _care_identify([person.pk], refresh_kin=True)  # a new member changes the family links
    audit(
        "residents.person.returned" if existing is not None else "residents.person.registered",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=person,
        detail={"household_id": household.pk},
    )
    return person


def _reproject(person: Person) -> State:
    """Replay the person's events and store the resulting state."""
    events = [facts_of(e) for e in ResidenceEvent._base_manager.filter(person=person)]
    state = project(events)
    _store_state(person, state)
    Person._base_manager.filter(pk=person.pk).update(**asdict(state))
    return state


# Which events make sense from which current state; anything else is refused with a reason.
_ALLOWED_FROM: dict[str, set[str]] = {
    EventKind.DEATH: {s for s in ResidenceStatus.values if s != ResidenceStatus.DECEASED},
    EventKind.LEAVE_FOR_WORK: {ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE,
                               ResidenceStatus.AWAY_OTHER},
    EventKind.RETURN: {ResidenceStatus.AWAY_FOR_WORK, ResidenceStatus.AWAY_OTHER},
    EventKind.MOVE_OUT: {ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE,
                         ResidenceStatus.AWAY_FOR_WORK, ResidenceStatus.AWAY_OTHER},
    EventKind.MARRIAGE_OUT: {ResidenceStatus.HERE, ResidenceStatus.NON_HUKOU_HERE,
                             ResidenceStatus.AWAY_FOR_WORK, ResidenceStatus.AWAY_OTHER},
    EventKind.MOVE_IN: {ResidenceStatus.MOVED_OUT, ResidenceStatus.AWAY_OTHER},
    EventKind.MARRIAGE_IN: {ResidenceStatus.MOVED_OUT, ResidenceStatus.HERE,
                            ResidenceStatus.NON_HUKOU_HERE},
    EventKind.HUKOU_IN: {s for s in ResidenceStatus.values if s != ResidenceStatus.DECEASED},
    EventKind.HUKOU_OUT: {s for s in ResidenceStatus.values if s != ResidenceStatus.DECEASED},
    EventKind.BIRTH: set(),  # births are registrations of newborns, not events on a person
}  # fmt: skip


@transaction.atomic
def event_record(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    kind: str,
    occurred_on: date,
    destination: str = "",
    destination_code: str = "",
    note: str = "",
    corrects: ResidenceEvent | None = None,
    corrected_kind: str = "",
    expected_version: int | None = None,
) -> ResidenceEvent:
    """Record a dated residence event (or a correction of an earlier one) and bring the
    person's state up to date. With `expected_version`, refuses if the person changed since."""
    _require(jurisdiction, EDIT, person.region_code)
    locked = Person._base_manager.select_for_update().get(pk=person.pk)
    if expected_version is not None and locked.version != expected_version:
        raise ConcurrentEdit
    errors: dict[str, str] = {}
    if kind not in EventKind.values or kind == EventKind.REGISTERED:
        errors["kind"] = _("不能记录这种事件。")
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = _("日期不能晚于今天。")
    if occurred_on < locked.birth_date:
        errors["occurred_on"] = _("日期不能早于出生日期。")
    if kind == EventKind.CORRECTION:
        if corrects is None or corrects.person_id != person.pk:
            errors["corrects"] = _("请选择要更正的本人事件。")
        if corrected_kind and (
            corrected_kind not in EventKind.values
            or corrected_kind in (EventKind.CORRECTION, EventKind.REGISTERED)
        ):
            errors["corrected_kind"] = _("更正后的事件类型无效。")
    elif corrects is not None:
        errors["corrects"] = _("只有更正事件可以指向其他事件。")
    if kind in (EventKind.LEAVE_FOR_WORK, EventKind.MOVE_OUT) and not destination.strip():
        errors["destination"] = _("请填写去向。")
    if kind not in (EventKind.CORRECTION, EventKind.REGISTERED) and not errors:
        allowed = _ALLOWED_FROM.get(kind, set(ResidenceStatus.values))
        if locked.residence_status not in allowed:
            errors["kind"] = _("当前状态为“%(status)s”，不能记录“%(kind)s”。") % {
                "status": ResidenceStatus(locked.residence_status).label,
                "kind": EventKind(kind).label,
            }
    if errors:
        raise ValidationError(errors)
    event = ResidenceEvent(
        person=locked,
        region_id=locked.region_id,
        kind=kind,
        occurred_on=occurred_on,
        destination=destination.strip(),
        destination_code=destination_code,
        note=note,
        corrects=corrects,
        corrected_kind=corrected_kind,
        recorded_by=actor,
    )
    event.save()
    Person._base_manager.filter(pk=locked.pk).update(version=F("version") + 1)
    _reproject(locked)
    _care_identify([locked.pk])
    audit(
        "residents.event.recorded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=event,
        detail={"person_id": locked.pk, "kind": kind},
    )
    return event


# Fields a clerk may edit directly; residence state, and where the hukou is, change only
# through events (a HUKOU_OUT event carries the new hukou location).
EDITABLE = (
    "name", "relationship", "ethnicity", "phone", "education", "marital_status",
    "political_status", "disability", "illness", "lacks_guardianship_capacity", "is_veteran",
    "is_youfu",
)  # fmt: skip


@transaction.atomic
def person_update(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    expected_version: int,
    **changes: Any,
) -> Person:
    """Change a person's details. Refuses (ConcurrentEdit) when someone else saved the person
    after `expected_version` was read, so two clerks never silently overwrite each other."""
    _require(jurisdiction, EDIT, person.region_code)
    bad = set(changes) - set(EDITABLE)
    if bad:
        raise ValidationError({f: _("此字段不能在这里修改。") for f in bad})
    errors = _check_codes(changes)
    if "name" in changes and not str(changes["name"]).strip():
        errors["name"] = _("姓名不能为空。")
    if errors:
        raise ValidationError(errors)
    locked = Person._base_manager.select_for_update().get(pk=person.pk)
    if locked.version != expected_version:
        raise ConcurrentEdit
    if changes.get("relationship") == HEAD and locked.relationship != HEAD:
        if (
            locked.household.members.filter(relationship=HEAD)
            .exclude(residence_status__in=GONE)
            .exclude(pk=locked.pk)
            .exists()
        ):
            raise ValidationError({"relationship": _("该户已有户主。")})
    for key, value in changes.items():
        setattr(locked, key, value)
    locked.version = expected_version + 1
    locked.save()
    if {"lacks_guardianship_capacity", "marital_status", "relationship"} & set(changes):
        _care_identify(
            [locked.pk], refresh_kin=bool({"marital_status", "relationship"} & set(changes))
        )
    audit(
        "residents.person.updated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"fields": sorted(changes)},
    )
    return locked


def person_unmask(*, actor: Any, jurisdiction: Jurisdiction, person: Person, field: str) -> str:
    """The clear value of a masked field, for a role that may see it; always audited."""
    if field not in ("id_number", "phone"):
        raise ValidationError({"field": _("只能查看身份证号或手机号。")})
    _require(jurisdiction, "residents.unmask", person.region_code)
    audit(
        "residents.person.unmasked",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=person,
        detail={"field": field},
    )
    return getattr(person, field)


def person_rebuild_state(person: Person) -> bool:
    """Replay the events; True when the stored state already matched (used by verification)."""
    before = {k: getattr(person, k) for k in _state_fields()}
    state = _reproject(person)
    return before == asdict(state)


@transaction.atomic
def import_job_create(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    filename: str,
    suffix: str,
    data: bytes,
    mode: str,
    total: int,
) -> ImportJob:
    """Store an uploaded register file as a job under the uploader's root region (the file
    goes to private storage, never to a public URL)."""
    from django.core.files.base import ContentFile

    root = Region.objects.filter(code=jurisdiction.root_code).only("pk", "code").first()
    if root is None:
        raise PermissionDenied(_("没有可导入的管辖区域。"))
    _require(jurisdiction, "residents.import", root.code)
    job = ImportJob(
        region=root,
        created_by=actor,
        assignment_id=jurisdiction.assignment_id,
        filename=filename[:200],
        mode=mode,
        total=total,
    )
    job.file.save(f"upload{suffix}", ContentFile(data), save=False)
    job.save()
    audit(
        "residents.import.uploaded",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=job,
        detail={"rows": total, "mode": mode},
    )
    return job
