import pytest
from django.core.management import CommandError, call_command

from cunshe.accounts.models import RoleAssignment, User
from cunshe.accounts.roles import Role
from cunshe.demo.people import DEMO_PASSWORD, DEMO_PEOPLE
from cunshe.demo.services import demo_seed
from cunshe.demo.volunteering import CADRES
from cunshe.regions.models import Kind, Level, Region

NAMES = {2: "省", 4: "市", 6: "县", 9: "镇", 12: "村"}


def _tree_for_demo():
    codes = set()
    for p in DEMO_PEOPLE:
        c = p.region_code
        codes |= {c[:n] for n in (2, 4, 6, 9, 12) if n <= len(c)}
    levels = {
        2: Level.PROVINCE,
        4: Level.PREFECTURE,
        6: Level.COUNTY,
        9: Level.TOWNSHIP,
        12: Level.VILLAGE,
    }
    made = {}
    for code in sorted(codes, key=len):
        parent = made.get(next((code[:n] for n in (9, 6, 4, 2) if n < len(code)), ""), None)
        made[code] = Region.objects.create(
            code=code,
            name=code + NAMES[len(code)],
            level=levels[len(code)],
            kind=Kind.RURAL_VILLAGE if len(code) == 12 else Kind.ADMINISTRATIVE,
            parent=parent,
        )


def test_every_role_has_a_demo_login():
    assert {p.role for p in DEMO_PEOPLE} == set(Role)


def test_demo_spans_two_counties_and_an_outsider_in_a_third():
    counties = {p.region_code[:6] for p in DEMO_PEOPLE if len(p.region_code) >= 6}
    assert counties == {"220182", "222406", "220322"}


@pytest.mark.django_db
def test_seed_creates_logins_that_work_and_is_idempotent():
    _tree_for_demo()
    first = demo_seed(seed=1)
    assert first["users"] == len(DEMO_PEOPLE)
    user = User.objects.get(username="daiban")
    assert user.check_password(DEMO_PASSWORD)
    assert RoleAssignment.objects.get(user=user).region_code == "220182102200"
    groups = Region.objects.filter(level=Level.GROUP, parent__code="220182102200")
    assert groups.count() == 3
    assert all(g.code.startswith("220182102200") and len(g.code) == 15 for g in groups)
    second = demo_seed(seed=1)
    assert second and not any(second.values()), second
    # The logins, plus the volunteering demo's non-login cadres (three people for four eyes).
    assert User.objects.count() == len(DEMO_PEOPLE) + len(CADRES)


@pytest.mark.django_db
def test_seed_without_the_tree_says_what_to_do():
    with pytest.raises(CommandError, match="import_regions"):
        call_command("demo_seed")
