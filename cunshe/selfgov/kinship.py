"""Near relatives (近亲属) from the register, for the rule that no member of the villagers'
committee, nor a near relative of one, sits on the village-affairs supervision committee
(村民委员会组织法 Art. 32).

Pure: the functions take plain data (relationship-to-head codes, household ids, links), never
the database.

The register keeps only each member's relationship to the household head (GB/T 4761). Each code
is a *path* from the head in four steps: P parent, C child, S spouse, B sibling — 38 儿媳 is "CS"
(the head's child's spouse), 53 公公 is "SP" (the head's spouse's parent). The relation of A to
B in one household is the reverse of A's path followed by B's, reduced:

    PC → B or self   (my parent's child: a sibling, or me)
    CP → S or self   (my child's parent: my spouse, or me)
    BB → B or self   SS → self   PS → P   SC → C   BP → P   CB → C

Where the register cannot tell (two sons: whose child is the grandson?), every reading is kept
and the pair counts as near when ANY reading is near — the refusal then says "可能" and the clerk
can check. Codes 80/97/99 (其他, 其他亲属, 非亲属) and the further kin (uncles, cousins,
nephews) are not near.

Near: spouse, parents, children, siblings, grandparents, grandchildren, and the in-laws of those
(spouse's parents and grandparents, children's and grandchildren's spouses, siblings' spouses,
spouse's siblings).

Across households the register says nothing; care's kin links (parent / spouse, `KinLink`) add
edges, and a path of up to three steps through links and households is followed the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

# Path from the head to a member with each relationship code; None = unknown (not near).
_PATHS: dict[str, str | None] = {"02": ""}
for _c in ("10", "11", "12"):
    _PATHS[_c] = "S"
for _c in ("20", "21", "22", "23", "24", "25", "26", "27", "29"):
    _PATHS[_c] = "C"
for _c in ("30", "31", "32", "33", "34", "35", "36", "37", "39"):
    _PATHS[_c] = "C"
_PATHS["28"] = "CS"  # 女婿
_PATHS["38"] = "CS"  # 儿媳
for _c in ("40", "41", "42", "43", "44", "49"):
    _PATHS[_c] = "CC"
_PATHS["45"] = "CCS"
_PATHS["46"] = "CCS"
_PATHS["47"] = "CCC"
_PATHS["48"] = "CCC"
for _c in ("50", "51", "52", "57", "58", "59"):
    _PATHS[_c] = "P"
for _c in ("53", "54", "55", "56"):
    _PATHS[_c] = "SP"
for _c in ("60", "61", "62", "63", "64", "69"):
    _PATHS[_c] = "PP"
_PATHS["65"] = "SPP"
_PATHS["66"] = "PPP"
_PATHS["67"] = "PPP"
_PATHS["68"] = "SPPP"
for _c in ("70", "71", "73", "75", "77", "79"):
    _PATHS[_c] = "B"
for _c in ("72", "74", "76", "78"):
    _PATHS[_c] = "BS"
for _c in ("81", "83", "85", "88", "90"):
    _PATHS[_c] = "PB"  # 伯父 叔父 舅父 姨母 姑母
for _c in ("82", "84", "86", "87", "89"):
    _PATHS[_c] = "PBS"  # 伯母 婶母 舅母 姨父 姑父
_PATHS["91"] = "PBC"
_PATHS["92"] = "PBC"
for _c in ("93", "94", "95", "96"):
    _PATHS[_c] = "BC"
for _c in ("80", "97", "99"):
    _PATHS[_c] = None

_INVERSE = {"P": "C", "C": "P", "S": "S", "B": "B"}
# Each reducible pair and what it may stand for ("" = the same person).
_REDUCE: dict[str, tuple[str, ...]] = {
    "PC": ("B", ""),
    "CP": ("S", ""),
    "BB": ("B", ""),
    "SS": ("",),
    "PS": ("P",),
    "SC": ("C",),
    "BP": ("P",),
    "CB": ("C",),
}

NEAR: dict[str, object] = {
    "S": _("配偶"),
    "P": _("父母"),
    "C": _("子女"),
    "B": _("兄弟姐妹"),
    "PP": _("祖父母、外祖父母"),
    "CC": _("孙子女、外孙子女"),
    "SP": _("配偶的父母"),
    "SPP": _("配偶的祖父母"),
    "CS": _("子女的配偶"),
    "CCS": _("孙子女的配偶"),
    "BS": _("兄弟姐妹的配偶"),
    "SB": _("配偶的兄弟姐妹"),
}
MAX_PATH = 6  # longer unreduced paths are never near


def path_of(code: str) -> str | None:
    """The path from the household head to a member with relationship `code` (None: unknown)."""
    return _PATHS.get(code)


def inverse(path: str) -> str:
    """The path back: if B is A's `path`, A is B's inverse(path) (C·S → S·P)."""
    return "".join(_INVERSE[step] for step in reversed(path))


def reductions(path: str) -> frozenset[str]:
    """Every reduced reading of `path` (the set of irreducible paths it may stand for)."""
    seen: set[str] = set()
    out: set[str] = set()
    todo = [path]
    while todo:
        p = todo.pop()
        if p in seen:
            continue
        seen.add(p)
        reducible = False
        for i in range(len(p) - 1):
            pair = p[i : i + 2]
            if pair in _REDUCE:
                reducible = True
                for repl in _REDUCE[pair]:
                    todo.append(p[:i] + repl + p[i + 2 :])
        if not reducible:
            out.add(p)
    return frozenset(out)


@dataclass(frozen=True)
class Kinship:
    """How B is related to A: `path` (e.g. "SP"), `label` (配偶的父母), `certain` when the
    register allows no other reading."""

    path: str
    label: object
    certain: bool


def classify(path: str) -> Kinship | None:
    """The near relation `path` between two distinct people may stand for (None when no
    reading is near). "Self" is no reading for two people; when it is the only one (two
    members both coded as the head's spouse) the register is contradictory and we say near."""
    if len(path) > MAX_PATH:
        return None
    readings = set(reductions(path))
    if len(readings) > 1:
        readings.discard("")
    near = sorted((r for r in readings if r in NEAR or r == ""), key=lambda r: (len(r), r))
    if not near:
        return None
    best = near[0]
    label = NEAR.get(best, _("同一户内近亲属"))
    return Kinship(best, label, certain=len(readings) == 1)


def household_relation(code_a: str, code_b: str) -> str | None:
    """The unreduced path from A to B, two members of one household (None: unknown code)."""
    pa, pb = path_of(code_a), path_of(code_b)
    if pa is None or pb is None:
        return None
    return inverse(pa) + pb


def near_in_household(code_a: str, code_b: str) -> Kinship | None:
    """Whether two distinct members of one household are near relatives, by their codes."""
    path = household_relation(code_a, code_b)
    return None if path is None else classify(path)


@dataclass(frozen=True)
class Member:
    """A person as the register places them: household and relationship to its head."""

    person_id: int
    household_id: int
    relationship: str


@dataclass(frozen=True)
class Link:
    """A kin link: `relative_id` is `person_id`'s parent ("parent") or spouse ("spouse")."""

    person_id: int
    relative_id: int
    kind: str


def _edges(members: Iterable[Member], links: Iterable[Link]) -> dict[int, list[tuple[str, int]]]:
    by_household: dict[int, list[Member]] = {}
    for m in members:
        by_household.setdefault(m.household_id, []).append(m)
    edges: dict[int, list[tuple[str, int]]] = {}
    for group in by_household.values():
        for a in group:
            for b in group:
                if a.person_id == b.person_id:
                    continue
                path = household_relation(a.relationship, b.relationship)
                if path is not None:
                    edges.setdefault(a.person_id, []).append((path, b.person_id))
    for link in links:
        if link.person_id == link.relative_id:
            continue
        step = "P" if link.kind == "parent" else "S"
        edges.setdefault(link.person_id, []).append((step, link.relative_id))
        edges.setdefault(link.relative_id, []).append((inverse(step), link.person_id))
    return edges


def near_relative(
    a: int, b: int, members: Iterable[Member], links: Iterable[Link] = (), max_steps: int = 3
) -> Kinship | None:
    """Whether persons `a` and `b` are near relatives, through their households' codes and kin
    links, following at most `max_steps` edges. The most certain, closest reading wins."""
    if a == b:
        return None
    edges = _edges(members, links)
    found: list[Kinship] = []
    frontier: list[tuple[int, str, frozenset[int]]] = [(a, "", frozenset({a}))]
    for _step in range(max_steps):
        nxt: list[tuple[int, str, frozenset[int]]] = []
        for node, path, visited in frontier:
            for label, other in edges.get(node, ()):
                if other in visited:
                    continue
                full = path + label
                if len(full) > MAX_PATH:
                    continue
                if other == b:
                    kin = classify(full)
                    if kin is not None:
                        found.append(kin)
                    continue
                nxt.append((other, full, visited | {other}))
        frontier = nxt
    if not found:
        return None
    found.sort(key=lambda k: (not k.certain, len(k.path), k.path))
    return found[0]
