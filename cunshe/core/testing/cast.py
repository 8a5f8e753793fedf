"""The test cast (DESIGN.md): the same people and places in every test.

Real Jilin codes, so that what tests see matches the imported tree:
  榆树市 220182 ─ 闵家镇 220182102 ─ 闵家村 (A) 220182102200 ─ 一组 220182102200001
                                   └ 古城村 (B) 220182102201
  梨树县 220322 ─ 孤家子镇 220322103 ─ 孤家子村 (C) 220322103200   ← the outsider's village
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.regions.models import Kind, Level, Region

TREE = [
    ("22", "吉林省", Level.PROVINCE, Kind.ADMINISTRATIVE),
    ("2201", "长春市", Level.PREFECTURE, Kind.ADMINISTRATIVE),
    ("220182", "榆树市", Level.COUNTY, Kind.ADMINISTRATIVE),
    ("220182102", "闵家镇", Level.TOWNSHIP, Kind.ADMINISTRATIVE),
    ("220182102200", "闵家村委会", Level.VILLAGE, Kind.RURAL_VILLAGE),
    ("220182102200001", "一组", Level.GROUP, Kind.GROUP),
    ("220182102201", "古城村委会", Level.VILLAGE, Kind.RURAL_VILLAGE),
    ("2203", "四平市", Level.PREFECTURE, Kind.ADMINISTRATIVE),
    ("220322", "梨树县", Level.COUNTY, Kind.ADMINISTRATIVE),
    ("220322103", "孤家子镇", Level.TOWNSHIP, Kind.ADMINISTRATIVE),
    ("220322103200", "孤家子村", Level.VILLAGE, Kind.RURAL_VILLAGE),
]

PASSWORD = "cast-password-123"  # noqa: S105 - test-only


def build_tree() -> dict[str, Region]:
    regions: dict[str, Region] = {}
    for code, name, level, kind in TREE:
        parent = None
        for n in (12, 9, 6, 4, 2):
            if n < len(code) and code[:n] in regions:
                parent = regions[code[:n]]
                break
        regions[code], _ = Region.objects.get_or_create(
            code=code, defaults={"name": name, "level": level, "kind": kind, "parent": parent}
        )
    return regions


@dataclass
class Cast:
    regions: dict[str, Region]
    users: dict[str, User] = field(default_factory=dict)

    @property
    def village_a(self) -> Region:
        return self.regions["220182102200"]

    @property
    def village_b(self) -> Region:
        return self.regions["220182102201"]

    @property
    def village_c(self) -> Region:
        return self.regions["220322103200"]

    @property
    def township(self) -> Region:
        return self.regions["220182102"]

    @property
    def county(self) -> Region:
        return self.regions["220182"]

    def __getattr__(self, name: str) -> User:
        users = self.__dict__.get("users", {})
        if name in users:
            return users[name]
        raise AttributeError(name)


# name -> (role, region code, department)
MEMBERS = {
    "villager": (Role.VILLAGER, "220182102200", ""),
    "clerk_a": (Role.VILLAGE_CLERK, "220182102200", ""),
    "leader_a": (Role.VILLAGE_LEADER, "220182102200", ""),
    "township_officer": (Role.TOWNSHIP_OFFICER, "220182102", ""),
    "county_civil": (Role.COUNTY_OFFICER, "220182", Department.CIVIL_AFFAIRS),
    "province_official": (Role.PROVINCE_OFFICIAL, "22", ""),
    "auditor": (Role.AUDITOR, "22", ""),
    "system_admin": (Role.SYSTEM_ADMIN, "22", ""),
    "security_admin": (Role.SECURITY_ADMIN, "22", ""),
    "audit_admin": (Role.AUDIT_ADMIN, "22", ""),
    "outsider": (Role.VILLAGE_CLERK, "220322103200", ""),
}


def build_cast() -> Cast:
    cast = Cast(regions=build_tree())
    for name, (role, code, dept) in MEMBERS.items():
        user = User.objects.create_user(username=name, password=PASSWORD, display_name=name)
        RoleAssignment.objects.create(
            user=user, role=role, region=cast.regions[code], department=dept
        )
        cast.users[name] = user
    return cast


def login(client: Client, user: User) -> Client:
    """Sign `user` in on `client`, two-factor included (a confirmed TOTP device is attached)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    session = client.session
    session["otp_device_id"] = device.persistent_id
    session.save()
    return client
