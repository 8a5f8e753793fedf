"""Writes of volunteers, stations, organisations and hamlet coordinates.

A resident volunteer is registered from the register (`Person`): name, ID number, sex, birth
date and phone are copied from it, and the ID number is stored on the volunteer too, so the unique
blind index refuses a second registration of the same person (resident or not). A non-resident
registers with an ID number checked by `residents.idcard` (checksum, birth date, sex); a clerk
ticks "证件已核验" after seeing the card (`verified_at/by`). A non-resident who is not verified
cannot be signed up for shifts (`is_verified`; the activities part checks it).

Volunteer numbers are readable: JLV-<village code>-<5-digit sequence>, unique.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from cunshe.core.audit import audit
from cunshe.core.fields import blind_index_for
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.regions.models import Level, Region
from cunshe.residents import idcard
from cunshe.residents.models import GONE, Person
from cunshe.volunteering.models import (
    HamletLocation,
    Organisation,
    Skill,
    Station,
    Volunteer,
)
from cunshe.volunteering.models.volunteers import ALL_SLOTS, slot_bit

VIEW = "volunteering.view"
MANAGE = "volunteering.manage"
PARTICIPATE = "volunteering.participate"
NUMBER_PREFIX = "JLV"
HOME_LEVELS = (Level.VILLAGE, Level.GROUP)
ORGANISATION_LEVELS = (Level.VILLAGE, Level.TOWNSHIP, Level.COUNTY)
# Jilin's bounding box, generously: a hamlet's coordinates outside it are a typing mistake.
LAT_RANGE = (38_000_000, 47_000_000)
LON_RANGE = (119_000_000, 132_000_000)


class VolunteerConflict(Exception):
    """Someone else saved this volunteer after it was opened; nothing was overwritten."""


def is_verified(volunteer: Volunteer) -> bool:
    """A volunteer whose identity is known: a resident (from the register) or a checked card."""
    return bool(volunteer.person_id or volunteer.verified_at)


def availability_mask(slots: list[tuple[int, int]] | list[str]) -> int:
    """21-bit mask from (weekday, part) pairs or "d-p" strings (the form's checkbox values)."""
    mask = 0
    for slot in slots:
        if isinstance(slot, str):
            day, _sep, part = slot.partition("-")
            if not (day.isdigit() and part.isdigit()):
                raise ValidationError({"availability": _("可服务时间的格式不正确。")})
            d, p = int(day), int(part)
        else:
            d, p = slot
        if not (0 <= d <= 6 and 0 <= p <= 2):
            raise ValidationError({"availability": _("可服务时间的格式不正确。")})
        mask |= slot_bit(d, p)
    return mask


def slots_of(mask: int) -> list[str]:
    """The "d-p" strings of a mask (for forms)."""
    return [f"{d}-{p}" for d in range(7) for p in range(3) if mask & slot_bit(d, p)]


def _require(jurisdiction: Jurisdiction, code: str, perm: str = MANAGE) -> None:
    if not jurisdiction.covers(code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    if not jurisdiction.has_perm(perm):
        raise PermissionDenied(perm)


def _clean_skills(skills: list[str] | None, errors: dict[str, str]) -> list[str]:
    skills = list(dict.fromkeys(skills or []))
    if any(s not in Skill.values for s in skills):
        errors["skills"] = _("请从列表中选择技能。")
    return skills


def _clean_availability(value: int | None, errors: dict[str, str]) -> int:
    if value is None:
        return ALL_SLOTS
    if not 0 <= int(value) <= ALL_SLOTS:
        errors["availability"] = _("可服务时间的格式不正确。")
        return ALL_SLOTS
    return int(value)


def _check_home(jurisdiction: Jurisdiction, region: Region | None, errors: dict[str, str]) -> None:
    if region is None:
        errors["region"] = _("请选择所在村（屯）。")
    elif region.level not in HOME_LEVELS or not jurisdiction.covers(region.code):
        errors["region"] = _("所在地必须是您管辖范围内的村或村民小组（屯）。")


def _check_station(
    jurisdiction: Jurisdiction, station: Station | None, region: Region | None, errors: dict
) -> None:
    if station is None:
        return
    if not jurisdiction.covers(station.region_code) or not station.active:
        errors["station"] = _("请选择管辖范围内有效的志愿服务站。")
    elif region is not None and not region.code.startswith(station.region_code[:12]):
        errors["station"] = _("志愿服务站必须在志愿者所在的村。")


def _check_organisations(
    jurisdiction: Jurisdiction, organisations: list[Organisation], region: Region | None, errors
) -> None:
    for org in organisations:
        # An organisation of the village, township or county above the volunteer's home.
        if not org.active or (region is not None and not region.code.startswith(org.region_code)):
            errors["organisations"] = _("所属组织必须是志愿者所在村、乡镇或县的有效组织。")
            return


def _duplicate_message(existing: Volunteer | None) -> str:
    if existing is not None:
        return _("该身份证号已登记为志愿者（编号 %(number)s），不能重复登记。") % {
            "number": existing.number
        }
    return _("该身份证号已登记为志愿者，不能重复登记。")


def _existing_by_id(id_number: str) -> Volunteer | None:
    bidx = blind_index_for(Volunteer, "id_number", id_number)
    return Volunteer._base_manager.filter(id_number_bidx=bidx).only("number").first()


def _next_number(region: Region) -> str:
    prefix = f"{NUMBER_PREFIX}-{region.code[:12]}-"
    last = (
        Volunteer._base_manager.filter(number__startswith=prefix)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    seq = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{seq:05d}"


def _save_new(volunteer: Volunteer, organisations: list[Organisation]) -> Volunteer:
    """Insert with a fresh number; a number taken at the same moment is retried."""
    for _attempt in range(5):
        volunteer.number = _next_number(volunteer.region)
        try:
            with transaction.atomic():
                volunteer.save()
        except IntegrityError as exc:
            existing = _existing_by_id(volunteer.id_number)
            if existing is not None:
                raise ValidationError({"id_number": _duplicate_message(existing)}) from exc
            if (
                volunteer.person_id
                and Volunteer._base_manager.filter(person_id=volunteer.person_id).exists()
            ):
                raise ValidationError({"person": _("此人已登记为志愿者。")}) from exc
            volunteer.pk = None
            continue
        if organisations:
            volunteer.organisations.set(organisations)
        return volunteer
    raise ValidationError(_("生成志愿者编号失败，请重试。"))


def _audit_registered(actor: Any, jurisdiction: Jurisdiction, v: Volunteer, how: str) -> None:
    audit(
        "volunteering.volunteer.registered",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=v,
        detail={"number": v.number, "how": how, "region": v.region_code},
    )


@transaction.atomic
def volunteer_register_resident(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    region: Region | None = None,
    skills: list[str] | None = None,
    availability: int | None = None,
    station: Station | None = None,
    organisations: list[Organisation] | None = None,
    public_consent: bool = False,
    phone: str = "",
) -> Volunteer:
    """Register a resident of the register as a volunteer (identity from the register)."""
    _require(jurisdiction, person.region_code)
    return _register_person(
        actor=actor, jurisdiction=jurisdiction, person=person, region=region, skills=skills,
        availability=availability, station=station, organisations=organisations or [],
        public_consent=public_consent, phone=phone, how="resident",
    )  # fmt: skip


def _register_person(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    region: Region | None,
    skills: list[str] | None,
    availability: int | None,
    station: Station | None,
    organisations: list[Organisation],
    public_consent: bool,
    phone: str,
    how: str,
) -> Volunteer:
    errors: dict[str, str] = {}
    region = region or person.region
    if person.residence_status in GONE:
        errors["person"] = _("此人已迁出或死亡，不能登记为志愿者。")
    _check_home(jurisdiction, region, errors)
    skills = _clean_skills(skills, errors)
    mask = _clean_availability(availability, errors)
    _check_station(jurisdiction, station, region, errors)
    _check_organisations(jurisdiction, organisations, region, errors)
    if errors:
        raise ValidationError(errors)
    if Volunteer._base_manager.filter(person=person).exists():
        raise ValidationError({"person": _("此人已登记为志愿者。")})
    existing = _existing_by_id(person.id_number)
    if existing is not None:
        raise ValidationError({"person": _duplicate_message(existing)})
    v = Volunteer(
        region=region,
        person=person,
        account_id=person.account_id,
        name=person.name,
        id_number=person.id_number,
        phone=(phone or "").strip() or person.phone or "",
        sex=person.sex,
        birth_date=person.birth_date,
        skills=skills,
        availability=mask,
        station=station,
        public_consent=bool(public_consent),
        registered_by=actor,
    )
    _save_new(v, organisations)
    _audit_registered(actor, jurisdiction, v, how)
    return v


@transaction.atomic
def volunteer_register_other(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    name: str,
    id_number: str,
    phone: str = "",
    region: Region | None,
    verified: bool = False,
    skills: list[str] | None = None,
    availability: int | None = None,
    station: Station | None = None,
    organisations: list[Organisation] | None = None,
    public_consent: bool = False,
) -> Volunteer:
    """Register a volunteer who is not in the register, with a checked ID number."""
    if not jurisdiction.has_perm(MANAGE):
        raise PermissionDenied(MANAGE)
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = _("请填写姓名。")
    elif len(name) > 60:
        errors["name"] = _("姓名最多60字。")
    parsed = None
    try:
        parsed = idcard.parse(id_number or "")
    except idcard.IdNumberError as exc:
        errors["id_number"] = str(exc)
    phone = "".join((phone or "").split())
    if phone and not (phone.isdigit() and 7 <= len(phone) <= 12):
        errors["phone"] = _("请填写正确的手机号。")
    _check_home(jurisdiction, region, errors)
    skills = _clean_skills(skills, errors)
    mask = _clean_availability(availability, errors)
    organisations = organisations or []
    _check_station(jurisdiction, station, region, errors)
    _check_organisations(jurisdiction, organisations, region, errors)
    if errors:
        raise ValidationError(errors)
    assert parsed is not None
    existing = _existing_by_id(parsed.value)
    if existing is not None:
        raise ValidationError({"id_number": _duplicate_message(existing)})
    bidx = blind_index_for(Person, "id_number", parsed.value)
    if Person.objects.within(jurisdiction).filter(id_number_bidx=bidx).exists():
        raise ValidationError(
            {"id_number": _("此人在本辖区户籍登记中，请按“本村居民”登记（身份信息取自户籍）。")}
        )
    now = timezone.now()
    v = Volunteer(
        region=region,
        name=name,
        id_number=parsed.value,
        phone=phone,
        sex=parsed.sex,
        birth_date=parsed.birth_date,
        verified_at=now if verified else None,
        verified_by=actor if verified else None,
        skills=skills,
        availability=mask,
        station=station,
        public_consent=bool(public_consent),
        registered_by=actor,
    )
    _save_new(v, organisations)
    _audit_registered(actor, jurisdiction, v, "verified" if verified else "unverified")
    return v


@transaction.atomic
def volunteer_self_register(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person | None,
    skills: list[str] | None = None,
    availability: int | None = None,
    public_consent: bool = False,
) -> Volunteer:
    """A villager registers themself (their own register entry, found by their account)."""
    if not jurisdiction.has_perm(PARTICIPATE):
        raise PermissionDenied(PARTICIPATE)
    if person is None or person.account_id != jurisdiction.user_id:
        raise ValidationError(_("您的账号还没有关联户籍登记，请到村委会登记为志愿者。"))
    if not jurisdiction.covers(person.region_code):
        raise PermissionDenied(_("不在您的管辖范围内。"))
    v = _register_person(
        actor=actor, jurisdiction=jurisdiction, person=person, region=person.region,
        skills=skills, availability=availability, station=None, organisations=[],
        public_consent=public_consent, phone="", how="self",
    )  # fmt: skip
    if v.account_id is None:
        v.account_id = jurisdiction.user_id
        v.save(update_fields=["account"])
    return v


EDITABLE = ("phone", "skills", "availability", "region", "station", "public_consent", "name")


@transaction.atomic
def volunteer_update(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    expected_version: int,
    organisations: list[Organisation] | None = None,
    verified: bool | None = None,
    **changes: Any,
) -> Volunteer:
    """Edit a volunteer (version-checked: VolunteerConflict when someone saved in between).
    A resident's name comes from the register and cannot be changed here."""
    _require(jurisdiction, volunteer.region_code)
    bad = set(changes) - set(EDITABLE)
    if bad:
        raise ValidationError({f: _("此字段不能在这里修改。") for f in bad})
    errors: dict[str, str] = {}
    if "name" in changes:
        name = (changes["name"] or "").strip()
        if volunteer.person_id and name != volunteer.name:
            errors["name"] = _("本村居民的姓名取自户籍登记，请在户籍中修改。")
        elif not name:
            errors["name"] = _("请填写姓名。")
        changes["name"] = name
    if "phone" in changes:
        changes["phone"] = "".join((changes["phone"] or "").split())
        if changes["phone"] and not (
            changes["phone"].isdigit() and 7 <= len(changes["phone"]) <= 12
        ):
            errors["phone"] = _("请填写正确的手机号。")
    if "skills" in changes:
        changes["skills"] = _clean_skills(changes["skills"], errors)
    if "availability" in changes:
        changes["availability"] = _clean_availability(changes["availability"], errors)
    region = changes.get("region", volunteer.region)
    if "region" in changes:
        _check_home(jurisdiction, region, errors)
    if "station" in changes:
        _check_station(jurisdiction, changes["station"], region, errors)
    if organisations is not None:
        _check_organisations(jurisdiction, organisations, region, errors)
    if errors:
        raise ValidationError(errors)
    locked = Volunteer._base_manager.select_for_update().get(pk=volunteer.pk)
    if locked.version != expected_version:
        raise VolunteerConflict
    changed = sorted(k for k, v in changes.items() if getattr(locked, k) != v)
    for key, value in changes.items():
        setattr(locked, key, value)
    if verified is not None and not locked.person_id:
        if verified and locked.verified_at is None:
            locked.verified_at, locked.verified_by = timezone.now(), actor
            changed.append("verified")
        elif not verified and locked.verified_at is not None:
            locked.verified_at, locked.verified_by = None, None
            changed.append("unverified")
    if organisations is not None:
        before = set(locked.organisations.values_list("pk", flat=True))
        if before != {o.pk for o in organisations}:
            locked.organisations.set(organisations)
            changed.append("organisations")
    locked.version = expected_version + 1
    locked.save()
    audit(
        "volunteering.volunteer.updated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"fields": changed},
    )
    return locked


@transaction.atomic
def volunteer_set_status(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    volunteer: Volunteer,
    status: str,
    reason: str,
) -> Volunteer:
    """Suspend, withdraw or reinstate a volunteer, with a reason (audited)."""
    _require(jurisdiction, volunteer.region_code)
    reason = (reason or "").strip()
    errors: dict[str, str] = {}
    if status not in Volunteer.Status.values:
        errors["status"] = _("请选择状态。")
    if not reason:
        errors["reason"] = _("请填写原因。")
    elif len(reason) > 200:
        errors["reason"] = _("原因最多200字。")
    if errors:
        raise ValidationError(errors)
    locked = Volunteer._base_manager.select_for_update().get(pk=volunteer.pk)
    if locked.status == status:
        raise ValidationError({"status": _("志愿者已是该状态。")})
    if locked.status == Volunteer.Status.WITHDRAWN:
        raise ValidationError({"status": _("已退出的志愿者不能恢复，请重新登记。")})
    before = locked.status
    locked.status = status
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit(
        "volunteering.volunteer.status_changed",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=locked,
        detail={"from": before, "to": status, "reason": reason},
    )
    return locked


# --- stations, organisations, hamlets ----------------------------------------------------------


def _text(value: str, limit: int, field: str, errors: dict, *, required: bool = False) -> str:
    value = (value or "").strip()
    if required and not value:
        errors[field] = _("此项为必填项。")
    elif len(value) > limit:
        errors[field] = _("最多 %(max)s 个字符。") % {"max": limit}
    return value


@transaction.atomic
def station_save(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    station: Station | None = None,
    region: Region | None = None,
    name: str,
    address: str = "",
    opening_hours: str = "",
    organisation: Organisation | None = None,
    active: bool = True,
) -> Station:
    """Create (station=None, on a village) or edit a volunteer service station."""
    region = station.region if station is not None else region
    if region is None:
        raise ValidationError({"region": _("请选择村。")})
    _require(jurisdiction, region.code)
    errors: dict[str, str] = {}
    if region.level != Level.VILLAGE:
        errors["region"] = _("志愿服务站建在村一级。")
    name = _text(name, 100, "name", errors, required=True)
    address = _text(address, 200, "address", errors)
    opening_hours = _text(opening_hours, 100, "opening_hours", errors)
    if organisation is not None and not region.code.startswith(organisation.region_code):
        errors["organisation"] = _("请选择本村、本乡镇或本县的组织。")
    if errors:
        raise ValidationError(errors)
    created = station is None
    if station is None:
        station = Station(region=region)
    station.name, station.address, station.opening_hours = name, address, opening_hours
    station.organisation, station.active = organisation, bool(active)
    station.save()
    audit(
        "volunteering.station.created" if created else "volunteering.station.updated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=station,
        detail={"region": region.code, "active": station.active},
    )
    return station


@transaction.atomic
def organisation_save(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    organisation: Organisation | None = None,
    region: Region | None = None,
    name: str,
    kind: str,
    contact_name: str = "",
    contact_phone: str = "",
    active: bool = True,
) -> Organisation:
    """Create (on a village, township or county) or edit a volunteer organisation."""
    region = organisation.region if organisation is not None else region
    if region is None:
        raise ValidationError({"region": _("请选择所在地。")})
    _require(jurisdiction, region.code)
    errors: dict[str, str] = {}
    if region.level not in ORGANISATION_LEVELS:
        errors["region"] = _("志愿服务组织设在村、乡镇或县一级。")
    if kind not in Organisation.Kind.values:
        errors["kind"] = _("请选择组织类别。")
    name = _text(name, 100, "name", errors, required=True)
    contact_name = _text(contact_name, 60, "contact_name", errors)
    contact_phone = "".join((contact_phone or "").split())
    if contact_phone and not (contact_phone.isdigit() and 7 <= len(contact_phone) <= 12):
        errors["contact_phone"] = _("请填写正确的电话号码。")
    clash = Organisation.objects.within(jurisdiction).filter(region=region, name=name)
    if organisation is not None:
        clash = clash.exclude(pk=organisation.pk)
    if name and clash.exists():
        errors["name"] = _("该地已有同名组织。")
    if errors:
        raise ValidationError(errors)
    created = organisation is None
    if organisation is None:
        organisation = Organisation(region=region)
    organisation.name, organisation.kind = name, kind
    organisation.contact_name, organisation.contact_phone = contact_name, contact_phone
    organisation.active = bool(active)
    organisation.save()
    audit(
        "volunteering.organisation.created" if created else "volunteering.organisation.updated",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=organisation,
        detail={"region": region.code, "kind": kind, "active": organisation.active},
    )
    return organisation


@transaction.atomic
def hamlet_location_set(
    *, actor: Any, jurisdiction: Jurisdiction, region: Region, lat: float, lon: float
) -> HamletLocation:
    """Set where a hamlet (村民小组) or village lies (WGS-84 degrees, stored in micro-degrees)."""
    _require(jurisdiction, region.code)
    errors: dict[str, str] = {}
    if region.level not in HOME_LEVELS:
        errors["region"] = _("只能为村或村民小组（屯）设置位置。")
    lat_micro, lon_micro = round(float(lat) * 1_000_000), round(float(lon) * 1_000_000)
    if not LAT_RANGE[0] <= lat_micro <= LAT_RANGE[1]:
        errors["lat"] = _("纬度不在吉林省范围内（38°–47°）。")
    if not LON_RANGE[0] <= lon_micro <= LON_RANGE[1]:
        errors["lon"] = _("经度不在吉林省范围内（119°–132°）。")
    if errors:
        raise ValidationError(errors)
    loc, created = HamletLocation.objects.within(jurisdiction).update_or_create(
        region=region, defaults={"lat_micro": lat_micro, "lon_micro": lon_micro}
    )
    audit(
        "volunteering.hamlet.located",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=loc,
        detail={"region": region.code, "created": created},
    )
    return loc
