"""Navigation by role: one table, filtered per request by the active jurisdiction's permissions.

Each app adds its entries here. `perm` None means any signed-in user; `audience` says which
layout shows the item ("desk" for staff, "villager" for the phone layout, "both").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class NavItem:
    label: str | Promise
    url_name: str
    perm: str | None = None
    audience: str = "desk"
    icon: str = ""
    # The menu heading the entry sits under (办事 / 关爱 / 自治 / 志愿与积分 / 管理 …); entries of
    # one area are listed together in NAV, and the desk menu shows the heading once.
    area: str | Promise = ""


def _area(area: str | Promise, *items: NavItem) -> list[NavItem]:
    return [NavItem(i.label, i.url_name, i.perm, i.audience, i.icon, area) for i in items]


NAV: list[NavItem] = [
    NavItem(_("首页"), "web:home", None, "both", "house"),
    *_area(
        _("人口"),
        NavItem(_("行政区划"), "regions:browse", "regions.view", "desk", "diagram-3"),
        NavItem(_("实有人口"), "residents:person_list", "residents.view", "desk", "people-fill"),
        NavItem(_("新建户"), "residents:household_new", "residents.edit", "desk", "house-add"),
        NavItem(_("导入名单"), "residents:import", "residents.import", "desk", "upload"),
        NavItem(
            _("我的家庭"),
            "residents:my_household",
            "residents.view_own",
            "villager",
            "person-circle",
        ),
    ),
    *_area(
        _("办事"),
        NavItem(
            _("办事"),
            "servicedesk:villager_home",
            "servicedesk.apply",
            "villager",
            "clipboard-check",
        ),
        NavItem(_("办件"), "servicedesk:desk_list", "servicedesk.view", "desk", "inboxes"),
        NavItem(_("代办受理"), "servicedesk:intake", "servicedesk.intake", "desk", "person-plus"),
        NavItem(_("到期督办"), "servicedesk:deadlines", "servicedesk.view", "desk", "alarm"),
        NavItem(_("预约"), "servicedesk:windows", "servicedesk.windows", "desk", "calendar-check"),
        NavItem(
            _("差评整改"), "servicedesk:rectifications", "servicedesk.rectify", "desk", "telephone"
        ),
        NavItem(_("随手拍"), "servicedesk:reports_desk", "servicedesk.reports", "desk", "camera"),
        NavItem(_("办事统计"), "servicedesk:metrics", "servicedesk.metrics", "desk", "bar-chart"),
        NavItem(_("事项清单"), "servicedesk:catalogue", None, "desk", "list-check"),
    ),
    *_area(
        _("关爱"),
        NavItem(_("留守关爱"), "care:profile_list", "care.view", "desk", "heart"),
        NavItem(_("待确认对象"), "care:candidates", "care.edit", "desk", "person-check"),
        NavItem(_("探访"), "care:visits_due", "care.visit", "desk", "house-heart"),
        NavItem(_("关爱需求"), "care:need_list", "care.view", "desk", "basket"),
        NavItem(_("告警看板"), "care:board", "care.alerts", "desk", "exclamation-octagon"),
        NavItem(_("呼叫终端"), "care:terminals", "care.terminals", "desk", "smartwatch"),
        NavItem(_("关爱统计"), "care:stats", "care.stats", "desk", "graph-up"),
        NavItem(_("未登记终端消息"), "care:parked", "care.parked", "desk", "inbox"),
    ),
    *_area(
        _("自治"),
        NavItem(_("自治组织"), "selfgov:bodies", "selfgov.view", "desk", "people"),
        NavItem(_("会议"), "selfgov:meetings", "selfgov.view", "desk", "easel"),
        NavItem(_("四议两公开"), "selfgov:matters", "selfgov.view", "desk", "signpost-split"),
        NavItem(_("村务公开"), "selfgov:disclosure_desk", "selfgov.view", "desk", "megaphone"),
        NavItem(_("换届选举"), "selfgov:elections", "selfgov.view", "desk", "check2-square"),
        NavItem(_("村民提议"), "selfgov:proposals", "selfgov.view", "desk", "pen"),
        NavItem(_("村民提议"), "selfgov:proposals", "selfgov.participate", "villager", "pen"),
        NavItem(_("协商"), "selfgov:consultations", "selfgov.view", "desk", "chat-left-dots"),
        NavItem(_("村规民约"), "selfgov:rules", "selfgov.view", "desk", "journal-bookmark"),
        NavItem(_("民意调查"), "selfgov:polls", "selfgov.view", "desk", "ui-checks"),
        NavItem(_("投票"), "selfgov:my_polls", "selfgov.participate", "villager", "ui-checks"),
    ),
    *_area(
        _("志愿与积分"),
        NavItem(
            _("志愿与积分"),
            "volunteering:my_home",
            "volunteering.participate",
            "villager",
            "heart",
        ),
        NavItem(
            _("志愿者"), "volunteering:volunteers", "volunteering.view", "desk", "person-heart"
        ),
        NavItem(
            _("志愿活动"), "volunteering:activities", "volunteering.view", "desk", "calendar-event"
        ),
        NavItem(
            _("服务时长"), "volunteering:hours", "volunteering.view", "desk", "hourglass-split"
        ),
        NavItem(_("志愿需求"), "volunteering:needs", "volunteering.view", "desk", "hand-index"),
        NavItem(_("积分申报"), "volunteering:declarations", "points.view", "desk", "award"),
        NavItem(_("积分规则"), "volunteering:earning_rules", "points.view", "desk", "sliders"),
        NavItem(_("爱心超市"), "volunteering:store_desk", "points.view", "desk", "shop"),
        NavItem(
            _("志愿积分统计"),
            "volunteering:reports",
            "volunteering.reports",
            "desk",
            "bar-chart-line",
        ),
        NavItem(
            _("志愿积分统计"), "volunteering:reports", "points.reports", "desk", "bar-chart-line"
        ),
    ),
    *_area(
        _("管理"),
        NavItem(
            _("Open311接入"), "servicedesk:open311_clients", "servicedesk.open311", "desk", "plug"
        ),
        NavItem(_("节假日"), "core:calendar", "core.calendar_edit", "desk", "calendar3"),
        NavItem(_("用户与角色"), "accounts:users", "accounts.manage_users", "desk", "people"),
        NavItem(_("审计日志"), "core:audit_log", "core.audit_view", "desk", "journal-text"),
        NavItem(_("后台任务"), "core:tasks", "core.tasks_view", "desk", "gear"),
    ),
    NavItem(_("消息"), "core:inbox", None, "both", "bell"),
    NavItem(_("API令牌"), "accounts:tokens", None, "desk", "key"),
]


def items_for(jurisdiction, audience: str) -> list[dict]:  # type: ignore[no-untyped-def]
    """The entries this jurisdiction may see in this layout, with their URLs."""
    out = []
    seen: set[str] = set()
    for item in NAV:
        if item.audience not in (audience, "both"):
            continue
        if item.perm and (jurisdiction is None or not jurisdiction.has_perm(item.perm)):
            continue
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue  # the page is not built yet; tests check every entry resolves
        if url in seen:
            continue  # one page reachable under two permissions is listed once
        seen.add(url)
        out.append({"label": item.label, "url": url, "icon": item.icon, "area": item.area})
    return out


# The big buttons on the villager's home page. Unlike the menu, an entry whose page is not
# built yet is still shown, greyed out as "即将开通", so villagers learn what is coming; it is
# never a link to a page that does not exist. Apps replace the URL names with their real ones.
VILLAGER_TILES: list[NavItem] = [
    NavItem(_("办事"), "servicedesk:villager_home", None, "villager", "clipboard-check"),
    NavItem(_("村务公开"), "selfgov:disclosures", None, "villager", "megaphone"),
    NavItem(_("消息"), "core:inbox", None, "villager", "bell"),
    NavItem(_("我的"), "residents:my_household", None, "villager", "person-circle"),
]


def tiles_for(jurisdiction, tiles: list[NavItem] = VILLAGER_TILES) -> list[dict]:  # type: ignore[no-untyped-def]
    """Home-page buttons: `url` is None for a page not built yet (shown disabled)."""
    out = []
    for item in tiles:
        if item.perm and (jurisdiction is None or not jurisdiction.has_perm(item.perm)):
            continue
        try:
            url: str | None = reverse(item.url_name)
        except NoReverseMatch:
            url = None
        out.append({"label": item.label, "url": url, "icon": item.icon})
    return out
