"""Parent and spouse links inferred from one household's relationships to its head (GB/T 4761).

The register records how each member relates to the head, not to each other, so the links
the care rules need are inferred here, inside one household, and only where the codes leave no
doubt:

- the head's spouse (10 配偶, 11 夫, 12 妻) is the head's spouse;
- the head's children (2x and 3x, except 28 女婿 and 38 儿媳) have the head and the head's spouse
  as parents (only the head when no spouse is registered);
- grandchildren (40–44, 49) have as parents the one son or daughter of the head who has been
  married (marital status 2x/30/40), and that child's spouse (28/38) — when several married
  children live there, several in-laws, or a child whose marital status is not recorded,
  nothing is inferred and the grandchild is reported as unresolved;
- the head's parents (50 父母, 51 父亲, 52 母亲, 57 继父, 58 继母) are the head's parents;
  53–56 (公公, 婆婆, 岳父, 岳母) are the spouse's parents; 51/52, 53/54, 55/56 are spouses.

Pure: members in, links out. `cunshe.care.services.kin` stores them (source INFERRED).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from cunshe.residents.codes import HEAD, ResidenceStatus

PARENT = "parent"
SPOUSE = "spouse"

SPOUSE_OF_HEAD = {"10", "11", "12"}
IN_LAWS = {"28", "38"}
CHILDREN_OF_HEAD = {c for c in (f"{n}" for n in range(20, 40)) if c not in IN_LAWS}
GRANDCHILDREN = {"40", "41", "42", "43", "44", "49"}
HEAD_PARENTS = {"50", "51", "52", "57", "58"}
SPOUSE_PARENTS = {"53", "54", "55", "56"}
PARENT_COUPLES = (("51", "52"), ("53", "54"), ("55", "56"), ("57", "58"))
NEVER_MARRIED = "10"
# Married, remarried, widowed or divorced: a child of the head who may be a parent.
EVER_MARRIED = {"20", "21", "22", "23", "30", "40"}


@dataclass(frozen=True)
class Member:
    id: int
    relationship: str
    marital_status: str = ""
    residence_status: str = ResidenceStatus.HERE


@dataclass
class Inference:
    # (person id, relative id, kind): `relative` is `person`'s parent or spouse.
    links: set[tuple[int, int, str]] = field(default_factory=set)
    # Members whose parents could not be told apart (shown as "父母关系待确认").
    unresolved: list[int] = field(default_factory=list)


def _one(members: list[Member]) -> Member | None:
    return members[0] if len(members) == 1 else None


def _pick_head(members: list[Member]) -> Member | None:
    heads = [m for m in members if m.relationship == HEAD]
    if len(heads) > 1:
        # A former head who died or moved out keeps the code; the current one is the head.
        heads = [
            m
            for m in heads
            if m.residence_status not in (ResidenceStatus.DECEASED, ResidenceStatus.MOVED_OUT)
        ]
    return _one(heads)


def infer(members: Iterable[Member]) -> Inference:
    """The parent and spouse links of one household."""
    members = list(members)
    out = Inference()
    by_code: dict[str, list[Member]] = {}
    for m in members:
        by_code.setdefault(m.relationship, []).append(m)

    def of(codes: set[str]) -> list[Member]:
        return [m for m in members if m.relationship in codes]

    def spouses(a: Member, b: Member) -> None:
        out.links.add((a.id, b.id, SPOUSE))
        out.links.add((b.id, a.id, SPOUSE))

    head = _pick_head(members)
    spouse_candidates = of(SPOUSE_OF_HEAD)
    spouse = _one(spouse_candidates)
    if head is not None and spouse is not None:
        spouses(head, spouse)
    children = of(CHILDREN_OF_HEAD)
    in_laws = of(IN_LAWS)

    if head is not None:
        # Several registered spouses of the head (a former one and a new one): whose children
        # are whose cannot be told, so the children are left unresolved.
        if len(spouse_candidates) > 1:
            out.unresolved.extend(c.id for c in children)
        else:
            for c in children:
                out.links.add((c.id, head.id, PARENT))
                if spouse is not None:
                    out.links.add((c.id, spouse.id, PARENT))
        for p in of(HEAD_PARENTS):
            out.links.add((head.id, p.id, PARENT))
    if spouse is not None:
        for p in of(SPOUSE_PARENTS):
            out.links.add((spouse.id, p.id, PARENT))
    for a_code, b_code in PARENT_COUPLES:
        a, b = _one(by_code.get(a_code, [])), _one(by_code.get(b_code, []))
        if a is not None and b is not None:
            spouses(a, b)

    grandchildren = of(GRANDCHILDREN)
    married_children = [c for c in children if c.marital_status in EVER_MARRIED]
    # A child of the head whose marital status is not recorded might be the parent too.
    unknown = [c for c in children if c.marital_status not in EVER_MARRIED | {NEVER_MARRIED}]
    in_law = _one(in_laws)
    parents: list[Member] | None = None
    if len(married_children) == 1 and len(in_laws) <= 1 and not unknown:
        parents = [married_children[0], *([in_law] if in_law else [])]
        if in_law is not None:
            spouses(married_children[0], in_law)
    elif not married_children and not unknown and in_law is not None:
        parents = [in_law]
    if grandchildren:
        if parents is None:
            out.unresolved.extend(g.id for g in grandchildren)
        else:
            for g in grandchildren:
                for p in parents:
                    out.links.add((g.id, p.id, PARENT))
    out.unresolved.sort()
    return out
