"""Kin links inferred from relationships to the head (pure), and kept in the database."""

from __future__ import annotations

from datetime import date

from cunshe.care.kin import PARENT, SPOUSE, Member, infer
from cunshe.care.models import KinLink
from cunshe.care.services.kin import kin_sync_households
from cunshe.core.jurisdiction import system_scope


def m(pk, rel, marital="20", status="here"):  # type: ignore[no-untyped-def]
    return Member(pk, rel, marital, status)


def test_head_spouse_and_children():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02"), m(2, "12"), m(3, "20", "10"), m(4, "31", "10")])
    assert out.links == {
        (1, 2, SPOUSE), (2, 1, SPOUSE),
        (3, 1, PARENT), (3, 2, PARENT), (4, 1, PARENT), (4, 2, PARENT),
    }  # fmt: skip
    assert out.unresolved == []


def test_head_without_spouse_is_the_only_known_parent():  # type: ignore[no-untyped-def]
    assert infer([m(1, "02"), m(3, "21", "10")]).links == {(3, 1, PARENT)}


def test_grandchild_of_one_married_child_and_in_law():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02"), m(2, "10"), m(3, "22"), m(4, "38"), m(5, "41", "10"),
                 m(6, "30", "10")])  # fmt: skip
    assert {(5, 3, PARENT), (5, 4, PARENT), (3, 4, SPOUSE), (4, 3, SPOUSE)} <= out.links
    assert (5, 6, PARENT) not in out.links  # the unmarried daughter is not the parent
    assert out.unresolved == []


def test_grandchild_ambiguous_with_two_married_children():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02"), m(3, "22"), m(4, "23"), m(5, "38"), m(7, "41", "10")])
    assert not any(link[0] == 7 for link in out.links)
    assert out.unresolved == [7]


def test_grandchild_with_only_an_in_law_in_the_household():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02"), m(4, "38", "30"), m(5, "42", "10")])
    assert (5, 4, PARENT) in out.links


def test_head_and_spouse_parents():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02"), m(2, "10"), m(3, "51"), m(4, "52"), m(5, "55")])
    assert {(1, 3, PARENT), (1, 4, PARENT), (2, 5, PARENT), (3, 4, SPOUSE)} <= out.links


def test_two_registered_spouses_leave_children_unresolved():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02"), m(2, "12", status="deceased"), m(3, "12"), m(4, "20", "10")])
    assert not any(link[0] == 4 for link in out.links)
    assert out.unresolved == [4]


def test_current_head_chosen_over_a_deceased_one():  # type: ignore[no-untyped-def]
    out = infer([m(1, "02", status="deceased"), m(2, "02"), m(3, "20", "10")])
    assert out.links == {(3, 2, PARENT)}


def test_sync_stores_inferred_links_and_respects_a_switched_off_one(family):  # type: ignore[no-untyped-def]
    f = family
    with system_scope("test"):
        kin_sync_households([f.household.pk])
        links = set(KinLink.objects.values_list("person_id", "relative_id", "kind", "source"))
        assert (f.child.pk, f.father.pk, "parent", "inferred") in links
        assert (f.child.pk, f.mother.pk, "parent", "inferred") in links
        assert (f.father.pk, f.grandfather.pk, "parent", "inferred") in links
        assert (f.grandfather.pk, f.grandmother.pk, "spouse", "inferred") in links
        row = KinLink.objects.get(person=f.child, relative=f.mother)
        row.active = False
        row.save()
        count = KinLink.objects.count()
        assert kin_sync_households([f.household.pk]) == set()  # nothing changes
        assert KinLink.objects.count() == count
        assert not KinLink.objects.get(person=f.child, relative=f.mother).active
        assert KinLink.objects.get(person=f.child, relative=f.mother).region_code == (
            f.child.region_code
        )


def test_sync_removes_links_no_longer_inferred(family, register):  # type: ignore[no-untyped-def]
    f = family
    with system_scope("test"):
        kin_sync_households([f.household.pk])
    # A second wife registered: whose child is whose is no longer clear.
    register("赵敏", date(1990, 2, 2), "F", "12", seq=18, marital_status="20")
    with system_scope("test"):
        changed = kin_sync_households([f.household.pk])
        assert f.child.pk in changed
        assert not KinLink.objects.filter(person=f.child).exists()
