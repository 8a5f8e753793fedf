"""Near relatives from relationship-to-head codes (GB/T 4761) and kin links — table-tested."""

from __future__ import annotations

import pytest

from cunshe.selfgov import kinship as k


@pytest.mark.parametrize(
    ("a", "b", "path", "certain"),
    [
        ("02", "20", "C", True),  # head and son
        ("20", "02", "P", True),
        ("02", "12", "S", True),
        ("20", "22", "B", True),  # two sons: brothers
        ("20", "30", "B", True),
        ("51", "20", "CC", True),  # head's father and head's son: grandchild
        ("02", "61", "PP", True),  # head and his grandfather
        ("12", "53", "P", True),
        ("02", "38", "CS", True),  # head and daughter-in-law
        ("12", "75", "SB", True),  # wife and head's elder sister
        ("02", "72", "BS", True),  # head and his elder brother's wife
        ("02", "55", "SP", True),  # head and his father-in-law
        ("02", "45", "CCS", True),
        ("20", "38", "S", False),  # a son and a daughter-in-law: maybe his wife
        ("38", "41", "C", False),  # daughter-in-law and grandson: maybe her son
    ],
)
def test_near_in_household(a, b, path, certain):
    kin = k.near_in_household(a, b)
    assert kin is not None
    assert (kin.path, kin.certain) == (path, certain)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("20", "93"),  # son and head's nephew: cousins
        ("02", "91"),  # head and his cousin
        ("02", "81"),  # head and his uncle
        ("02", "99"),  # not related
        ("02", "97"),  # other relative: unknown
        ("80", "20"),
    ],
)
def test_not_near_in_household(a, b):
    assert k.near_in_household(a, b) is None


def test_every_code_has_a_path_or_is_unknown():
    from cunshe.residents.codes import RELATIONSHIPS

    for code in RELATIONSHIPS:
        path = k.path_of(code)
        assert path is None or set(path) <= set("PCSB"), code


def test_links_across_households():
    # 1 (household 10) is the father of 2 (household 20, its head); 3 is 2's wife.
    members = [k.Member(1, 10, "02"), k.Member(2, 20, "02"), k.Member(3, 20, "12")]
    links = [k.Link(2, 1, "parent")]
    assert k.near_relative(1, 2, members, links).path == "C"
    assert k.near_relative(1, 3, members, links).path == "CS"  # daughter-in-law
    assert k.near_relative(3, 1, members, links).path == "SP"  # father-in-law
    assert k.near_relative(1, 3, members, []) is None  # without the link: strangers


def test_siblings_through_a_shared_parent_link():
    members = [k.Member(1, 10, "02"), k.Member(2, 20, "02"), k.Member(9, 30, "02")]
    links = [k.Link(1, 9, "parent"), k.Link(2, 9, "parent")]
    assert k.near_relative(1, 2, members, links).path == "B"
    assert k.near_relative(1, 1, members, links) is None
