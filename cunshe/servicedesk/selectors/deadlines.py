"""Deadlines: who supervises a handling unit at each escalation level, and the deadline lists
of the desk page (mine, my unit's, and overdue anywhere below a supervisor, grouped by unit).

The supervision ladder follows the administrative tree: a village is supervised by its
township's officers, a township by the county department of the matter, a county department
by the city's officials, a city by the province's. Escalation level k goes k rungs above the
handling unit, and stops at the province.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, F, Max, Min, QuerySet, Value, When
from django.utils import timezone

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import ROLE_PERMISSIONS, Department, Role
from cunshe.core.jurisdiction import Jurisdiction
from cunshe.core.workdays import working_days_overdue
from cunshe.regions.models import Region
from cunshe.servicedesk import catalogue
from cunshe.servicedesk.models import Application, HandlingLevel
from cunshe.servicedesk.selectors import applications as app_selectors
from cunshe.servicedesk.services.applications import HANDLE

VIEW = app_selectors.VIEW
# Code lengths of the rungs, from the bottom: village, township, county, city, province.
LADDER = (12, 9, 6, 4, 2)
# Who supervises at each rung (the handling unit's officers are found by HANDLE instead).
SUPERVISOR_ROLE = {
    9: Role.TOWNSHIP_OFFICER,
    6: Role.COUNTY_OFFICER,
    4: Role.CITY_OFFICIAL,
    2: Role.PROVINCE_OFFICIAL,
}
# Roles that work matters at their own unit: a village clerk, township or county officer.
HANDLER_ROLES = frozenset(role for role, perms in ROLE_PERMISSIONS.items() if HANDLE in perms)
# The deadline lists show at most this many rows each (oldest due date first).
LIST_LIMIT = 100


@dataclass(frozen=True)
class Unit:
    """An office on the ladder: a region code, a department (county level only) and the roles
    whose holders there are the people to tell."""

    code: str
    department: str
    roles: frozenset[str]

    @property
    def rung(self) -> int:
        return len(self.code)


def _department_of(application: Application) -> str:
    # Village matters carry no department; the county supervises through the item's
    # department as it applies in that county (a county adjustment may name another).
    if application.handler_department:
        return application.handler_department
    return catalogue.effective_item(application.item, application.region_code).department


def supervising_unit(application: Application, level: int) -> Unit:
    """The office `level` rungs above the application's handling unit (capped at the
    province): level 1 is the handling unit's direct supervisor."""
    if level < 1:
        raise ValueError("escalation levels start at 1")
    start = LADDER.index(len(application.handler_code))
    rung = LADDER[min(start + level, len(LADDER) - 1)]
    department = _department_of(application) if rung == 6 else ""
    return Unit(
        code=application.handler_code[:rung],
        department=department,
        roles=frozenset({SUPERVISOR_ROLE[rung]}),
    )


def handling_unit(application: Application) -> Unit:
    """The unit the application is routed to, with the roles that handle matters there."""
    department = (
        application.handler_department if application.handler_level == HandlingLevel.COUNTY else ""
    )
    return Unit(code=application.handler_code, department=department, roles=HANDLER_ROLES)


def users_at(unit: Unit, *, on: date | None = None) -> list[User]:
    """Active users holding one of the unit's roles at exactly its region (and department),
    in a live assignment. One query."""
    assignments = RoleAssignment.objects.active(on).filter(
        region_code=unit.code, role__in=sorted(unit.roles)
    )
    if unit.department:
        assignments = assignments.filter(department=unit.department)
    return list(
        User.objects.filter(is_active=True, pk__in=assignments.values("user_id")).order_by("pk")
    )


def supervisors_for(application: Application, level: int) -> list[User]:
    """The people who supervise the application at escalation `level`: village → township
    officers; township → the county officers of the matter's department; county → the
    city's officials; city → the province's. Level k goes k rungs up, capped at the province."""
    return users_at(supervising_unit(application, level))


def unit_users(code: str, department: str = "") -> list[User]:
    """The officers who handle matters at the unit `code` (a county unit: in `department`)."""
    return users_at(Unit(code=code, department=department if len(code) == 6 else "",
                         roles=HANDLER_ROLES))  # fmt: skip


def unit_officers(application: Application) -> list[User]:
    """The officers of the handling unit (a county unit: of its department only)."""
    return users_at(handling_unit(application))


def unit_label(code: str, department: str, names: dict[str, str]) -> str:
    """'闵家镇' or '榆树市 · 民政' from already loaded region names (a department is part of the
    unit at county level only)."""
    name = names.get(code, code)
    if len(code) == 6 and department in Department.values:
        return f"{name} · {Department(department).label}"
    return name


