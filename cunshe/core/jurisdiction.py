"""Jurisdiction: the set of region subtrees and permissions a request or job acts under.

A subtree is named by a region code; every row below it carries a region_code that starts with
that code. Codes have fixed lengths per level, so a prefix of any other length is refused: a
7-digit "2201020" would silently match a slice of county 220102's townships.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.db.models import Q

# province 2, prefecture 4, county 6, township 9, village 12, group/hamlet 15
CODE_LENGTHS = (2, 4, 6, 9, 12, 15)


class ScopeError(RuntimeError):
    """A scoped query was made with no jurisdiction: refused rather than returning everything."""


def is_valid_code(code: str) -> bool:
    return isinstance(code, str) and code.isdigit() and len(code) in CODE_LENGTHS


@dataclass(frozen=True)
class Jurisdiction:
    """What the caller may see (code prefixes) and do (permission names)."""

    prefixes: tuple[str, ...]
    permissions: frozenset[str] = field(default_factory=frozenset)
    role: str = ""
    user_id: int | None = None
    assignment_id: int | None = None
    department: str = ""
    is_system: bool = False
    reason: str = ""

    def __post_init__(self) -> None:
        for p in self.prefixes:
            if not is_valid_code(p):
                raise ValueError(f"Not a region code: {p!r}")
        if not self.is_system and not self.prefixes:
            raise ScopeError("A jurisdiction without regions sees nothing; use none instead.")

    @classmethod
    def system(cls, reason: str, prefixes: Iterable[str] = ("",)) -> Jurisdiction:
        """An explicit whole-platform scope for commands and tasks; callers audit its use."""
        if not reason:
            raise ScopeError("The system scope needs a reason.")
        return _SystemJurisdiction(
            prefixes=tuple(prefixes), is_system=True, reason=reason, role="system"
        )

    def covers(self, code: str) -> bool:
        """True when `code` lies in one of this jurisdiction's subtrees."""
        return any(code.startswith(p) for p in self.prefixes)

    def has_perm(self, perm: str) -> bool:
        return self.is_system or perm in self.permissions

    def q(self, field_name: str = "region_code") -> Q:
        """A filter selecting rows whose `field_name` lies in the jurisdiction."""
        query = Q(pk__in=[])
        for p in self.prefixes:
            query |= Q(**{f"{field_name}__startswith": p})
        return query

    @property
    def root_code(self) -> str:
        return self.prefixes[0] if self.prefixes else ""


@dataclass(frozen=True)
class _SystemJurisdiction(Jurisdiction):
    def __post_init__(self) -> None:  # the system scope's empty prefix means "everything"
        pass

    def covers(self, code: str) -> bool:
        return True

    def q(self, field_name: str = "region_code") -> Q:
        return Q()


# The system scope active in this context (commands, tasks). Requests never set it.
_active_system: contextvars.ContextVar[Jurisdiction | None] = contextvars.ContextVar(
    "cunshe_system_scope", default=None
)


@contextlib.contextmanager
def system_scope(reason: str) -> Iterator[Jurisdiction]:
    """Run a block with unscoped access allowed, writing one audit event that says why."""
    from cunshe.core.audit import audit

    jurisdiction = Jurisdiction.system(reason)
    token = _active_system.set(jurisdiction)
    try:
        audit("core.system_scope.entered", jurisdiction=jurisdiction, detail={"reason": reason})
        yield jurisdiction
    finally:
        _active_system.reset(token)


def active_system_scope() -> Jurisdiction | None:
    return _active_system.get()
