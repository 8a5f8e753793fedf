"""Volunteer services: registration of residents (identity from the register) and non-residents
(ID checked), duplicates refused, self-registration, version-checked edits, status with reason,
stations, organisations and hamlet coordinates; every refusal changes nothing."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cunshe.core.models import AuditEvent
from cunshe.residents import idcard
from cunshe.volunteering.models import HamletLocation, Organisation, Station, Volunteer
from cunshe.volunteering.models.volunteers import ALL_SLOTS, slot_bit
from cunshe.volunteering.services import volunteers as svc
from cunshe.volunteering.tests.volunteers_fixtures import *  # noqa: F403 (fixtures)
from cunshe.volunteering.tests.volunteers_fixtures import OTHER_ID, jurisdiction_of


def _count(j) -> int:  # type: ignore[no-untyped-def]
    return Volunteer.objects.within(j).count()


def test_resident_registration_takes_identity_from_the_register(cast, clerk_j, people):
    v = svc.volunteer_register_resident(
        actor=cast.clerk_a, jurisdiction=clerk_j, person=people.wang, skills=["care"]
    )
    assert v.name == "王秀英" and v.sex == "F" and v.birth_date == date(1972, 6, 7)
    assert v.id_number == people.wang.id_number and v.id_number_bidx
    assert v.number == "JLV-220182102200-00001"
    assert svc.is_verified(v) and v.availability == ALL_SLOTS
    assert AuditEvent.objects.filter(action="volunteering.volunteer.registered").count() == 1
    second = svc.volunteer_register_resident(
        actor=cast.clerk_a, jurisdiction=clerk_j, person=people.zhao
    )
    assert second.number == "JLV-220182102200-00002"


def test_a_person_cannot_be_registered_twice(cast, clerk_j, vols, people):
    before = _count(clerk_j)
    with pytest.raises(ValidationError) as exc:
        svc.volunteer_register_resident(
            actor=cast.clerk_a, jurisdiction=clerk_j, person=people.zhang
        )
    assert "已登记为志愿者" in str(exc.value)
    with pytest.raises(ValidationError) as exc:
        svc.volunteer_register_other(
            actor=cast.clerk_a, jurisdiction=clerk_j, name="李四", id_number=OTHER_ID,
            region=cast.village_a,
        )  # fmt: skip
    assert vols.li.number in str(exc.value)
    assert _count(clerk_j) == before


def test_non_resident_id_number_is_checked_and_decomposed(cast, clerk_j):
    bad = OTHER_ID[:-1] + ("0" if OTHER_ID[-1] != "0" else "1")
    with pytest.raises(ValidationError) as exc:
        svc.volunteer_register_other(
            actor=cast.clerk_a, jurisdiction=clerk_j, name="钱七", id_number=bad,
            region=cast.village_a,
        )  # fmt: skip
    assert "校验位" in str(exc.value)
    assert _count(clerk_j) == 0
    woman = idcard.make("220103", date(2001, 12, 24), 30, "F")
    v = svc.volunteer_register_other(
        actor=cast.clerk_a, jurisdiction=clerk_j, name="钱七", id_number=woman,
        region=cast.village_a,
    )  # fmt: skip
    assert (v.sex, v.birth_date) == ("F", date(2001, 12, 24))
    assert not svc.is_verified(v) and v.verified_at is None


def test_a_registered_resident_cannot_be_entered_as_a_non_resident(cast, clerk_j, people):
    with pytest.raises(ValidationError) as exc:
        svc.volunteer_register_other(
            actor=cast.clerk_a, jurisdiction=clerk_j, name="王秀英",
            id_number=people.wang.id_number, region=cast.village_a,
        )  # fmt: skip
    assert "本村居民" in str(exc.value)
    assert _count(clerk_j) == 0


def test_home_must_be_a_village_or_hamlet_in_the_jurisdiction(cast, clerk_j):
    for region in (cast.township, cast.village_c):
        with pytest.raises(ValidationError):
            svc.volunteer_register_other(
                actor=cast.clerk_a, jurisdiction=clerk_j, name="钱七", id_number=OTHER_ID,
                region=region, verified=True,
            )  # fmt: skip
    with pytest.raises(ValidationError):
        svc.volunteer_register_other(
            actor=cast.clerk_a, jurisdiction=clerk_j, name="钱七", id_number=OTHER_ID,
            region=cast.village_a, skills=["flying"],
        )  # fmt: skip
    assert _count(clerk_j) == 0


def test_refused_without_manage_or_outside(cast, clerk_j, people):
    leader_j = jurisdiction_of(cast.leader_a)
    with pytest.raises(PermissionDenied):
        svc.volunteer_register_resident(
            actor=cast.leader_a, jurisdiction=leader_j, person=people.wang
        )
    outsider_j = jurisdiction_of(cast.outsider)
    with pytest.raises(PermissionDenied):
        svc.volunteer_register_resident(
            actor=cast.outsider, jurisdiction=outsider_j, person=people.wang
        )
    assert _count(clerk_j) == 0


def test_villager_registers_themself_linked_to_account(cast, people):
    j = jurisdiction_of(cast.villager)
    mask = slot_bit(5, 0) | slot_bit(6, 1)
    v = svc.volunteer_self_register(
        actor=cast.villager, jurisdiction=j, person=people.zhang, skills=["haircut"],
        availability=mask, public_consent=True,
    )  # fmt: skip
    assert v.person_id == people.zhang.pk and v.account_id == cast.villager.pk
    assert v.availability == mask and v.public_consent
    # Someone else's register entry is not theirs to register.
    with pytest.raises(ValidationError):
        svc.volunteer_self_register(actor=cast.villager, jurisdiction=j, person=people.wang)
    with pytest.raises(ValidationError):
        svc.volunteer_self_register(actor=cast.villager, jurisdiction=j, person=None)
    assert Volunteer.objects.within(j).count() == 1


def test_update_is_version_checked_and_audited(cast, clerk_j, vols):
    v = vols.li
    updated = svc.volunteer_update(
        actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=v, expected_version=1,
        phone="13800000000", skills=["repair", "driving"],
    )  # fmt: skip
    assert updated.version == 2 and updated.skills == ["repair", "driving"]
    with pytest.raises(svc.VolunteerConflict):
        svc.volunteer_update(
            actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=v, expected_version=1,
            phone="13900000000",
        )  # fmt: skip
    v.refresh_from_db()
    assert v.phone == "13800000000"
    event = AuditEvent.objects.filter(action="volunteering.volunteer.updated").get()
    assert set(event.detail["fields"]) == {"phone", "skills"}


def test_resident_name_is_not_edited_here(cast, clerk_j, vols):
    with pytest.raises(ValidationError):
        svc.volunteer_update(
            actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=vols.zhang, expected_version=1,
            name="张三",
        )  # fmt: skip
    vols.zhang.refresh_from_db()
    assert vols.zhang.name == "张三丰" and vols.zhang.version == 1


def test_verification_can_be_ticked_later(cast, clerk_j, people):
    v = svc.volunteer_register_other(
        actor=cast.clerk_a, jurisdiction=clerk_j, name="钱七", id_number=OTHER_ID,
        region=cast.village_a,
    )  # fmt: skip
    assert not svc.is_verified(v)
    v = svc.volunteer_update(
        actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=v, expected_version=1, verified=True
    )
    assert svc.is_verified(v) and v.verified_by == cast.clerk_a


def test_status_needs_a_reason_and_withdrawn_is_final(cast, clerk_j, vols):
    with pytest.raises(ValidationError):
        svc.volunteer_set_status(
            actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=vols.li, status="suspended",
            reason="  ",
        )  # fmt: skip
    vols.li.refresh_from_db()
    assert vols.li.status == "active"
    svc.volunteer_set_status(
        actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=vols.li, status="withdrawn",
        reason="本人申请退出",
    )  # fmt: skip
    vols.li.refresh_from_db()
    assert vols.li.status == "withdrawn"
    event = AuditEvent.objects.get(action="volunteering.volunteer.status_changed")
    assert event.detail == {"from": "active", "to": "withdrawn", "reason": "本人申请退出"}
    with pytest.raises(ValidationError):
        svc.volunteer_set_status(
            actor=cast.clerk_a, jurisdiction=clerk_j, volunteer=vols.li, status="active",
            reason="恢复",
        )  # fmt: skip


def test_stations_sit_on_villages_and_organisations_are_unique_per_place(cast, clerk_j):
    with pytest.raises(ValidationError):
        svc.station_save(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.regions["220182102200001"],
            name="一组站",
        )  # fmt: skip
    st = svc.station_save(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, name="闵家村志愿服务站"
    )
    assert Station.objects.within(clerk_j).get().pk == st.pk
    org = svc.organisation_save(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a, name="闵家村志愿者协会",
        kind="association",
    )  # fmt: skip
    with pytest.raises(ValidationError):
        svc.organisation_save(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.village_a,
            name="闵家村志愿者协会", kind="elderly",
        )  # fmt: skip
    with pytest.raises(PermissionDenied):  # a village clerk cannot found a county organisation
        svc.organisation_save(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=cast.county, name="县志愿者协会",
            kind="association",
        )  # fmt: skip
    assert Organisation.objects.within(clerk_j).get().pk == org.pk


def test_hamlet_coordinates_must_lie_in_jilin(cast, clerk_j):
    group = cast.regions["220182102200001"]
    with pytest.raises(ValidationError):
        svc.hamlet_location_set(
            actor=cast.clerk_a, jurisdiction=clerk_j, region=group, lat=31.2, lon=121.4
        )
    assert not HamletLocation.objects.within(clerk_j).exists()
    svc.hamlet_location_set(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=group, lat=44.8, lon=126.5
    )
    svc.hamlet_location_set(
        actor=cast.clerk_a, jurisdiction=clerk_j, region=group, lat=44.81, lon=126.5
    )
    loc = HamletLocation.objects.within(clerk_j).get()
    assert (loc.lat_micro, loc.lon_micro) == (44_810_000, 126_500_000)


def test_availability_mask_round_trips():
    mask = svc.availability_mask(["0-0", "6-2", "3-1"])
    assert svc.slots_of(mask) == ["0-0", "3-1", "6-2"]
    with pytest.raises(ValidationError):
        svc.availability_mask(["7-0"])
