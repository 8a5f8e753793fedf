"""Writes of kin links: the inferred ones kept in line with the register (system level,
set-based) and a clerk's corrections (added across households, inferred ones switched off).

A clerk's change is audited (`care.kin.added`, `care.kin.disabled`) and re-identifies both
people once the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from cunshe.care import kin
from cunshe.care.models import KinLink
from cunshe.core.audit import audit
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.residents.models import Person

EDIT = "care.edit"
CHUNK = 2000
NOTE_MAX = 200


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    ids = sorted(set(ids))
    for start in range(0, len(ids), CHUNK):
        yield ids[start : start + CHUNK]


def household_members(household_ids: Iterable[int]) -> dict[int, list[kin.Member]]:
    """Every member (any status) of the given households, for the inference."""
    out: dict[int, list[kin.Member]] = {}
    for chunk in _chunks(household_ids):
        rows = Person._base_manager.filter(household_id__in=chunk).values_list(
            "id", "household_id", "relationship", "marital_status", "residence_status"
        )
        for pk, hh, rel, marital, status in rows:
            out.setdefault(hh, []).append(kin.Member(pk, rel, marital or "", status))
    for hh in out:
        out[hh].sort(key=lambda m: m.id)
    return out


def kin_sync_households(household_ids: Iterable[int]) -> set[int]:
    """Bring the inferred links of these households in line with their members' relationships
    (set-based: a few queries per 2,000 households). Links a clerk switched off stay off; clerk
    links are never touched. Returns the ids of persons whose links changed."""
    members = household_members(household_ids)
    wanted: set[tuple[int, int, str]] = set()
    region: dict[int, tuple[int, str]] = {}
    for hh_members in members.values():
        wanted |= kin.infer(hh_members).links
    person_ids = [m.id for ms in members.values() for m in ms]
    for chunk in _chunks(person_ids):
        for pk, rid, code in Person._base_manager.filter(pk__in=chunk).values_list(
            "id", "region_id", "region_code"
        ):
            region[pk] = (rid, code)
    existing: dict[tuple[int, int, str], tuple[int, str, bool]] = {}
    for chunk in _chunks(person_ids):
        for pk, person, relative, kind_, source, active in KinLink._base_manager.filter(
            person_id__in=chunk
        ).values_list("id", "person_id", "relative_id", "kind", "source", "active"):
            existing[(person, relative, kind_)] = (pk, source, active)
    # Inferred links that are no longer inferred go (a switched-off one stays as the clerk's
    # record, so that the inference does not bring it back if it returns).
    stale = [
        pk
        for key, (pk, source, active) in existing.items()
        if source == KinLink.Source.INFERRED and active and key not in wanted
    ]
    new = [key for key in sorted(wanted) if key not in existing]
    changed: set[int] = set()
    for chunk in _chunks(stale):
        KinLink._base_manager.filter(pk__in=chunk).delete()
    gone = set(stale)
    for key, (pk, *_rest) in existing.items():
        if pk in gone:
            changed |= {key[0], key[1]}
    rows = [
        KinLink(
            person_id=p,
            relative_id=r,
            kind=k,
            source=KinLink.Source.INFERRED,
            region_id=region[p][0],
            region_code=region[p][1],
        )
        for p, r, k in new
    ]
    KinLink._base_manager.bulk_create(rows, batch_size=CHUNK)
    changed |= {p for p, _r, _k in new}
    # The other side of a parent link changes too (an elderly person gains or loses a child).
    changed |= {r for _p, r, _k in new}
    return changed


def unresolved_members(household_id: int) -> list[int]:
    """Members of the household whose parents the inference could not tell apart."""
    members = household_members([household_id]).get(household_id, [])
    return kin.infer(members).unresolved


def _enqueue_identify(person_ids: list[int]) -> None:
    from cunshe.care.jobs.identification import enqueue_identify

    enqueue_identify(person_ids)


def _check_scope(jurisdiction: Jurisdiction, *people: Person) -> None:
    for p in people:
        if not jurisdiction.covers(p.region_code):
            raise PermissionDenied(_("该人员不在您的管辖范围内。"))
    if not jurisdiction.has_perm(EDIT):
        raise PermissionDenied(EDIT)


@transaction.atomic
def kin_add(
    *,
    actor: Any,
    jurisdiction: Jurisdiction,
    person: Person,
    relative: Person,
    kind: str,
    note: str = "",
) -> KinLink:
    """A clerk records that `relative` is `person`'s parent or spouse (a spouse link is stored
    both ways). Re-enables a link that was switched off."""
    _check_scope(jurisdiction, person, relative)
    errors: dict[str, str] = {}
    if kind not in KinLink.Kind.values:
        errors["kind"] = _("请选择关系：父母或配偶。")
    if person.pk == relative.pk:
        errors["relative"] = _("不能与本人建立关系。")
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        errors["note"] = _("说明不能超过200个字。")
    if kind == KinLink.Kind.PARENT and not errors and relative.birth_date >= person.birth_date:
        errors["relative"] = _("父母的出生日期应早于本人。")
    if errors:
        raise ValidationError(errors)
    pairs = [(person, relative)]
    if kind == KinLink.Kind.SPOUSE:
        pairs.append((relative, person))
    link = None
    for a, b in pairs:
        row = (
            KinLink._base_manager.select_for_update()
            .filter(person=a, relative=b, kind=kind)
            .first()
        )
        if row is not None and row.active:
            if link is None:
                raise ValidationError({"relative": _("这条关系已经登记。")})
            continue
        if row is None:
            row = KinLink(person=a, relative=b, kind=kind, region_id=a.region_id)
            row.region_code = a.region_code
        row.source = KinLink.Source.CLERK
        row.active = True
        row.note = note
        row.changed_by = actor
        row.save()
        link = link or row
    assert link is not None
    audit(
        "care.kin.added",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=link,
        detail={"kind": kind, "person_id": person.pk, "relative_id": relative.pk},
    )
    transaction.on_commit(lambda: _enqueue_identify([person.pk, relative.pk]))
    return link


@transaction.atomic
def kin_disable(
    *, actor: Any, jurisdiction: Jurisdiction, link: KinLink, note: str = ""
) -> KinLink:
    """Switch a link off (kept, so the inference does not add it again). A spouse link goes
    off both ways."""
    row = KinLink.objects.within(jurisdiction).select_for_update().filter(pk=link.pk).first()
    if row is None:
        raise PermissionDenied(_("该关系不在您的管辖范围内。"))
    if not jurisdiction.has_perm(EDIT):
        raise PermissionDenied(EDIT)
    if not row.active:
        raise ValidationError({"link": _("这条关系已经停用。")})
    note = (note or "").strip()
    if len(note) > NOTE_MAX:
        raise ValidationError({"note": _("说明不能超过200个字。")})
    rows = [row]
    if row.kind == KinLink.Kind.SPOUSE:
        rows += list(
            KinLink._base_manager.select_for_update().filter(
                person_id=row.relative_id, relative_id=row.person_id, kind=row.kind, active=True
            )
        )
    for r in rows:
        r.active = False
        r.note = note
        r.changed_by = actor
        r.save(update_fields=["active", "note", "changed_by", "changed_at"])
    audit(
        "care.kin.disabled",
        actor=actor,
        jurisdiction=jurisdiction,
        obj=row,
        detail={"kind": row.kind, "source": row.source},
    )
    people = [row.person_id, row.relative_id]
    transaction.on_commit(lambda: _enqueue_identify(people))
    return row
