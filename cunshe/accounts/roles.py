"""Roles, the region level each is granted at, and what each may do.

Permissions are plain names, namespaced by app ("regions.view"). Later apps add theirs to
ROLE_PERMISSIONS here, in one place, so that who-may-do-what is readable as a table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from cunshe.regions.models import Level


class Role(models.TextChoices):
    VILLAGER = "villager", _("村民")
    VILLAGE_CLERK = "village_clerk", _("村社区工作者/代办员")
    VILLAGE_LEADER = "village_leader", _("村两委成员")
    TOWNSHIP_OFFICER = "township_officer", _("乡镇干部")
    COUNTY_OFFICER = "county_officer", _("县级部门干部")
    CITY_OFFICIAL = "city_official", _("市级干部")
    PROVINCE_OFFICIAL = "province_official", _("省级干部")
    AUDITOR = "auditor", _("只读督查员")
    SYSTEM_ADMIN = "system_admin", _("系统管理员")
    SECURITY_ADMIN = "security_admin", _("安全管理员")
    AUDIT_ADMIN = "audit_admin", _("审计管理员")


class Department(models.TextChoices):
    CIVIL_AFFAIRS = "civil_affairs", _("民政")
    HUMAN_RESOURCES = "hr_social_security", _("人社")
    MEDICAL_INSURANCE = "medical_insurance", _("医保")
    HEALTH = "health", _("卫健")
    JUSTICE = "justice", _("司法")
    PUBLIC_SECURITY = "public_security", _("公安")
    AGRICULTURE = "agriculture", _("农业农村")
    HOUSING = "housing", _("住建")
    ENVIRONMENT = "environment", _("生态环境")
    CULTURE_TOURISM = "culture_tourism", _("文旅")
    WOMEN = "womens_federation", _("妇联")
    DISABLED = "disabled_federation", _("残联")
    YOUTH_LEAGUE = "youth_league", _("团委")
    VETERANS = "veterans_affairs", _("退役军人事务")
    NATURAL_RESOURCES = "natural_resources", _("自然资源和林业")


# The region level at which each role is granted; a role × region outside it is refused.
ROLE_LEVELS: dict[str, set[int]] = {
    Role.VILLAGER: {Level.VILLAGE, Level.GROUP},
    Role.VILLAGE_CLERK: {Level.VILLAGE},
    Role.VILLAGE_LEADER: {Level.VILLAGE},
    Role.TOWNSHIP_OFFICER: {Level.TOWNSHIP},
    Role.COUNTY_OFFICER: {Level.COUNTY},
    Role.CITY_OFFICIAL: {Level.PREFECTURE},
    Role.PROVINCE_OFFICIAL: {Level.PROVINCE},
    Role.AUDITOR: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY, Level.TOWNSHIP},
    Role.SYSTEM_ADMIN: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
    Role.SECURITY_ADMIN: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
    Role.AUDIT_ADMIN: {Level.PROVINCE, Level.PREFECTURE, Level.COUNTY},
}

STAFF_ROLES = frozenset(set(Role) - {Role.VILLAGER})
DEPARTMENT_ROLES = frozenset({Role.COUNTY_OFFICER})
ADMIN_ROLES = frozenset({Role.SYSTEM_ADMIN, Role.SECURITY_ADMIN, Role.AUDIT_ADMIN})

_OFFICIAL_READ = {"regions.view"}
# The register: residents.view lists people (masked); residents.unmask reveals ID and phone
# numbers on a deliberate, audited click; residents.view_minors shows records of children
# under 14; residents.edit registers and records events; residents.import / .export move lists.
_REGISTER_CLERK = {
    "residents.view", "residents.edit", "residents.unmask", "residents.view_minors",
    "residents.import", "residents.export",
}  # fmt: skip
_REGISTER_SUPERVISOR = {"residents.view", "residents.view_minors", "residents.export"}
# The service desk (办事不出村): servicedesk.apply lets a villager apply for their own household;
# .intake lets a clerk apply for a villager (代办/领办) and book appointments for them; .handle
# works matters routed to the holder's own unit (a village, township, or county department);
# .view lists matters in the jurisdiction; .rectify does call-backs on bad ratings; .windows
# keeps appointment windows and slots; .catalogue adjusts the catalogue; .metrics reads
# statistics; .reports handles 随手拍 problem reports; .open311 issues keys to Open311 clients.
_DESK_VILLAGER = {"servicedesk.apply"}
_DESK_CLERK = {
    "servicedesk.intake", "servicedesk.handle", "servicedesk.view", "servicedesk.windows",
    "servicedesk.rectify", "servicedesk.reports", "servicedesk.metrics",
}  # fmt: skip
_DESK_OFFICER = {
    "servicedesk.handle", "servicedesk.view", "servicedesk.windows", "servicedesk.rectify",
    "servicedesk.reports", "servicedesk.metrics",
}  # fmt: skip
_DESK_SUPERVISOR = {"servicedesk.view", "servicedesk.metrics"}
# 三留守 care: care.view lists and opens profiles of adults (women, elderly); care.view_children
# adds children's records (sensitive information of minors); care.edit confirms or dismisses
# candidates, keeps profiles, family links and carers; care.visit records visits; care.alerts
# watches the live board and acknowledges and closes alerts; care.terminals keeps the terminal
# register; care.stats reads aggregate statistics (no names); care.export exports lists
# (masked); care.parked reviews messages from unregistered terminals.
_CARE_CLERK = {
    "care.view", "care.view_children", "care.edit", "care.visit", "care.alerts",
    "care.terminals", "care.stats", "care.export",
}  # fmt: skip
_CARE_LEADER = {"care.view", "care.view_children", "care.visit", "care.alerts", "care.stats"}
_CARE_TOWNSHIP = {
    "care.view", "care.view_children", "care.visit", "care.alerts", "care.stats", "care.export",
}  # fmt: skip

# Self-governance: selfgov.view reads bodies, meetings, matters, disclosures and elections in
# the jurisdiction (voter rolls masked); selfgov.manage keeps bodies and memberships, convenes
# meetings, signs attendees in, records decisions and moves 四议两公开 matters; .disclose
# publishes village affairs and answers villagers' questions; .elections runs elections (roll,
# objections, proxies, results); .supervise is the township's and county's oversight (overdue
# disclosures, filed village rules); .participate lets a villager ask questions on disclosures.
_SELFGOV_VILLAGE = {
    "selfgov.view", "selfgov.manage", "selfgov.disclose", "selfgov.elections",
}  # fmt: skip
_SELFGOV_SUPERVISOR = {"selfgov.view", "selfgov.supervise"}

# Volunteering (志愿服务): volunteering.view reads volunteers, activities, hours and needs in the
# jurisdiction (ID numbers masked); .manage registers volunteers, keeps stations, organisations,
# projects, activities and shifts, signs volunteers in at the place, confirms hours as organiser,
# records training, honours and evaluations, issues certificates, posts needs and runs
# matching; .approve approves confirmed hours (never one's own); .participate lets a villager
# register as a volunteer, sign up, sign in by QR, answer matches and see their own record;
# .reports reads aggregates.
# Points (积分制): points.view reads declarations, accounts and the store; .declare declares
# deeds for households; .review is the group leader's review (a clerk may review for a group
# without a leader — recorded as such); .approve is the 两委's approval, which posts the
# declaration publicly, and decides objections; .rules keeps the village's earning rules;
# .store runs the 爱心超市 counter (redeem, stock in, donors); .participate lets a villager see
# the household's points, declare, object and show the card; .reports reads aggregates.
_VOL_CLERK = {
    "volunteering.view", "volunteering.manage", "volunteering.reports",
    "points.view", "points.declare", "points.review", "points.rules", "points.store",
    "points.reports",
}  # fmt: skip
_VOL_LEADER = {
    "volunteering.view", "volunteering.approve", "volunteering.reports",
    "points.view", "points.declare", "points.approve", "points.reports",
}  # fmt: skip
_VOL_TOWNSHIP = {
    "volunteering.view", "volunteering.manage", "volunteering.approve", "volunteering.reports",
    "points.view", "points.reports",
}  # fmt: skip
_VOL_VILLAGER = {"volunteering.participate", "points.participate"}
_VOL_SUPERVISOR = {"volunteering.reports", "points.reports"}

ROLE_PERMISSIONS: dict[str, frozenset[str]] = {
    # Villagers see their own household only (residents.view_own), never anyone else's.
    Role.VILLAGER: frozenset(
        {
            "regions.view",
            "residents.view_own",
            *_DESK_VILLAGER,
            "selfgov.participate",
            *_VOL_VILLAGER,
        }
    ),
    Role.VILLAGE_CLERK: frozenset(
        {
            "regions.view",
            "regions.manage_groups",
            *_REGISTER_CLERK,
            *_DESK_CLERK,
            *_CARE_CLERK,
            *_SELFGOV_VILLAGE,
            *_VOL_CLERK,
        }
    ),
    Role.VILLAGE_LEADER: frozenset(
        {
            "regions.view",
            "regions.manage_groups",
            "residents.view",
            "residents.export",
            *_DESK_SUPERVISOR,
            "servicedesk.rectify",
            *_CARE_LEADER,
            *_SELFGOV_VILLAGE,
            *_VOL_LEADER,
        }
    ),
    Role.TOWNSHIP_OFFICER: frozenset(
        {
            *_OFFICIAL_READ,
            *_REGISTER_SUPERVISOR,
            *_DESK_OFFICER,
            *_CARE_TOWNSHIP,
            *_SELFGOV_SUPERVISOR,
            *_VOL_TOWNSHIP,
        }
    ),
    # County departments: civil affairs, women's federation and the disabled persons'
    # federation need minors' and health records; others see adults, masked.
    Role.COUNTY_OFFICER: frozenset(
        {
            *_OFFICIAL_READ,
            "residents.view",
            "residents.export",
            *_DESK_OFFICER,
            "servicedesk.catalogue",
            "servicedesk.open311",
            *_VOL_SUPERVISOR,
        }
    ),
    Role.CITY_OFFICIAL: frozenset(
        {*_OFFICIAL_READ, *_DESK_SUPERVISOR, "care.stats", "selfgov.view", *_VOL_SUPERVISOR}
    ),
    Role.PROVINCE_OFFICIAL: frozenset(
        {
            *_OFFICIAL_READ,
            *_DESK_SUPERVISOR,
            "servicedesk.catalogue",
            "care.stats",
            "selfgov.view",
            *_VOL_SUPERVISOR,
        }
    ),
    Role.AUDITOR: frozenset(
        {
            *_OFFICIAL_READ,
            "residents.view",
            *_DESK_SUPERVISOR,
            "care.stats",
            "selfgov.view",
            *_VOL_SUPERVISOR,
        }
    ),
    # 三权分立: the system administrator runs the platform but neither reads the audit trail
    # nor grants roles; the security administrator manages users and roles; the audit
    # administrator only reads the audit trail.
    Role.SYSTEM_ADMIN: frozenset(
        {"regions.view", "regions.import", "core.tasks_view", "core.calendar_edit", "care.parked"}
    ),
    Role.SECURITY_ADMIN: frozenset({"regions.view", "accounts.manage_users"}),
    Role.AUDIT_ADMIN: frozenset({"regions.view", "core.audit_view"}),
}


# Department-specific additions for county officers.
# Care: civil affairs leads 三留守 work (children, elderly); the women's federation cares for
# women and children; the disabled persons' federation sees adults. Other departments see
# nothing of care, not even statistics.
DEPARTMENT_PERMISSIONS: dict[str, frozenset[str]] = {
    Department.CIVIL_AFFAIRS: frozenset(
        {
            "residents.view_minors",
            "care.view",
            "care.view_children",
            "care.stats",
            "care.export",
            *_SELFGOV_SUPERVISOR,
            "volunteering.view",
        }
    ),
    # The youth league runs volunteer work (志愿者协会); agriculture and rural affairs leads the
    # points system (2020 national notice on 积分制).
    Department.YOUTH_LEAGUE: frozenset({"volunteering.view"}),
    Department.AGRICULTURE: frozenset({"points.view"}),
    Department.WOMEN: frozenset(
        {"residents.view_minors", "care.view", "care.view_children", "care.stats"}
    ),
    Department.DISABLED: frozenset({"residents.view_minors", "care.view", "care.stats"}),
}


def permissions_for(role: str, department: str = "") -> frozenset[str]:
    perms = ROLE_PERMISSIONS.get(role, frozenset())
    if role in DEPARTMENT_ROLES and department:
        perms = perms | DEPARTMENT_PERMISSIONS.get(department, frozenset())
    return perms


def is_staff_role(role: str) -> bool:
    return role in STAFF_ROLES
