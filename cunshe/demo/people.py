"""The demo cast: one login per role, across two counties, and an outsider in a third.

Shared by `demo_seed` (creates them) and `demo_logins` (prints them); the README lists the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from cunshe.accounts.roles import Department, Role

DEMO_PASSWORD = "cunshe-demo-2026"  # noqa: S105 - published demo password, demo profile only

# Groups created locally under the demo villages (村民小组 / 自然屯).
DEMO_GROUPS = [
    ("220182102200", "一组", "group"),
    ("220182102200", "二组", "group"),
    ("220182102200", "西屯", "hamlet"),
    ("220182102201", "一组", "group"),
    ("222406101200", "一组", "group"),
]


@dataclass(frozen=True)
class DemoPerson:
    username: str
    name: str
    role: str
    region_code: str
    department: str = ""
    language: str = ""
    note: str = ""


DEMO_PEOPLE = [
    # 榆树市 (长春市) — 闵家镇 — 闵家村 (A) and 古城村 (B)
    DemoPerson(
        "cunmin", "王秀兰", Role.VILLAGER, "220182102200", note="闵家村村民；志愿者、积分：/vol/me/"
    ),
    DemoPerson(
        "daiban",
        "李春梅",
        Role.VILLAGE_CLERK,
        "220182102200",
        note="闵家村代办员；关爱：/care/candidates/、/care/visits/、/care/board/；志愿积分：/vol/volunteers/、/vol/store/",
    ),
    DemoPerson(
        "liangwei",
        "张国庆",
        Role.VILLAGE_LEADER,
        "220182102200",
        note="闵家村两委；关爱：/care/board/；时长与积分审批：/vol/hours/、/vol/points/declarations/",
    ),
    DemoPerson("daiban_b", "刘海峰", Role.VILLAGE_CLERK, "220182102201", note="古城村代办员"),
    DemoPerson(
        "xiangzhen",
        "赵立新",
        Role.TOWNSHIP_OFFICER,
        "220182102",
        note="闵家镇干部；关爱：/care/board/、/care/stats/",
    ),
    DemoPerson(
        "minzheng",
        "孙丽娟",
        Role.COUNTY_OFFICER,
        "220182",
        Department.CIVIL_AFFAIRS,
        note="榆树市民政局；关爱档案（含儿童）：/care/",
    ),
    DemoPerson(
        "sifa", "周建军", Role.COUNTY_OFFICER, "220182", Department.JUSTICE, note="榆树市司法局"
    ),
    DemoPerson(
        "fulian",
        "吴晓燕",
        Role.COUNTY_OFFICER,
        "220182",
        Department.WOMEN,
        note="榆树市妇联；关爱档案（含儿童）：/care/",
    ),
    DemoPerson("shiji", "郑宏伟", Role.CITY_OFFICIAL, "2201", note="长春市"),
    DemoPerson("shengji", "陈志远", Role.PROVINCE_OFFICIAL, "22", note="吉林省"),
    DemoPerson("ducha", "杨静", Role.AUDITOR, "22", note="省级只读督查"),
    DemoPerson("xitong", "马骏", Role.SYSTEM_ADMIN, "22", note="系统管理员"),
    DemoPerson("anquan", "黄蕾", Role.SECURITY_ADMIN, "22", note="安全管理员"),
    DemoPerson("shenji", "林涛", Role.AUDIT_ADMIN, "22", note="审计管理员"),
    # 和龙市 (延边朝鲜族自治州) — 福洞镇 — 东新村: Korean-speaking demo users
    DemoPerson(
        "cunmin_hl", "김영희", Role.VILLAGER, "222406101200", language="ko", note="和龙市东新村村民"
    ),
    DemoPerson(
        "daiban_hl",
        "박철수",
        Role.VILLAGE_CLERK,
        "222406101200",
        language="ko",
        note="和龙市东新村代办员",
    ),
    DemoPerson("xiangzhen_hl", "최민호", Role.TOWNSHIP_OFFICER, "222406101", note="福洞镇干部"),
    DemoPerson(
        "minzheng_hl",
        "정수진",
        Role.COUNTY_OFFICER,
        "222406",
        Department.CIVIL_AFFAIRS,
        note="和龙市民政局",
    ),
    # 梨树县 (四平市) — the outsider: sees nothing of the two counties above
    DemoPerson(
        "daiban_lishu", "高伟", Role.VILLAGE_CLERK, "220322103200", note="梨树县孤家子村代办员"
    ),
]
