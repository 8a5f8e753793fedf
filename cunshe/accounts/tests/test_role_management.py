import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from cunshe.accounts import services
from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Department, Role
from cunshe.core.models import AuditEvent


def _j(user):
    return RoleAssignment.objects.active().get(user=user).jurisdiction()


def test_security_admin_grants_a_role_and_it_is_audited(cast):
    admin = cast.security_admin
    a = services.role_assign(
        actor=admin,
        jurisdiction=_j(admin),
        user=cast.villager,
        role=Role.VILLAGE_CLERK,
        region=cast.village_a,
    )
    assert a.region_code == "220182102200"
    event = AuditEvent.objects.filter(action="accounts.role.granted").latest("id")
    assert event.actor_username == "security_admin"
    assert event.detail["role"] == Role.VILLAGE_CLERK


def test_nobody_grants_themselves_a_role(cast):
    admin = cast.security_admin
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=admin,
            jurisdiction=_j(admin),
            user=admin,
            role=Role.AUDITOR,
            region=cast.regions["22"],
        )


def test_system_admin_cannot_grant_roles(cast):
    with pytest.raises(PermissionDenied):
        services.role_assign(
            actor=cast.system_admin,
            jurisdiction=_j(cast.system_admin),
            user=cast.villager,
            role=Role.VILLAGE_CLERK,
            region=cast.village_a,
        )


def test_the_three_administrator_roles_are_never_held_together(cast):
    admin = cast.security_admin
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=admin,
            jurisdiction=_j(admin),
            user=cast.system_admin,
            role=Role.AUDIT_ADMIN,
            region=cast.regions["22"],
        )


def test_role_must_fit_the_region_level(cast):
    admin = cast.security_admin
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=admin,
            jurisdiction=_j(admin),
            user=cast.villager,
            role=Role.TOWNSHIP_OFFICER,
            region=cast.village_a,
        )


def test_county_officer_needs_a_department(cast):
    admin = cast.security_admin
    with pytest.raises(ValidationError):
        services.role_assign(
            actor=admin,
            jurisdiction=_j(admin),
            user=cast.villager,
            role=Role.COUNTY_OFFICER,
            region=cast.county,
        )
    a = services.role_assign(
        actor=admin,
        jurisdiction=_j(admin),
        user=cast.villager,
        role=Role.COUNTY_OFFICER,
        region=cast.county,
        department=Department.HEALTH,
    )
    assert a.jurisdiction().department == Department.HEALTH


def test_revoked_role_no_longer_gives_a_jurisdiction(cast, client_as):
    admin = cast.security_admin
    assignment = RoleAssignment.objects.get(user=cast.clerk_a)
    services.role_revoke(actor=admin, jurisdiction=_j(admin), assignment=assignment)
    assert not RoleAssignment.objects.active().filter(user=cast.clerk_a).exists()
    assert AuditEvent.objects.filter(action="accounts.role.revoked").exists()
    # The row is kept as history.
    assert RoleAssignment.objects.filter(pk=assignment.pk, revoked_at__isnull=False).exists()


def test_user_page_creates_account_with_first_role(cast, client_as):
    client = client_as("security_admin")
    response = client.post(
        reverse("accounts:users"),
        {
            "username": "newclerk",
            "display_name": "新代办员",
            "phone": "13912345678",
            "password": "a-long-enough-passphrase",
            "role": Role.VILLAGE_CLERK,
            "region": "220182102201",
            "department": "",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="newclerk")
    assert user.phone == "13912345678"
    assert RoleAssignment.objects.get(user=user).region_code == "220182102201"


def test_user_page_reports_bad_input_and_creates_nothing(cast, client_as):
    client = client_as("security_admin")
    response = client.post(
        reverse("accounts:users"),
        {
            "username": "x",
            "display_name": "",
            "phone": "123",
            "password": "short",
            "role": Role.VILLAGE_CLERK,
            "region": "999999999999",
            "department": "",
        },
    )
    assert response.status_code == 200
    form = response.context["form"]
    assert {"username", "display_name", "phone", "password", "region"} <= set(form.errors)
    assert not User.objects.filter(username="x").exists()


def test_user_pages_are_refused_to_other_roles(cast, client_as):
    for who in ("clerk_a", "system_admin", "audit_admin"):
        assert client_as(who).get(reverse("accounts:users")).status_code == 403
    assert AuditEvent.objects.filter(action="core.permission.denied", outcome="denied").exists()


def test_county_security_admin_cannot_see_users_of_another_county(cast, client_as):
    county_admin = User.objects.create_user("lishu_security", password="x" * 12)
    RoleAssignment.objects.create(
        user=county_admin, role=Role.SECURITY_ADMIN, region=cast.regions["220322"]
    )
    client = client_as(county_admin)
    listing = client.get(reverse("accounts:users")).context["users"]
    assert {u.username for u in listing} == {"outsider", "lishu_security"}
    response = client.get(reverse("accounts:user_detail", args=[cast.clerk_a.pk]))
    assert response.status_code == 404


def test_granting_outside_ones_county_is_refused_on_the_page_and_changes_nothing(cast, client_as):
    county_admin = User.objects.create_user("lishu_sec", password="x" * 12)
    RoleAssignment.objects.create(
        user=county_admin, role=Role.SECURITY_ADMIN, region=cast.regions["220322"]
    )
    before = RoleAssignment.objects.count()
    response = client_as(county_admin).post(
        reverse("accounts:user_detail", args=[cast.outsider.pk]),
        {"role": Role.VILLAGE_CLERK, "region": "220182102200", "department": ""},
    )
    assert response.status_code == 200
    assert "不在您的管辖范围内" in response.content.decode()
    assert RoleAssignment.objects.count() == before