def region_names(codes: Iterable[str]) -> dict[str, str]:
    """Names of regions by code (public information), one query."""
    wanted = sorted(set(codes))
    if not wanted:
        return {}
    return dict(Region.objects.filter(code__in=wanted).values_list("code", "name"))


# --- the desk page's lists ------------------------------------------------------------------------


@dataclass
class DeadlineRow:
    application: Application
    days_overdue: int  # working days; 0 when not yet due
    unit: str


@dataclass
class DeadlineList:
    rows: list[DeadlineRow]
    more: bool  # more than LIST_LIMIT matched; the oldest are shown


@dataclass
class UnitOverdue:
    unit: str
    code: str
    department: str
    count: int
    top_level: int
    oldest_due: date
    days_overdue: int
    rows: list[DeadlineRow] = field(default_factory=list)


@dataclass
class Board:
    today: date
    is_handler: bool
    is_supervisor: bool
    mine_soon: DeadlineList | None = None
    mine_overdue: DeadlineList | None = None
    unit_soon: DeadlineList | None = None
    unit_overdue: DeadlineList | None = None
    below: list[UnitOverdue] = field(default_factory=list)
    below_more: bool = False


def _cut(qs: QuerySet[Application]) -> tuple[list[Application], bool]:
    rows = list(qs.select_related("item", "assignee")[: LIST_LIMIT + 1])
    return rows[:LIST_LIMIT], len(rows) > LIST_LIMIT


def is_supervisor(jurisdiction: Jurisdiction) -> bool:
    """Staff with servicedesk.view: they see the overdue matters anywhere in their subtree (a
    village's 两委 their village's, whichever unit handles them)."""
    return jurisdiction.has_perm(VIEW)


def deadline_board(
    jurisdiction: Jurisdiction, *, user_id: int | None, today: date | None = None
) -> Board:
    """Everything the deadlines page shows, in a fixed number of queries: for a handler, due
    soon and overdue at their unit and among their own; for a supervisor, the overdue matters
    anywhere below, counted per handling unit with the oldest rows of each."""
    today = today or timezone.localdate()
    handler = jurisdiction.has_perm(HANDLE)
    supervisor = is_supervisor(jurisdiction)
    board = Board(today=today, is_handler=handler, is_supervisor=supervisor)
    lists: dict[str, tuple[list[Application], bool]] = {}
    if handler:
        lists["mine_soon"] = _cut(
            app_selectors.due_soon(jurisdiction, officer_id=user_id, today=today)
        )
        lists["mine_overdue"] = _cut(
            app_selectors.overdue(jurisdiction, officer_id=user_id, today=today)
        )
        lists["unit_soon"] = _cut(app_selectors.due_soon(jurisdiction, today=today))
        lists["unit_overdue"] = _cut(app_selectors.overdue(jurisdiction, today=today))
    groups: list[dict] = []
    below_rows: list[Application] = []
    if supervisor:
        below = app_selectors.overdue_below(jurisdiction, today=today)
        groups = list(
            below.annotate(
                # A township or village is one unit whatever the matter's department.
                unit_department=Case(
                    When(handler_level=HandlingLevel.COUNTY, then=F("handler_department")),
                    default=Value(""),
                )
            )
            .values("handler_code", "unit_department")
            .annotate(n=Count("id"), top=Max("escalation_level"), oldest=Min("due_on"))
            .order_by("oldest", "handler_code", "unit_department")
        )
        below_rows, board.below_more = _cut(below)
    every = [a for rows, _more in lists.values() for a in rows] + below_rows
    codes = {a.handler_code for a in every} | {g["handler_code"] for g in groups}
    names = region_names(codes)
    days = working_days_overdue([a.due_on for a in every] + [g["oldest"] for g in groups], today)

    def row(a: Application) -> DeadlineRow:
        return DeadlineRow(
            application=a,
            days_overdue=days.get(a.due_on, 0) if a.due_on else 0,
            unit=unit_label(a.handler_code, a.handler_department, names),
        )

    for name, (rows, more) in lists.items():
        setattr(board, name, DeadlineList(rows=[row(a) for a in rows], more=more))
    by_unit: dict[tuple[str, str], UnitOverdue] = {}
    for g in groups:
        key = (g["handler_code"], g["unit_department"])
        by_unit[key] = UnitOverdue(
            unit=unit_label(*key, names),
            code=key[0],
            department=key[1],
            count=g["n"],
            top_level=g["top"] or 0,
            oldest_due=g["oldest"],
            days_overdue=days.get(g["oldest"], 0),
        )
    for a in below_rows:
        department = a.handler_department if len(a.handler_code) == 6 else ""
        unit = by_unit.get((a.handler_code, department))
        if unit is not None:
            unit.rows.append(row(a))
    board.below = list(by_unit.values())
    return board
